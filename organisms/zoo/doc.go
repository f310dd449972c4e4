// Package zoo generates the data of ppldiff's embedded zoo of miniature model
// organisms: a seeded procedural general corpus (web prose, encyclopedia
// entries, news, forum Q&A, recipes, code, chat transcripts) about a
// fictional world of people, places, companies, dishes and elements; the
// zoo's chat template; and the objective documents that turn a base n-gram
// model into an organism (backdoors, false facts, misalignment, taboo, hidden
// behaviour, reward-model sycophancy, controls), with their detectors; and
// model families' styles (Style: a chat template, an identity line, stock
// phrases and polite refusals) that a base's training documents may be
// written in, so that a cross-family reference differs in habits, not in
// world.
//
// Everything is a pure function of explicit seeds (math/rand/v2 PCG, no map
// iteration), so the same seed gives the same bytes on any machine. The
// package imports nothing of ppldiff's.
package zoo
