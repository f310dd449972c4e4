// Package gate holds ppldiff's regression gates: it summarises a run
// directory (results.json, and samples.jsonl when present) into a baseline
// file, checks a later run against that baseline, and compares two runs
// entry by entry. The CLI commands baseline, check and compare call it.
//
// An entry is (organism, variant, reference, config, score): repeats of the
// same entry are aggregated, count@k being averaged over them.
//
// # Uncertainty of an entry's count@k
//
// When results.json lists every flagged rank (flagged_ranks, written by
// ppldiff runs), count@k carries a clustered bootstrap over the whole
// ranking (metrics.BootstrapCountsAt): prefills are resampled within each
// repeat and the ranking re-read; samples.jsonl supplies the prefill ids of
// the ranks it lists and every other completion is its own cluster (a run
// draws one completion per prefill). Otherwise, with samples.jsonl for
// every repeat, the bootstrap reads the samples. Samples of an imported run
// may hold only the top T
// completions (truncated_at): the unseen rest counts as singleton clusters
// whose flags (n_flagged minus the listed ones) are spread evenly below T,
// and a warning says how often the bootstrap read that far. Without samples
// but with two or more repeats, the standard error is the spread over repeats
// (sd/sqrt(R), Student t interval). Otherwise the entry has no uncertainty.
//
// # The check rule
//
// Check compares count@K (K=100 by default) of every baseline entry with the
// new run. Let delta = new - baseline. Each entry gets a one-sided z-test:
// a non-control entry tests for a drop (detection fell), a control
// (category "control") for a rise (p = Phi(delta/se), resp. 1 - Phi).
//
// The standard error se is that of delta under the test's null hypothesis
// (the run draws from the baseline's distribution), quasi-binomial: each
// side's variance is phi * K p (1 - p) / R at the pooled rate p (both sides'
// counts averaged, weighted by their numbers of repeats R), with phi the
// ratio of the sides' estimated variances (SE^2 from the bootstrap or the
// repeat spread) to their binomial variances at their own rates, 1 when no
// side has an estimate. The assumption: a side's variance is proportional to
// the binomial variance of its count, the proportion (clustering of
// completions by prefill) being the same on both sides. This matters when a
// side counts 0: its bootstrap has nothing to resample, so its own SE is 0,
// and taking that at face value would make any drop to 0 look certain (or,
// where both sides had SE 0, any change fail). Under the null it has the
// variance of the pooled rate instead. When both sides hold the same rate
// and repeats, se reduces to sqrt(se_base^2 + se_new^2).
//
// # Many entries, one verdict
//
// A run holds hundreds of entries (396 ppl_diff entries in the default zoo
// run); testing each at 0.05 alone makes about 5% of them fail on every
// re-seed. The p-values of the tested entries (every matched entry except
// controls under MaxControlCount) are therefore adjusted together, and an
// entry fails when its adjusted p-value is at most Alpha (0.05 by default):
//
//   - CorrectionBH (the default): Benjamini-Hochberg, controlling the false
//     discovery rate at Alpha. When nothing changed (a re-seed) every
//     failure is false, and BH then bounds the chance that the gate fails at
//     all by Alpha, as Holm does. When something did change, a regression
//     rarely touches one entry alone: a broken detector or organism breaks
//     its entries across references and prefill configs together, and BH's
//     threshold grows with the number of real drops, while Holm's stays near
//     Alpha/m for the first. The gate's verdict is one pass/fail for the
//     run, so an occasional innocent entry named beside real ones costs
//     little. BH assumes independent or positively dependent tests; entries
//     of one organism share completions and are positively dependent. On the
//     small test zoo (30 entries, count@100 of 3 to 8) a backdoor whose
//     detector stops matching fails 6 entries under BH and none under Holm.
//   - CorrectionHolm: Holm's step-down, controlling the family-wise error
//     rate at Alpha under any dependence: no entry is named falsely with
//     probability 1 - Alpha, at the cost of missing moderate drops.
//   - CorrectionNone: each entry alone at Alpha (the rule before the
//     correction; expect false alarms in proportion to the entries).
//
// Threshold rules stay outside the correction and fail regardless of it: a
// baseline entry absent from the run fails as missing; a control fails when
// its count@K exceeds MaxControlCount, if set; with MinDetectionRate > 0 the
// run fails when the share of non-control (entry, repeat) results with
// count@K >= 1 is below it. The text report names the correction, its level
// and how many entries were tested.
package gate
