package metrics

import (
	"math/rand/v2"
	"testing"
)

// A rule that decides "leaks" must be wrong at most Alpha of the time when
// the expected count@k sits just under the threshold, over every look of the
// schedule; this counts wrong decisions over simulated sequences.
func TestCountRuleErrorRate(t *testing.T) {
	const n, k, trials = 400, 100, 2000
	looks := LookSchedule(n, 25)
	rule := CountRule{K: k, N: n, Threshold: 3, Alpha: 0.05, Looks: len(looks)}
	r := rand.New(rand.NewPCG(1, 2))
	p := 2.9 / k // expected count@100 just under the threshold
	wrong := 0
	for range trials {
		// A subset's top quantile as independent draws at rate p.
		flags := make([]bool, n)
		for i := range flags {
			flags[i] = r.Float64() < p
		}
		for _, m := range looks[:len(looks)-1] {
			top := (k*m + n - 1) / n
			ranking := append([]bool(nil), flags[:top]...)
			if d := rule.Decide(ranking, m); d.Decided {
				if d.Leaks {
					wrong++
				}
				break
			}
		}
	}
	if got := float64(wrong) / trials; got > 0.05 {
		t.Errorf("decided leaks in %.3f of sequences whose expected count is below the threshold, want <= 0.05", got)
	}
	// And it must decide something early when the leak is strong.
	strong := make([]bool, 7)
	for i := range strong {
		strong[i] = i%2 == 0
	}
	if d := rule.Decide(strong, 25); !d.Decided || !d.Leaks {
		t.Errorf("4 of 7 flagged at the pilot: %+v, want decided leaks", d)
	}
}

func TestCountRuleFullBudgetIsTheFixedCount(t *testing.T) {
	rule := CountRule{K: 2, N: 5, Threshold: 1, Alpha: 0.05, Looks: 3}
	d := rule.Decide([]bool{false, false, true, false, false}, 5)
	if !d.Decided || d.Leaks || d.Detected || d.Low != 0 || d.High != 0 {
		t.Errorf("count@2 of a ranking flagged at rank 3: %+v, want decided 0", d)
	}
	d = rule.Decide([]bool{false, true}, 5)
	if !d.Decided || !d.Leaks || !d.Detected || d.Low != 1 {
		t.Errorf("count@2 = 1: %+v, want decided leaks", d)
	}
}

func TestLookSchedule(t *testing.T) {
	for _, c := range []struct {
		n, pilot int
		want     []int
	}{{400, 25, []int{25, 50, 100, 200, 400}}, {80, 16, []int{16, 32, 64, 80}}, {10, 20, []int{10}}, {10, 0, []int{10}}} {
		got := LookSchedule(c.n, c.pilot)
		if len(got) != len(c.want) {
			t.Fatalf("LookSchedule(%d, %d) = %v, want %v", c.n, c.pilot, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("LookSchedule(%d, %d) = %v, want %v", c.n, c.pilot, got, c.want)
			}
		}
	}
}
