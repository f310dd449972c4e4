package pipeline

import (
	"context"
	"sync/atomic"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/organisms"
)

// Variant is one trained instance of an organism.
type Variant struct {
	Name     string
	Size     string
	Strength float64
}

// Models resolves the models a plan needs: the zoo builder in-process, or
// HTTP backends for real organisms.
type Models interface {
	Variants(o *organisms.Organism) []Variant
	Organism(ctx context.Context, o *organisms.Organism, v Variant) (lm.Model, error)
	Reference(ctx context.Context, r *organisms.Reference, o *organisms.Organism, v Variant) (lm.Model, error)
}

// Document is one text of a prefill corpus, with its position for ids.
type Document struct {
	Index int
	Text  []byte
}

// Corpora opens prefill corpora by name.
type Corpora interface {
	// Sample returns the indices of n documents chosen by seed from the
	// named corpus, in a deterministic order, and the corpus's content
	// hash. Fewer than n come back only when the corpus is smaller.
	Sample(ctx context.Context, name string, n int, seed uint64) ([]int, string, error)
	// Visit calls fn with the text of each document whose index is in
	// indices (sorted), once each.
	Visit(ctx context.Context, name string, indices []int, fn func(index int, text []byte) error) error
}

// Progress reports work as it is done; the CLI draws bars on a terminal and
// logs lines otherwise.
type Progress interface {
	Stage(name string, total int64) Bar
}

// Bar counts one stage's work.
type Bar interface {
	Add(n int64)
	Done()
}

type nopProgress struct{}
type nopBar struct{}

func (nopProgress) Stage(string, int64) Bar { return nopBar{} }
func (nopBar) Add(int64)                    {}
func (nopBar) Done()                        {}

// Counters count the work a run did (as opposed to the work its results
// need, which model_tokens reports); they go to run-log.json.
type Counters struct {
	CompletionsGenerated atomic.Int64 `json:"-"`
	CompletionsCached    atomic.Int64 `json:"-"`
	TokensGenerated      atomic.Int64 `json:"-"`
	ScoresComputed       atomic.Int64 `json:"-"`
	ScoresCached         atomic.Int64 `json:"-"`
	TokensScored         atomic.Int64 `json:"-"`
}

// CounterSnapshot is Counters as plain numbers, as run-log.json holds them.
type CounterSnapshot = results.Work

// Snapshot reads the counters.
func (c *Counters) Snapshot() CounterSnapshot {
	return CounterSnapshot{
		CompletionsGenerated: c.CompletionsGenerated.Load(),
		CompletionsCached:    c.CompletionsCached.Load(),
		TokensGenerated:      c.TokensGenerated.Load(),
		ScoresComputed:       c.ScoresComputed.Load(),
		ScoresCached:         c.ScoresCached.Load(),
		TokensScored:         c.TokensScored.Load(),
	}
}
