package gate

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
)

// writeNullRun writes a run of many entries whose flags are drawn, rank by
// rank, at the same rate whatever the seed: two such runs differ only by
// chance.
func writeNullRun(t *testing.T, seed uint64, entries, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	res := &results.Results{Run: results.Run{ID: fmt.Sprint("null", seed), Config: map[string]any{}}}
	for i := range entries {
		flags := make([]bool, n)
		var ranks []int
		for r := range n {
			// Hits concentrate near the top, as detection does.
			if rng.Float64() < 0.3/float64(1+r/20) {
				flags[r] = true
				ranks = append(ranks, r+1)
			}
		}
		nf, c10, c100 := len(ranks), metrics.CountAt(flags, 10), metrics.CountAt(flags, 100)
		e := results.Entry{Organism: fmt.Sprintf("org%03d", i), Variant: "v", Category: "backdoor", Reference: "ref",
			Config: "zoo-raw", Score: "ppl_diff", NCompletions: n, NFlagged: &nf, CountAt10: &c10, CountAt100: &c100, FlaggedRanks: ranks}
		if first := metrics.FirstHitRank(flags); first > 0 {
			e.FirstHitRank = &first
		}
		res.Entries = append(res.Entries, e)
	}
	dir := t.TempDir()
	if err := results.WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Testing hundreds of rows each at 0.05 marks some "significant" by chance
// alone; the correction (the same as check's) does not.
func TestCompareCorrectsOverRows(t *testing.T) {
	entries := 120
	if testing.Short() {
		entries = 50
	}
	a, b := writeNullRun(t, 1, entries, 200), writeNullRun(t, 2, entries, 200)
	count := func(corr Correction) (int, int) {
		c, err := Compare(a, b, CompareOptions{Correction: corr, Bootstrap: metrics.BootstrapOptions{Replicates: 400}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range c.Deltas {
			if d.Significant {
				n++
			}
		}
		return n, len(c.Deltas)
	}
	alone, rows := count(CorrectionNone)
	bh, _ := count(CorrectionBH)
	holm, _ := count(CorrectionHolm)
	t.Logf("%d rows of the same process: %d significant uncorrected, %d with bh, %d with holm", rows, alone, bh, holm)
	if alone == 0 {
		t.Fatalf("no row significant uncorrected among %d: the test shows nothing", rows)
	}
	if bh != 0 || holm != 0 {
		t.Errorf("corrected, %d (bh) and %d (holm) rows are significant between two draws of the same process", bh, holm)
	}
}
