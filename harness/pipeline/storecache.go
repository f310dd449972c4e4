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
		out[k] = CachedGeneration{Key: g.Key, Model: g.Model, PrefillKey: g.PrefillKey, Tokens: g.Tokens, Text: g.Text,
			Logprobs: g.Logprobs, FinishReason: g.FinishReason}
	}
	return out, nil
}

func (c storeCache) PutGenerations(ctx context.Context, gs []CachedGeneration) error {
	in := make([]store.Completion, len(gs))
	for i, g := range gs {
		in[i] = store.Completion{Key: g.Key, Model: g.Model, PrefillKey: g.PrefillKey, Tokens: g.Tokens, Text: g.Text,
			Logprobs: g.Logprobs, FinishReason: g.FinishReason}
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

func (c storeCache) GetPrefills(ctx context.Context, keys []string) (map[string]CachedPrefill, error) {
	got, err := c.s.GetPrefills(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]CachedPrefill, len(got))
	for k, p := range got {
		out[k] = CachedPrefill{Key: p.Key, Source: p.Source, Index: p.Index, Prompt: p.Tokens, Text: p.Text}
	}
	return out, nil
}

func (c storeCache) PutPrefills(ctx context.Context, ps []CachedPrefill) error {
	in := make([]store.Prefill, len(ps))
	for i, p := range ps {
		in[i] = store.Prefill{Key: p.Key, Source: p.Source, Index: p.Index, Tokens: p.Prompt, Text: p.Text}
	}
	return c.s.PutPrefills(ctx, in)
}
