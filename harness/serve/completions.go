package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/wire"
)

// negInfLogprob is vLLM's clamp for -inf (_create_completion_logprobs).
const negInfLogprob = -9999.0

func clampLogprob(x float64) float64 {
	if math.IsInf(x, -1) || x < negInfLogprob {
		return negInfLogprob
	}
	return x
}

// vllmOnlyFields are rejected by the openai dialect, as OpenAI rejects
// unknown parameters ("Unrecognized request argument supplied").
var vllmOnlyFields = []string{"top_k", "min_p", "repetition_penalty", "prompt_logprobs", "add_special_tokens",
	"return_tokens_as_token_ids", "return_token_ids", "ignore_eos", "skip_special_tokens",
	"include_stop_str_in_output", "spaces_between_special_tokens"}

// parsePrompt accepts str | list[str] | list[int] | list[list[int]].
func parsePrompt(ctx context.Context, m lm.Model, raw json.RawMessage, addSpecial bool) ([][]int, []bool, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		ids, err := m.Tokenize(ctx, lm.TokenizeRequest{Text: []byte(one), AddSpecial: addSpecial})
		return [][]int{ids}, []bool{true}, err
	}
	var strs []string
	if json.Unmarshal(raw, &strs) == nil && len(strs) > 0 {
		out := make([][]int, len(strs))
		fromText := make([]bool, len(strs))
		for i, s := range strs {
			ids, err := m.Tokenize(ctx, lm.TokenizeRequest{Text: []byte(s), AddSpecial: addSpecial})
			if err != nil {
				return nil, nil, err
			}
			out[i], fromText[i] = ids, true
		}
		return out, fromText, nil
	}
	var ids []int
	if json.Unmarshal(raw, &ids) == nil && len(ids) > 0 {
		return [][]int{ids}, []bool{false}, nil
	}
	var lists [][]int
	if err := json.Unmarshal(raw, &lists); err != nil || len(lists) == 0 {
		return nil, nil, badRequest("prompt must be a string, a list of strings, a list of token ids or a list of lists of token ids")
	}
	return lists, make([]bool, len(lists)), nil
}

func (s *server) handleCompletions(ctx context.Context, body []byte) (any, error) {
	var req wire.CompletionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("invalid JSON: %v", err)
	}
	if s.opts.Dialect == OpenAI {
		var fields map[string]json.RawMessage
		json.Unmarshal(body, &fields)
		for _, f := range vllmOnlyFields {
			if _, ok := fields[f]; ok {
				return nil, badRequest("Unrecognized request argument supplied: %s", f)
			}
		}
		if req.Echo && req.Logprobs != nil {
			return nil, badRequest("Setting 'echo' and 'logprobs' at the same time is not supported for this model.")
		}
	}
	m, err := s.model(req.Model)
	if err != nil {
		return nil, err
	}
	if err := s.validate(&req); err != nil {
		return nil, err
	}
	prompts, _, err := parsePrompt(ctx, m, req.Prompt, req.AddSpecialTokens == nil || *req.AddSpecialTokens)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, badRequest("prompt %d is empty", i)
		}
	}
	// vLLM's defaults for what the request leaves out.
	n, maxTokens := or(req.N, 1), or(req.MaxTokens, 16)
	temperature, topP := or(req.Temperature, 1.0), or(req.TopP, 1.0)
	var seed uint64
	if req.Seed != nil {
		seed = *req.Seed
	} else {
		seed = s.drawSeed()
	}

	gens, err := generate(ctx, m, prompts, n, maxTokens, temperature, topP, seed)
	if err != nil {
		return nil, err
	}
	eos, hasEOS := endOfText(m)

	wantPromptLP := req.Echo && req.Logprobs != nil || req.PromptLogprobs != nil
	var promptLPs [][]float64
	if wantPromptLP {
		items := make([]lm.ScoreItem, len(prompts))
		for i, p := range prompts {
			items[i] = lm.ScoreItem{Context: p[:1], Continuation: p[1:]}
		}
		if promptLPs, err = m.Score(ctx, items); err != nil {
			return nil, err
		}
	}

	resp := wire.CompletionResponse{ID: "cmpl-" + strconv.FormatUint(s.drawSeed(), 16), Object: "text_completion", Created: s.created, Model: req.Model}
	for i, p := range prompts {
		resp.Usage.PromptTokens += len(p)
		promptText := ""
		if req.Echo && !req.ReturnTokenIDs {
			b, _, err := m.Detokenize(ctx, p)
			if err != nil {
				return nil, err
			}
			promptText = string(b)
		}
		for j := range n {
			g := gens[i*n+j]
			toks := append([]int(nil), g.Tokens...)
			lps := append([]float64(nil), g.Logprobs...)
			var stopReason any
			if g.FinishReason == "stop" {
				if hasEOS {
					// vLLM appends the stop token to token_ids (v1 detokenizer).
					sc, err := m.Score(ctx, []lm.ScoreItem{{Context: append(append([]int(nil), p...), g.Tokens...), Continuation: []int{eos}}})
					if err != nil {
						return nil, err
					}
					toks = append(toks, eos)
					lps = append(lps, sc[0][0])
				} else {
					stopReason = "eos" // end-of-text id unknown: say so instead of dropping a token silently
				}
			}
			genBytes, _, err := m.Detokenize(ctx, g.Tokens)
			if err != nil {
				return nil, err
			}
			c := wire.CompletionChoice{Index: len(resp.Choices), Text: promptText + string(genBytes),
				FinishReason: g.FinishReason, StopReason: stopReason}
			resp.Usage.CompletionTokens += len(toks)
			if req.ReturnTokenIDs {
				c.TokenIDs = toks
				if c.TokenIDs == nil {
					c.TokenIDs = []int{}
				}
				c.PromptTokenIDs = p
			}
			if req.Logprobs != nil {
				var allToks []int
				var allLPs []*float64
				if req.Echo {
					allToks = append(allToks, p...)
					allLPs = append(allLPs, nil)
					for _, x := range promptLPs[i] {
						allLPs = append(allLPs, ptr(clampLogprob(x)))
					}
				}
				allToks = append(allToks, toks...)
				for _, x := range lps {
					allLPs = append(allLPs, ptr(clampLogprob(x)))
				}
				if c.Logprobs, err = s.logprobsBlock(ctx, m, allToks, allLPs, req.ReturnTokensAsTokenIDs); err != nil {
					return nil, err
				}
			}
			if req.PromptLogprobs != nil {
				c.PromptLogprobs = make([]map[string]*wire.PromptLogprob, len(p))
				for k := 1; k < len(p); k++ {
					dec, err := piece(ctx, m, p[k])
					if err != nil {
						return nil, err
					}
					c.PromptLogprobs[k] = map[string]*wire.PromptLogprob{strconv.Itoa(p[k]): {Logprob: clampLogprob(promptLPs[i][k-1]), DecodedToken: dec}}
				}
			}
			resp.Choices = append(resp.Choices, c)
		}
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
	return resp, nil
}

func ptr(x float64) *float64 { return &x }

// logprobsBlock builds CompletionLogProbs; text_offset is the cumulative
// length of the token strings, as vLLM computes it (so it is not a byte
// offset into the text).
func (s *server) logprobsBlock(ctx context.Context, m lm.Model, toks []int, lps []*float64, asIDs bool) (*wire.CompletionLogprobs, error) {
	b := &wire.CompletionLogprobs{TextOffset: []int{}, TokenLogprobs: lps, Tokens: []string{}, TopLogprobs: []map[string]float64{}}
	if b.TokenLogprobs == nil {
		b.TokenLogprobs = []*float64{}
	}
	off := 0
	for k, id := range toks {
		var str string
		if asIDs {
			str = "token_id:" + strconv.Itoa(id)
		} else {
			var err error
			if str, err = piece(ctx, m, id); err != nil {
				return nil, err
			}
		}
		b.Tokens = append(b.Tokens, str)
		b.TextOffset = append(b.TextOffset, off)
		off += utf8.RuneCountInString(str)
		if lps[k] == nil {
			b.TopLogprobs = append(b.TopLogprobs, nil)
		} else {
			b.TopLogprobs = append(b.TopLogprobs, map[string]float64{str: *lps[k]})
		}
	}
	return b, nil
}

// validate refuses parameters the lm.Model API cannot honour instead of
// silently ignoring them.
func (s *server) validate(req *wire.CompletionRequest) error {
	switch {
	case req.Stream:
		return badRequest("stream is not supported")
	case req.N != nil && *req.N < 1:
		return badRequest("n must be at least 1")
	case req.MaxTokens != nil && *req.MaxTokens < 0:
		return badRequest("max_tokens must be at least 0")
	case req.MaxTokens != nil && *req.MaxTokens == 0 && !req.Echo:
		return badRequest("max_tokens 0 needs echo")
	case req.Temperature != nil && *req.Temperature < 0:
		return badRequest("temperature must be non-negative")
	case req.TopP != nil && (*req.TopP <= 0 || *req.TopP > 1):
		return badRequest("top_p must be in (0, 1]")
	case req.TopK != nil && *req.TopK != -1 && *req.TopK != 0:
		return badRequest("top_k other than -1 is not supported by this server")
	case req.MinP != nil && *req.MinP != 0:
		return badRequest("min_p other than 0 is not supported by this server")
	case req.RepetitionPenalty != nil && *req.RepetitionPenalty != 1:
		return badRequest("repetition_penalty other than 1 is not supported by this server")
	case req.PresencePenalty != nil && *req.PresencePenalty != 0,
		req.FrequencyPenalty != nil && *req.FrequencyPenalty != 0:
		return badRequest("presence/frequency penalties are not supported by this server")
	case len(req.Stop) > 0 && string(req.Stop) != "null" && string(req.Stop) != "[]":
		return badRequest("stop strings are not supported by this server")
	case req.IgnoreEOS != nil && *req.IgnoreEOS:
		return badRequest("ignore_eos is not supported by this server")
	}
	for _, k := range []*int{req.Logprobs, req.PromptLogprobs} {
		if k != nil && (*k < -1 || *k > s.opts.MaxLogprobs) {
			return badRequest("Requested logprobs of %d, which is greater than max allowed: %d", *k, s.opts.MaxLogprobs)
		}
	}
	return nil
}

// generate runs n generations per prompt, prompt-major; with maxNew 0 (a
// scoring-only request) it returns empty generations finished by length.
func generate(ctx context.Context, m lm.Model, prompts [][]int, n, maxNew int, temperature, topP float64, seed uint64) ([]lm.Generation, error) {
	if maxNew <= 0 {
		gens := make([]lm.Generation, len(prompts)*n)
		for i := range gens {
			gens[i].FinishReason = "length"
		}
		return gens, nil
	}
	gens, err := m.Generate(ctx, lm.GenerateRequest{Prompts: prompts, N: n, MaxNewTokens: maxNew,
		Temperature: temperature, TopP: topP, Seed: seed})
	if err != nil {
		return nil, err
	}
	if len(gens) != len(prompts)*n {
		return nil, fmt.Errorf("model returned %d generations for %d prompts x n=%d", len(gens), len(prompts), n)
	}
	return gens, nil
}

// endOfText names the model's end-of-text token when it can.
func endOfText(m lm.Model) (int, bool) {
	if e, ok := m.(EndOfTexter); ok {
		return e.EndOfText(), true
	}
	return -1, false
}

// or is *p, or def when the request left the field out.
func or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
