package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"sync"

	"github.com/ppldiff/ppldiff/harness/store"
)

// Cache persists prefills, completions and scores so that re-running,
// adding a repeat or adding a reference only computes what is missing. The
// record types are the store's; *store.Store implements Cache, and the
// pipeline reaches the store through this interface only. Tests may use
// NewMemCache.
type Cache interface {
	GetCompletions(ctx context.Context, keys []string) (map[string]store.Completion, error)
	PutCompletions(ctx context.Context, gs []store.Completion) error
	GetScores(ctx context.Context, keys []string) (map[string]store.Scores, error)
	PutScores(ctx context.Context, ss []store.Scores) error
	GetPrefills(ctx context.Context, keys []string) (map[string]store.Prefill, error)
	PutPrefills(ctx context.Context, ps []store.Prefill) error
	// Bundles hold a span of rows again as one record (bundle.go).
	GetBundles(ctx context.Context, keys []string) (map[string][]byte, error)
	PutBundles(ctx context.Context, bs []store.Bundle) error
}

// MemCache is an in-memory Cache.
type MemCache struct {
	mu       sync.Mutex
	gens     map[string]store.Completion
	scores   map[string]store.Scores
	prefills map[string]store.Prefill
	bundles  map[string][]byte
}

// NewMemCache returns an empty in-memory cache.
func NewMemCache() *MemCache {
	return &MemCache{gens: map[string]store.Completion{}, scores: map[string]store.Scores{}, prefills: map[string]store.Prefill{}, bundles: map[string][]byte{}}
}

func (m *MemCache) GetPrefills(_ context.Context, keys []string) (map[string]store.Prefill, error) {
	return memGet(&m.mu, m.prefills, keys), nil
}

func (m *MemCache) PutPrefills(_ context.Context, ps []store.Prefill) error {
	memPut(&m.mu, m.prefills, ps, func(p store.Prefill) string { return p.Key })
	return nil
}

func (m *MemCache) GetCompletions(_ context.Context, keys []string) (map[string]store.Completion, error) {
	return memGet(&m.mu, m.gens, keys), nil
}

func (m *MemCache) PutCompletions(_ context.Context, gs []store.Completion) error {
	memPut(&m.mu, m.gens, gs, func(g store.Completion) string { return g.Key })
	return nil
}

func (m *MemCache) GetScores(_ context.Context, keys []string) (map[string]store.Scores, error) {
	return memGet(&m.mu, m.scores, keys), nil
}

func (m *MemCache) PutScores(_ context.Context, ss []store.Scores) error {
	memPut(&m.mu, m.scores, ss, func(s store.Scores) string { return s.Key })
	return nil
}

func (m *MemCache) GetBundles(_ context.Context, keys []string) (map[string][]byte, error) {
	return memGet(&m.mu, m.bundles, keys), nil
}

func (m *MemCache) PutBundles(_ context.Context, bs []store.Bundle) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range bs {
		m.bundles[b.Key] = bytes.Clone(b.Body) // the caller reuses its buffer
	}
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

// keyBufSize holds the fields of most keys (names, a prompt's and a
// completion's token ids) in one allocation; growing the buffer from empty
// was a tenth of the allocation in a cached re-run's profile.
const keyBufSize = 512

func (k *keyHasher) str(s string) *keyHasher {
	if k.buf == nil {
		k.buf = make([]byte, 0, keyBufSize)
	}
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

// sumInOrder is a content key that sorts by group, then by order: 16 hex
// digits of the group's hash, the order as 8 hex digits, then 40 of the
// content's hash (the fields must still name everything the key stands
// for; group and order only place it). The store indexes keys in a B-tree,
// and keys spread at random put each row of a batch on another page, so
// every commit rewrote about a page per row (a cold study-matrix run
// wrote 16.5 GB; 4.3 GB with these keys). A unit's rows of one model in
// corpus order land side by side instead.
func (k *keyHasher) sumInOrder(group string, order int) string {
	g := sha256.Sum256([]byte(group))
	h := sha256.Sum256(k.buf)
	// The order's low 32 bits: every key is 64 hex digits (32 bytes, as a
	// prefill holds its key) whatever the corpus size; order only places it.
	return hex.EncodeToString(g[:8]) + fmt.Sprintf("%08x", uint32(order)) + hex.EncodeToString(h[:20])
}

// The SQLite store is the run's cache as it is.
var _ Cache = (*store.Store)(nil)
