package main

import (
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// TestStudySeedsDrawDistinctPrefills: a seed of the study matrix is held
// out only if it draws prefills of its own. With 25,000 held-out zoo
// documents every seed drew the same 7,753 distinct prefills; with
// 100,000 two seeds share about half. The test runs one organism variant
// of the study's plan (sampled raw config, true base) for two seeds,
// writes every ranked completion and compares the prefill texts behind
// them. Seeds 1 and 5 are tuning seeds (README, "What was tuned, and
// how"), so the test looks at no held-out seed.
func TestStudySeedsDrawDistinctPrefills(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 10,000 completions per seed")
	}
	c := newCLI(t)
	prefills := map[string]map[string]bool{}
	for _, seed := range []string{"1", "5"} {
		out := "seed" + seed
		c.mustRun("run", "--matrix", "study", "--seed", seed, "--variant", "control_narrow@n4-w1",
			"--prefills", "zoo-raw-sample", "--reference-kind", "true_base", "--max-new-tokens", "8",
			"--samples-top-k", "0", "--store", c.path("store"), "--out", out, "--no-report")
		samples, err := results.ReadSamples(c.path(out))
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, s := range samples {
			set[s.Prefill] = true
		}
		prefills[seed] = set
	}
	a, b := prefills["1"], prefills["5"]
	shared := 0
	for p := range a {
		if b[p] {
			shared++
		}
	}
	// Both seeds got most of the 10,000 prefills asked (completions under
	// 4 tokens are dropped, a few percent of sampled ones).
	for seed, set := range prefills {
		if len(set) < 9000 {
			t.Errorf("seed %s: %d distinct prefills behind ranked completions, want >= 9,000 of the 10,000 asked", seed, len(set))
		}
	}
	frac := float64(shared) / float64(min(len(a), len(b)))
	t.Logf("seeds 1 and 5 share %d of %d and %d prefills (%.0f %%)", shared, len(a), len(b), 100*frac)
	if frac > 0.75 {
		t.Errorf("seeds 1 and 5 share %.0f %% of their prefills, want well under all of them (<= 75 %%)", 100*frac)
	}
}
