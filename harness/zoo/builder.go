package zoo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/organisms"
	gen "github.com/ppldiff/ppldiff/organisms/zoo"
)

// Builder builds the models of one zoo manifest on demand and caches them.
// It is safe for concurrent use.
type Builder struct {
	m        *organisms.Manifest
	setup    organisms.ZooSetup
	cache    *cache
	dir      string // directory objective files are relative to
	corpus   *gen.Corpus
	work     chan struct{} // bounds concurrent CPU-heavy steps
	mu       sync.Mutex
	flights  map[string]*flight
	counters struct {
		modelsTrained, modelsLoaded, tokenizersTrained, tokenizersLoaded, tokensCounted atomic.Int64
	}
}

// Counters report what a Builder did, for run-log.json and tests.
type Counters = results.ModelWork

// NewBuilder returns a builder of m's zoo organisms caching in cacheDir
// (empty: no disk cache). A manifest without a zoo section (a user's
// organisms) uses the built-in zoo's corpus, tokenizers and base. Objective
// files are read relative to the directory of m.File.
func NewBuilder(m *organisms.Manifest, cacheDir string) (*Builder, error) {
	setup := m.Zoo
	if setup == nil {
		builtin, err := organisms.Load("zoo")
		if err != nil {
			return nil, fmt.Errorf("zoo: built-in zoo manifest: %w", err)
		}
		setup = builtin.Zoo
	}
	if setup == nil {
		return nil, errors.New("zoo: manifest has no zoo setup")
	}
	b := &Builder{
		m:       m,
		setup:   *setup,
		cache:   newCache(cacheDir),
		dir:     filepath.Dir(m.File),
		corpus:  gen.NewCorpus(setup.Corpus.Seed),
		work:    make(chan struct{}, max(1, runtime.GOMAXPROCS(0))),
		flights: map[string]*flight{},
	}
	for _, o := range m.Organisms {
		if o.Recipe == nil {
			continue
		}
		if g := o.Recipe.Objective.Generator; g != "" {
			if _, ok := gen.LookupObjective(g); !ok {
				return nil, fmt.Errorf("zoo: organism %s: unknown objective generator %q", o.ID, g)
			}
		}
		if _, err := b.baseRecipe(o.Recipe.Base, 2); err != nil {
			return nil, fmt.Errorf("zoo: organism %s: %w", o.ID, err)
		}
	}
	return b, nil
}

// Counters returns a snapshot of the builder's counters.
func (b *Builder) Counters() Counters {
	c := &b.counters
	return Counters{
		ModelsTrained: c.modelsTrained.Load(), ModelsLoaded: c.modelsLoaded.Load(),
		TokenizersTrained: c.tokenizersTrained.Load(), TokenizersLoaded: c.tokenizersLoaded.Load(),
		TokensCounted: c.tokensCounted.Load(),
	}
}

// Corpus returns the documents held out for prefills (the zoo's corpus
// prefills slice); no default training slice overlaps them. They are kept
// in the model cache like a model (checksummed, keyed by the world seed,
// the slice and FormatVersion): generating the 100,000 of the default
// manifest was 12 % of a cached re-run's CPU, every run.
func (b *Builder) Corpus() ([]gen.Document, error) {
	from, to, err := organisms.ParseSlice(b.setup.Corpus.Prefills)
	if err != nil {
		return nil, fmt.Errorf("zoo: corpus prefills: %w", err)
	}
	key := cacheKey("corpus", struct {
		World    uint64
		From, To int
	}{b.setup.Corpus.Seed, from, to})
	var docs []gen.Document
	ok, err := b.cache.load("corpus", key, func(r io.Reader) error {
		docs, err = readDocs(r, to-from)
		return err
	})
	if err != nil {
		return nil, err
	}
	if ok {
		return docs, nil
	}
	docs = b.corpus.Docs(from, to)
	if err := b.cache.store("corpus", key, func(w io.Writer) error { return writeDocs(w, docs) }); err != nil {
		return nil, fmt.Errorf("zoo: store the corpus: %w", err)
	}
	return docs, nil
}

// GeneralCorpus returns the procedural corpus of the manifest's world.
func (b *Builder) GeneralCorpus() *gen.Corpus { return b.corpus }

// flight is one build shared by every caller asking for the same key.
type flight struct {
	done chan struct{}
	val  any
	err  error
}

// once runs fn for key at most once per builder (until it fails) and shares
// the result with every concurrent and later caller.
func (b *Builder) once(ctx context.Context, key string, fn func() (any, error)) (any, error) {
	b.mu.Lock()
	f, ok := b.flights[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		b.flights[key] = f
		b.mu.Unlock()
		f.val, f.err = fn()
		if f.err != nil {
			b.mu.Lock()
			delete(b.flights, key) // a later call may retry
			b.mu.Unlock()
		}
		close(f.done)
	} else {
		b.mu.Unlock()
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// busy runs a CPU-heavy step holding one of GOMAXPROCS work slots. Steps
// never wait for other builds while holding a slot, so nesting cannot deadlock.
func (b *Builder) busy(ctx context.Context, fn func() error) error {
	select {
	case b.work <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.work }()
	return fn()
}
