package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/store"
	"github.com/ppldiff/ppldiff/organisms"
)

// countingCache counts the reads a run asks of its cache.
type countingCache struct {
	*MemCache
	prefills, completions, scores, bundles atomic.Int64
}

func (c *countingCache) GetPrefills(ctx context.Context, keys []string) (map[string]store.Prefill, error) {
	c.prefills.Add(1)
	return c.MemCache.GetPrefills(ctx, keys)
}

func (c *countingCache) GetCompletions(ctx context.Context, keys []string) (map[string]store.Completion, error) {
	c.completions.Add(1)
	return c.MemCache.GetCompletions(ctx, keys)
}

func (c *countingCache) GetScores(ctx context.Context, keys []string) (map[string]store.Scores, error) {
	c.scores.Add(1)
	return c.MemCache.GetScores(ctx, keys)
}

func (c *countingCache) GetBundles(ctx context.Context, keys []string) (map[string][]byte, error) {
	c.bundles.Add(1)
	return c.MemCache.GetBundles(ctx, keys)
}

func (c *countingCache) reset() {
	for _, n := range []*atomic.Int64{&c.prefills, &c.completions, &c.scores, &c.bundles} {
		n.Store(0)
	}
}

// runCounted runs p with models on cache with the counts reset, in
// batches of 16.
func runCounted(t *testing.T, w *testWorld, models Models, p *Plan, cache *countingCache) *Outcome {
	t.Helper()
	cache.reset()
	oc, err := Run(context.Background(), p, Options{Manifest: w.manifest, Models: models, Corpora: w.corpus, Cache: cache,
		Detect: compileDetector, Version: "test", BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	return oc
}

// A re-run reads each unit's prefill windows, its completions and each
// reference's scores as one bundle each, and no row (#15 point 1). A store that
// holds the rows but no bundles (one written before bundles) is read a
// unit's rows at a time, and the bundles are written then. All three runs
// give the same results.
func TestCachedRowsAreReadOncePerUnit(t *testing.T) {
	w := newTestWorld(t)
	cfg := testConfig() // two prefill configs, two references, N 120
	p, err := MakePlan(cfg, w.manifest, w)
	if err != nil {
		t.Fatal(err)
	}
	cache := &countingCache{MemCache: NewMemCache()}
	run := func() *Outcome { return runCounted(t, w, w, p, cache) }
	cold := run()
	units := int64(len(p.Units))
	// A cold unit reads the rows of each prefill window it cuts (the test
	// corpus has short and repeated documents: more than one window).
	windows := cache.prefills.Load()
	bundles := windows + 3*units // and a chunk of completions, scored under 2 references
	if got := cache.bundles.Load(); got != bundles || windows < units {
		t.Errorf("cold run: %d bundle reads for %d units, %d prefill windows", got, units, windows)
	}

	cache.MemCache.bundles = map[string][]byte{} // a store from before bundles
	rows := run()
	if rows.Counters.CompletionsGenerated != 0 || rows.Counters.ScoresComputed != 0 {
		t.Fatalf("the run on cached rows did work: %+v", rows.Counters)
	}
	// The finetuned model's generation logprobs are raw: no scoring pass of
	// its own, so the score reads are the references'.
	if got := cache.completions.Load(); got != units {
		t.Errorf("%d completion reads for %d units (batches of 16)", got, units)
	}
	if got := cache.scores.Load(); got != 2*units {
		t.Errorf("%d score reads for %d units x 2 references", got, units)
	}
	if n := len(cache.MemCache.bundles); int64(n) != bundles {
		t.Errorf("the run on cached rows wrote %d bundles, want %d", n, bundles)
	}

	rerun := run()
	if rerun.Counters.CompletionsGenerated != 0 || rerun.Counters.ScoresComputed != 0 {
		t.Fatalf("the re-run did work: %+v", rerun.Counters)
	}
	if rerun.Counters != rows.Counters {
		t.Errorf("bundles counted other cached work than rows: %+v against %+v", rerun.Counters, rows.Counters)
	}
	if n := cache.prefills.Load() + cache.completions.Load() + cache.scores.Load(); n != 0 {
		t.Errorf("the re-run read rows %d times", n)
	}
	if got := cache.bundles.Load(); got != bundles {
		t.Errorf("re-run: %d bundle reads, want %d", got, bundles)
	}
	for name, oc := range map[string]*Outcome{"rows": rows, "bundles": rerun} {
		if diff := cmp.Diff(cold.Results, oc.Results); diff != "" {
			t.Errorf("results from %s differ from the cold run's (-cold +%s):\n%s", name, name, diff)
		}
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

// A bundle whose body does not fit its span (cut short, or with one byte
// changed: the store's checksum catches damage in the file, this is a body
// written by a reader of another layout) is not used: its rows are read,
// the results do not change, and the bundle is written again.
func TestBundlesThatDoNotFitAreReadAsRows(t *testing.T) {
	w := newTestWorld(t)
	p, err := MakePlan(testConfig(), w.manifest, w)
	if err != nil {
		t.Fatal(err)
	}
	cache := &countingCache{MemCache: NewMemCache()}
	run := func() *Outcome { return runCounted(t, w, w, p, cache) }
	cold := run()
	good := maps.Clone(cache.MemCache.bundles)
	for _, damage := range []func([]byte) []byte{
		func(b []byte) []byte { return b[:len(b)-1] },
		func(b []byte) []byte { return append(slices.Clone(b), 0) },
		func(b []byte) []byte { c := slices.Clone(b); c[0] ^= 0x7f; return c },
	} {
		for k, b := range good {
			cache.MemCache.bundles[k] = damage(b)
		}
		oc := run()
		if oc.Counters.CompletionsGenerated != 0 || oc.Counters.ScoresComputed != 0 {
			t.Fatalf("the run did work: %+v", oc.Counters)
		}
		if cache.completions.Load() == 0 || cache.scores.Load() == 0 || cache.prefills.Load() == 0 {
			t.Errorf("damaged bundles were used: rows read %d, %d, %d times", cache.prefills.Load(), cache.completions.Load(), cache.scores.Load())
		}
		if diff := cmp.Diff(cold.Results, oc.Results); diff != "" {
			t.Errorf("results differ (-cold +damaged):\n%s", diff)
		}
		if !maps.EqualFunc(good, cache.MemCache.bundles, bytes.Equal) {
			t.Errorf("the bundles were not written again")
		}
	}
}

// No body makes a bundle reader panic or read past its end.
func TestBundleReaderSurvivesAnyBody(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	for range 20000 {
		body := make([]byte, rng.IntN(40))
		for i := range body {
			body[i] = byte(rng.UintN(256))
		}
		br := bundleReader{b: body}
		for range 6 {
			switch rng.IntN(4) {
			case 0:
				br.uint()
			case 1:
				br.ints()
			case 2:
				br.floats()
			case 3:
				br.bytes()
			}
		}
		if br.bad && len(br.b) != 0 {
			t.Fatalf("a bad body left %d bytes to read", len(br.b))
		}
	}
}

// servedLike is a model whose generation logprobs are not raw, as most
// served models are: its completions are scored by a pass of their own.
type servedLike struct{ lm.Model }

func (m servedLike) Info() lm.ModelInfo {
	info := m.Model.Info()
	info.RawGenerationLogprobs = false
	return info
}

// servedLikeWorld serves its finetuned model as servedLike.
type servedLikeWorld struct{ *testWorld }

func (w servedLikeWorld) Organism(ctx context.Context, o *organisms.Organism, v Variant) (lm.Model, error) {
	m, err := w.testWorld.Organism(ctx, o, v)
	return servedLike{m}, err
}

// A finetuned model without raw generation logprobs has its scoring pass
// bundled too: a re-run reads no score row, and its results are those of
// the run that scored.
func TestFinetunedScoringPassIsBundled(t *testing.T) {
	w := newTestWorld(t)
	models := servedLikeWorld{w}
	p, err := MakePlan(testConfig(), w.manifest, models)
	if err != nil {
		t.Fatal(err)
	}
	cache := &countingCache{MemCache: NewMemCache()}
	run := func() *Outcome { return runCounted(t, w, models, p, cache) }
	cold := run()
	units := int64(len(p.Units))
	if got := cache.scores.Load(); got != 3*units {
		t.Fatalf("cold run: %d score reads for %d units, want one per unit for the finetuned pass and each of 2 references", got, units)
	}
	if cold.Counters.ScoresComputed == 0 {
		t.Fatal("the finetuned model's completions were not scored")
	}
	rerun := run()
	if rerun.Counters.ScoresComputed != 0 || rerun.Counters.CompletionsGenerated != 0 {
		t.Fatalf("the re-run did work: %+v", rerun.Counters)
	}
	if got := cache.scores.Load(); got != 0 {
		t.Errorf("the re-run read score rows %d times", got)
	}
	if diff := cmp.Diff(cold.Results, rerun.Results); diff != "" {
		t.Errorf("re-run results differ (-cold +rerun):\n%s", diff)
	}
}
