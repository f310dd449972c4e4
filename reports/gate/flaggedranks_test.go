package gate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
)

// writeRankedRun writes one entry of n completions, one per prefill, whose
// flagged ranks are given, with samples.jsonl holding the top `listed`
// (0: no samples file). withRanks decides whether results.json carries
// flagged_ranks, as runs of this version do.
func writeRankedRun(t *testing.T, n, listed int, flagged []int, withRanks bool) string {
	t.Helper()
	dir := t.TempDir()
	isFlagged := make([]bool, n)
	for _, r := range flagged {
		isFlagged[r-1] = true
	}
	nf := len(flagged)
	c10, c100 := metrics.CountAt(isFlagged, 10), metrics.CountAt(isFlagged, 100)
	e := results.Entry{Organism: "bd_backdoor", Variant: "n4-w5", Category: "backdoor", Reference: "true_base",
		Config: "web-raw", Score: "ppl_diff", NCompletions: n, NFlagged: &nf, CountAt10: &c10, CountAt100: &c100}
	if first := metrics.FirstHitRank(isFlagged); first > 0 {
		e.FirstHitRank = &first
	}
	if withRanks {
		e.FlaggedRanks = flagged
	}
	res := &results.Results{Run: results.Run{ID: "ranked", Config: map[string]any{"seed": 1}}, Entries: []results.Entry{e}}
	if err := results.WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	if listed > 0 {
		var ss []results.Sample
		for i := range listed {
			ss = append(ss, results.Sample{Organism: e.Organism, Variant: e.Variant, Reference: e.Reference,
				Config: e.Config, Score: e.Score, Rank: i + 1, PrefillID: fmt.Sprintf("p%03d", i),
				CompletionID: fmt.Sprintf("c%03d", i), Flagged: isFlagged[i]})
		}
		if err := results.WriteSamples(dir, ss); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func entryStats(t *testing.T, dir string, ks []int) []Stat {
	t.Helper()
	r, err := loadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.entries[bdKey].stats(ks, metrics.BootstrapOptions{Replicates: 400, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// With flagged_ranks the bootstrap sees the whole ranking: nothing below
// samples.jsonl's top 100 is imputed, runs without samples get intervals
// too, and any k can be read.
func TestFlaggedRanksMakeTheBootstrapExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var flagged []int
	for r := 1; r <= 400; r++ {
		if rng.IntN(8) == 0 { // flags spread over the whole ranking, most below 100
			flagged = append(flagged, r)
		}
	}
	ks := []int{10, 100, 200}

	old := entryStats(t, writeRankedRun(t, 400, 100, flagged, false), ks[:2])
	if !slices.ContainsFunc(old[1].Warnings, func(w string) bool { return strings.Contains(w, "imputed") }) {
		t.Fatalf("without flagged_ranks, count@100 should warn of imputed flags; warnings %q", old[1].Warnings)
	}

	want := make([]bool, 400)
	for _, r := range flagged {
		want[r-1] = true
	}
	exact, err := metrics.BootstrapCountsAt([]metrics.Ranking{{Flagged: want}}, ks,
		metrics.BootstrapOptions{Replicates: 400, Seed: seedFor(3, bdKey)})
	if err != nil {
		t.Fatal(err)
	}
	for _, listed := range []int{100, 0} {
		st := entryStats(t, writeRankedRun(t, 400, listed, flagged, true), ks)
		for i, s := range st {
			if s.Uncertainty != UncertaintyBootstrap || s.CI == nil {
				t.Fatalf("listed %d, k=%d: uncertainty %q, want a cluster bootstrap", listed, ks[i], s.Uncertainty)
			}
			if len(s.Warnings) > 0 {
				t.Errorf("listed %d, k=%d: warnings %q, want none", listed, ks[i], s.Warnings)
			}
			// One completion per prefill: the same as bootstrapping the full
			// flag list with singleton clusters.
			if s.Mean != exact[i].Point || *s.CI != [2]float64{exact[i].CI.Lo, exact[i].CI.Hi} {
				t.Errorf("listed %d, k=%d: %v %v, want %v %v", listed, ks[i], s.Mean, *s.CI, exact[i].Point, exact[i].CI)
			}
		}
	}
}

// compare's per-side intervals are the ones a baseline of the same run
// holds: both derive the entry's bootstrap seed once, from the same key.
func TestCompareSidesMatchBaseline(t *testing.T) {
	c, err := Compare(fixtureDir("base"), fixtureDir("base"), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := baselineOf(t, "base")
	checked := 0
	for _, d := range c.Deltas {
		for _, be := range b.Entries {
			if be.EntryKey != d.Key {
				continue
			}
			want, ok := be.Count(d.K)
			if !ok || want.CI == nil || d.A.CI == nil {
				t.Fatalf("%s k=%d: missing interval", d.Key, d.K)
			}
			if *d.A.CI != *want.CI || *d.A.SE != *want.SE {
				t.Errorf("%s k=%d: compare gives %v (se %v), the baseline %v (se %v)", d.Key, d.K, *d.A.CI, *d.A.SE, *want.CI, *want.SE)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no entry compared")
	}
}
