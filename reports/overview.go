package reports

import (
	"cmp"
	"math"
	"slices"
)

// overviewCell is one organism variant against one reference, from the
// pair's best config: what the leak map at the top of the reports shows.
type overviewCell struct {
	Known bool   // the pair was run and has counts
	Text  string // count@100 (and spread over repeats), first hit
	Title string // config and repeats, for a tooltip
	Level int    // 0..4, fixed thresholds of overviewLevels
	// Config is the pair's best config ("" when not run): the listing the
	// cell links to.
	Config string
}

type overviewRow struct {
	Organism, Variant, Category string
	Cells                       []overviewCell // one per overview.References
}

// overview is the leak map: one row per organism x variant, one column per
// reference, so an auditor sees at a glance which organisms leak, against
// which reference, and how strongly.
type overview struct {
	References []string
	Rows       []overviewRow
}

// overviewLevels are the count@100 thresholds of the leak map's shading.
// Fixed, so shades compare across runs.
var overviewLevels = []float64{1, 3, 10, 30}

func overviewLevel(v float64) int {
	level := 0
	for i, t := range overviewLevels {
		if v >= t {
			level = i + 1
		}
	}
	return level
}

// buildOverview pivots the best-config rows (see bestConfigs). Rows keep
// the order of best; references are sorted by kind (true_base,
// cross_family, weak, other), then by id.
func buildOverview(best []summaryRow) overview {
	type variantKey struct{ organism, variant string }
	refSet := map[string]bool{}
	cells := map[variantKey]map[string]summaryRow{}
	var order []variantKey
	for _, r := range best {
		k := variantKey{r.Key.Organism, r.Key.Variant}
		if cells[k] == nil {
			cells[k] = map[string]summaryRow{}
			order = append(order, k)
		}
		cells[k][r.Key.Reference] = r
		refSet[r.Key.Reference] = true
	}
	kindOf := map[string]string{}
	for _, r := range best {
		kindOf[r.Key.Reference] = r.Entry.ReferenceKind
	}
	ov := overview{References: sortedKeys(refSet)}
	// True base first, as in the headline: the column a reader compares
	// the others with.
	slices.SortStableFunc(ov.References, func(a, b string) int {
		ka, kb := kindOf[a], kindOf[b]
		return cmp.Or(compareKinds(ka, kb), naturalCompare(a, b))
	})
	for _, k := range order {
		row := overviewRow{Organism: k.organism, Variant: k.variant}
		for _, ref := range ov.References {
			r, ok := cells[k][ref]
			if !ok {
				row.Cells = append(row.Cells, overviewCell{Text: "not run"})
				continue
			}
			row.Category = r.Entry.Category
			row.Cells = append(row.Cells, overviewText(r))
		}
		ov.Rows = append(ov.Rows, row)
	}
	return ov
}

// overviewText renders a cell: mean count@100, its range when repeats
// disagree (the only spread a run measures), and the median first hit.
func overviewText(r summaryRow) overviewCell {
	mean := r.CountAt100.Mean()
	c := overviewCell{Title: "config " + r.Key.Config + ", " + pluralRepeats(r.Repeats), Config: r.Key.Config}
	if math.IsNaN(mean) {
		c.Text = "-"
		return c
	}
	c.Known = true
	c.Level = overviewLevel(mean)
	c.Text = formatMean(mean)
	if vs := r.CountAt100.Values; len(vs) > 1 {
		lo, hi := slices.Min(vs), slices.Max(vs)
		if lo != hi {
			c.Text += " [" + formatMean(lo) + "–" + formatMean(hi) + "]"
		}
	}
	if fh := formatFirstHit(r.FirstHit, r.Repeats); fh != "-" {
		c.Text += " · #" + fh
	}
	return c
}

func pluralRepeats(n int) string {
	if n == 1 {
		return "1 repeat"
	}
	return formatMean(float64(n)) + " repeats"
}
