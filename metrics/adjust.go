package metrics

import (
	"math"
	"slices"
)

// HolmAdjust returns Holm's (1979) step-down adjusted p-values of p, in the
// order of p: with p sorted ascending as p(1) <= ... <= p(m), the adjusted
// value of p(i) is max over j <= i of min(1, (m-j+1) p(j)). Rejecting every
// hypothesis whose adjusted p-value is at most alpha controls the
// family-wise error rate at alpha under any dependence between the tests.
// NaN p-values are treated as 1.
func HolmAdjust(p []float64) []float64 {
	m := len(p)
	order := ascending(p)
	out := make([]float64, m)
	running := 0.0
	for i, idx := range order {
		running = math.Max(running, math.Min(1, float64(m-i)*clean(p[idx])))
		out[idx] = running
	}
	return out
}

// BenjaminiHochbergAdjust returns the Benjamini-Hochberg (1995) step-up
// adjusted p-values of p, in the order of p: with p sorted ascending, the
// adjusted value of p(i) is min over j >= i of min(1, m p(j) / j).
// Rejecting every hypothesis whose adjusted p-value is at most q controls
// the false discovery rate at q for independent or positively dependent
// (PRDS, Benjamini & Yekutieli 2001) tests; when every null hypothesis is
// true it also bounds the chance of any rejection by q. NaN p-values are
// treated as 1.
func BenjaminiHochbergAdjust(p []float64) []float64 {
	m := len(p)
	order := ascending(p)
	out := make([]float64, m)
	running := 1.0
	for i := m - 1; i >= 0; i-- {
		idx := order[i]
		running = math.Min(running, float64(m)*clean(p[idx])/float64(i+1))
		out[idx] = running
	}
	return out
}

// ascending returns the indices of p ordered by value (NaN as 1), ties
// kept in input order.
func ascending(p []float64) []int {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := clean(p[a]), clean(p[b])
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return order
}

func clean(p float64) float64 {
	if math.IsNaN(p) {
		return 1
	}
	return min(max(p, 0), 1)
}
