// Package validity compares a run's per-category findings with the study's
// published numbers (arXiv 2605.00994, through the built-in paper
// manifest's `published` entries): per category, count@100 against the
// true base and the retention under a cross-family reference
// (cross_family / true_base), side by side with the study's, with Spearman
// rank correlations over the categories both have. It reads results files
// and the manifest only; it never runs a model.
//
// The study's numbers are read from the manifest, never restated here, so
// a zoo tuned elsewhere cannot be fitted to constants in this package.
package validity
