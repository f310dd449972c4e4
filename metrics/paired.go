package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// ExactMaxN is the largest number of non-zero differences for which
// WilcoxonSignedRank computes the exact null distribution; above it the
// normal approximation is used.
const ExactMaxN = 50

// Method names how a test's p-value was computed.
const (
	MethodExact  = "exact"
	MethodNormal = "normal approximation"
)

// TestResult is the outcome of a paired test on differences d[i] = x[i] - y[i].
type TestResult struct {
	N         int     // non-zero differences used
	Zeros     int     // zero differences dropped
	Statistic float64 // sign test: number of positive differences; Wilcoxon: W+ (sum of the ranks of positive differences)
	Z         float64 // normal-approximation z (continuity-corrected); for the sign test and exact Wilcoxon it is reported too
	P         float64 // two-sided p-value
	Method    string  // MethodExact or MethodNormal
	Warnings  []string
}

// nonZero drops zero (and NaN) differences, as Wilcoxon's original
// treatment of zeros does, and counts them.
func nonZero(diffs []float64) (nz []float64, zeros int) {
	for _, d := range diffs {
		if d == 0 || math.IsNaN(d) {
			zeros++
			continue
		}
		nz = append(nz, d)
	}
	return nz, zeros
}

// SignTest tests whether positive and negative differences are equally
// likely. Zero differences are dropped; the p-value is the exact two-sided
// binomial one, 2*min(P(X <= s), P(X >= s)) capped at 1, with X ~
// Binomial(n, 1/2) and s the number of positive differences.
func SignTest(diffs []float64) TestResult {
	nz, zeros := nonZero(diffs)
	r := TestResult{N: len(nz), Zeros: zeros, Method: MethodExact}
	for _, d := range nz {
		if d > 0 {
			r.Statistic++
		}
	}
	if r.N == 0 {
		r.P, r.Z = 1, 0
		r.Warnings = append(r.Warnings, "no non-zero differences: nothing to test")
		return r
	}
	n := float64(r.N)
	bin := distuv.Binomial{N: n, P: 0.5}
	s := r.Statistic
	lower := bin.CDF(s)
	upper := 1 - bin.CDF(s-1)
	r.P = math.Min(1, 2*math.Min(lower, upper))
	r.Z = continuityZ(s, n/2, math.Sqrt(n)/2)
	if r.N < 6 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("n=%d < 6: no two-sided p below 0.05 is attainable", r.N))
	}
	return r
}

// continuityZ is (x - mean) / sd with a continuity correction of 0.5 toward the mean.
func continuityZ(x, mean, sd float64) float64 {
	d := x - mean
	switch {
	case d > 0:
		d = math.Max(0, d-0.5)
	case d < 0:
		d = math.Min(0, d+0.5)
	}
	return d / sd
}

// WilcoxonSignedRank tests whether the differences are symmetric about 0.
//
// Zero differences are dropped (Wilcoxon's method; Pratt's variant is not
// offered). Tied absolute differences get the average of their ranks. The
// statistic is W+, the sum of the ranks of the positive differences. With at
// most ExactMaxN non-zero differences the p-value is exact: the null
// distribution of W+ over all 2^n sign assignments is enumerated for the
// observed ranks, so ties are exact too (conditional on the tie pattern).
// Above ExactMaxN it uses the normal approximation with mean n(n+1)/4,
// variance n(n+1)(2n+1)/24 - sum(t^3 - t)/48 over tie groups of size t, and
// a continuity correction of 0.5. P is two-sided: 2*min(lower, upper tail),
// capped at 1.
func WilcoxonSignedRank(diffs []float64) TestResult {
	nz, zeros := nonZero(diffs)
	r := TestResult{N: len(nz), Zeros: zeros}
	if r.N == 0 {
		r.P, r.Method = 1, MethodExact
		r.Warnings = append(r.Warnings, "no non-zero differences: nothing to test")
		return r
	}
	// doubled[i] is twice the average rank of |nz[i]|: an integer even with ties.
	order := make([]int, r.N)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(math.Abs(nz[a]), math.Abs(nz[b])) })
	doubled := make([]int, r.N)
	var tieTerm float64
	for i := 0; i < r.N; {
		j := i
		for j+1 < r.N && math.Abs(nz[order[j+1]]) == math.Abs(nz[order[i]]) {
			j++
		}
		// ranks i+1..j+1 share (i+1+j+1)/2; doubled: i+j+2.
		for m := i; m <= j; m++ {
			doubled[order[m]] = i + j + 2
		}
		t := float64(j - i + 1)
		tieTerm += t*t*t - t
		i = j + 1
	}
	wPlus2 := 0
	for i, d := range nz {
		if d > 0 {
			wPlus2 += doubled[i]
		}
	}
	r.Statistic = float64(wPlus2) / 2
	n := float64(r.N)
	mean := n * (n + 1) / 4
	variance := n*(n+1)*(2*n+1)/24 - tieTerm/48
	if variance > 0 {
		r.Z = continuityZ(r.Statistic, mean, math.Sqrt(variance))
	}
	if r.N <= ExactMaxN {
		r.Method = MethodExact
		r.P = exactSignedRankP(doubled, wPlus2)
	} else {
		r.Method = MethodNormal
		r.P = math.Min(1, 2*distuv.UnitNormal.CDF(-math.Abs(r.Z)))
	}
	if r.N < 6 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("n=%d < 6: no two-sided p below 0.05 is attainable", r.N))
	}
	if zeros > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d zero differences dropped", zeros))
	}
	return r
}

// exactSignedRankP enumerates the null distribution of the (doubled) W+ for
// the given doubled ranks by dynamic programming: each rank is positive with
// probability 1/2, independently.
func exactSignedRankP(doubled []int, observed int) float64 {
	total := 0
	for _, d := range doubled {
		total += d
	}
	prob := make([]float64, total+1)
	prob[0] = 1
	reach := 0
	for _, d := range doubled {
		for s := reach; s >= 0; s-- {
			if prob[s] != 0 {
				prob[s+d] += prob[s] / 2
				prob[s] /= 2
			}
		}
		reach += d
	}
	var lower, upper float64
	for s, p := range prob {
		if s <= observed {
			lower += p
		}
		if s >= observed {
			upper += p
		}
	}
	return math.Min(1, 2*math.Min(lower, upper))
}

// Diffs returns x[i] - y[i]; it panics when the lengths differ.
func Diffs(x, y []float64) []float64 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("metrics.Diffs: %d and %d values", len(x), len(y)))
	}
	d := slices.Clone(x)
	for i := range d {
		d[i] -= y[i]
	}
	return d
}
