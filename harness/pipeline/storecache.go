package pipeline

import (
	"context"

	"github.com/ppldiff/ppldiff/harness/store"
)

// StoreCache makes the SQLite store the run's cache.
func StoreCache(s *store.Store) Cache { return storeCache{s} }

type storeCache struct{ s *store.Store }

func (c storeCache) GetGenerations(ctx context.Context, keys []string) (map[string]CachedGeneration, error) {
	got, err := c.s.GetCompletions(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]CachedGeneration, len(got))
	for k, g := range got {
		out[k] = CachedGeneration{Key: g.Key, Model: g.Model, Tokens: g.Tokens, Logprobs: g.Logprobs, FinishReason: g.FinishReason}
	}
	return out, nil
}

func (c storeCache) PutGenerations(ctx context.Context, gs []CachedGeneration) error {
	in := make([]store.Completion, len(gs))
	for i, g := range gs {
		in[i] = store.Completion{Key: g.Key, Model: g.Model, Tokens: g.Tokens, Logprobs: g.Logprobs, FinishReason: g.FinishReason}
	}
	return c.s.PutCompletions(ctx, in)
}

func (c storeCache) GetScores(ctx context.Context, keys []string) (map[string]CachedScores, error) {
	got, err := c.s.GetScores(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]CachedScores, len(got))
	for k, s := range got {
		out[k] = CachedScores{Key: s.Key, Model: s.Model, Logprobs: s.Logprobs}
	}
	return out, nil
}

func (c storeCache) PutScores(ctx context.Context, ss []CachedScores) error {
	in := make([]store.Scores, len(ss))
	for i, s := range ss {
		in[i] = store.Scores{Key: s.Key, Model: s.Model, Logprobs: s.Logprobs}
	}
	return c.s.PutScores(ctx, in)
}
