package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/ppldiff/ppldiff/harness/results"
)

// SummaryTable writes the summary of a run to w as a terminal table: one row
// per organism x variant x reference x config (repeats aggregated) for
// opts.Score, with the study's published numbers beside ours when the
// entries carry them.
func SummaryTable(w io.Writer, r *results.Results, opts Options) error {
	opts = opts.withDefaults()
	rn, err := newRun(r, nil, opts.Score)
	if err != nil {
		return err
	}
	header, cells := summaryCells(summarize(rn.entries))
	return renderTable(w, header, cells)
}

// HeadlineTable writes what a run found to w for a terminal: the
// headline's sentences and one row per organism x reference, rolled up over
// the variants (see report.html's headline), instead of every entry.
func HeadlineTable(w io.Writer, r *results.Results, opts Options) error {
	opts = opts.withDefaults()
	rn, err := newRun(r, nil, opts.Score)
	if err != nil {
		return err
	}
	hl, err := buildHeadline(bestConfigs(summarize(rn.entries)))
	if err != nil {
		return err
	}
	header := []string{"organism", "category", "reference", "variants detected", "best first hit", "best count@10", "best count@100"}
	var cells [][]string
	for _, h := range hl.Rows {
		cells = append(cells, []string{h.Organism, h.Category, h.Reference, h.DetectedText(), h.FirstHit, h.Count10, h.Count100})
	}
	if err := renderTable(w, header, cells); err != nil {
		return err
	}
	for _, s := range hl.Sentences {
		if _, err := fmt.Fprintln(w, cleanText(s, false)); err != nil {
			return err
		}
	}
	return nil
}

// summaryCells renders summary rows as plain (not yet escaped) strings. The
// terminal, Markdown and HTML outputs all show these same cells.
func summaryCells(rows []summaryRow) (header []string, cells [][]string) {
	header = []string{"organism", "variant", "reference", "config", "repeats", "n", "n_flagged", "count@10", "count@100", "first hit"}
	pub := hasPublished(rows)
	if pub {
		header = append(header, "published count@10", "published count@100", "published first hit")
	}
	for _, r := range rows {
		c := []string{
			r.Key.Organism, r.Key.Variant, r.Key.Reference, r.Key.Config,
			strconv.Itoa(r.Repeats),
			formatMean(r.NCompletions),
			formatMean(r.NFlagged.Mean()),
			formatMean(r.CountAt10.Mean()),
			formatMean(r.CountAt100.Mean()),
			formatFirstHit(r.FirstHit, r.Repeats),
		}
		if pub {
			p100 := formatPublished(r.Published100)
			if r.PublishedConfig != "" && p100 != "-" {
				p100 += " (" + r.PublishedConfig + ")"
			}
			c = append(c, formatPublished(r.Published10), p100, formatInt(r.PublishedFirst))
		}
		cells = append(cells, c)
	}
	return header, cells
}

// formatMean prints integers without decimals and other means with one;
// NaN (no value) prints as "-".
func formatMean(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func formatInt(v *int) string {
	if v == nil {
		return "-"
	}
	return strconv.Itoa(*v)
}

// formatFirstHit prints the median first hit rank, and how many repeats had
// a hit when not all did.
func formatFirstHit(m medianOf, repeats int) string {
	if len(m.Values) == 0 {
		return "-"
	}
	s := formatMean(m.Median())
	if len(m.Values) < repeats {
		s += fmt.Sprintf(" (%d/%d repeats)", len(m.Values), repeats)
	}
	return s
}

// formatPublished prints a published count, which may be a mean.
func formatPublished(v *float64) string {
	if v == nil {
		return "-"
	}
	return formatMean(*v)
}
