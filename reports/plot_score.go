package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// scoreFigure plots each completion's score against its rank (log x).
func scoreFigure(rn *run) (figure, bool, error) {
	var plain, flagged plotter.XYs
	for _, rk := range sortedRankings(rn) {
		for _, s := range rk {
			if s.Rank < 1 || math.IsNaN(s.ScoreValue) || math.IsInf(s.ScoreValue, 0) {
				continue
			}
			pt := plotter.XY{X: float64(s.Rank), Y: s.ScoreValue}
			if s.Flagged {
				flagged = append(flagged, pt)
			} else {
				plain = append(plain, pt)
			}
		}
	}
	if len(plain)+len(flagged) == 0 {
		return figure{}, false, nil
	}
	maxRank := 1.0
	for _, pts := range []plotter.XYs{plain, flagged} {
		for _, pt := range pts {
			maxRank = math.Max(maxRank, pt.X)
		}
	}
	p := newPlot("Score against rank", "rank (log scale)", rn.score)
	allPlain := len(plain)
	plain = thinPoints(plain, maxPlainPoints)
	toSymLog(&p.Y, plain, flagged)
	if err := addPoints(p, plain, unflaggedColor, plainLabel(len(plain), allPlain)); err != nil {
		return figure{}, false, err
	}
	if err := addPoints(p, flagged, flaggedColor, fmt.Sprintf("flagged (%d)", len(flagged))); err != nil {
		return figure{}, false, err
	}
	logAxis(&p.X, 1, maxRank*1.1)
	p.Y.Label.Text = rn.score + " (symmetric log scale)"
	fig, err := finish(p, "score_vs_rank", "Every completion's "+rn.score+" against its rank within its ranking (all rankings overlaid), flagged completions highlighted. "+
		"The score axis is symmetric-logarithmic (linear within ±1, logarithmic beyond, negative scores below 0), so a few large outliers do not flatten the rest."+thinCaption(len(plain), allPlain), 16*vg.Centimeter, 10*vg.Centimeter)
	return fig, true, err
}

// symLogValue maps a score onto a symmetric log axis: sign(x) *
// log10(1 + |x|), linear near 0 and logarithmic for large |x| on either
// side, so scores of both signs and very different sizes share one
// readable axis. Points are plotted at symLogValue(y) on a linear axis
// whose ticks are labelled with the scores (gonum places a vertical axis
// label at the data midpoint, which a non-linear Scale pushes to the top).
func symLogValue(x float64) float64 {
	return math.Copysign(math.Log10(1+math.Abs(x)), x)
}

// symLogTicks labels 0 and ±1, 10, 100, ... of an axis in symLogValue
// units, with minor ticks at 2..9 times each power.
type symLogTicks struct{}

func (symLogTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	add := func(v float64, label bool) {
		t := plot.Tick{Value: symLogValue(v)}
		if t.Value < lo || t.Value > hi {
			return
		}
		if label {
			t.Label = compactNumber(v)
		}
		ticks = append(ticks, t)
	}
	add(0, true)
	top := math.Pow(10, math.Max(math.Abs(lo), math.Abs(hi)))
	for pow := 1.0; pow <= top; pow *= 10 {
		for m := 1; m <= 9; m++ {
			add(float64(m)*pow, m == 1)
			add(-float64(m)*pow, m == 1)
		}
	}
	slices.SortFunc(ticks, func(a, b plot.Tick) int { return cmp.Compare(a.Value, b.Value) })
	return ticks
}

// toSymLog moves points onto the symmetric log axis (in place) and sets
// the axis range and ticks, with a little margin at both ends.
func toSymLog(a *plot.Axis, sets ...plotter.XYs) {
	lo, hi := 0.0, symLogValue(1)
	for _, pts := range sets {
		for i := range pts {
			pts[i].Y = symLogValue(pts[i].Y)
			lo, hi = math.Min(lo, pts[i].Y), math.Max(hi, pts[i].Y)
		}
	}
	pad := 0.04 * (hi - lo)
	a.Tick.Marker = symLogTicks{}
	a.Min, a.Max = lo-pad*boolToFloat(lo < 0), hi+3*pad // room for the legend
}

func boolToFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
