package backend

import (
	"context"
	"github.com/ppldiff/ppldiff/harness/lm"
	"slices"
	"testing"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/zoo"
	"github.com/ppldiff/ppldiff/organisms"
)

// releaseManifest is a zoo small enough to build in a test, whose plan
// alternates bases: two organisms, each with an n2 and an n3 variant.
func releaseManifest(t *testing.T) *organisms.Manifest {
	t.Helper()
	m, err := organisms.Load("zoo")
	if err != nil {
		t.Fatal(err)
	}
	m.Zoo.Base.Slice = "0:600"
	for i := range m.Zoo.Tokenizers {
		m.Zoo.Tokenizers[i].VocabSize = 512
		m.Zoo.Tokenizers[i].Slice = "30000:30200"
	}
	for i := range m.References {
		if r := m.References[i].Recipe; r != nil {
			r.Order, r.Slice = 2, "0:300"
		}
	}
	var keep []organisms.Organism
	for _, o := range m.Organisms {
		if o.ID == "backdoor_phrase" || o.ID == "control_general" {
			o.Recipe.Sizes, o.Recipe.Strengths = []string{"n2", "n3"}, []int{4}
			o.Recipe.Objective.Docs = 40
			keep = append(keep, o)
		}
	}
	m.Organisms = keep
	return m
}

// TestZooReleasesModelsAfterLastUse: the schedule runs the units of one
// base together; run one unit at a time as the pipeline does (ask for its
// models, then release it), every model is built or loaded exactly once
// (none is forgotten while a unit left needs it), and at the end none is
// held (asking again loads it from the cache).
func TestZooReleasesModelsAfterLastUse(t *testing.T) {
	ctx := context.Background()
	m := releaseManifest(t)
	b, err := zoo.NewBuilder(m, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	z := newZoo(b)
	cfg := pipeline.Default()
	cfg.Manifest = "zoo"
	cfg.Prefills = []string{"zoo-raw", "zoo-chat"}
	plan, err := pipeline.MakePlan(cfg, m, z)
	if err != nil {
		t.Fatal(err)
	}
	order, err := z.Schedule(plan.Units)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(order)); len(got) != len(plan.Units) || got[0] != 0 || got[len(got)-1] != len(plan.Units)-1 || len(slices.Compact(got)) != len(plan.Units) {
		t.Fatalf("schedule %v is not an order of the %d units", order, len(plan.Units))
	}
	distinct := map[zoo.ModelKey]bool{}
	var sizes []string
	for _, i := range order {
		u := &plan.Units[i]
		keys, err := unitKeys(b, u)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			distinct[k] = true
		}
		if len(sizes) == 0 || sizes[len(sizes)-1] != u.Variant.Size {
			sizes = append(sizes, u.Variant.Size)
		}
		if _, err := z.Organism(ctx, u.Organism, u.Variant); err != nil {
			t.Fatal(err)
		}
		for _, r := range u.References {
			if _, err := z.Reference(ctx, r, u.Organism, u.Variant); err != nil {
				t.Fatal(err)
			}
		}
		z.Release(u)
	}
	if len(sizes) != 2 {
		t.Errorf("the schedule runs sizes in the order %v: the units of one base are not together", sizes)
	}
	c := b.Counters()
	if got := c.ModelsTrained + c.ModelsLoaded; got != int64(len(distinct)) {
		t.Errorf("%d models trained or loaded for %d distinct ones: a model was forgotten while a unit left needed it", got, len(distinct))
	}
	// Zoo models load their tables on first use (zoo.LazyOrganism): use it.
	u := &plan.Units[order[0]]
	om, err := z.Organism(ctx, u.Organism, u.Variant)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := om.Score(ctx, []lm.ScoreItem{{Context: []int{lm.BOSToken}, Continuation: []int{lm.EOSToken}}}); err != nil {
		t.Fatal(err)
	}
	if got := b.Counters(); got.ModelsLoaded != c.ModelsLoaded+2 {
		t.Errorf("after every unit was released, asking for %s@%s loaded %d models, want 2 (its finetune and base, forgotten)",
			u.Organism.ID, u.Variant.Name, got.ModelsLoaded-c.ModelsLoaded)
	}
}
