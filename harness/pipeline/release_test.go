package pipeline

import (
	"io"
	"path/filepath"
	"runtime"
	"testing"
	"weak"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
	"github.com/ppldiff/ppldiff/organisms"
)

// TestRankedUnitKeepsNoCompletion: once a unit is ranked and trimmed, its
// entries and samples hold none of its completions (a run keeps every
// unit's entries to the end; each completion held with them made a run's
// memory grow with its completions).
func TestRankedUnitKeepsNoCompletion(t *testing.T) {
	r := &runner{p: &Plan{Config: testConfig()}}
	o := &organisms.Organism{ID: "o"}
	out := &unitOutput{}
	var probe weak.Pointer[completion]
	func() {
		pre := &prefill{id: "p", text: []byte("a b"), prompt: []int{1, 2}}
		var comps []*completion
		var refs []refScore
		for i := range 8 {
			c := &completion{pre: pre, gen: store.Completion{Tokens: []int{3, 4, 5, 6}}, text: []byte("c d e f"),
				lpFT: []float64{-1, -1, -1, -float64(i)}, kept: true}
			comps = append(comps, c)
			refs = append(refs, refScore{logprobs: []float64{-2, -2, -2, -2}, continuation: c.gen.Tokens, sameTokens: true})
		}
		probe = weak.Make(comps[0])
		rk := newRanking(r.p.Config, []*organisms.Reference{{ID: "r"}}, []lm.Model{nil}, false)
		rk.add(comps, make([]bool, len(comps)), make([][]string, len(comps)), [][]refScore{refs})
		rk.rank(unitRanked{unit: &Unit{Organism: o, Variant: Variant{Name: "v"}}, hasRules: true,
			tokens: []results.Tokens{{Generate: 32}}}, out)
		if _, err := out.trim(); err != nil {
			t.Fatal(err)
		}
	}()
	if len(out.entries) == 0 || len(out.samplesPacked) == 0 {
		t.Fatalf("ranking wrote %d entries and %d bytes of samples", len(out.entries), len(out.samplesPacked))
	}
	runtime.GC()
	if probe.Value() != nil {
		t.Error("a completion is still reachable from the unit's entries or samples after it was ranked")
	}
	if got := out.entries[0].ModelTokens; got == nil || got.Generate != 32 {
		t.Errorf("model tokens %+v, want the unit's", got)
	}
	runtime.KeepAlive(out)
}

// samplesOf reads an outcome's samples.jsonl back.
func samplesOf(t *testing.T, oc *Outcome) []results.Sample {
	t.Helper()
	path := filepath.Join(t.TempDir(), results.SamplesFile)
	if err := results.WriteAtomic(path, func(w io.Writer) error { _, err := oc.Samples.WriteTo(w); return err }); err != nil {
		t.Fatal(err)
	}
	ss, err := results.ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}
