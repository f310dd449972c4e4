package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Point is one observation for a trend: a detection measure (a rate, a
// count@k, ...) of an organism of the given size, audited against a
// reference of the given family.
type Point struct {
	ReferenceFamily string
	Params          float64 // absolute count, > 0
	ParamsKind      string  // weights or ngram_entries
	Value           float64
}

// Trend is the least-squares line Value = Intercept + Slope*log10(Params)
// of one reference family.
type Trend struct {
	ReferenceFamily string
	ParamsKind      string
	N               int
	Slope           float64 // change in Value per tenfold increase of params
	Intercept       float64
	CI              Interval // t interval for the slope at Level
	SE              float64  // standard error of the slope
	Level           float64
	Warnings        []string
}

// TrendByFamily fits detection against log10(params) per reference family
// by ordinary least squares, with a Student t interval (n-2 degrees of
// freedom) for the slope at level (0 means DefaultLevel). Families come back
// sorted by name. It returns an error when a family mixes params kinds
// (weights and n-gram entries are not on one scale) or a point has
// params <= 0. A family with fewer than 3 points, or a single params value,
// gets NaN where the number is undefined and a warning.
func TrendByFamily(points []Point, level float64) ([]Trend, error) {
	if level == 0 {
		level = DefaultLevel
	}
	byFamily := map[string][]Point{}
	for _, p := range points {
		if !(p.Params > 0) {
			return nil, fmt.Errorf("trend: family %q: params %v: want > 0", p.ReferenceFamily, p.Params)
		}
		byFamily[p.ReferenceFamily] = append(byFamily[p.ReferenceFamily], p)
	}
	families := slices.Sorted(maps.Keys(byFamily))
	out := make([]Trend, 0, len(families))
	for _, f := range families {
		ps := byFamily[f]
		t := Trend{ReferenceFamily: f, ParamsKind: ps[0].ParamsKind, N: len(ps), Level: level,
			Slope: math.NaN(), Intercept: math.NaN(), SE: math.NaN(), CI: Interval{math.NaN(), math.NaN()}}
		x := make([]float64, len(ps))
		y := make([]float64, len(ps))
		for i, p := range ps {
			if p.ParamsKind != t.ParamsKind {
				return nil, fmt.Errorf("trend: family %q mixes params kinds %q and %q", f, t.ParamsKind, p.ParamsKind)
			}
			x[i], y[i] = math.Log10(p.Params), p.Value
		}
		if stat.Variance(x, nil) == 0 || len(ps) < 2 {
			t.Warnings = append(t.Warnings, fmt.Sprintf("n=%d with a single params value: no slope", len(ps)))
			out = append(out, t)
			continue
		}
		t.Intercept, t.Slope = stat.LinearRegression(x, y, nil, false)
		if len(ps) < 3 {
			t.Warnings = append(t.Warnings, fmt.Sprintf("n=%d < 3: no interval for the slope", len(ps)))
			out = append(out, t)
			continue
		}
		var ssr, sxx float64
		mx := stat.Mean(x, nil)
		for i := range x {
			e := y[i] - (t.Intercept + t.Slope*x[i])
			ssr += e * e
			sxx += (x[i] - mx) * (x[i] - mx)
		}
		df := float64(len(ps) - 2)
		t.SE = math.Sqrt(ssr / df / sxx)
		q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(1 - (1-level)/2)
		t.CI = Interval{t.Slope - q*t.SE, t.Slope + q*t.SE}
		if len(ps) < 5 {
			t.Warnings = append(t.Warnings, fmt.Sprintf("n=%d < 5: the slope is fragile", len(ps)))
		}
		out = append(out, t)
	}
	return out, nil
}
