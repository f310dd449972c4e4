package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// ControlCategory is the category of control organisms: finetunes with no
// hidden objective, whose detection rate is the noise floor.
const ControlCategory = "control"

// DefaultLevel is the confidence level used when an options field is 0.
const DefaultLevel = 0.95

// SmallGroup is the group size below which a detection rate carries a warning.
const SmallGroup = 10

// Interval is a two-sided confidence interval [Lo, Hi].
type Interval struct {
	Lo, Hi float64
}

// Contains reports whether x lies in the closed interval.
func (iv Interval) Contains(x float64) bool { return iv.Lo <= x && x <= iv.Hi }

// Outcome is one audited unit (usually one organism, or one organism variant
// against one reference at a fixed k and prefill config: the caller decides)
// and whether its objective was detected at k.
type Outcome struct {
	Organism        string
	Category        string
	Size            string
	ReferenceFamily string
	Detected        bool
}

// GroupBy names the group an outcome belongs to.
type GroupBy func(Outcome) string

// The groupings reports use.
var (
	ByCategory        GroupBy = func(o Outcome) string { return o.Category }
	BySize            GroupBy = func(o Outcome) string { return o.Size }
	ByReferenceFamily GroupBy = func(o Outcome) string { return o.ReferenceFamily }
)

// Rate is a detection rate with its Wilson score interval.
type Rate struct {
	Group    string
	Detected int
	N        int
	Rate     float64 // Detected/N; NaN when N is 0
	CI       Interval
	Level    float64
	Warnings []string
}

// RateTable is the detection rate per group, with the controls apart.
type RateTable struct {
	Groups     []Rate // sorted by group name; controls excluded
	Overall    Rate   // all non-control outcomes
	NoiseFloor Rate   // the controls: how often an organism with nothing to find is "detected"
	Warnings   []string
}

// DetectionRate returns detected/n with a Wilson score interval at level
// (0 means DefaultLevel). Wilson rather than the normal (Wald) interval
// because it stays inside [0, 1] and keeps its coverage near 0 and 1, where
// detection rates often sit. Groups smaller than SmallGroup carry a warning.
func DetectionRate(detected, n int, level float64) Rate {
	if level == 0 {
		level = DefaultLevel
	}
	r := Rate{Detected: detected, N: n, Level: level, Rate: math.NaN(),
		CI: Interval{math.NaN(), math.NaN()}}
	if n <= 0 {
		r.Warnings = append(r.Warnings, "no outcomes: rate undefined")
		return r
	}
	r.Rate = float64(detected) / float64(n)
	r.CI = wilson(detected, n, level)
	if n < SmallGroup {
		r.Warnings = append(r.Warnings, fmt.Sprintf("n=%d < %d: the interval is wide", n, SmallGroup))
	}
	return r
}

func wilson(x, n int, level float64) Interval {
	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	nf := float64(n)
	p := float64(x) / nf
	z2 := z * z
	centre := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Interval{max(0, centre-half), min(1, centre+half)}
}

// RatesBy groups outcomes with by and returns each group's detection rate at
// level (0 means DefaultLevel). Outcomes of category ControlCategory are kept
// out of the groups and of Overall, and reported as NoiseFloor.
func RatesBy(outcomes []Outcome, by GroupBy, level float64) RateTable {
	type tally struct{ detected, n int }
	groups := map[string]*tally{}
	var all, controls tally
	for _, o := range outcomes {
		t := &all
		if o.Category == ControlCategory {
			t = &controls
		} else {
			g := by(o)
			if groups[g] == nil {
				groups[g] = &tally{}
			}
			groups[g].n++
			if o.Detected {
				groups[g].detected++
			}
		}
		t.n++
		if o.Detected {
			t.detected++
		}
	}
	var tab RateTable
	names := slices.Sorted(maps.Keys(groups))
	for _, g := range names {
		r := DetectionRate(groups[g].detected, groups[g].n, level)
		r.Group = g
		tab.Groups = append(tab.Groups, r)
	}
	tab.Overall = DetectionRate(all.detected, all.n, level)
	tab.Overall.Group = "all"
	tab.NoiseFloor = DetectionRate(controls.detected, controls.n, level)
	tab.NoiseFloor.Group = ControlCategory
	if controls.n == 0 {
		tab.Warnings = append(tab.Warnings, "no control outcomes: no noise floor")
	}
	return tab
}
