package metrics_test

import (
	"fmt"

	"github.com/ppldiff/ppldiff/metrics"
)

// Reference values: SciPy 1.10.1 (Debian's python3-scipy),
// scipy.stats.ttest_ind(b, a, equal_var=False) gives t 3.873 and p
// 0.01017; the interval is delta -/+ stats.t.ppf(0.975, 5.381) * SE,
// [1.751, 8.249].
func ExampleWelchDiff() {
	a := []float64{12, 15, 11, 14, 13}
	b := []float64{18, 16, 21, 17}
	d := metrics.WelchDiff(a, b, 0.95)
	fmt.Printf("delta %.2f SE %.4f p %.5f CI [%.3f, %.3f]\n", d.Delta, d.SE, d.P, d.CI.Lo, d.CI.Hi)
	// Output: delta 5.00 SE 1.2910 p 0.01017 CI [1.751, 8.249]
}

// Reference values: SciPy 1.10.1, stats.sem(x) 0.7071 and
// stats.t.interval(0.95, 4, loc=13, scale=0.7071) = [11.037, 14.963].
func ExampleTInterval() {
	se, ci := metrics.TInterval([]float64{12, 15, 11, 14, 13}, 0.95)
	fmt.Printf("SE %.4f CI [%.3f, %.3f]\n", se, ci.Lo, ci.Hi)
	// Output: SE 0.7071 CI [11.037, 14.963]
}

// Reference values worked by hand from the definition: pooled rate
// p = (20 + 10) / 2 / 100 = 0.15, binomial variance 100 * 0.15 * 0.85 =
// 12.75 per side, SE sqrt(25.5) = 5.0498; with a's bootstrap SE of 6
// against its binomial 4 (variance 36 against 16), phi = 2.25 and the SE
// is 1.5 times larger, 7.5746. The one-sided p-value of the drop is
// P(Z >= 10 / 5.0498), SciPy's stats.norm.sf(1.9803) = 0.0238.
func ExamplePooledCountSE() {
	a := metrics.CountSide{Mean: 20, Repeats: 1}
	b := metrics.CountSide{Mean: 10, Repeats: 1}
	se := metrics.PooledCountSE(100, a, b)
	six := 6.0
	a.SE = &six
	fmt.Printf("SE %.4f, with a's spread %.4f, p %.4f\n", se, metrics.PooledCountSE(100, a, b), metrics.NormalUpperTail((a.Mean-b.Mean)/se))
	// Output: SE 5.0498, with a's spread 7.5746, p 0.0238
}
