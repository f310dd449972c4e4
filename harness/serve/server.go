package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/wire"
)

// EndOfTexter is implemented by models that can name their end-of-text
// token; the server then reports it the way vLLM and SGLang do.
type EndOfTexter interface{ EndOfText() int }

type server struct {
	models  map[string]lm.Model
	names   []string // sorted
	base    string   // sglang: the model selected without lora_path
	opts    Options
	log     *slog.Logger
	mu      sync.Mutex // guards rng
	rng     *rand.Rand
	created int64
}

// New returns an http.Handler serving models by served name in opts.Dialect.
func New(models map[string]lm.Model, opts Options) http.Handler {
	if opts.Dialect == "" {
		opts.Dialect = VLLM
	}
	if opts.MaxModelLen == 0 {
		opts.MaxModelLen = 4096
	}
	if opts.MaxLogprobs == 0 {
		opts.MaxLogprobs = 20
	}
	f := &opts.Faults
	if f.Rate > 0 && !f.Status500 && !f.Status429 && !f.Hang && !f.Truncate {
		f.Status500, f.Status429, f.Hang, f.Truncate = true, true, true, true
	}
	if f.HangFor == 0 {
		f.HangFor = 10 * time.Second
	}
	s := &server{models: models, opts: opts, log: opts.Logger,
		rng: newRNG(opts.Seed), created: time.Now().Unix()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for name := range models {
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	for _, n := range s.names {
		if opts.Parents[n] == "" {
			s.base = n
			break
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /v1/models", s.handleModels)
	mux.HandleFunc("POST /v1/completions", s.post(s.handleCompletions))
	if opts.Dialect != OpenAI {
		mux.HandleFunc("POST /tokenize", s.post(s.handleTokenize))
		mux.HandleFunc("POST /detokenize", s.post(s.handleDetokenize))
	}
	if opts.Dialect == SGLang {
		mux.HandleFunc("POST /generate", s.post(s.handleGenerate))
	}
	if opts.Judge != nil {
		mux.HandleFunc("POST /v1/chat/completions", s.post(s.handleChat))
	}
	return mux
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5e7e)) }

// apiError is an error with an HTTP status, written in the OpenAI error
// layout {"error":{"message","type","code"}} that vLLM also uses.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	typ := "BadRequestError"
	switch {
	case status == http.StatusNotFound:
		typ = "NotFoundError"
	case status == http.StatusTooManyRequests:
		typ = "RateLimitError"
	case status >= 500:
		typ = "InternalServerError"
	}
	json.NewEncoder(w).Encode(wire.ErrorResponse{Error: wire.ErrorBody{Message: msg, Type: typ, Code: status}})
}

type fault int

const (
	noFault fault = iota
	fault500
	fault429
	faultHang
	faultTruncate
)

func (s *server) drawFault() fault {
	f := s.opts.Faults
	if f.Rate <= 0 {
		return noFault
	}
	var kinds []fault
	for k, on := range map[fault]bool{fault500: f.Status500, fault429: f.Status429, faultHang: f.Hang, faultTruncate: f.Truncate} {
		if on {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds) // map order is random; the RNG must not be
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rng.Float64() >= f.Rate {
		return noFault
	}
	return kinds[s.rng.IntN(len(kinds))]
}

// post wraps a JSON handler: body decoding, faults, latency, errors.
func (s *server) post(h func(ctx context.Context, body []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d := s.opts.Faults.Latency; d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		flt := s.drawFault()
		switch flt {
		case fault500:
			writeError(w, http.StatusInternalServerError, "injected fault: internal error")
			return
		case fault429:
			w.Header().Set("Retry-After", "0")
			writeError(w, http.StatusTooManyRequests, "injected fault: rate limited")
			return
		case faultHang:
			select {
			case <-time.After(s.opts.Faults.HangFor):
			case <-r.Context().Done():
			}
			writeError(w, http.StatusGatewayTimeout, "injected fault: hang")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			writeError(w, http.StatusBadRequest, "reading body: "+err.Error())
			return
		}
		resp, err := h(r.Context(), body)
		if err != nil {
			status := http.StatusInternalServerError
			var ae *apiError
			if errors.As(err, &ae) {
				status = ae.status
			}
			s.log.Info("serve: request failed", "path", r.URL.Path, "status", status, "err", err)
			writeError(w, status, err.Error())
			return
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(resp); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		out := buf.Bytes()
		if flt == faultTruncate {
			out = out[:len(out)/2]
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	}
}

func (s *server) model(name string) (lm.Model, error) {
	if m, ok := s.models[name]; ok {
		return m, nil
	}
	return nil, &apiError{http.StatusNotFound, fmt.Sprintf("The model `%s` does not exist.", name)}
}

func (s *server) parent(name string) string {
	if p := s.opts.Parents[name]; p != "" {
		return p
	}
	if s.opts.Dialect == SGLang && name != s.base {
		return s.base
	}
	return ""
}

func (s *server) handleModels(w http.ResponseWriter, _ *http.Request) {
	cards := make([]wire.ModelCard, 0, len(s.names))
	for _, n := range s.names {
		// vLLM's root is where the weights and tokenizer come from; ours
		// names the tokenizer, so clients can tell which models share one.
		info := s.models[n].Info()
		root := n
		if info.TokenizerID != "" {
			root = info.TokenizerID
		}
		c := wire.ModelCard{ID: n, Object: "model", Created: s.created, OwnedBy: "ppldiff", Root: root,
			MaxModelLen: s.opts.MaxModelLen, Permission: []any{},
			Ppldiff: &wire.CardInfo{Family: info.Family, Params: info.Params, ParamsKind: info.ParamsKind,
				Revision: info.Revision, TokenizerID: info.TokenizerID}}
		if p := s.parent(n); p != "" {
			c.Parent = &p
		}
		cards = append(cards, c)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(wire.ModelList{Object: "list", Data: cards})
}

func (s *server) handleTokenize(ctx context.Context, body []byte) (any, error) {
	var req wire.TokenizeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("invalid JSON: %v", err)
	}
	m, err := s.model(req.Model)
	if err != nil {
		return nil, err
	}
	var treq lm.TokenizeRequest
	switch {
	case req.Messages != nil && req.Prompt != nil:
		return nil, badRequest("give either prompt or messages")
	case req.Messages != nil:
		// vLLM's chat tokenize defaults: add_special_tokens false,
		// add_generation_prompt true.
		treq.AddSpecial = req.AddSpecialTokens != nil && *req.AddSpecialTokens
		genPrompt := req.AddGenerationPrompt == nil || *req.AddGenerationPrompt
		var msgs []lm.Message
		for _, m := range req.Messages {
			msgs = append(msgs, lm.Message{Role: m.Role, Content: m.Content})
		}
		switch {
		case req.ContinueFinalMessage && genPrompt:
			return nil, badRequest("continue_final_message and add_generation_prompt cannot both be true")
		case req.ContinueFinalMessage:
		case genPrompt:
			msgs = append(msgs, lm.Message{Role: "assistant"})
		default:
			return nil, badRequest("a closed final message is not supported: set continue_final_message or add_generation_prompt")
		}
		treq.Messages = msgs
	case req.Prompt != nil:
		treq.Text = []byte(*req.Prompt)
		treq.AddSpecial = req.AddSpecialTokens == nil || *req.AddSpecialTokens
	default:
		return nil, badRequest("prompt or messages is required")
	}
	ids, err := m.Tokenize(ctx, treq)
	if err != nil {
		return nil, badRequest("tokenize: %v", err)
	}
	resp := wire.TokenizeResponse{Count: len(ids), MaxModelLen: s.opts.MaxModelLen, Tokens: ids}
	if req.ReturnTokenStrs {
		resp.TokenStrs = make([]string, len(ids))
		for i, id := range ids {
			if resp.TokenStrs[i], err = piece(ctx, m, id); err != nil {
				return nil, err
			}
		}
	}
	return resp, nil
}

func piece(ctx context.Context, m lm.Model, id int) (string, error) {
	b, _, err := m.Detokenize(ctx, []int{id})
	if err != nil {
		return "", badRequest("detokenize: %v", err)
	}
	return string(b), nil
}

func (s *server) handleDetokenize(ctx context.Context, body []byte) (any, error) {
	var req wire.DetokenizeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("invalid JSON: %v", err)
	}
	m, err := s.model(req.Model)
	if err != nil {
		return nil, err
	}
	ids := req.Tokens
	if s.opts.Dialect == SGLang {
		// SGLang decodes with skip_special_tokens, true unless the request
		// says otherwise (DetokenizeRequest in
		// python/sglang/srt/entrypoints/openai/protocol.py@9b116dff;
		// serving_tokenize.py, sglang 0351c1fa).
		if req.SkipSpecialTokens == nil || *req.SkipSpecialTokens {
			if ids, err = withoutSpecial(ctx, m, ids); err != nil {
				return nil, err
			}
		}
	}
	b, _, err := m.Detokenize(ctx, ids)
	if err != nil {
		return nil, badRequest("detokenize: %v", err)
	}
	// Like tokenizer.decode, invalid UTF-8 becomes U+FFFD in the JSON string.
	text := string(b)
	if s.opts.Dialect == SGLang {
		return wire.DetokenizeResponse{Text: &text}, nil
	}
	return wire.DetokenizeResponse{Prompt: &text}, nil
}

// withoutSpecial drops the model's BOS and end-of-text ids, as a Hugging
// Face tokenizer's decode(skip_special_tokens=True) does.
func withoutSpecial(ctx context.Context, m lm.Model, ids []int) ([]int, error) {
	special := map[int]bool{}
	bos, err := m.Tokenize(ctx, lm.TokenizeRequest{AddSpecial: true})
	if err != nil {
		return nil, err
	}
	for _, id := range bos {
		special[id] = true
	}
	if e, ok := m.(EndOfTexter); ok {
		special[e.EndOfText()] = true
	}
	out := make([]int, 0, len(ids))
	for _, id := range ids {
		if !special[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *server) drawSeed() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Uint64()
}
