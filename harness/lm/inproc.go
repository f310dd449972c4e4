package lm

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// ChatRenderer renders a chat as text; the last (assistant) message is left
// open so that generation continues it.
type ChatRenderer func(msgs []Message) []byte

// inProcess is a Model backed by an NGram in this process.
type inProcess struct {
	info ModelInfo
	tok  Tokenizer
	lm   NGram
	kn   *KN // lm when it is a KN: fast scoring and generation
	chat ChatRenderer
}

// NewModel wraps a tokenizer and an n-gram model as a Model. Generation and
// scoring take the fast paths when lm is a *KN; any other NGram is served
// through LogProb (generation then builds the full distribution per token).
// RawGenerationLogprobs is always true: reported logprobs are under the
// untempered, unfiltered distribution.
func NewModel(info ModelInfo, tok Tokenizer, lm NGram, chat ChatRenderer) Model {
	info.RawGenerationLogprobs = true
	if info.TokenizerID == "" {
		info.TokenizerID = tok.ID()
	}
	m := &inProcess{info: info, tok: tok, lm: lm, chat: chat}
	m.kn, _ = lm.(*KN)
	return m
}

func (m *inProcess) Info() ModelInfo { return m.info }

func (m *inProcess) Tokenize(ctx context.Context, req TokenizeRequest) ([]int, error) {
	if len(req.Messages) > 0 {
		if m.chat == nil {
			return nil, errors.New("lm: model has no chat template")
		}
		// The template opens with BOS (see TokenizeRequest).
		ids := append([]int{m.tok.BOS()}, m.tok.Encode(m.chat(req.Messages))...)
		if req.AddSpecial {
			ids = append([]int{m.tok.BOS()}, ids...)
		}
		return ids, nil
	}
	ids := m.tok.Encode(req.Text)
	if req.AddSpecial {
		ids = append([]int{m.tok.BOS()}, ids...)
	}
	return ids, nil
}

func (m *inProcess) Detokenize(ctx context.Context, ids []int) ([]byte, []Span, error) {
	spans := make([]Span, len(ids))
	var out []byte
	for i, id := range ids {
		if id < 0 || id >= m.tok.VocabSize() {
			return nil, nil, fmt.Errorf("lm: token id %d outside the vocabulary", id)
		}
		start := len(out)
		out = append(out, m.tok.TokenBytes(id)...)
		spans[i] = Span{start, len(out)}
	}
	return out, spans, nil
}

func (m *inProcess) checkIDs(ids []int) error {
	for _, id := range ids {
		if id < 0 || id >= m.tok.VocabSize() {
			return fmt.Errorf("lm: token id %d outside the vocabulary", id)
		}
	}
	return nil
}

func (m *inProcess) Score(ctx context.Context, items []ScoreItem) ([][]float64, error) {
	out := make([][]float64, len(items))
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := m.checkIDs(it.Context); err != nil {
			return nil, err
		}
		if err := m.checkIDs(it.Continuation); err != nil {
			return nil, err
		}
		lp := make([]float64, len(it.Continuation))
		if m.kn != nil {
			st := m.kn.stateOf(it.Context)
			for j, w := range it.Continuation {
				lp[j] = math.Log(m.kn.step(&st, w))
			}
		} else {
			full := append(append([]int(nil), it.Context...), it.Continuation...)
			for j, w := range it.Continuation {
				lp[j] = m.lm.LogProb(full[:len(it.Context)+j], w)
			}
		}
		out[i] = lp
	}
	return out, nil
}

// sampleSeed derives the PCG seed of sample j of a prompt from (seed,
// prompt ids, j) only, as the seed contract of GenerateRequest requires.
func sampleSeed(seed uint64, prompt []int, j int) (uint64, uint64) {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	binary.LittleEndian.PutUint64(b[:], uint64(j))
	h.Write(b[:])
	for _, t := range prompt {
		binary.LittleEndian.PutUint64(b[:], uint64(t))
		h.Write(b[:])
	}
	sum := h.Sum(nil)
	return binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])
}

func (m *inProcess) Generate(ctx context.Context, req GenerateRequest) ([]Generation, error) {
	n := max(req.N, 1)
	if req.MaxNewTokens < 0 || req.Temperature < 0 || req.TopP < 0 || req.TopP > 1 {
		return nil, errors.New("lm: invalid generation parameters")
	}
	out := make([]Generation, 0, len(req.Prompts)*n)
	for _, prompt := range req.Prompts {
		if err := m.checkIDs(prompt); err != nil {
			return nil, err
		}
		for j := range n {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s1, s2 := sampleSeed(req.Seed, prompt, j)
			r := rand.New(rand.NewPCG(s1, s2))
			if m.kn != nil {
				out = append(out, m.kn.generate(prompt, req, r))
			} else {
				out = append(out, m.generateGeneric(prompt, req, r))
			}
		}
	}
	return out, nil
}

func (m *KN) generate(prompt []int, req GenerateRequest, r *rand.Rand) Generation {
	g := Generation{FinishReason: "length"}
	st := m.stateOf(prompt)
	exactMixture := req.Temperature == 1 && (req.TopP == 0 || req.TopP == 1)
	var scratch argmaxScratch
	var dist []float64
	for len(g.Tokens) < req.MaxNewTokens {
		var w int
		switch {
		case req.Temperature == 0:
			w = m.argmax(&st, &scratch)
		case exactMixture:
			w = m.sampleMixture(&st, r)
		default:
			if dist == nil {
				dist = make([]float64, m.vocab)
			}
			m.distribution(&st, dist)
			w = sampleFiltered(dist, req.Temperature, req.TopP, r)
		}
		p := m.step(&st, w)
		if w == EOSToken {
			g.FinishReason = "stop"
			break
		}
		g.Tokens = append(g.Tokens, w)
		g.Logprobs = append(g.Logprobs, math.Log(p))
	}
	return g
}

// generateGeneric serves any NGram by evaluating the full distribution.
func (m *inProcess) generateGeneric(prompt []int, req GenerateRequest, r *rand.Rand) Generation {
	g := Generation{FinishReason: "length"}
	V := m.tok.VocabSize()
	ctxIDs := append([]int(nil), prompt...)
	dist := make([]float64, V)
	for len(g.Tokens) < req.MaxNewTokens {
		for w := range V {
			dist[w] = 0
			if w != m.tok.BOS() {
				dist[w] = math.Exp(m.lm.LogProb(ctxIDs, w))
			}
		}
		var w int
		if req.Temperature == 0 {
			for i, v := range dist {
				if v > dist[w] {
					w = i
				}
			}
		} else {
			w = sampleFiltered(append([]float64(nil), dist...), req.Temperature, req.TopP, r)
		}
		lp := math.Log(dist[w])
		if w == m.tok.EOS() {
			g.FinishReason = "stop"
			break
		}
		g.Tokens = append(g.Tokens, w)
		g.Logprobs = append(g.Logprobs, lp)
		ctxIDs = append(ctxIDs, w)
	}
	return g
}

// EndOfText names the end-of-text token, so an HTTP server can report it
// the way vLLM does.
func (m *inProcess) EndOfText() int { return m.tok.EOS() }
