package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/wire"
)

// sortedChoices checks the count and orders choices by index, so choice k
// belongs to prompt k/n, sample k%n.
func sortedChoices(resp *wire.CompletionResponse, want int) ([]wire.CompletionChoice, error) {
	if len(resp.Choices) != want {
		return nil, fmt.Errorf("remote: server returned %d choices, want %d", len(resp.Choices), want)
	}
	cs := slices.Clone(resp.Choices)
	slices.SortStableFunc(cs, func(a, b wire.CompletionChoice) int { return a.Index - b.Index })
	for k, c := range cs {
		if c.Index != k {
			return nil, fmt.Errorf("remote: choice indices are not 0..%d", want-1)
		}
	}
	return cs, nil
}

// completionRequest is a request to /v1/completions with prompts as token
// ids and, in the vllm dialect, every sampling parameter vLLM would
// otherwise take from generation_config.json or its own defaults.
func (m *Model) completionRequest(prompts [][]int, n int, temperature, topP float64, seed uint64) (*wire.CompletionRequest, error) {
	raw, err := json.Marshal(prompts)
	if err != nil {
		return nil, err
	}
	req := &wire.CompletionRequest{Model: m.name, Prompt: raw, N: wire.Ptr(n), Temperature: wire.Ptr(temperature),
		TopP: wire.Ptr(topP), Seed: wire.Ptr(seed)}
	if m.c.opts.Dialect == DialectVLLM {
		req.TopK, req.MinP = wire.Ptr(-1), wire.Ptr(0.0)
		req.RepetitionPenalty, req.PresencePenalty, req.FrequencyPenalty = wire.Ptr(1.0), wire.Ptr(0.0), wire.Ptr(0.0)
		req.IgnoreEOS, req.AddSpecialTokens = wire.Ptr(false), wire.Ptr(false)
		req.ReturnTokensAsTokenIDs, req.ReturnTokenIDs = true, true
	}
	return req, nil
}

func (m *Model) generateVLLM(ctx context.Context, req lm.GenerateRequest) ([]lm.Generation, error) {
	topP := req.TopP
	if topP <= 0 || topP > 1 {
		topP = 1
	}
	body, err := m.completionRequest(req.Prompts, req.N, req.Temperature, topP, req.Seed)
	if err != nil {
		return nil, err
	}
	body.MaxTokens, body.Logprobs = wire.Ptr(req.MaxNewTokens), wire.Ptr(0)
	var resp wire.CompletionResponse
	if err := m.post(ctx, "generate", "/v1/completions", body, &resp); err != nil {
		return nil, err
	}
	return parseVLLMGenerations(&resp, len(req.Prompts)*req.N)
}

// tokenIDs reads the ids of a choice's tokens: token_ids when the server
// sent them, else the "token_id:N" strings of return_tokens_as_token_ids.
func tokenIDs(c *wire.CompletionChoice) ([]int, error) {
	if c.TokenIDs != nil {
		return c.TokenIDs, nil
	}
	ids := make([]int, len(c.Logprobs.Tokens))
	for i, s := range c.Logprobs.Tokens {
		id, ok := tokenIDFromString(s)
		if !ok {
			return nil, fmt.Errorf("token %q is not an id (server ignored return_tokens_as_token_ids)", s)
		}
		ids[i] = id
	}
	return ids, nil
}

func parseVLLMGenerations(resp *wire.CompletionResponse, want int) ([]lm.Generation, error) {
	cs, err := sortedChoices(resp, want)
	if err != nil {
		return nil, err
	}
	out := make([]lm.Generation, len(cs))
	for k, c := range cs {
		if c.Logprobs == nil {
			return nil, fmt.Errorf("remote: choice %d has no logprobs", k)
		}
		toks, err := tokenIDs(&c)
		if err != nil {
			return nil, fmt.Errorf("remote: choice %d: %w", k, err)
		}
		if len(c.Logprobs.TokenLogprobs) != len(toks) {
			return nil, fmt.Errorf("remote: choice %d has %d tokens but %d logprobs", k, len(toks), len(c.Logprobs.TokenLogprobs))
		}
		lps := make([]float64, len(toks))
		for i, p := range c.Logprobs.TokenLogprobs {
			if p == nil {
				return nil, fmt.Errorf("remote: choice %d: null logprob for generated token %d", k, i)
			}
			lps[i] = logprobValue(*p)
		}
		// A stop at end-of-text carries the end-of-text token last;
		// lm.Generation excludes it. The tokenizer's end-of-text gives
		// stop_reason null; the other eos_token_ids of generation_config.json
		// (Llama-3's <|eot_id|>, <|eom_id|>) become stop_token_ids, and a stop
		// on one gives that id as an integer stop_reason (check_stop in
		// vllm/v1/core/sched/utils.py@6110ea29; SamplingParams.
		// update_from_generation_config). ppldiff sends no stop_token_ids of
		// its own, so an integer stop_reason is always end-of-text.
		if c.FinishReason == "stop" && len(toks) > 0 && (c.StopReason == nil || stopReasonIs(c.StopReason, toks[len(toks)-1])) {
			toks, lps = slices.Clip(toks[:len(toks)-1]), lps[:len(lps)-1]
		}
		switch c.FinishReason {
		case "stop", "length":
		default:
			return nil, fmt.Errorf("remote: choice %d finished with %q", k, c.FinishReason)
		}
		out[k] = lm.Generation{Tokens: toks, Logprobs: lps, FinishReason: c.FinishReason}
	}
	return out, nil
}

// stopReasonIs reports whether a decoded stop_reason is the integer id.
func stopReasonIs(reason any, id int) bool {
	f, ok := reason.(float64)
	return ok && f == float64(id)
}

func (m *Model) scoreVLLM(ctx context.Context, items []lm.ScoreItem, method string) ([][]float64, error) {
	prompts := make([][]int, len(items))
	for i, it := range items {
		prompts[i] = fullIDs(it)
	}
	body, err := m.completionRequest(prompts, 1, 0, 1, 0)
	if err != nil {
		return nil, err
	}
	if method == ScorePromptLogprobs {
		body.MaxTokens, body.PromptLogprobs = wire.Ptr(1), wire.Ptr(0)
	} else {
		body.Echo, body.MaxTokens, body.Logprobs = true, wire.Ptr(m.c.opts.EchoMaxTokens), wire.Ptr(0)
	}
	var resp wire.CompletionResponse
	if err := m.post(ctx, "score", "/v1/completions", body, &resp); err != nil {
		return nil, err
	}
	return parseVLLMScores(&resp, items, method)
}

func parseVLLMScores(resp *wire.CompletionResponse, items []lm.ScoreItem, method string) ([][]float64, error) {
	cs, err := sortedChoices(resp, len(items))
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(items))
	for i, it := range items {
		c := cs[i]
		full := fullIDs(it)
		ctxLen := len(it.Context)
		if method != ScorePromptLogprobs && len(it.Continuation) > 0 {
			if c.Logprobs == nil || len(c.Logprobs.TokenLogprobs) < len(full) {
				return nil, fmt.Errorf("remote: item %d: echo returned fewer logprobs than the %d prompt tokens", i, len(full))
			}
		}
		if method == ScorePromptLogprobs && len(c.PromptLogprobs) < len(full) {
			return nil, fmt.Errorf("remote: item %d: %d prompt_logprobs for %d tokens", i, len(c.PromptLogprobs), len(full))
		}
		lps := make([]float64, len(it.Continuation))
		for k := range lps {
			pos := ctxLen + k
			var p *float64
			if method == ScorePromptLogprobs {
				e := c.PromptLogprobs[pos][strconv.Itoa(full[pos])]
				if e == nil {
					return nil, fmt.Errorf("remote: item %d: prompt_logprobs[%d] lacks token %d", i, pos, full[pos])
				}
				p = &e.Logprob
			} else {
				if pos < len(c.Logprobs.Tokens) {
					if id, ok := tokenIDFromString(c.Logprobs.Tokens[pos]); ok && id != full[pos] {
						return nil, fmt.Errorf("remote: item %d: echoed token %d is %d, sent %d", i, pos, id, full[pos])
					}
				}
				p = c.Logprobs.TokenLogprobs[pos]
			}
			if p == nil {
				return nil, fmt.Errorf("remote: item %d: null logprob at prompt position %d", i, pos)
			}
			lps[k] = logprobValue(*p)
		}
		out[i] = lps
	}
	return out, nil
}
