package serve

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// generateRequest is the subset of SGLang's GenerateReqInput the server
// honours (io_struct.py; docs/basic_usage/sampling_params.md).
type generateRequest struct {
	Text            json.RawMessage `json:"text"`
	InputIDs        json.RawMessage `json:"input_ids"`
	SamplingParams  samplingParams  `json:"sampling_params"`
	ReturnLogprob   bool            `json:"return_logprob"`
	LogprobStartLen json.RawMessage `json:"logprob_start_len"` // int or one int per input
	TopLogprobsNum  int             `json:"top_logprobs_num"`
	ReturnText      bool            `json:"return_text_in_logprobs"`
	Stream          bool            `json:"stream"`
	LoraPath        string          `json:"lora_path"`
	RID             json.RawMessage `json:"rid"`
}

// samplingParams follows SGLang's SamplingParams; max_new_tokens defaults
// to 128 and temperature/top_p to 1 (the --sampling-defaults openai values).
type samplingParams struct {
	MaxNewTokens      *int            `json:"max_new_tokens"`
	Temperature       *float64        `json:"temperature"`
	TopP              *float64        `json:"top_p"`
	TopK              *int            `json:"top_k"`
	MinP              *float64        `json:"min_p"`
	N                 *int            `json:"n"`
	RepetitionPenalty *float64        `json:"repetition_penalty"`
	PresencePenalty   *float64        `json:"presence_penalty"`
	FrequencyPenalty  *float64        `json:"frequency_penalty"`
	Stop              json.RawMessage `json:"stop"`
	StopTokenIDs      []int           `json:"stop_token_ids"`
	IgnoreEOS         bool            `json:"ignore_eos"`
	SkipSpecialTokens *bool           `json:"skip_special_tokens"`
	SamplingSeed      *uint64         `json:"sampling_seed"`
}

// logprobTuple is SGLang's (logprob, token_id, text_or_None).
type logprobTuple [3]any

func (s *server) handleGenerate(ctx context.Context, body []byte) (any, error) {
	var req generateRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("invalid JSON: %v", err)
	}
	name := s.base
	if req.LoraPath != "" {
		name = req.LoraPath
	}
	m, err := s.model(name)
	if err != nil {
		return nil, err
	}
	sp := req.SamplingParams
	switch {
	case req.Stream:
		return nil, badRequest("stream is not supported")
	case sp.TopK != nil && *sp.TopK != -1 && *sp.TopK != 0:
		return nil, badRequest("top_k other than -1 is not supported by this server")
	case sp.MinP != nil && *sp.MinP != 0:
		return nil, badRequest("min_p other than 0 is not supported by this server")
	case sp.RepetitionPenalty != nil && *sp.RepetitionPenalty != 1,
		sp.PresencePenalty != nil && *sp.PresencePenalty != 0,
		sp.FrequencyPenalty != nil && *sp.FrequencyPenalty != 0:
		return nil, badRequest("penalties are not supported by this server")
	case len(sp.Stop) > 0 && string(sp.Stop) != "null" && string(sp.Stop) != "[]", len(sp.StopTokenIDs) > 0, sp.IgnoreEOS:
		return nil, badRequest("stop conditions other than end-of-text are not supported by this server")
	}

	var prompts [][]int
	single := false
	switch {
	case len(req.InputIDs) > 0:
		var one []int
		if json.Unmarshal(req.InputIDs, &one) == nil {
			prompts, single = [][]int{one}, true
		} else if err := json.Unmarshal(req.InputIDs, &prompts); err != nil {
			return nil, badRequest("input_ids must be a list of ids or a list of lists of ids")
		}
	case len(req.Text) > 0:
		var texts []string
		var one string
		if json.Unmarshal(req.Text, &one) == nil {
			texts, single = []string{one}, true
		} else if err := json.Unmarshal(req.Text, &texts); err != nil {
			return nil, badRequest("text must be a string or a list of strings")
		}
		for _, t := range texts {
			ids, err := m.Tokenize(ctx, lm.TokenizeRequest{Text: []byte(t), AddSpecial: true})
			if err != nil {
				return nil, badRequest("tokenize: %v", err)
			}
			prompts = append(prompts, ids)
		}
	default:
		return nil, badRequest("text or input_ids is required")
	}
	// SGLang's defaults for what the request leaves out.
	n := or(sp.N, 1)
	if n < 1 {
		return nil, badRequest("n must be at least 1")
	}
	maxNew := or(sp.MaxNewTokens, 128)
	temperature, topP := or(sp.Temperature, 1.0), or(sp.TopP, 1.0)
	seed := s.drawSeed()
	if sp.SamplingSeed != nil {
		seed = *sp.SamplingSeed
	}
	// -1, the default, means "output logprobs only"; the scheduler then
	// sets the start to the last input position (scheduler.py,
	// handle_generate_request), whose entry is the null below.
	starts := make([]int, len(prompts))
	if len(req.LogprobStartLen) > 0 && string(req.LogprobStartLen) != "null" {
		var one int
		if json.Unmarshal(req.LogprobStartLen, &one) == nil {
			for i := range starts {
				starts[i] = one
			}
		} else if err := json.Unmarshal(req.LogprobStartLen, &starts); err != nil || len(starts) != len(prompts) {
			return nil, badRequest("logprob_start_len must be an int or one int per input")
		}
	} else {
		for i := range starts {
			starts[i] = -1
		}
	}

	gens, err := generate(ctx, m, prompts, n, maxNew, temperature, topP, seed)
	if err != nil {
		return nil, err
	}
	eos, hasEOS := endOfText(m)
	tuple := func(lp *float64, id int) (logprobTuple, error) {
		t := logprobTuple{nil, id, nil}
		if lp != nil {
			t[0] = clampLogprob(*lp)
		}
		if req.ReturnText {
			str, err := piece(ctx, m, id)
			if err != nil {
				return t, err
			}
			t[2] = str
		}
		return t, nil
	}

	var out []map[string]any
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, badRequest("input_ids %d is empty", i)
		}
		start := starts[i]
		if start < 0 {
			start = len(p) - 1
		}
		var inputLP []logprobTuple
		if req.ReturnLogprob {
			if start >= len(p) {
				return nil, badRequest("req.logprob_start_len=%d is higher than the number of input tokens len(req.origin_input_ids)=%d. Please use a smaller logprob_start_len.", start, len(p))
			}
			// Real SGLang labels input logprobs with input_ids[start:] and
			// fills them with [None] + raw[:-1]: the entry AT start is null
			// whatever start is, and later entries are numeric
			// (scheduler_output_processor_mixin.py,
			// _process_input_token_logprobs, sglang 5294b03c).
			t, err := tuple(nil, p[start])
			if err != nil {
				return nil, err
			}
			inputLP = append(inputLP, t)
			if start+1 < len(p) {
				sc, err := m.Score(ctx, []lm.ScoreItem{{Context: p[:start+1], Continuation: p[start+1:]}})
				if err != nil {
					return nil, err
				}
				for k, x := range sc[0] {
					t, err := tuple(&x, p[start+1+k])
					if err != nil {
						return nil, err
					}
					inputLP = append(inputLP, t)
				}
			}
		}
		for j := range n {
			g := gens[i*n+j]
			toks := append([]int(nil), g.Tokens...)
			lps := append([]float64(nil), g.Logprobs...)
			finish := map[string]any{"type": "length", "length": maxNew}
			if g.FinishReason == "stop" {
				finish = map[string]any{"type": "stop", "matched": nil}
				if hasEOS {
					sc, err := m.Score(ctx, []lm.ScoreItem{{Context: append(append([]int(nil), p...), g.Tokens...), Continuation: []int{eos}}})
					if err != nil {
						return nil, err
					}
					toks = append(toks, eos)
					lps = append(lps, sc[0][0])
					finish["matched"] = eos
				}
			}
			text, _, err := m.Detokenize(ctx, g.Tokens)
			if err != nil {
				return nil, err
			}
			meta := map[string]any{"id": fmt.Sprintf("%x-%d", seed, i*n+j), "finish_reason": finish,
				"prompt_tokens": len(p), "completion_tokens": len(toks), "cached_tokens": 0}
			if req.ReturnLogprob {
				outLP := make([]logprobTuple, 0, len(toks))
				for k, id := range toks {
					t, err := tuple(&lps[k], id)
					if err != nil {
						return nil, err
					}
					outLP = append(outLP, t)
				}
				meta["input_token_logprobs"] = inputLP
				meta["output_token_logprobs"] = outLP
			}
			out = append(out, map[string]any{"text": string(text), "output_ids": toks, "meta_info": meta})
		}
	}
	if single && n == 1 {
		return out[0], nil
	}
	return out, nil
}
