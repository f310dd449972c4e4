package pipeline

import (
	"context"
	"sync"
)

// sampleMemo keeps the last corpus samples drawn. A sample depends only on
// (corpus, size, seed), and every variant of every organism under one
// prefill config and repeat draws the same one; drawing it meant reading
// the whole corpus again per unit (5% of a cached re-run). Units in flight
// are neighbours in the plan, so a few samples suffice, and the memo's
// memory stays that of a few samples.
type sampleMemo struct {
	mu   sync.Mutex
	last []memoSample
}

type memoSample struct {
	name string
	n    int
	seed uint64
	docs []int // document indices; shared: callers clone before reordering
	hash string
}

// maxSampleMemo is how many samples the memo keeps (most recent first).
const maxSampleMemo = 4

// sample is Corpora.Sample through the memo.
func (m *sampleMemo) sample(ctx context.Context, c Corpora, name string, n int, seed uint64) ([]int, string, error) {
	m.mu.Lock()
	for _, s := range m.last {
		if s.name == name && s.n == n && s.seed == seed {
			m.mu.Unlock()
			return s.docs, s.hash, nil
		}
	}
	m.mu.Unlock()
	docs, hash, err := c.Sample(ctx, name, n, seed)
	if err != nil {
		return nil, "", err
	}
	m.mu.Lock()
	m.last = append([]memoSample{{name, n, seed, docs, hash}}, m.last[:min(len(m.last), maxSampleMemo-1)]...)
	m.mu.Unlock()
	return docs, hash, nil
}
