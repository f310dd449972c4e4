// Package importer turns published data into ppldiff runs, so that reports,
// metrics and regression gates can read the study's own results beside
// ours. The one format so far is the authors' project-page data
// (FormatZ3Website): `ppldiff import --format z3-website FILE --out DIR`.
//
// An imported run holds only the stored top-k of each ranking
// (truncated_at), no per-token data (nulls) and no model tokens (zeros).
// Its prefill configs are renamed to our <corpus>-<format> form: the authors'
// "c4-10k-raw" (corpus, sample budget, format) becomes "c4-raw"; the run's
// config records the original names.
package importer
