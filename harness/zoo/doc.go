// Package zoo builds the models of a zoo manifest (organisms/manifests/zoo.yaml
// or a user's) from their recipes: it generates the procedural corpus of
// organisms/zoo, trains the tokenizers and the n-gram base models of
// harness/lm, finetunes each organism variant on its objective documents,
// and builds the references. A base recipe's style (organisms/zoo.Style)
// writes its chat documents in a model family's habits, and the model it
// builds then chats in that family's template.
//
// Every artifact is cached in a directory (the workspace's .ppldiff/models/),
// content-addressed by a SHA-256 of its full recipe and FormatVersion, so a
// second build trains nothing. Cache writes are atomic (temporary file, then
// rename), so two processes may build at once. Independent models are built
// concurrently, at most GOMAXPROCS at a time, and identical requests share
// one build. LazyOrganism and LazyReference give models that load their
// n-gram tables on the first Generate or Score (their info comes from a
// model card cached beside them), so a run that finds everything in its
// store loads none.
//
// Served names (README "Variants and references"): an organism variant is "organism@variant" (e.g.
// "backdoor_phrase@n4-w5"); the true base of a variant is "true_base@n<order>"
// when the organism uses the zoo's default base, and
// "true_base@<organism>-n<order>" when its recipe overrides the base; a
// reference with its own recipe (cross_family, weak) is served under its id,
// or as "<id>@n<order>" when its recipe leaves the order to the variant.
package zoo
