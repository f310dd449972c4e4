// Package reports turns a run directory (results.json + samples.jsonl, see
// harness/results) into human-readable outputs: terminal tables, report.md,
// a self-contained report.html and plots (PNG and SVG) under plots/. It only
// reads results files; it never runs a model.
//
// All model text (prefills, completions, matched terms) is hostile input:
// terminal output has control characters and ANSI escapes stripped, Markdown
// output is escaped for both Markdown and HTML (renderers pass HTML through),
// and report.html is built with html/template under a Content-Security-Policy
// that allows only the report's own inline script (by hash), inline styles
// and data: images.
//
// Outputs of Write(dir, opts): dir/report.md, dir/report.html and
// dir/plots/NAME.{svg,png} for NAME in detection_vs_size (one
// detection_vs_size_KIND per params kind when kinds mix), count_at_100,
// recall_at_k, ppl_ref_vs_ft and score_vs_rank; for a run with more than
// Options.OrganismPagesOver listings (default 60; the full zoo has 198),
// the completion listings go to dir/report-organisms/ORGANISM.html, one
// page per organism, and report.html links to them. Every page works
// offline: the plots are inlined as data: URLs of the PNGs, shown at the
// plots' own size (the SVGs name fonts without embedding them, and a
// browser's substitute font can make legend lines overlap), and its filters by organism,
// reference and "flagged only" are a small inline script allowed by its
// sha256 in the page's Content-Security-Policy. SVGs do not embed fonts,
// which keeps them byte-identical from render to render.
//
// Conventions the outputs follow (README "Outputs" describes them for users):
//   - Both reports open with the headline (a table of contents above it):
//     one sentence per reference kind, "N of M organism variants detected"
//     (controls left out; detected: mean count@100 >= 1 at the variant's
//     best config), the controls' highest count@100, and a table per
//     organism x reference rolled up over the variants: variants detected,
//     best first hit, best count@10 and count@100 with 95% bootstrap
//     intervals, each naming its variant.
//   - Then a leak map: one row per organism x variant, one column per
//     reference (true base first), each cell the best config's count@100
//     (with its min-max over repeats when they differ) and median first hit
//     rank, linked to its completion listing; report.html shades cells at
//     count@100 >= 1, 3, 10, 30. The full summary (every config) follows;
//     report.html collapses it when it has more than 60 rows.
//   - report.html keeps its table of contents and filters in a bar that
//     stays at the top while scrolling; the filters apply to the headline,
//     the leak map and the listings. Every listing starts collapsed; a link
//     to one opens it.
//   - Sized for big runs (a full zoo run is ~200 listings, ~40k
//     completions): scatter plots draw every flagged completion but at most 4000
//     unflagged ones (a fixed-seed random subset, said in the caption and
//     legend); only shaded tokens carry a per-token tooltip.
//   - Detection against size groups entries by their size label (a zoo
//     n-gram order, e.g. n4) at the geometric mean of their params, or by
//     exact params when they have no label.
//   - report.md puts keyword matches of completions in bold; the prefill is
//     its own column.
//   - Only entries and samples of one score are shown: Options.Score,
//     default ppl_diff.
//   - Repeats are aggregated: the summary shows the mean over repeats of n,
//     n_flagged, count@10 and count@100, and the median first hit rank over
//     the repeats that had a hit (with how many had one when not all did).
//     Null counts (judge-only organisms) print as "-", never 0.
//   - Detection against model size: an entry (organism x variant x config x
//     repeat) is detected when count@100 >= 1; the share detected is plotted
//     per size (grouped as below) with a 95% Wilson interval (metrics.DetectionRate),
//     one line per reference family and kind. Controls are left out (they
//     are the noise floor, as in metrics.RatesBy), as are entries without
//     params or counts (counted in the caption). Two params kinds never share
//     an axis: each kind gets its own plot and a note says so.
//   - count@100 bars and the completion listings use, for each organism x
//     variant x reference, the prefill config with the highest mean count@100
//     (the study's "best config"; ties go to the config that sorts first); the
//     listings show its lowest repeat, top Options.TopK (default 10) ranks.
//     Bars are per reference kind (per reference id if an organism has two
//     references of one kind); more than 12 organisms turn the chart
//     horizontal. Whiskers are 95% bootstrap intervals of the mean
//     count@100 (metrics.BootstrapCountsAt, prefills resampled within
//     repeats, 2000 replicates seeded by the bar's key) when every repeat
//     lists its flagged ranks; a bar with nothing flagged has none.
//   - The recall plot is cumulative recall, metrics.CumulativeRecall:
//     count@k / n_flagged, with n_flagged from the entry, so it never falls
//     as k grows; the curve is the mean over one fixed set of rankings (those
//     with a flagged completion), per reference family and kind, and stops
//     at the shortest truncated ranking.
//   - Score against rank puts the score on a symmetric log axis (linear
//     within ±1, logarithmic beyond, both signs), so outliers do not
//     flatten the rest.
//   - Variants sort numerically everywhere (n3-w4 before n3-w16), reference
//     kinds as true_base, cross_family, weak, other; the count@100 legend
//     lists bars in the order they stand. A count of 0 is a hollow circle on
//     the axis, a missing count a grey cross: never both an empty slot.
//   - Plots are drawn at most maxFigurePx wide and shown at their own size,
//     so no label is below 10 px.
//   - PPL_ref against PPL_ft uses log axes: completions with a null or
//     non-positive perplexity are left out and counted (caption and
//     Written.Notes).
//   - Keyword highlighting: each matched set (terms joined by " & ", as
//     organisms.Matcher reports them) is split into terms, highlighted where
//     they occur case-insensitively; a term with no literal occurrence is
//     tried as a case-insensitive regular expression. Spans are exact
//     character spans (cut at rune starts), and in report.html each match
//     is one box around all its token pieces, so token shading never cuts
//     a keyword's box.
//   - Token shading in report.html is the contribution of each finetuned-model
//     token to the score: logprob_ft minus the reference logprob of the same
//     bytes (reference tokens that straddle the span contribute in proportion
//     to their overlapping bytes), in five fixed levels per sign (0.25, 0.5,
//     1, 2, 4 nats). Without both per-token arrays (imports) nothing is
//     shaded.
package reports
