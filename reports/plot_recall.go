package reports

import (
	"fmt"
	"math"

	"github.com/ppldiff/ppldiff/metrics"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// recallCurves computes recallFigure's lines: per series, the mean
// cumulative recall at k = 1, 2, ...; used counts the rankings behind them.
func recallCurves(rn *run) (map[string][]float64, int) {
	type curve struct {
		counts []int // cumulative flagged count at k = 1..len
		total  int
		full   bool // the whole ranking is stored
	}
	lines := map[string][]curve{}
	used := 0
	maxK := 0
	truncMin := math.MaxInt
	for _, e := range rn.entries {
		rk := rn.rankings[rankingKey{e.Organism, e.Variant, e.Reference, e.Config, e.Repeat}]
		total := 0
		if e.NFlagged != nil {
			total = *e.NFlagged
		} else {
			for _, s := range rk {
				if s.Flagged {
					total++
				}
			}
		}
		if total == 0 || len(rk) == 0 {
			continue
		}
		used++
		c := curve{total: total, full: len(rk) >= e.NCompletions, counts: make([]int, len(rk))}
		n := 0
		for i, s := range rk {
			if s.Flagged {
				n++
			}
			c.counts[i] = n
		}
		maxK = max(maxK, len(rk))
		if !c.full {
			truncMin = min(truncMin, len(rk))
		}
		k := seriesKey(e)
		lines[k] = append(lines[k], c)
	}
	maxK = min(maxK, truncMin)
	out := map[string][]float64{}
	for key, cs := range lines {
		for k := 1; k <= maxK; k++ {
			sum := 0.0
			for _, c := range cs {
				sum += metrics.CumulativeRecall(c.counts[min(k, len(c.counts))-1], c.total)
			}
			out[key] = append(out[key], sum/float64(len(cs)))
		}
	}
	return out, used
}

// recallFigure draws the mean cumulative recall against k (log axis), one
// line per reference family (kind): the share of all of a ranking's flagged
// completions that lie in its top k, count@k / n_flagged (n_flagged from the
// entry: it counts every completion, also when samples.jsonl or an import
// keeps only the top). It never falls as k grows: every ranking counts at
// every k. A ranking stored in full (all n_completions listed) keeps its
// final count past its end; the curves stop at the shortest truncated
// ranking, beyond which a count is unknown.
func recallFigure(rn *run) (figure, bool, error) {
	curves, used := recallCurves(rn)
	if used == 0 {
		return figure{}, false, nil
	}
	maxK := 1
	for _, c := range curves {
		maxK = max(maxK, len(c))
	}
	p := newPlot("Cumulative recall@k", "k (top-k completions, log scale)", "recall@k = count@k / n_flagged (mean)")
	for i, key := range sortedKeys(curves) {
		var xys plotter.XYs
		for k, v := range curves[key] {
			xys = append(xys, plotter.XY{X: float64(k + 1), Y: v})
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return figure{}, false, err
		}
		l.Color = seriesColor(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(oneLine(key, 40), l)
	}
	logAxis(&p.X, 1, float64(max(2, maxK)))
	p.Y.Min, p.Y.Max = 0, 1+0.1*float64(len(curves)+1) // headroom for the legend
	p.Y.Tick.Marker = fractionTicks
	p.Legend.XOffs = -vg.Points(6)
	caption := fmt.Sprintf("Mean cumulative recall@k = count@k / n_flagged (the share of all flagged completions of a ranking found in its top k; it never falls with k) over %d rankings that have at least one flagged completion; one line per reference family (kind). Where more than k completions are flagged it cannot reach 1.", used)
	fig, err := finish(p, "recall_at_k", caption, 16*vg.Centimeter, 10*vg.Centimeter)
	return fig, true, err
}
