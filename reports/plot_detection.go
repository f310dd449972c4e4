package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// errPoints carries points with asymmetric Y errors for plotter.YErrorBars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// detectionFigures plots the share of entries detected (count@100 >= 1)
// against model size, one line per reference family, one figure per
// params_kind: two kinds never share an axis. Entries without params or
// without counts are left out and counted in the caption.
func detectionFigures(entries []results.Entry) ([]figure, []string, error) {
	byKind := map[string][]results.Entry{}
	noParams, noCounts := 0, 0
	for _, e := range entries {
		switch {
		case e.Category == metrics.ControlCategory:
			// Controls have nothing to detect: they are the noise floor,
			// not a point on the detection curve (as in metrics.RatesBy).
		case e.Params <= 0:
			noParams++
		case e.CountAt100 == nil:
			noCounts++
		default:
			byKind[e.ParamsKind] = append(byKind[e.ParamsKind], e)
		}
	}
	kinds := sortedKeys(byKind)
	var notes []string
	if len(kinds) > 1 {
		notes = append(notes, fmt.Sprintf("detection against size: params kinds mixed (%s); one plot per kind, never two kinds on one axis", strings.Join(kinds, ", ")))
	}
	var figs []figure
	for _, kind := range kinds {
		name := "detection_vs_size"
		if len(kinds) > 1 {
			name += "_" + safeName(kind)
		}
		fig, err := detectionFigure(name, kind, byKind[kind], noParams, noCounts)
		if err != nil {
			return nil, nil, err
		}
		figs = append(figs, fig)
	}
	if len(kinds) == 0 {
		notes = append(notes, "detection against size: no entry has both params and counts; plot skipped")
	}
	return figs, notes, nil
}

func detectionFigure(name, kind string, entries []results.Entry, noParams, noCounts int) (figure, error) {
	lines := detectionCells(entries)
	xlabel := "model size (params, " + kind + ")"
	if kind == "" {
		xlabel = "model size (params, kind unknown)"
	}
	p := newPlot("Detection against model size", xlabel, "share detected (count@100 ≥ 1)")
	keys := sortedKeys(lines)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, k := range keys {
		// Offset each line slightly along x so error bars stay legible.
		shift := math.Pow(10, 0.015*(float64(i)-float64(len(keys)-1)/2))
		pts := errPoints{}
		for _, c := range lines[k] {
			r := metrics.DetectionRate(c.detected, c.n, metrics.DefaultLevel)
			x := c.params() * shift
			pts.XYs = append(pts.XYs, plotter.XY{X: x, Y: r.Rate})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{r.Rate - r.CI.Lo, r.CI.Hi - r.Rate})
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		line, scatter, err := plotter.NewLinePoints(pts.XYs)
		if err != nil {
			return figure{}, err
		}
		line.Color, scatter.Color = seriesColor(i), seriesColor(i)
		scatter.Shape = draw.CircleGlyph{}
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return figure{}, err
		}
		bars.Color = seriesColor(i)
		p.Add(line, scatter, bars)
		p.Legend.Add(oneLine(k, 40), line, scatter)
	}
	logAxis(&p.X, lo/1.3, hi*1.3)
	p.Y.Min, p.Y.Max = 0, 1+0.1*float64(len(keys)+1) // headroom for the legend
	p.Y.Tick.Marker = fractionTicks
	caption := "Share of entries (organism x variant x config x repeat, controls left out) with count@100 ≥ 1, by model size on a log axis (entries sharing a size label, e.g. a zoo n-gram order, form one point at the geometric mean of their params), one line per reference family (kind); bars are 95% Wilson intervals; lines are offset slightly along x for legibility."
	if noParams+noCounts > 0 {
		caption += fmt.Sprintf(" Left out: %d entries without params, %d without counts.", noParams, noCounts)
	}
	return finish(p, name, caption, 16*vg.Centimeter, 10*vg.Centimeter)
}

// sizeCell is one point of a detection line: the entries of one size.
type sizeCell struct {
	detected, n int
	logParams   float64 // sum of ln(params), for the geometric mean
}

func (c *sizeCell) params() float64 { return math.Exp(c.logParams / float64(c.n)) }

// detectionCells groups entries per series and size, each series' cells in
// ascending size. Entries group by their size label when they have one:
// variants of one size differ a little in params (each organism's n-gram
// model has its own entry count), and grouping by exact params made one
// point per organism, stacked at nearly the same x. Entries without a label
// group by exact params.
func detectionCells(entries []results.Entry) map[string][]*sizeCell {
	type sizeKey struct {
		label  string
		params int64
	}
	byKey := map[string]map[sizeKey]*sizeCell{}
	for _, e := range entries {
		k := seriesKey(e)
		if byKey[k] == nil {
			byKey[k] = map[sizeKey]*sizeCell{}
		}
		sk := sizeKey{label: e.Size}
		if e.Size == "" {
			sk.params = e.Params
		}
		c := byKey[k][sk]
		if c == nil {
			c = &sizeCell{}
			byKey[k][sk] = c
		}
		c.n++
		c.logParams += math.Log(float64(e.Params))
		if *e.CountAt100 >= 1 {
			c.detected++
		}
	}
	out := map[string][]*sizeCell{}
	for k, cells := range byKey {
		for _, c := range cells {
			out[k] = append(out[k], c)
		}
		// Ties on params are broken by the counts so the order never
		// depends on map iteration.
		slices.SortFunc(out[k], func(a, b *sizeCell) int {
			if c := cmp.Compare(a.params(), b.params()); c != 0 {
				return c
			}
			if c := cmp.Compare(a.n, b.n); c != 0 {
				return c
			}
			return cmp.Compare(a.detected, b.detected)
		})
	}
	return out
}
