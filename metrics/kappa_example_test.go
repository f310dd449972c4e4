package metrics_test

import (
	"fmt"

	"github.com/ppldiff/ppldiff/metrics"
)

// The worked example of Wikipedia's "Cohen's kappa" article: two readers
// of 50 grant proposals, both "yes" on 20, both "no" on 15, A yes and B no
// on 5, A no and B yes on 10; the article gives p_o = 0.7, p_e = 0.5 and
// kappa = 0.4.
func ExampleCohenKappa() {
	var a, b []string
	add := func(n int, x, y string) {
		for range n {
			a, b = append(a, x), append(b, y)
		}
	}
	add(20, "yes", "yes")
	add(5, "yes", "no")
	add(10, "no", "yes")
	add(15, "no", "no")
	ag, _ := metrics.CohenKappa(a, b)
	fmt.Printf("observed %.2f, expected %.2f, kappa %.2f\n", ag.Observed, ag.Expected, ag.Kappa)
	// Output: observed 0.70, expected 0.50, kappa 0.40
}

// The worked example of Wikipedia's "Fleiss' kappa" article: 14 raters put
// each of 10 subjects into one of 5 categories; the article gives
// P-bar = 0.378, P-bar_e = 0.213 and kappa = 0.210.
func ExampleFleissKappa() {
	table := [][5]int{
		{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
		{7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7},
	}
	var ratings [][]string
	for _, row := range table {
		var r []string
		for cat, n := range row {
			for range n {
				r = append(r, fmt.Sprint("category ", cat+1))
			}
		}
		ratings = append(ratings, r)
	}
	ag, _ := metrics.FleissKappa(ratings)
	fmt.Printf("observed %.3f, expected %.3f, kappa %.3f\n", ag.Observed, ag.Expected, ag.Kappa)
	// Output: observed 0.378, expected 0.213, kappa 0.210
}
