package pipeline

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"sync"
)

// filter marks the completions a ranking keeps: at least
// MinCompletionTokens tokens (a short completion's perplexity is noise that
// the raw difference would rank high), not a degenerate repetition (by
// compression ratio), and, with Dedup, the first of identical texts.
func filter(cfg Config, comps []*completion) {
	newCompletionFilter(cfg).apply(comps)
}

// completionFilter is filter across the chunks of a unit: with Dedup it
// remembers the texts kept so far, by their SHA-256 (a unit of a million
// completions would otherwise hold every text).
type completionFilter struct {
	cfg  Config
	seen map[[sha256.Size]byte]bool
}

func newCompletionFilter(cfg Config) *completionFilter {
	return &completionFilter{cfg: cfg, seen: map[[sha256.Size]byte]bool{}}
}

// apply marks comps, which follow every completion already filtered.
func (f *completionFilter) apply(comps []*completion) {
	cfg := f.cfg
	for _, c := range comps {
		c.kept = true
		var sum [sha256.Size]byte
		if cfg.Dedup {
			sum = sha256.Sum256(c.text)
		}
		switch {
		case len(c.gen.Tokens) == 0 || len(c.gen.Tokens) < cfg.MinCompletionTokens:
			c.kept, c.dropNote = false, "short"
		case cfg.MaxCompressionRatio > 0 && CompressionRatio(c.text) > cfg.MaxCompressionRatio:
			c.kept, c.dropNote = false, "degenerate"
		case cfg.Dedup && f.seen[sum]:
			c.kept, c.dropNote = false, "duplicate"
		}
		if c.kept && cfg.Dedup {
			f.seen[sum] = true
		}
	}
}

// CompressionRatio is len(text) / len(deflate(text)): repetitive text
// compresses far better than prose.
func CompressionRatio(text []byte) float64 {
	if len(text) == 0 {
		return 0
	}
	// A deflate writer allocates its window tables (~1 MB): reuse them.
	c := deflaters.Get().(*deflater)
	defer deflaters.Put(c)
	c.buf.Reset()
	c.w.Reset(&c.buf)
	c.w.Write(text)
	c.w.Close()
	return float64(len(text)) / float64(c.buf.Len())
}

type deflater struct {
	buf bytes.Buffer
	w   *flate.Writer
}

var deflaters = sync.Pool{New: func() any {
	d := &deflater{}
	d.w, _ = flate.NewWriter(&d.buf, flate.BestCompression)
	return d
}}
