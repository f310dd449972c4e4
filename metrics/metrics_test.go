package metrics

import (
	"math"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestBootstrapHandComputed checks the seeded bootstrap against its exact
// distribution, enumerated by hand. Ranking: a (flagged), b, c (flagged),
// one completion per prefill, k = 2. Resampling 3 of {a, b, c} gives the
// multiset (ma, mb, mc) with probability 3!/(ma! mb! mc!)/27, and count@2 is
// the flags of the first two positions of a^ma b^mb c^mc:
//
//	(3,0,0) 1/27 aa 2   (0,3,0) 1/27 bb 0   (0,0,3) 1/27 cc 2
//	(2,1,0) 3/27 aa 2   (2,0,1) 3/27 aa 2   (1,2,0) 3/27 ab 1
//	(0,2,1) 3/27 bb 0   (1,0,2) 3/27 ac 2   (0,1,2) 3/27 bc 1
//	(1,1,1) 6/27 ab 1
//
// so P(0) = 4/27, P(1) = 12/27, P(2) = 11/27, mean 34/27, and the 2.5% and
// 97.5% quantiles are 0 and 2.
func TestBootstrapHandComputed(t *testing.T) {
	r := Ranking{Flagged: []bool{true, false, true}, Cluster: []string{"a", "b", "c"}}
	opts := BootstrapOptions{Seed: 42}.withDefaults()
	res, err := resample([]Ranking{r}, []int{2}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var freq [3]float64
	var sum float64
	for _, v := range res.reps[0] {
		freq[int(v)]++
		sum += v
	}
	B := float64(opts.Replicates)
	want := [3]float64{4.0 / 27, 12.0 / 27, 11.0 / 27}
	for v := range freq {
		p := freq[v] / B
		se := math.Sqrt(want[v] * (1 - want[v]) / B)
		if !near(p, want[v], 4*se) {
			t.Errorf("P(count@2 = %d) = %.4f, exact %.4f (4 SE = %.4f)", v, p, want[v], 4*se)
		}
	}
	if m := sum / B; !near(m, 34.0/27, 0.05) {
		t.Errorf("bootstrap mean %.4f, exact 34/27 = %.4f", m, 34.0/27)
	}
	e, err := BootstrapCountAt([]Ranking{r}, 2, BootstrapOptions{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if e.Point != 1 || e.CI != (Interval{0, 2}) {
		t.Errorf("got point %v CI %v, want 1 [0, 2]", e.Point, e.CI)
	}
	again, _ := BootstrapCountAt([]Ranking{r}, 2, BootstrapOptions{Seed: 42})
	if again.SE != e.SE {
		t.Errorf("same seed, different results: SE %v vs %v", again.SE, e.SE)
	}
}

// TestBootstrapClusterCopies checks that a cluster drawn twice contributes
// each of its completions twice, in rank order. Clusters: x = ranks 1
// (flagged) and 3; y = rank 2. With multiplicities x=2, y=0 the resampled
// ranking is x1 x1 x3 x3: count@1 = 1, count@2 = 2, count@3 = 2.
func TestBootstrapClusterCopies(t *testing.T) {
	s, _, err := prepare(Ranking{Flagged: []bool{true, false, false}, Cluster: []string{"x", "y", "x"}})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 4)
	s.countsAt([]int{2, 0}, []int{1, 2, 3, 10}, out)
	want := []float64{1, 2, 2, 2}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("counts %v, want %v", out, want)
		}
	}
}

func TestBootstrapSmallNWarns(t *testing.T) {
	r := Ranking{Flagged: []bool{true, false, true, false}, Cluster: []string{"a", "b", "c", "d"}}
	e, err := BootstrapCountAt([]Ranking{r}, 2, BootstrapOptions{Replicates: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Warnings) == 0 || !strings.Contains(e.Warnings[0], "4 clusters") {
		t.Errorf("warnings %q: want a small-n warning", e.Warnings)
	}
}

// A ranking of 20 listed completions out of 50, with 6 of the 30 unseen
// flagged: the point count@10 comes from the listed part only, reading past
// the truncation warns, and the imputed unseen flags are spread evenly.
func TestBootstrapTruncated(t *testing.T) {
	r := Ranking{Unseen: 30, UnseenFlagged: 6}
	for i := range 20 {
		r.Flagged = append(r.Flagged, i < 5)
	}
	es, err := BootstrapCountsAt([]Ranking{r}, []int{10, 40}, BootstrapOptions{Replicates: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Point != 5 {
		t.Errorf("count@10 = %v, want 5", es[0].Point)
	}
	// count@40: 5 listed flags + the first 20 unseen ranks, where flags sit
	// at unseen ranks 5, 10, 15, 20, 25, 30 (1-based): 4 of them.
	if es[1].Point != 9 {
		t.Errorf("count@40 = %v, want 9", es[1].Point)
	}
	if !strings.Contains(strings.Join(es[1].Warnings, "\n"), "truncation at 20") {
		t.Errorf("count@40 warnings %q: want a truncation warning", es[1].Warnings)
	}
}

func TestPairedNeedsSameClusters(t *testing.T) {
	a := Ranking{Flagged: []bool{true, false}, Cluster: []string{"p", "q"}}
	b := Ranking{Flagged: []bool{true, false}, Cluster: []string{"p", "r"}}
	if _, err := PairedBootstrapDiff([]Ranking{a}, []Ranking{b}, 1, BootstrapOptions{}); err == nil {
		t.Error("pairing rankings of different prefills: want an error")
	}
	if _, err := PairedBootstrapDiff([]Ranking{a}, []Ranking{a, a}, 1, BootstrapOptions{}); err == nil {
		t.Error("pairing 1 repeat with 2: want an error")
	}
}

// Identical rankings: every paired replicate difference is 0.
func TestPairedIdenticalIsZero(t *testing.T) {
	var r Ranking
	for i := range 30 {
		r.Flagged = append(r.Flagged, i%4 == 0)
		r.Cluster = append(r.Cluster, clusterName(i))
	}
	d, err := PairedBootstrapDiff([]Ranking{r}, []Ranking{r}, 10, BootstrapOptions{Replicates: 300})
	if err != nil {
		t.Fatal(err)
	}
	if d.Delta != 0 || d.CI != (Interval{0, 0}) || d.P != 1 {
		t.Errorf("got delta %v CI %v p %v, want 0 [0, 0] 1", d.Delta, d.CI, d.P)
	}
}

// Hollander & Wolfe (1973, p. 29), the example of R's wilcox.test: paired
// differences whose absolute ranks 2 and 3 are negative, so W+ = 45 - 5 =
// 40. Published: V = 40, one-sided p = 0.01953 (= 10/512: 10 sign patterns
// have W- <= 5), hence two-sided 20/512.
func TestWilcoxonHollanderWolfe(t *testing.T) {
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	r := WilcoxonSignedRank(Diffs(x, y))
	if r.Statistic != 40 || r.N != 9 || r.Method != MethodExact {
		t.Fatalf("got W+=%v n=%d %s, want 40, 9, exact", r.Statistic, r.N, r.Method)
	}
	if !near(r.P, 20.0/512, 1e-12) {
		t.Errorf("p = %.6f, want 20/512 = %.6f", r.P, 20.0/512)
	}
	// Normal approximation, computed by hand from the formula in the doc
	// comment: z = (40 - 22.5 - 0.5)/sqrt(9*10*19/24) = 17/sqrt(71.25).
	if wantZ := 17 / math.Sqrt(71.25); !near(r.Z, wantZ, 1e-12) {
		t.Errorf("z = %v, want %v", r.Z, wantZ)
	}
}

// With ties and zeros the exact p-value must equal a brute-force count over
// all 2^n sign assignments of the average ranks (an independent
// computation), and zeros must be dropped.
func TestWilcoxonTiesZerosBruteForce(t *testing.T) {
	d := []float64{0, 1.5, -1.5, 2, 2, -2, 3, 0, 4, 4, 5, -0.5}
	r := WilcoxonSignedRank(d)
	if r.N != 10 || r.Zeros != 2 {
		t.Fatalf("n=%d zeros=%d, want 10 and 2", r.N, r.Zeros)
	}
	// |d| sorted: 0.5 | 1.5 1.5 | 2 2 2 | 3 | 4 4 | 5 -> average ranks
	ranks := map[float64]float64{0.5: 1, 1.5: 2.5, 2: 5, 3: 7, 4: 8.5, 5: 10}
	var abs []float64
	var wPlus float64
	for _, v := range d {
		if v == 0 {
			continue
		}
		abs = append(abs, ranks[math.Abs(v)])
		if v > 0 {
			wPlus += ranks[math.Abs(v)]
		}
	}
	if r.Statistic != wPlus {
		t.Fatalf("W+ = %v, want %v", r.Statistic, wPlus)
	}
	le, ge := 0, 0
	for mask := range 1 << len(abs) {
		var w float64
		for i, rk := range abs {
			if mask&(1<<i) != 0 {
				w += rk
			}
		}
		if w <= wPlus {
			le++
		}
		if w >= wPlus {
			ge++
		}
	}
	want := math.Min(1, 2*float64(min(le, ge))/float64(int(1)<<len(abs)))
	if !near(r.P, want, 1e-12) {
		t.Errorf("p = %v, brute force %v", r.P, want)
	}
}

// Above ExactMaxN the normal approximation is used; with 60 differences
// 1..60 of which the 20 smallest are negative, W+ = sum(21..60) = 1620,
// mean = 60*61/4 = 915, variance = 60*61*121/24 = 18452.5 (no ties), so
// z = (1620 - 915 - 0.5)/sqrt(18452.5), computed by hand.
func TestWilcoxonNormal(t *testing.T) {
	var d []float64
	for i := 1; i <= 60; i++ {
		v := float64(i)
		if i <= 20 {
			v = -v
		}
		d = append(d, v)
	}
	r := WilcoxonSignedRank(d)
	z := 704.5 / math.Sqrt(18452.5)
	if r.Method != MethodNormal || r.Statistic != 1620 || !near(r.Z, z, 1e-12) {
		t.Fatalf("got %s W+=%v z=%v, want normal 1620 %v", r.Method, r.Statistic, r.Z, z)
	}
	if want := math.Erfc(z / math.Sqrt2); !near(r.P, want, 1e-12) {
		t.Errorf("p = %v, want %v", r.P, want)
	}
}

// Sign test on the Hollander & Wolfe data: 7 of 9 positive; the exact
// two-sided binomial p is 2*(C(9,7)+C(9,8)+C(9,9))/512 = 92/512.
func TestSignTestKnown(t *testing.T) {
	r := SignTest([]float64{0.952, -0.147, 1.022, 0.43, 0.62, 0.59, 0.49, -0.08, 0.01, 0})
	if r.Statistic != 7 || r.N != 9 || r.Zeros != 1 || !near(r.P, 92.0/512, 1e-12) {
		t.Errorf("got %v of %d (zeros %d), p=%v; want 7 of 9 (1), p=%v", r.Statistic, r.N, r.Zeros, r.P, 92.0/512)
	}
	if small := SignTest([]float64{1, 1, 1}); small.P != 0.25 || len(small.Warnings) == 0 {
		t.Errorf("n=3 all positive: p=%v warnings %q, want 0.25 and a warning", small.P, small.Warnings)
	}
}

// Newcombe (1998), Statistics in Medicine 17:857-872, Table I: the Wilson
// score interval for 81/263 is 0.2553-0.3662 and for 0/20 is 0-0.1611.
func TestWilsonNewcombe(t *testing.T) {
	for _, c := range []struct {
		x, n   int
		lo, hi float64
	}{{81, 263, 0.2553, 0.3662}, {0, 20, 0, 0.1611}} {
		r := DetectionRate(c.x, c.n, 0.95)
		if !near(r.CI.Lo, c.lo, 5e-5) || !near(r.CI.Hi, c.hi, 5e-5) {
			t.Errorf("%d/%d: %v, want [%v, %v]", c.x, c.n, r.CI, c.lo, c.hi)
		}
	}
	if r := DetectionRate(1, 3, 0); len(r.Warnings) == 0 {
		t.Error("n=3: want a small-n warning")
	}
}

// Hand-computed: x = log10(10, 100, 1000) = 1, 2, 3 and y = 1, 3, 2 give
// slope Sxy/Sxx = 1/2, intercept 1, residuals -0.5, 1, -0.5, SSR 1.5, one
// degree of freedom, SE = sqrt(1.5/2), and t(0.975, 1) = 12.7062047.
func TestTrendHandComputed(t *testing.T) {
	pts := []Point{
		{ReferenceFamily: "f", Params: 10, ParamsKind: "weights", Value: 1},
		{ReferenceFamily: "f", Params: 100, ParamsKind: "weights", Value: 3},
		{ReferenceFamily: "f", Params: 1000, ParamsKind: "weights", Value: 2},
	}
	ts, err := TrendByFamily(pts, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	tr := ts[0]
	half := 12.7062047 * math.Sqrt(0.75)
	if !near(tr.Slope, 0.5, 1e-12) || !near(tr.Intercept, 1, 1e-12) ||
		!near(tr.CI.Lo, 0.5-half, 1e-6) || !near(tr.CI.Hi, 0.5+half, 1e-6) {
		t.Errorf("got slope %v intercept %v CI %v; want 0.5, 1, 0.5±%v", tr.Slope, tr.Intercept, tr.CI, half)
	}
	pts = append(pts, Point{ReferenceFamily: "f", Params: 1e4, ParamsKind: "ngram_entries", Value: 2})
	if _, err := TrendByFamily(pts, 0); err == nil {
		t.Error("mixed params kinds: want an error")
	}
}

func TestRankEdges(t *testing.T) {
	if CountAt([]bool{true}, 0) != 0 || CountAt(nil, 5) != 0 {
		t.Error("count@0 and count of an empty ranking must be 0")
	}
	if !math.IsNaN(PrecisionAt(nil, 10)) || !math.IsNaN(Recall(0, 10, 0)) || !math.IsNaN(MRR(nil)) {
		t.Error("undefined ratios must be NaN")
	}
	tab := RatesBy([]Outcome{{Category: "taboo", Detected: true}}, BySize, 0)
	if len(tab.Warnings) == 0 {
		t.Error("no controls: want a warning")
	}
}
