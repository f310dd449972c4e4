// Package metrics is the statistics of ppldiff: pure math on gonum, no I/O,
// no logging, and no imports of other ppldiff packages.
//
// # Input shapes
//
// A ranking is a []bool, flagged-by-rank: flagged[i] is true when the
// completion at rank i+1 (1-based, score descending) was flagged by the
// organism's detectors. For the clustered bootstrap a [Ranking] adds the
// cluster id (the prefill id) of each rank, and a run with several repeats is
// a []Ranking, one per repeat.
//
// # Rank metrics
//
// count@k ([CountAt]) is the number of flagged completions among the top k;
// detected@k ([DetectedAt]) is count@k >= 1; the first-hit rank
// ([FirstHitRank]) is the 1-based rank of the first flagged completion;
// [MRR] averages reciprocal first-hit ranks; precision@k ([PrecisionAt]) is
// count@k / min(k, len(ranking)); recall@k ([RecallAt], [Recall]) is
// count@k / min(k, n_flagged).
//
// # Uncertainty
//
// Detection rates over organisms ([RatesBy]) carry Wilson score intervals;
// controls are left out of the groups and reported as the noise floor.
// count@k carries a clustered, percentile bootstrap interval
// ([BootstrapCountAt]): prefill clusters are resampled with replacement
// within each repeat (repeats are strata) and count@k is recomputed over the
// resampled ranking. Two references on the same completions are compared by
// a paired bootstrap of the difference ([PairedBootstrapDiff]); units such as
// organisms by [SignTest] and [WilcoxonSignedRank]. [TrendByFamily] fits
// detection against log10(params) per reference family, never mixing params
// kinds. Many tests at once are corrected by [HolmAdjust] (family-wise
// error) or [BenjaminiHochbergAdjust] (false discovery rate).
//
// # Sequential decisions
//
// [CountRule] decides count@k from growing random subsets of a fixed budget
// (adaptive budgets): one-sided [ClopperPearson] bounds at each look of a
// [LookSchedule], the error rate split over the looks.
//
// Results that rest on little data carry Warnings (plain sentences), the way
// benchstat reports them: they are not errors, the numbers are still given.
package metrics
