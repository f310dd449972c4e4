package remote

import (
	"context"
	"fmt"
	"math"
	"slices"
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
	if err := m.post(ctx, "generate", "/v1/completions", body, &resp); err != nil {
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
			ids, other, ok := c.Logprobs.Tokens.idList()
			if !ok {
				return nil, fmt.Errorf("remote: choice %d: token %q is not an id (server ignored return_tokens_as_token_ids)", k, other)
			}
			toks = ids
		}
		if len(c.Logprobs.TokenLogprobs) != len(toks) {
			return nil, fmt.Errorf("remote: choice %d has %d tokens but %d logprobs", k, len(toks), len(c.Logprobs.TokenLogprobs))
		}
		// The decoded lists are this answer's own: clamp in place, no copy.
		lps := []float64(c.Logprobs.TokenLogprobs)
		for i, p := range lps {
			if math.IsNaN(p) {
				return nil, fmt.Errorf("remote: choice %d: null logprob for generated token %d", k, i)
			}
			lps[i] = logprobValue(p)
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
			// Clipped: an append must not write over the dropped slot,
			// which the decoded answer may still share.
			toks, lps = slices.Clip(toks[:len(toks)-1]), slices.Clip(lps[:len(lps)-1])
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
	if err := m.post(ctx, "score", "/v1/completions", body, &resp); err != nil {
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
		var echoed tokenStrings
		if method != ScorePromptLogprobs && len(it.Continuation) > 0 {
			if c.Logprobs == nil || len(c.Logprobs.TokenLogprobs) < len(full) {
				return nil, fmt.Errorf("remote: item %d: echo returned fewer logprobs than the %d prompt tokens", i, len(full))
			}
			echoed = c.Logprobs.Tokens
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
				if pos < echoed.len() && echoed.isID(pos) && echoed.ids[pos] != full[pos] {
					return nil, fmt.Errorf("remote: item %d: echoed token %d is %d, sent %d", i, pos, echoed.ids[pos], full[pos])
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
