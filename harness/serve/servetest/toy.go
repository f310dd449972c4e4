// Package servetest holds a small deterministic lm.Model for tests of the
// serving packages: it stands in for real models until tests can build them.
package servetest

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// Token ids of the toy vocabulary: 0..255 are bytes, then two specials.
const (
	BOS   = 256
	EOS   = 257
	Vocab = 258
)

// Toy is a byte-level bigram-ish model whose logits are a hash of the model
// seed and the last two tokens. It is deterministic, cheap, and its
// distribution is far from uniform, which makes agreement checks meaningful.
type Toy struct {
	name string
	seed uint64
	// raw reports whether Generate's logprobs are untempered (true) or
	// computed after temperature scaling, like SGLang's default (false).
	raw bool
}

// NewToy returns a toy model with raw generation logprobs.
func NewToy(servedName string, seed uint64) *Toy {
	return &Toy{name: servedName, seed: seed, raw: true}
}

// NewToyTempered returns a toy model whose generation logprobs are taken
// after temperature scaling (as SGLang reports them by default).
func NewToyTempered(servedName string, seed uint64) *Toy {
	return &Toy{name: servedName, seed: seed, raw: false}
}

// Info implements lm.Model.
func (t *Toy) Info() lm.ModelInfo {
	return lm.ModelInfo{ServedName: t.name, TokenizerID: "toy-bytes", Family: "toy",
		Params: Vocab * Vocab, ParamsKind: "ngram_entries", RawGenerationLogprobs: t.raw}
}

// EndOfText returns the id of the end-of-text token.
func (t *Toy) EndOfText() int { return EOS }

// Tokenize implements lm.Model: one token per byte; chats render as BOS
// then "<|role|>content\n" per turn with the last turn left open.
func (t *Toy) Tokenize(_ context.Context, req lm.TokenizeRequest) ([]int, error) {
	var ids []int
	if req.AddSpecial {
		ids = append(ids, BOS)
	}
	text := req.Text
	if len(req.Messages) > 0 {
		ids = append(ids, BOS) // the template's own (lm.TokenizeRequest)
		text = nil
		for i, m := range req.Messages {
			text = append(text, "<|"+m.Role+"|>"+m.Content...)
			if i < len(req.Messages)-1 {
				text = append(text, '\n')
			}
		}
	}
	for _, b := range text {
		ids = append(ids, int(b))
	}
	return ids, nil
}

// Detokenize implements lm.Model; specials decode to "<s>" and "</s>".
func (t *Toy) Detokenize(_ context.Context, ids []int) ([]byte, []lm.Span, error) {
	var out []byte
	spans := make([]lm.Span, len(ids))
	for i, id := range ids {
		start := len(out)
		switch {
		case id >= 0 && id < 256:
			out = append(out, byte(id))
		case id == BOS:
			out = append(out, "<s>"...)
		case id == EOS:
			out = append(out, "</s>"...)
		default:
			return nil, nil, fmt.Errorf("toy: token id %d out of vocabulary", id)
		}
		spans[i] = lm.Span{Start: start, End: len(out)}
	}
	return out, spans, nil
}

func (t *Toy) logits(ctx []int) []float64 {
	var a, b uint64 = Vocab, Vocab
	if n := len(ctx); n > 0 {
		a = uint64(ctx[n-1])
		if n > 1 {
			b = uint64(ctx[n-2])
		}
	}
	r := rand.New(rand.NewPCG(t.seed, a*1000003+b))
	l := make([]float64, Vocab)
	for v := range l {
		l[v] = 3 * r.Float64()
		if v == ' ' || (v >= 'a' && v <= 'z') {
			l[v] += 4
		}
	}
	l[BOS] = math.Inf(-1) // never predicted
	l[EOS] += 2
	return l
}

func logSoftmax(l []float64, temperature float64) []float64 {
	m := math.Inf(-1)
	for _, x := range l {
		m = math.Max(m, x/temperature)
	}
	var s float64
	for _, x := range l {
		s += math.Exp(x/temperature - m)
	}
	out := make([]float64, len(l))
	lz := m + math.Log(s)
	for i, x := range l {
		out[i] = x/temperature - lz
	}
	return out
}

func checkIDs(ids []int) error {
	for _, id := range ids {
		if id < 0 || id >= Vocab {
			return fmt.Errorf("toy: token id %d out of vocabulary", id)
		}
	}
	return nil
}

// Generate implements lm.Model.
func (t *Toy) Generate(ctx context.Context, req lm.GenerateRequest) ([]lm.Generation, error) {
	n := max(req.N, 1)
	out := make([]lm.Generation, 0, len(req.Prompts)*n)
	for _, p := range req.Prompts {
		if err := checkIDs(p); err != nil {
			return nil, err
		}
		h := fnv.New64a()
		for _, id := range p {
			fmt.Fprintf(h, "%d,", id)
		}
		for j := range n {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rng := rand.New(rand.NewPCG(req.Seed, h.Sum64()+uint64(j)*0x9e3779b97f4a7c15))
			out = append(out, t.sample(p, req, rng))
		}
	}
	return out, nil
}

func (t *Toy) sample(prompt []int, req lm.GenerateRequest, rng *rand.Rand) lm.Generation {
	seq := append([]int(nil), prompt...)
	g := lm.Generation{FinishReason: "length"}
	for len(g.Tokens) < req.MaxNewTokens {
		l := t.logits(seq)
		raw := logSoftmax(l, 1)
		var tok int
		reported := raw
		if req.Temperature == 0 {
			for v := range raw {
				if raw[v] > raw[tok] {
					tok = v
				}
			}
		} else {
			scaled := logSoftmax(l, req.Temperature)
			if !t.raw {
				reported = scaled
			}
			tok = sampleNucleus(scaled, req.TopP, rng)
		}
		if tok == EOS {
			g.FinishReason = "stop"
			break
		}
		g.Tokens = append(g.Tokens, tok)
		g.Logprobs = append(g.Logprobs, reported[tok])
		seq = append(seq, tok)
	}
	return g
}

func sampleNucleus(lp []float64, topP float64, rng *rand.Rand) int {
	order := make([]int, len(lp))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(lp[b], lp[a]) })
	if topP <= 0 || topP >= 1 {
		topP = 1
	}
	var kept []int
	var mass float64
	for _, v := range order {
		kept = append(kept, v)
		mass += math.Exp(lp[v])
		if mass >= topP {
			break
		}
	}
	u := rng.Float64() * mass
	for _, v := range kept {
		u -= math.Exp(lp[v])
		if u <= 0 {
			return v
		}
	}
	return kept[len(kept)-1]
}

// Score implements lm.Model with the untempered distribution.
func (t *Toy) Score(ctx context.Context, items []lm.ScoreItem) ([][]float64, error) {
	out := make([][]float64, len(items))
	for i, it := range items {
		if err := checkIDs(it.Context); err != nil {
			return nil, err
		}
		if err := checkIDs(it.Continuation); err != nil {
			return nil, err
		}
		seq := append([]int(nil), it.Context...)
		lps := make([]float64, len(it.Continuation))
		for k, tok := range it.Continuation {
			lps[k] = logSoftmax(t.logits(seq), 1)[tok]
			seq = append(seq, tok)
		}
		out[i] = lps
	}
	return out, ctx.Err()
}
