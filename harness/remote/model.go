package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/wire"
)

// Model is a served model reached over HTTP; it implements lm.Model.
type Model struct {
	c         *Client
	name      string
	info      lm.ModelInfo
	adapterOf string // base model of a LoRA adapter, from /v1/models parent
	replicas  []*endpoint
}

var _ lm.Model = (*Model)(nil)

// Info implements lm.Model.
func (m *Model) Info() lm.ModelInfo { return m.info }

// Dialect returns the API dialect the model is reached with.
func (m *Model) Dialect() string { return m.c.opts.Dialect }

func (m *Model) post(ctx context.Context, op, path string, body, out any) error {
	return m.c.do(ctx, m.replicas, op, http.MethodPost, path, body, out)
}

// Tokenize implements lm.Model with the server's /tokenize.
func (m *Model) Tokenize(ctx context.Context, req lm.TokenizeRequest) ([]int, error) {
	if m.c.opts.Dialect == DialectOpenAI {
		return nil, fmt.Errorf("remote: %s: the openai dialect has no /tokenize; ppldiff needs server-side token ids", m.name)
	}
	body := wire.TokenizeRequest{Model: m.name, AddSpecialTokens: wire.Ptr(req.AddSpecial)}
	if len(req.Messages) > 0 {
		for _, msg := range req.Messages {
			body.Messages = append(body.Messages, wire.ChatMessage{Role: msg.Role, Content: msg.Content})
		}
		body.ContinueFinalMessage, body.AddGenerationPrompt = true, wire.Ptr(false)
	} else {
		body.Prompt = wire.Ptr(string(req.Text))
	}
	var resp wire.TokenizeResponse
	if err := m.post(ctx, "tokenize", "/tokenize", body, &resp); err != nil {
		return nil, err
	}
	if resp.Tokens == nil {
		return nil, fmt.Errorf("remote: %s: /tokenize answered without tokens", m.name)
	}
	return resp.Tokens, nil
}

func (m *Model) detokenize(ctx context.Context, ids []int) (string, error) {
	// vLLM answers {"prompt"} (DetokenizeResponse, vllm/entrypoints/openai/
	// protocol.py); SGLang answers {"text"} and skips special tokens unless
	// told not to (serving_tokenize.py, OpenAIServingDetokenize, sglang
	// 0351c1fa). Spans and texts must cover every token, so special
	// tokens are kept.
	var resp wire.DetokenizeResponse
	body := wire.DetokenizeRequest{Model: m.name, Tokens: ids, SkipSpecialTokens: wire.Ptr(false)}
	if err := m.post(ctx, "detokenize", "/detokenize", body, &resp); err != nil {
		return "", err
	}
	switch {
	case resp.Text != nil:
		return *resp.Text, nil
	case resp.Prompt != nil:
		return *resp.Prompt, nil
	}
	return "", fmt.Errorf("remote: %s: /detokenize answered without text or prompt", m.name)
}

// Detokenize implements lm.Model; spans come from incremental decoding
// (see the package documentation).
func (m *Model) Detokenize(ctx context.Context, ids []int) ([]byte, []lm.Span, error) {
	if m.c.opts.Dialect == DialectOpenAI {
		return nil, nil, fmt.Errorf("remote: %s: the openai dialect has no /detokenize", m.name)
	}
	if len(ids) == 0 {
		return []byte{}, []lm.Span{}, nil
	}
	prefixes := make([]string, len(ids)+1)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(m.c.opts.MaxConcurrency * len(m.replicas))
	for k := 1; k <= len(ids); k++ {
		g.Go(func() (err error) {
			prefixes[k], err = m.detokenize(gctx, ids[:k])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	final := prefixes[len(ids)]
	return []byte(final), incrementalSpans(prefixes, final), nil
}

// DecodeText decodes ids in one /detokenize request (lm.TextDecoder):
// Detokenize needs one request per prefix for the spans.
func (m *Model) DecodeText(ctx context.Context, ids []int) ([]byte, error) {
	if m.c.opts.Dialect == DialectOpenAI {
		return nil, fmt.Errorf("remote: %s: the openai dialect has no /detokenize", m.name)
	}
	if len(ids) == 0 {
		return []byte{}, nil
	}
	text, err := m.detokenize(ctx, ids)
	return []byte(text), err
}

// incrementalSpans applies the span rule to decode(ids[:k]) for k=0..n.
func incrementalSpans(prefixes []string, final string) []lm.Span {
	n := len(prefixes) - 1
	spans := make([]lm.Span, n)
	prev := 0
	for k := 1; k <= n; k++ {
		p := commonPrefix(prefixes[k], final)
		if k == n {
			p = len(final)
		}
		p = max(p, prev)
		spans[k-1] = lm.Span{Start: prev, End: p}
		prev = p
	}
	return spans
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// batches splits n items into [lo, hi) ranges of at most size.
func batches(n, size int) [][2]int {
	var out [][2]int
	for lo := 0; lo < n; lo += size {
		out = append(out, [2]int{lo, min(lo+size, n)})
	}
	return out
}

// Generate implements lm.Model.
func (m *Model) Generate(ctx context.Context, req lm.GenerateRequest) ([]lm.Generation, error) {
	n := max(req.N, 1)
	if req.MaxNewTokens <= 0 {
		return nil, errors.New("remote: MaxNewTokens must be positive")
	}
	out := make([]lm.Generation, len(req.Prompts)*n)
	g, gctx := errgroup.WithContext(ctx)
	for _, b := range batches(len(req.Prompts), m.c.opts.BatchSize) {
		g.Go(func() error {
			sub := req
			sub.N = n
			sub.Prompts = req.Prompts[b[0]:b[1]]
			var gens []lm.Generation
			var err error
			if m.c.opts.Dialect == DialectSGLang {
				gens, err = m.generateSGLang(gctx, sub)
			} else {
				gens, err = m.generateVLLM(gctx, sub)
			}
			if err != nil {
				return err
			}
			copy(out[b[0]*n:], gens)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// Score implements lm.Model.
func (m *Model) Score(ctx context.Context, items []lm.ScoreItem) ([][]float64, error) {
	method := m.c.opts.ScoreMethod
	if m.c.opts.Dialect == DialectSGLang {
		method = "sglang"
	}
	return m.ScoreWith(ctx, items, method)
}

// ScoreWith scores with an explicit method: ScoreEcho or
// ScorePromptLogprobs (vllm dialect), "sglang" (sglang dialect).
func (m *Model) ScoreWith(ctx context.Context, items []lm.ScoreItem, method string) ([][]float64, error) {
	for i, it := range items {
		if len(it.Context) == 0 {
			return nil, fmt.Errorf("remote: score item %d has an empty context; servers give no logprob for the first position (start it with BOS)", i)
		}
	}
	switch method {
	case "sglang", ScoreEcho, ScorePromptLogprobs:
	default:
		return nil, fmt.Errorf("remote: unknown score method %q", method)
	}
	// An empty continuation has nothing to score and is answered here: a
	// server asked to score it would be asked for logprobs past its input.
	out := make([][]float64, len(items))
	var send []int // indices of items with something to score
	for i, it := range items {
		if len(it.Continuation) == 0 {
			out[i] = []float64{}
		} else {
			send = append(send, i)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, b := range batches(len(send), m.c.opts.BatchSize) {
		g.Go(func() error {
			sub := make([]lm.ScoreItem, 0, b[1]-b[0])
			for _, i := range send[b[0]:b[1]] {
				sub = append(sub, items[i])
			}
			var res [][]float64
			var err error
			if method == "sglang" {
				res, err = m.scoreSGLang(gctx, sub)
			} else {
				res, err = m.scoreVLLM(gctx, sub, method)
			}
			if err != nil {
				return err
			}
			for k, i := range send[b[0]:b[1]] {
				out[i] = res[k]
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// logprobValue reads a logprob, mapping vLLM's -9999 clamp to -Inf.
func logprobValue(x float64) float64 {
	if x <= -9999 {
		return math.Inf(-1)
	}
	return x
}

func fullIDs(it lm.ScoreItem) []int {
	return append(append(make([]int, 0, len(it.Context)+len(it.Continuation)), it.Context...), it.Continuation...)
}

// probe checks, before any generation, that the model can be tokenized and
// scored: one leading null, then one finite-or-clamped logprob per token.
func (m *Model) probe(ctx context.Context) error {
	const text = "Hello, world. The quick brown fox"
	fail := func(err error) error {
		// A server that does not answer (or answers 5xx, or times out)
		// says nothing about what it can do: report that, not a missing
		// capability.
		var re *Error
		if errors.As(err, &re) && (re.Status == 0 || re.Status == http.StatusTooManyRequests || re.Status >= 500) {
			return fmt.Errorf("remote: model %q: %w", m.name, err)
		}
		return fmt.Errorf("remote: model %q on %s (dialect %s) cannot score prompts, which ppldiff needs "+
			"(llama.cpp server, Ollama and chat-only APIs cannot; use vLLM or SGLang): %w",
			m.name, m.replicas[0].display, m.c.opts.Dialect, err)
	}
	if m.c.opts.Dialect == DialectOpenAI {
		// Hosted APIs: ask for echo+logprobs on a string prompt.
		var resp wire.CompletionResponse
		prompt, _ := json.Marshal(text)
		err := m.post(ctx, "probe", "/v1/completions", wire.CompletionRequest{Model: m.name, Prompt: prompt, Echo: true,
			MaxTokens: wire.Ptr(0), Logprobs: wire.Ptr(0), Temperature: wire.Ptr(0.0)}, &resp)
		if err != nil {
			return fail(err)
		}
		return fail(errors.New("the openai dialect cannot return prompt token ids (no /tokenize)"))
	}
	ids, err := m.Tokenize(ctx, lm.TokenizeRequest{Text: []byte(text)})
	if err != nil {
		return fail(err)
	}
	if len(ids) < 2 {
		return fail(fmt.Errorf("/tokenize gave %d tokens for %q", len(ids), text))
	}
	if _, err := m.Score(ctx, []lm.ScoreItem{{Context: ids[:1], Continuation: ids[1:]}}); err != nil {
		return fail(err)
	}
	return nil
}

func tokenIDFromString(s string) (int, bool) {
	rest, ok := strings.CutPrefix(s, "token_id:")
	if !ok {
		return 0, false
	}
	id, err := strconv.Atoi(rest)
	return id, err == nil
}
