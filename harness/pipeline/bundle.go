package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"sync"

	"github.com/ppldiff/ppldiff/harness/store"
)

// Bundles: the cache keeps every prefill, completion and score as its own
// row, so that any run finds what another computed. A re-run of the same
// unit reads the same rows again, and at one b-tree probe per row that was
// most of a cached re-run (#15 point 1: reading scores 29 % of its CPU,
// prefills 15 %). So each span of up to bundleRows consecutive items of a
// window or chunk is also stored as one bundle, under a key that hashes the
// keys of its rows (or, for scores, the inputs those keys are computed
// from, so that a re-run need not tokenize to find them). A bundle says no
// more than its rows do: where one is missing or does not decode, the rows
// are read one by one as before and the bundle is written again.

// bundleRows is the most items one bundle holds: a default unit's window,
// chunk or scoring pass is one bundle of about 100 kB.
const bundleRows = 4096

// bundleSpans splits [0, n) into spans of at most bundleRows items.
func bundleSpans(n int) [][2]int {
	var spans [][2]int
	for a := 0; a < n; a += bundleRows {
		spans = append(spans, [2]int{a, min(n, a+bundleRows)})
	}
	return spans
}

// readBundles reads the bundles keys name (one per span) in one lookup and
// hands each body found to load, which fills its span and says whether the
// body fit. served[s] says whether span s was filled.
func (r *runner) readBundles(ctx context.Context, keys []string, load func(span int, body []byte) bool) ([]bool, error) {
	served := make([]bool, len(keys))
	have, err := r.opt.Cache.GetBundles(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	for s, k := range keys {
		if body, ok := have[k]; ok {
			served[s] = load(s, body)
		}
	}
	return served, nil
}

// writeBundles stores the bundles of the spans that were not served, one
// at a time, each encoded into a reused buffer (the cache copies what it
// keeps): a window of a million prefills has 275 spans, and a
// 1M-completion run encodes 1.3 GB of bodies; holding them, or allocating
// each, raised its peak RSS from 759 to 940 MB (BenchmarkCompletionsMemory).
func (r *runner) writeBundles(ctx context.Context, keys []string, served []bool, encode func(span int, bw *bundleWriter)) error {
	bw := bundleBuffers.Get().(*bundleWriter)
	defer bundleBuffers.Put(bw)
	for s, k := range keys {
		if served[s] {
			continue
		}
		bw.b = bw.b[:0]
		encode(s, bw)
		if err := r.opt.Cache.PutBundles(ctx, []store.Bundle{{Key: k, Body: bw.b}}); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
	}
	return nil
}

var bundleBuffers = sync.Pool{New: func() any { return new(bundleWriter) }}

// bundleKey hashes a bundle's key fields as they come, length-prefixed like
// keyHasher's, without holding them: a span's fields are its rows' texts.
type bundleKey struct {
	h   hash.Hash
	tmp []byte
}

func newBundleKey(prefix []byte) *bundleKey {
	k := &bundleKey{h: sha256.New(), tmp: make([]byte, 0, 512)}
	k.h.Write(prefix)
	k.str("bundle/v1")
	return k
}

// flush writes the buffered fields once they are long enough.
func (k *bundleKey) flush(force bool) {
	if force || len(k.tmp) >= 256 {
		k.h.Write(k.tmp)
		k.tmp = k.tmp[:0]
	}
}

func (k *bundleKey) bytes(p []byte) *bundleKey {
	k.tmp = binary.AppendUvarint(k.tmp, uint64(len(p)))
	if len(p) > 64 {
		k.flush(true)
		k.h.Write(p)
		return k
	}
	k.tmp = append(k.tmp, p...)
	k.flush(false)
	return k
}

func (k *bundleKey) str(s string) *bundleKey {
	k.tmp = binary.AppendUvarint(k.tmp, uint64(len(s)))
	k.tmp = append(k.tmp, s...)
	k.flush(false)
	return k
}

func (k *bundleKey) ints(xs []int) *bundleKey {
	k.tmp = binary.AppendUvarint(k.tmp, uint64(len(xs)))
	for _, x := range xs {
		k.tmp = binary.AppendVarint(k.tmp, int64(x))
		k.flush(false)
	}
	return k
}

func (k *bundleKey) sum() string {
	k.flush(true)
	return hex.EncodeToString(k.h.Sum(nil))
}

// rowsBundleKey is the key of the bundle of rows whose keys are keys.
func rowsBundleKey(kind string, keys []string) string {
	k := newBundleKey(nil).str(kind)
	k.tmp = binary.AppendUvarint(k.tmp, uint64(len(keys)))
	for _, key := range keys {
		k.str(key)
	}
	return k.sum()
}

// bundleWriter appends a bundle's fields: lengths and integers as varints,
// floats as their 8 bytes (exactly as computed), bytes as they are.
type bundleWriter struct{ b []byte }

func (w *bundleWriter) uint(x int) { w.b = binary.AppendUvarint(w.b, uint64(x)) }

func (w *bundleWriter) ints(xs []int) {
	w.uint(len(xs))
	for _, x := range xs {
		w.b = binary.AppendVarint(w.b, int64(x))
	}
}

func (w *bundleWriter) floats(xs []float64) {
	w.uint(len(xs))
	for _, x := range xs {
		w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
	}
}

func (w *bundleWriter) bytes(p []byte) {
	w.uint(len(p))
	w.b = append(w.b, p...)
}

// bundleReader reads what a bundleWriter wrote. A body that ends early or
// holds an impossible length sets bad; the reader then returns zero values
// and the caller drops the whole bundle.
type bundleReader struct {
	b   []byte
	bad bool
}

func (r *bundleReader) uint() int {
	x, n := binary.Uvarint(r.b)
	if n <= 0 || x > uint64(len(r.b)) {
		// Every length counts items of at least one byte still to come.
		r.bad = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return int(x)
}

// ints returns nil for an empty list, as the store's rows decode.
func (r *bundleReader) ints() []int {
	n := r.uint()
	if n == 0 {
		return nil
	}
	xs := make([]int, n)
	for i := range xs {
		x, m := binary.Varint(r.b)
		if m <= 0 {
			r.bad = true
			r.b = nil
			return nil
		}
		xs[i], r.b = int(x), r.b[m:]
	}
	return xs
}

// floats returns a non-nil slice, empty for an empty list.
func (r *bundleReader) floats() []float64 {
	n := r.uint()
	if 8*n > len(r.b) {
		r.bad = true
		r.b = nil
		return nil
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = math.Float64frombits(binary.LittleEndian.Uint64(r.b[8*i:]))
	}
	r.b = r.b[8*n:]
	return xs
}

// bytes copies: a slice into the body would keep the whole body alive as
// long as any one text is.
func (r *bundleReader) bytes() []byte {
	n := r.uint()
	if n > len(r.b) {
		r.bad = true
		r.b = nil
		return nil
	}
	p := append([]byte(nil), r.b[:n]...)
	r.b = r.b[n:]
	return p
}

// ok says the body was read to its end without a fault.
func (r *bundleReader) ok() bool { return !r.bad && len(r.b) == 0 }
