package metrics

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// AverageRanks returns the 1-based rank of each value in ascending order,
// tied values sharing the mean of the ranks they span.
func AverageRanks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case xs[a] < xs[b]:
			return -1
		case xs[a] > xs[b]:
			return 1
		}
		return 0
	})
	ranks := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		r := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			ranks[idx[k]] = r
		}
		i = j + 1
	}
	return ranks
}

// Spearman returns Spearman's rank correlation of the pairs (x[i], y[i]):
// Pearson's correlation of their average ranks, so ties are handled. It is
// NaN when there are fewer than two pairs, the lengths differ, a value is
// NaN, or either side is constant (no order to compare).
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 || slices.ContainsFunc(x, math.IsNaN) || slices.ContainsFunc(y, math.IsNaN) {
		return math.NaN()
	}
	rx, ry := AverageRanks(x), AverageRanks(y)
	if stat.Variance(rx, nil) == 0 || stat.Variance(ry, nil) == 0 {
		return math.NaN()
	}
	return stat.Correlation(rx, ry, nil)
}
