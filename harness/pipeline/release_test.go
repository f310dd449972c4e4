package pipeline

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"weak"

	"github.com/google/go-cmp/cmp"

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

// releasingWorld is the test world as Models that release: it schedules
// units in reverse plan order and counts each unit's releases, and the
// models a unit asks for after its release.
type releasingWorld struct {
	*testWorld
	mu       sync.Mutex
	released map[*Unit]int
	late     int // a model asked for by a unit already released
}

func (w *releasingWorld) Schedule(units []Unit) ([]int, error) {
	order := make([]int, len(units))
	for i := range order {
		order[i] = len(units) - 1 - i
	}
	return order, nil
}

func (w *releasingWorld) Release(u *Unit) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.released[u]++
}

func (w *releasingWorld) Organism(ctx context.Context, o *organisms.Organism, v Variant) (lm.Model, error) {
	w.mu.Lock()
	for u := range w.released {
		if u.Organism.ID == o.ID && u.Variant.Name == v.Name && u.Repeat == 0 {
			w.late++
		}
	}
	w.mu.Unlock()
	return w.testWorld.Organism(ctx, o, v)
}

// An adaptive run releases every unit once, when its organism variant's
// group is done (a cold adaptive run of the default matrix held every
// model to its end: 1.32 GB), and the schedule changes nothing in its
// results.
func TestAdaptiveRunReleasesEveryUnit(t *testing.T) {
	w := newTestWorld(t)
	cfg := testConfig()
	cfg.Budget = BudgetAdaptive
	p, err := MakePlan(cfg, w.manifest, w)
	if err != nil {
		t.Fatal(err)
	}
	rw := &releasingWorld{testWorld: w, released: map[*Unit]int{}}
	run := func(m Models) *Outcome {
		oc, err := Run(context.Background(), p, Options{Manifest: w.manifest, Models: m, Corpora: w.corpus, Cache: NewMemCache(),
			Detect: compileDetector, Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return oc
	}
	plain, released := run(w), run(rw)
	for i := range p.Units {
		if n := rw.released[&p.Units[i]]; n != 1 {
			t.Errorf("unit %d released %d times", i, n)
		}
	}
	if rw.late != 0 {
		t.Errorf("%d models asked for after their unit was released", rw.late)
	}
	if d := cmp.Diff(plain.Results, released.Results); d != "" {
		t.Errorf("results depend on the schedule (-plan order +reversed):\n%s", d)
	}
	if d := cmp.Diff(plain.Budget, released.Budget); d != "" {
		t.Errorf("budget.json depends on the schedule (-plan order +reversed):\n%s", d)
	}
}
