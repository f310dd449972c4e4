package pipeline

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/ppldiff/ppldiff/harness/store"
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
