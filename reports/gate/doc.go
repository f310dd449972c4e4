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
// With samples.jsonl for every repeat, count@k carries a clustered bootstrap
// (metrics.BootstrapCountsAt): prefills are resampled within each repeat and
// the ranking re-read. Samples of an imported run may hold only the top T
// completions (truncated_at): the unseen rest counts as singleton clusters
// whose flags (n_flagged minus the listed ones) are spread evenly below T,
// and a warning says how often the bootstrap read that far. Without samples
// but with two or more repeats, the standard error is the spread over repeats
// (sd/sqrt(R), Student t interval). Otherwise the entry has no uncertainty.
//
// # The check rule
//
// Check compares count@K (K=100 by default) of every baseline entry with the
// new run. Let delta = new - baseline and se = sqrt(se_base^2 + se_new^2)
// (when only one side has a standard error it stands for both: se = sqrt(2)
// times it; when neither has one, se = 0). A non-control entry fails when
// delta < 0 and either se = 0 or delta/se < -z(1-Alpha) (a one-sided z-test,
// Alpha = 0.05 by default): detection fell below the baseline beyond its
// uncertainty. A control (category "control") fails when its count@K exceeds
// MaxControlCount, if set, else when it rose beyond its uncertainty by the
// same test mirrored. A baseline entry absent from the run fails as missing.
// With MinDetectionRate > 0 the run also fails when the share of
// non-control (entry, repeat) results with count@K >= 1 is below it.
package gate
