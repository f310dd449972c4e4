package pipeline

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

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

// writeBundles stores the bundles of the spans that were not served, in
// one transaction.
func (r *runner) writeBundles(ctx context.Context, keys []string, served []bool, encode func(span int) []byte) error {
	var put []store.Bundle
	for s, k := range keys {
		if !served[s] {
			put = append(put, store.Bundle{Key: k, Body: encode(s)})
		}
	}
	if len(put) == 0 {
		return nil
	}
	if err := r.opt.Cache.PutBundles(ctx, put); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// rowsBundleKey is the key of the bundle of rows whose keys are keys.
func rowsBundleKey(kind string, keys []string) string {
	kh := (&keyHasher{}).str("bundle/v1").str(kind)
	kh.u64(uint64(len(keys)))
	for _, k := range keys {
		kh.str(k)
	}
	return kh.sum()
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
