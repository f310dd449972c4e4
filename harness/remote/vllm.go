package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// vllmCompletion is the part of vLLM's CompletionResponse the client reads
// (vllm/entrypoints/openai/protocol.py: CompletionResponseChoice,
// CompletionLogProbs).
type vllmCompletion struct {
	Choices []vllmChoice `json:"choices"`
}

type vllmChoice struct {
	Index          int                                    `json:"index"`
	FinishReason   string                                 `json:"finish_reason"`
	StopReason     any                                    `json:"stop_reason"`
	Logprobs       *vllmLogprobs                          `json:"logprobs"`
	TokenIDs       []int                                  `json:"token_ids"`
	PromptLogprobs []map[string]struct{ Logprob float64 } `json:"prompt_logprobs"`
}

// vllmLogprobs is CompletionLogProbs without text_offset and top_logprobs,
// which the client never reads (with logprobs 0 the top-k dict only
// repeats the sampled token).
type vllmLogprobs struct {
	TokenLogprobs nullableFloats `json:"token_logprobs"`
	Tokens        tokenStrings   `json:"tokens"`
}

// sortedChoices checks the count and orders choices by index, so choice k
// belongs to prompt k/n, sample k%n.
func sortedChoices(resp *vllmCompletion, want int) ([]vllmChoice, error) {
	if len(resp.Choices) != want {
		return nil, fmt.Errorf("remote: server returned %d choices, want %d", len(resp.Choices), want)
	}
	cs := append([]vllmChoice(nil), resp.Choices...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Index < cs[j].Index })
	for k, c := range cs {
		if c.Index != k {
			return nil, fmt.Errorf("remote: choice indices are not 0..%d", want-1)
		}
	}
	return cs, nil
}

// pinnedSampling is every sampling parameter vLLM would otherwise take from
// generation_config.json or its own defaults.
func pinnedSampling(body map[string]any) {
	body["top_k"] = -1
	body["min_p"] = 0.0
	body["repetition_penalty"] = 1.0
	body["presence_penalty"] = 0.0
	body["frequency_penalty"] = 0.0
	body["ignore_eos"] = false
	body["add_special_tokens"] = false
	body["return_tokens_as_token_ids"] = true
	body["return_token_ids"] = true
}

func (m *Model) generateVLLM(ctx context.Context, req lm.GenerateRequest) ([]lm.Generation, error) {
	topP := req.TopP
	if topP <= 0 || topP > 1 {
		topP = 1
	}
	body := map[string]any{"model": m.name, "prompt": req.Prompts, "n": req.N, "max_tokens": req.MaxNewTokens,
		"temperature": req.Temperature, "top_p": topP, "seed": req.Seed, "logprobs": 0, "echo": false}
	pinnedSampling(body)
	var resp vllmCompletion
	if err := m.post(ctx, "/v1/completions", body, &resp); err != nil {
		return nil, err
	}
	return parseVLLMGenerations(&resp, len(req.Prompts)*req.N)
}

func parseVLLMGenerations(resp *vllmCompletion, want int) ([]lm.Generation, error) {
	cs, err := sortedChoices(resp, want)
	if err != nil {
		return nil, err
	}
	out := make([]lm.Generation, len(cs))
	for k, c := range cs {
		if c.Logprobs == nil {
			return nil, fmt.Errorf("remote: choice %d has no logprobs", k)
		}
		toks := c.TokenIDs
		if toks == nil {
			ids, isID, err := c.Logprobs.Tokens.ids()
			if err != nil {
				return nil, fmt.Errorf("remote: choice %d: %w", k, err)
			}
			for i, ok := range isID {
				if !ok {
					var strs []string
					json.Unmarshal(c.Logprobs.Tokens, &strs)
					return nil, fmt.Errorf("remote: choice %d: token %q is not an id (server ignored return_tokens_as_token_ids)", k, strs[i])
				}
			}
			toks = ids
		}
		if len(c.Logprobs.TokenLogprobs) != len(toks) {
			return nil, fmt.Errorf("remote: choice %d has %d tokens but %d logprobs", k, len(toks), len(c.Logprobs.TokenLogprobs))
		}
		lps := make([]float64, len(toks))
		for i := range lps {
			p, ok := c.Logprobs.TokenLogprobs.at(i)
			if !ok {
				return nil, fmt.Errorf("remote: choice %d: null logprob for generated token %d", k, i)
			}
			lps[i] = logprobValue(p)
		}
		// A stop at end-of-text (stop_reason null) carries the end-of-text
		// token last; lm.Generation excludes it.
		if c.FinishReason == "stop" && c.StopReason == nil && len(toks) > 0 {
			toks, lps = toks[:len(toks)-1], lps[:len(lps)-1]
		}
		switch c.FinishReason {
		case "stop", "length":
		default:
			return nil, fmt.Errorf("remote: choice %d finished with %q", k, c.FinishReason)
		}
		out[k] = lm.Generation{Tokens: append([]int{}, toks...), Logprobs: lps, FinishReason: c.FinishReason}
	}
	return out, nil
}

func (m *Model) scoreVLLM(ctx context.Context, items []lm.ScoreItem, method string) ([][]float64, error) {
	prompts := make([][]int, len(items))
	for i, it := range items {
		prompts[i] = fullIDs(it)
	}
	body := map[string]any{"model": m.name, "prompt": prompts, "n": 1, "temperature": 0.0, "top_p": 1.0, "seed": 0}
	if m.c.opts.Dialect == DialectVLLM {
		pinnedSampling(body)
	}
	if method == ScorePromptLogprobs {
		body["max_tokens"] = 1
		body["prompt_logprobs"] = 0
	} else {
		body["echo"] = true
		body["max_tokens"] = m.c.opts.EchoMaxTokens
		body["logprobs"] = 0
	}
	var resp vllmCompletion
	if err := m.post(ctx, "/v1/completions", body, &resp); err != nil {
		return nil, err
	}
	return parseVLLMScores(&resp, items, method)
}

func parseVLLMScores(resp *vllmCompletion, items []lm.ScoreItem, method string) ([][]float64, error) {
	cs, err := sortedChoices(resp, len(items))
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(items))
	for i, it := range items {
		c := cs[i]
		full := fullIDs(it)
		ctxLen := len(it.Context)
		var echoed []int
		var isID []bool
		if method != ScorePromptLogprobs && len(it.Continuation) > 0 {
			if c.Logprobs == nil || len(c.Logprobs.TokenLogprobs) < len(full) {
				return nil, fmt.Errorf("remote: item %d: echo returned fewer logprobs than the %d prompt tokens", i, len(full))
			}
			if echoed, isID, err = c.Logprobs.Tokens.ids(); err != nil {
				return nil, fmt.Errorf("remote: item %d: %w", i, err)
			}
		}
		lps := make([]float64, len(it.Continuation))
		for k := range lps {
			pos := ctxLen + k
			var v float64
			present := true
			if method == ScorePromptLogprobs {
				if len(c.PromptLogprobs) < len(full) {
					return nil, fmt.Errorf("remote: item %d: %d prompt_logprobs for %d tokens", i, len(c.PromptLogprobs), len(full))
				}
				e, ok := c.PromptLogprobs[pos][strconv.Itoa(full[pos])]
				if !ok {
					return nil, fmt.Errorf("remote: item %d: prompt_logprobs[%d] lacks token %d", i, pos, full[pos])
				}
				v = e.Logprob
			} else {
				if pos < len(echoed) && isID[pos] && echoed[pos] != full[pos] {
					return nil, fmt.Errorf("remote: item %d: echoed token %d is %d, sent %d", i, pos, echoed[pos], full[pos])
				}
				v, present = c.Logprobs.TokenLogprobs.at(pos)
			}
			if !present {
				return nil, fmt.Errorf("remote: item %d: null logprob at prompt position %d", i, pos)
			}
			lps[k] = logprobValue(v)
		}
		out[i] = lps
	}
	return out, nil
}
