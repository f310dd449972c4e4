package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/store"
	"github.com/ppldiff/ppldiff/organisms"
)

// countingCache counts the reads a run asks of its cache.
type countingCache struct {
	*MemCache
	completions, scores atomic.Int64
}

func (c *countingCache) GetCompletions(ctx context.Context, keys []string) (map[string]store.Completion, error) {
	c.completions.Add(1)
	return c.MemCache.GetCompletions(ctx, keys)
}

func (c *countingCache) GetScores(ctx context.Context, keys []string) (map[string]store.Scores, error) {
	c.scores.Add(1)
	return c.MemCache.GetScores(ctx, keys)
}

// A unit reads its cached completions, and each of its references its
// cached scores, in one read, not one per batch: on the store each read is
// a query (#15 point 1).
func TestCachedRowsAreReadOncePerUnit(t *testing.T) {
	w := newTestWorld(t)
	cfg := testConfig() // two prefill configs, two references, N 120
	p, err := MakePlan(cfg, w.manifest, w)
	if err != nil {
		t.Fatal(err)
	}
	cache := &countingCache{MemCache: NewMemCache()}
	run := func() *Outcome {
		oc, err := Run(context.Background(), p, Options{Manifest: w.manifest, Models: w, Corpora: w.corpus, Cache: cache,
			Detect: compileDetector, Version: "test", BatchSize: 16})
		if err != nil {
			t.Fatal(err)
		}
		return oc
	}
	run()
	cache.completions.Store(0)
	cache.scores.Store(0)
	oc := run()
	if oc.Counters.CompletionsGenerated != 0 || oc.Counters.ScoresComputed != 0 {
		t.Fatalf("the second run did work: %+v", oc.Counters)
	}
	units := int64(len(p.Units))
	// The finetuned model's generation logprobs are raw: no scoring pass of
	// its own, so the score reads are the references'.
	if got := cache.completions.Load(); got != units {
		t.Errorf("%d completion reads for %d units (batches of 16)", got, units)
	}
	if got := cache.scores.Load(); got != 2*units {
		t.Errorf("%d score reads for %d units x 2 references", got, units)
	}
}

// countingModel counts the chat prompts a model tokenizes.
type countingModel struct {
	lm.Model
	chats *atomic.Int64
}

func (m countingModel) Tokenize(ctx context.Context, req lm.TokenizeRequest) ([]int, error) {
	if len(req.Messages) > 0 {
		m.chats.Add(1)
	}
	return m.Model.Tokenize(ctx, req)
}

// sharedRefVariants serves the test world's organism as two variants sharing
// their references, as the zoo's variants of one order do.
type sharedRefVariants struct{ *testWorld }

func (sharedRefVariants) Variants(*organisms.Organism) []Variant {
	return []Variant{{Name: "n3-w2", Size: "n3", Strength: 2}, {Name: "n3-w4", Size: "n3", Strength: 4}}
}

// A prefill's chat prompt under a reference is tokenized once, not once
// per variant that shares the reference, and the results are the same.
func TestReferenceContextsAreSharedByVariants(t *testing.T) {
	w := newTestWorld(t)
	var chats atomic.Int64
	w.base = countingModel{w.base, &chats}
	cfg := testConfig()
	cfg.Prefills = []string{"test-chat"}
	cfg.References = []string{"true_base"}
	models := sharedRefVariants{w}
	run := func(cfg Config) (*Plan, *Outcome) {
		p, err := MakePlan(cfg, w.manifest, models)
		if err != nil {
			t.Fatal(err)
		}
		oc, err := Run(context.Background(), p, Options{Manifest: w.manifest, Models: models, Corpora: w.corpus, Cache: NewMemCache(),
			Detect: compileDetector, Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return p, oc
	}
	p, oc := run(cfg)
	if len(p.Units) != 2 {
		t.Fatalf("%d units, want one per variant", len(p.Units))
	}
	n := oc.Results.Entries[0].NCompletions
	// The finetuned model and true_base share the tokenizer: the
	// reference's chat prompts are its only chat tokenizing.
	if got := chats.Load(); got < int64(n) || got >= int64(2*n) {
		t.Errorf("%d chat prompts tokenized under the reference for %d prefills in each of 2 variants", got, n)
	}
	// Each variant run alone gives the same entries.
	for _, e := range oc.Results.Entries {
		cfg1 := cfg
		cfg1.Variants = []string{e.Variant}
		_, one := run(cfg1)
		found := false
		for _, f := range one.Results.Entries {
			if f.Key() == e.Key() {
				found = true
				if f.NCompletions != e.NCompletions || *f.CountAt10 != *e.CountAt10 || !slices.Equal(f.FlaggedRanks, e.FlaggedRanks) {
					t.Errorf("%v: in one run %+v, alone %+v", e.Key(), e, f)
				}
			}
		}
		if !found {
			t.Errorf("%v: not in the run of its variant alone", e.Key())
		}
	}
}

// countingCorpora counts the samples drawn.
type countingCorpora struct {
	Corpora
	n atomic.Int64
}

func (c *countingCorpora) Sample(ctx context.Context, name string, n int, seed uint64) ([]int, string, error) {
	c.n.Add(1)
	return c.Corpora.Sample(ctx, name, n, seed)
}

// Units that draw the same sample (the variants of an organism under one
// config and repeat) draw it from the corpus once.
func TestVariantsShareTheirCorpusSample(t *testing.T) {
	w := newTestWorld(t)
	cfg := testConfig()
	cfg.Repeats = 2
	models := sharedRefVariants{w}
	p, err := MakePlan(cfg, w.manifest, models)
	if err != nil {
		t.Fatal(err)
	}
	corpora := &countingCorpora{Corpora: w.corpus}
	if _, err := Run(context.Background(), p, Options{Manifest: w.manifest, Models: models, Corpora: corpora, Cache: NewMemCache(),
		Detect: compileDetector, Version: "test", Concurrency: 1}); err != nil {
		t.Fatal(err)
	}
	// 2 variants x 2 configs x 2 repeats; both configs read the one test
	// corpus, so the samples differ by repeat only.
	if len(p.Units) != 8 {
		t.Fatalf("%d units, want 8", len(p.Units))
	}
	if got := corpora.n.Load(); got != 2 {
		t.Errorf("%d samples drawn for 8 units over 2 distinct (corpus, size, seed)", got)
	}
}

// Cache keys carry the document index of their prefill after the model's
// group (keyHasher.sumInOrder), so that a unit's rows land side by side in
// the store's key index: every prefill, completion and score key of a run
// says the document it came from.
func TestCacheKeysAreOrderedByDocument(t *testing.T) {
	w := newTestWorld(t)
	cache := NewMemCache()
	runOnce(t, w, testConfig(), cache)
	order := func(key string) string { return key[16:24] }
	docs := map[string]bool{}
	for key, p := range cache.prefills {
		if want := fmt.Sprintf("%08x", p.Index); order(key) != want {
			t.Fatalf("prefill of document %d has key %s, want order %s", p.Index, key, want)
		}
		docs[order(key)] = true
	}
	for key, c := range cache.gens {
		if order(key) != order(c.PrefillKey) {
			t.Fatalf("completion key %s does not carry its prefill's document (%s)", key, c.PrefillKey)
		}
	}
	if len(cache.scores) == 0 {
		t.Fatal("the run cached no scores")
	}
	for key := range cache.scores {
		if !docs[order(key)] {
			t.Fatalf("score key %s names no prefill's document", key)
		}
	}
}
