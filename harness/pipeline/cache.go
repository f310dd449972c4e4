package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"sync"
)

// CachedGeneration is a stored completion, keyed by content.
type CachedGeneration struct {
	Key          string
	Model        string
	PrefillKey   string
	Tokens       []int
	Text         []byte // decoded, invalid UTF-8 replaced
	Logprobs     []float64
	FinishReason string
}

// CachedPrefill is a cut prefill and its prompt, keyed by content (model,
// tokenizer, corpus, document, length, offset rule, format). An empty
// Prompt records a document too short to give one.
type CachedPrefill struct {
	Key    string
	Source string // the prefill id: corpus:document[@offset]
	Index  int
	Prompt []int
	Text   []byte
}

// CachedScores are stored teacher-forced logprobs, keyed by content.
type CachedScores struct {
	Key      string
	Model    string
	Logprobs []float64
}

// Cache persists generations and scores so that re-running, adding a repeat
// or adding a reference only computes what is missing. The SQLite store
// implements it; tests may use NewMemCache.
type Cache interface {
	GetGenerations(ctx context.Context, keys []string) (map[string]CachedGeneration, error)
	PutGenerations(ctx context.Context, gs []CachedGeneration) error
	GetScores(ctx context.Context, keys []string) (map[string]CachedScores, error)
	PutScores(ctx context.Context, ss []CachedScores) error
	GetPrefills(ctx context.Context, keys []string) (map[string]CachedPrefill, error)
	PutPrefills(ctx context.Context, ps []CachedPrefill) error
}

// MemCache is an in-memory Cache.
type MemCache struct {
	mu       sync.Mutex
	gens     map[string]CachedGeneration
	scores   map[string]CachedScores
	prefills map[string]CachedPrefill
}

// NewMemCache returns an empty in-memory cache.
func NewMemCache() *MemCache {
	return &MemCache{gens: map[string]CachedGeneration{}, scores: map[string]CachedScores{}, prefills: map[string]CachedPrefill{}}
}

func (m *MemCache) GetPrefills(_ context.Context, keys []string) (map[string]CachedPrefill, error) {
	return memGet(&m.mu, m.prefills, keys), nil
}

func (m *MemCache) PutPrefills(_ context.Context, ps []CachedPrefill) error {
	memPut(&m.mu, m.prefills, ps, func(p CachedPrefill) string { return p.Key })
	return nil
}

func (m *MemCache) GetGenerations(_ context.Context, keys []string) (map[string]CachedGeneration, error) {
	return memGet(&m.mu, m.gens, keys), nil
}

func (m *MemCache) PutGenerations(_ context.Context, gs []CachedGeneration) error {
	memPut(&m.mu, m.gens, gs, func(g CachedGeneration) string { return g.Key })
	return nil
}

func (m *MemCache) GetScores(_ context.Context, keys []string) (map[string]CachedScores, error) {
	return memGet(&m.mu, m.scores, keys), nil
}

func (m *MemCache) PutScores(_ context.Context, ss []CachedScores) error {
	memPut(&m.mu, m.scores, ss, func(s CachedScores) string { return s.Key })
	return nil
}

func memGet[T any](mu *sync.Mutex, m map[string]T, keys []string) map[string]T {
	mu.Lock()
	defer mu.Unlock()
	out := map[string]T{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

func memPut[T any](mu *sync.Mutex, m map[string]T, vs []T, key func(T) string) {
	mu.Lock()
	defer mu.Unlock()
	for _, v := range vs {
		m[key(v)] = v
	}
}

// keyHasher builds content keys: sha256 over length-prefixed fields, so no
// two different field lists can collide by concatenation.
type keyHasher struct{ buf []byte }

func (k *keyHasher) str(s string) *keyHasher {
	k.buf = binary.AppendUvarint(k.buf, uint64(len(s)))
	k.buf = append(k.buf, s...)
	return k
}

func (k *keyHasher) ints(xs []int) *keyHasher {
	k.buf = binary.AppendUvarint(k.buf, uint64(len(xs)))
	for _, x := range xs {
		k.buf = binary.AppendVarint(k.buf, int64(x))
	}
	return k
}

func (k *keyHasher) flag(b bool) *keyHasher {
	if b {
		return k.u64(1)
	}
	return k.u64(0)
}

func (k *keyHasher) num(f float64) *keyHasher {
	k.buf = binary.LittleEndian.AppendUint64(k.buf, math.Float64bits(f))
	return k
}

func (k *keyHasher) u64(x uint64) *keyHasher {
	k.buf = binary.LittleEndian.AppendUint64(k.buf, x)
	return k
}

func (k *keyHasher) sum() string {
	h := sha256.Sum256(k.buf)
	return hex.EncodeToString(h[:])
}
