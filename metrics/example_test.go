package metrics_test

import (
	"fmt"

	"github.com/ppldiff/ppldiff/metrics"
)

// ranking: ranks 2, 3 and 7 of ten are flagged.
var ranking = []bool{false, true, true, false, false, false, true, false, false, false}

func ExampleCountAt() {
	fmt.Println(metrics.CountAt(ranking, 1), metrics.CountAt(ranking, 5), metrics.CountAt(ranking, 100))
	// Output: 0 2 3
}

func ExampleDetectedAt() {
	fmt.Println(metrics.DetectedAt(ranking, 1), metrics.DetectedAt(ranking, 2))
	// Output: false true
}

func ExampleCountFlagged() {
	fmt.Println(metrics.CountFlagged(ranking))
	// Output: 3
}

func ExampleFirstHitRank() {
	fmt.Println(metrics.FirstHitRank(ranking), metrics.FirstHitRank([]bool{false, false}))
	// Output: 2 0
}

func ExampleReciprocalRank() {
	fmt.Println(metrics.ReciprocalRank(ranking))
	// Output: 0.5
}

func ExampleMRR() {
	// First hits at ranks 2, 1 and none: (1/2 + 1 + 0) / 3.
	fmt.Println(metrics.MRR([][]bool{ranking, {true}, {false}}))
	// Output: 0.5
}

func ExamplePrecisionAt() {
	fmt.Println(metrics.PrecisionAt(ranking, 5), metrics.PrecisionAt(ranking, 100))
	// Output: 0.4 0.3
}

func ExampleRecallAt() {
	// The ranking is complete, so n_flagged is its own flagged count.
	fmt.Println(metrics.RecallAt(ranking, 2, metrics.CountFlagged(ranking)))
	fmt.Println(metrics.RecallAt(ranking, 5, metrics.CountFlagged(ranking)))
	// Output:
	// 0.5
	// 0.6666666666666666
}

func ExampleRecall() {
	// From results.json: count_at_10 = 4, n_flagged = 17.
	fmt.Println(metrics.Recall(4, 10, 17))
	// Output: 0.4
}

func ExampleDetectionRate() {
	r := metrics.DetectionRate(7, 20, 0)
	fmt.Printf("%.2f [%.3f, %.3f] %v\n", r.Rate, r.CI.Lo, r.CI.Hi, r.Warnings)
	// Output: 0.35 [0.181, 0.567] []
}

func ExampleRatesBy() {
	outcomes := []metrics.Outcome{
		{Organism: "a", Category: "backdoor", Detected: true},
		{Organism: "b", Category: "backdoor", Detected: false},
		{Organism: "c", Category: "taboo", Detected: true},
		{Organism: "ctl", Category: "control", Detected: false},
	}
	tab := metrics.RatesBy(outcomes, metrics.ByCategory, 0)
	for _, g := range tab.Groups {
		fmt.Printf("%s %d/%d\n", g.Group, g.Detected, g.N)
	}
	fmt.Printf("all %d/%d, noise floor %d/%d\n", tab.Overall.Detected, tab.Overall.N, tab.NoiseFloor.Detected, tab.NoiseFloor.N)
	// Output:
	// backdoor 1/2
	// taboo 1/1
	// all 2/3, noise floor 0/1
}

func ExampleInterval_Contains() {
	fmt.Println(metrics.Interval{Lo: 1, Hi: 2}.Contains(1.5))
	// Output: true
}

// Three prefills, one completion each: a (flagged, rank 1), b (rank 2), c
// (flagged, rank 3). The exact bootstrap distribution of count@2 is
// P(0)=4/27, P(1)=12/27, P(2)=11/27 (see TestBootstrapHandComputed), so the
// 95% percentile interval is [0, 2].
func ExampleBootstrapCountAt() {
	r := metrics.Ranking{Flagged: []bool{true, false, true}, Cluster: []string{"a", "b", "c"}}
	e, err := metrics.BootstrapCountAt([]metrics.Ranking{r}, 2, metrics.BootstrapOptions{Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Point, e.CI, e.Replicates)
	fmt.Println(e.Warnings)
	// Output:
	// 1 {0 2} 2000
	// [repeat 0 has 3 clusters (< 10): the interval is unreliable]
}

func ExampleBootstrapCountsAt() {
	// Two repeats of 20 prefills with one completion each.
	var repeats []metrics.Ranking
	for rep := range 2 {
		r := metrics.Ranking{}
		for i := range 20 {
			r.Flagged = append(r.Flagged, i%3 == rep)
			r.Cluster = append(r.Cluster, fmt.Sprintf("p%d", i))
		}
		repeats = append(repeats, r)
	}
	es, err := metrics.BootstrapCountsAt(repeats, []int{5, 10}, metrics.BootstrapOptions{Seed: 7})
	if err != nil {
		panic(err)
	}
	for _, e := range es {
		fmt.Printf("%.1f [%.1f, %.1f]\n", e.Point, e.CI.Lo, e.CI.Hi)
	}
	// Output:
	// 2.0 [0.5, 3.5]
	// 3.5 [1.5, 5.5]
}

func ExamplePairedBootstrapDiff() {
	// The same 30 completions (one per prefill) ranked against two
	// references: under A every fifth completion is flagged; B ranks those
	// six first.
	var a, b metrics.Ranking
	for i := range 30 {
		a.Cluster = append(a.Cluster, fmt.Sprintf("p%d", i))
		a.Flagged = append(a.Flagged, i%5 == 0)
	}
	for _, flaggedFirst := range []bool{true, false} {
		for i := range 30 {
			if (i%5 == 0) == flaggedFirst {
				b.Cluster = append(b.Cluster, fmt.Sprintf("p%d", i))
				b.Flagged = append(b.Flagged, flaggedFirst)
			}
		}
	}
	d, err := metrics.PairedBootstrapDiff([]metrics.Ranking{a}, []metrics.Ranking{b}, 5, metrics.BootstrapOptions{Seed: 3})
	if err != nil {
		panic(err)
	}
	fmt.Printf("A=%g B=%g delta=%g [%g, %g] p=%.4f paired=%v\n", d.A, d.B, d.Delta, d.CI.Lo, d.CI.Hi, d.P, d.Paired)
	// Output: A=1 B=5 delta=4 [1, 5] p=0.0210 paired=true
}

func ExampleUnpairedBootstrapDiff() {
	mk := func(flagEvery int) metrics.Ranking {
		r := metrics.Ranking{}
		for i := range 30 {
			r.Flagged = append(r.Flagged, i%flagEvery == 0)
			r.Cluster = append(r.Cluster, fmt.Sprint(i))
		}
		return r
	}
	d, err := metrics.UnpairedBootstrapDiff([]metrics.Ranking{mk(5)}, []metrics.Ranking{mk(2)}, 10, metrics.BootstrapOptions{Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("A=%g B=%g delta=%g paired=%v\n", d.A, d.B, d.Delta, d.Paired)
	// Output: A=2 B=5 delta=3 paired=false
}

// The depression-scale data of Hollander & Wolfe (1973, p. 29), also the
// example of R's wilcox.test: 7 of the 9 differences are positive.
func ExampleSignTest() {
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	r := metrics.SignTest(metrics.Diffs(x, y))
	fmt.Printf("positive=%g of %d, p=%.4f (%s)\n", r.Statistic, r.N, r.P, r.Method)
	// Output: positive=7 of 9, p=0.1797 (exact)
}

func ExampleWilcoxonSignedRank() {
	// Hollander & Wolfe (1973, p. 29); R's wilcox.test(x, y, paired = TRUE)
	// gives V = 40 and a one-sided p of 0.01953, so two-sided 0.03906.
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	r := metrics.WilcoxonSignedRank(metrics.Diffs(x, y))
	fmt.Printf("W+=%g n=%d p=%.5f (%s)\n", r.Statistic, r.N, r.P, r.Method)
	// Output: W+=40 n=9 p=0.03906 (exact)
}

func ExampleDiffs() {
	fmt.Println(metrics.Diffs([]float64{3, 5}, []float64{1, 8}))
	// Output: [2 -3]
}

func ExampleTrendByFamily() {
	// Detection rate rising by 0.1 per tenfold params, exactly.
	var pts []metrics.Point
	for _, p := range []float64{1e8, 1e9, 1e10, 1e11} {
		pts = append(pts, metrics.Point{ReferenceFamily: "qwen", Params: p, ParamsKind: "weights", Value: 0.1*(log10(p)-8) + 0.2})
	}
	ts, err := metrics.TrendByFamily(pts, 0)
	if err != nil {
		panic(err)
	}
	t := ts[0]
	fmt.Printf("%s n=%d slope=%.2f [%.2f, %.2f] %v\n", t.ReferenceFamily, t.N, t.Slope, t.CI.Lo, t.CI.Hi, t.Warnings)
	// Output: qwen n=4 slope=0.10 [0.10, 0.10] [n=4 < 5: the slope is fragile]
}

// The p-values of the example in Benjamini & Hochberg (1995, section 4.1):
// at level 0.05 Holm rejects three hypotheses, Benjamini-Hochberg four.
func ExampleBenjaminiHochbergAdjust() {
	p := []float64{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
		0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000}
	bh, holm := metrics.BenjaminiHochbergAdjust(p), metrics.HolmAdjust(p)
	for i := range 5 {
		fmt.Printf("p=%.4f  BH %.4f  Holm %.4f\n", p[i], bh[i], holm[i])
	}
	// Output:
	// p=0.0001  BH 0.0015  Holm 0.0015
	// p=0.0004  BH 0.0030  Holm 0.0056
	// p=0.0019  BH 0.0095  Holm 0.0247
	// p=0.0095  BH 0.0356  Holm 0.1140
	// p=0.0201  BH 0.0603  Holm 0.2211
}
