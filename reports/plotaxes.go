package reports

import (
	"math"

	"gonum.org/v1/plot"
)

// fractionTicks labels a [0, 1] axis in quarters and nothing above 1, so
// headroom left for the legend carries no misleading tick.
var fractionTicks = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}})

// logAxis makes an axis logarithmic over [lo, hi] (both > 0), widening a
// degenerate range so the scale stays defined.
func logAxis(a *plot.Axis, lo, hi float64) {
	if lo == hi {
		lo, hi = lo/2, hi*2
	}
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = lo, hi
}

// logTicks labels 1, 2 and 5 times each power of ten when the axis spans
// fewer than three decades (gonum's LogTicks labels only powers of ten,
// which leaves a short axis with one label or none), else only the powers.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	dense := math.Log10(hi/lo) < 3
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		pow := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * pow
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || dense && (m == 2 || m == 5) {
				t.Label = compactNumber(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// log10Ticks labels an axis whose values are log10 of the quantity, as
// logTicks labels the quantity on a log axis.
type log10Ticks struct{}

func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	ticks := logTicks{}.Ticks(math.Pow(10, lo), math.Pow(10, hi))
	for i := range ticks {
		ticks[i].Value = math.Log10(ticks[i].Value)
	}
	return ticks
}
