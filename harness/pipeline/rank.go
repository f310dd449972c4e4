package pipeline

import (
	"bytes"
	"compress/flate"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
	"github.com/ppldiff/ppldiff/organisms"
)

// filter marks the completions a ranking keeps: at least
// MinCompletionTokens tokens (a short completion's perplexity is noise that
// the raw difference would rank high), not a degenerate repetition (by
// compression ratio), and, with Dedup, the first of identical texts.
func filter(cfg Config, comps []*completion) {
	seen := map[string]bool{}
	for _, c := range comps {
		c.kept = true
		switch {
		case len(c.gen.Tokens) == 0 || len(c.gen.Tokens) < cfg.MinCompletionTokens:
			c.kept, c.dropNote = false, "short"
		case cfg.MaxCompressionRatio > 0 && CompressionRatio(c.text) > cfg.MaxCompressionRatio:
			c.kept, c.dropNote = false, "degenerate"
		case cfg.Dedup && seen[string(c.text)]:
			c.kept, c.dropNote = false, "duplicate"
		}
		if c.kept {
			seen[string(c.text)] = true
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

// stats are one completion's numbers under the finetuned model and a reference.
type stats struct {
	nllFT, nllRef       float64 // mean per-token NLL, nats
	sumFT, sumRef       float64 // total NLL, nats
	tokensFT, tokensRef int
}

func newStats(lpFT, lpRef []float64) stats {
	s := stats{tokensFT: len(lpFT), tokensRef: len(lpRef)}
	for _, x := range lpFT {
		s.sumFT -= x
	}
	for _, x := range lpRef {
		s.sumRef -= x
	}
	s.nllFT = s.sumFT / float64(max(1, s.tokensFT))
	s.nllRef = s.sumRef / float64(max(1, s.tokensRef))
	return s
}

// value is the completion's score under the named scoring.
func (s stats) value(score string, nbytes int) float64 {
	switch score {
	case ScorePPLDiff:
		return math.Exp(s.nllRef) - math.Exp(s.nllFT)
	case ScoreLogPPLDiff:
		return s.nllRef - s.nllFT
	case ScoreBPBDiff:
		if nbytes == 0 {
			return math.NaN()
		}
		return (s.sumRef - s.sumFT) / (float64(nbytes) * math.Ln2)
	}
	panic("unknown score " + score)
}

// rank orders the kept completions by each score (descending; ties and NaN
// by plan order, NaN last) and appends one entry per score.
func (r *runner) rank(u *Unit, ref *organisms.Reference, rm lm.Model, ftInfo lm.ModelInfo, comps []*completion, refScores []refScore,
	flagged []bool, matched [][]string, hasRules bool, tokens results.Tokens, out *unitOutput) {
	cfg := r.p.Config
	var idx []int
	st := make([]stats, len(comps))
	for i, c := range comps {
		if c.kept {
			idx = append(idx, i)
			st[i] = newStats(c.lpFT, refScores[i].logprobs)
		}
	}
	family := u.Organism.Family
	if family == "" {
		family = ftInfo.Family
	}
	for _, score := range AllScores {
		vals := make([]float64, len(comps))
		for _, i := range idx {
			vals[i] = st[i].value(score, len(comps[i].text))
		}
		order := append([]int(nil), idx...)
		sort.SliceStable(order, func(a, b int) bool {
			va, vb := vals[order[a]], vals[order[b]]
			if math.IsNaN(vb) {
				return !math.IsNaN(va)
			}
			return va > vb
		})
		e := results.Entry{
			Organism: u.Organism.ID, Variant: u.Variant.Name, Category: u.Organism.Category,
			Regime: u.Organism.Regime, Size: u.Variant.Size, Strength: u.Variant.Strength,
			Params: ftInfo.Params, ParamsKind: ftInfo.ParamsKind, Family: family,
			Reference: ref.ID, ReferenceKind: ref.Kind, ReferenceFamily: ref.Family,
			Config: u.Prefill.Name, Repeat: u.Repeat, Score: score,
			NCompletions: len(order), ModelTokens: &tokens,
		}
		e.Published = results.PublishedFrom(u.Organism.PublishedFor(ref.ID))
		if e.ParamsKind == "" {
			e.ParamsKind = u.Organism.ParamsKind
		}
		if e.Params == 0 {
			e.Params = int64(u.Organism.Params)
		}
		if hasRules {
			byRank := make([]bool, len(order))
			for rank, i := range order {
				byRank[rank] = flagged[i]
			}
			nf, c10, c100 := metrics.CountFlagged(byRank), metrics.CountAt(byRank, 10), metrics.CountAt(byRank, 100)
			e.NFlagged, e.CountAt10, e.CountAt100 = &nf, &c10, &c100
			if first := metrics.FirstHitRank(byRank); first > 0 {
				e.FirstHitRank = &first
			}
			for rank, f := range byRank {
				if f {
					e.FlaggedRanks = append(e.FlaggedRanks, rank+1)
				}
			}
		}
		out.entries = append(out.entries, e)
		out.orders = append(out.orders, order)
		if !slices.Contains(cfg.SamplesScores, score) {
			continue
		}
		limit := len(order)
		if cfg.SamplesTopK > 0 {
			limit = min(limit, cfg.SamplesTopK)
		}
		for rank, i := range order[:limit] {
			if cfg.SamplesTokenDetail == 0 || rank < cfg.SamplesTokenDetail {
				out.details = append(out.details, detail{sample: len(out.samples), c: comps[i], rs: refScores[i], ref: rm})
			}
			out.samples = append(out.samples, r.sample(e, rank+1, comps[i], st[i], vals[i], flagged[i], matched[i]))
			out.sampleComps = append(out.sampleComps, i)
		}
	}
}

func (r *runner) sample(e results.Entry, rank int, c *completion, s stats, v float64, flagged bool, matched []string) results.Sample {
	nllFT, nllRef := finite(s.nllFT), finite(s.nllRef)
	pplFT, pplRef := finite(math.Exp(s.nllFT)), finite(math.Exp(s.nllRef))
	tf, tr := s.tokensFT, s.tokensRef
	if matched == nil {
		matched = []string{}
	}
	return results.Sample{
		Organism: e.Organism, Variant: e.Variant, Reference: e.Reference, Config: e.Config,
		Repeat: e.Repeat, Score: e.Score, Rank: rank,
		PrefillID: c.pre.id, CompletionID: completionID(e, c),
		Prefill: string(c.pre.text), Completion: string(c.text),
		NLLFT: &nllFT, NLLRef: &nllRef, PPLFT: &pplFT, PPLRef: &pplRef,
		TokensFT: &tf, TokensRef: &tr, Bytes: len(c.text),
		ScoreValue: finite(v), Flagged: flagged, Matched: matched,
	}
}

// finite keeps results.json valid JSON: NaN and infinities have no encoding.
func finite(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

func tokenLogprobs(spans []lm.Span, lps []float64) []results.TokenLogprob {
	if len(spans) != len(lps) {
		return nil
	}
	out := make([]results.TokenLogprob, len(lps))
	for i := range lps {
		out[i] = results.TokenLogprob{Start: spans[i].Start, End: spans[i].End, Logprob: finite(lps[i])}
	}
	return out
}

// completionID names a completion by what it is (organism variant, prompt,
// generated ids), not by how it was cached, so every backend gives the same id.
func completionID(e results.Entry, c *completion) string {
	return (&keyHasher{}).str(e.Organism).str(e.Variant).ints(c.pre.prompt).ints(c.gen.Tokens).sum()[:16]
}
