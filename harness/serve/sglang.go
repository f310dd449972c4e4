package serve

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/wire"
)

func (s *server) handleGenerate(ctx context.Context, body []byte) (any, error) {
	var req wire.GenerateRequest
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
	case len(sp.Stop) > 0 && string(sp.Stop) != "null" && string(sp.Stop) != "[]", len(sp.StopTokenIDs) > 0, sp.IgnoreEOS != nil && *sp.IgnoreEOS:
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
	tuple := func(lp *float64, id int) (wire.LogprobTuple, error) {
		t := wire.LogprobTuple{TokenID: id}
		if lp != nil {
			t.Logprob = wire.Ptr(clampLogprob(*lp))
		}
		if req.ReturnTextInLogprobs {
			str, err := piece(ctx, m, id)
			if err != nil {
				return t, err
			}
			t.Text = &str
		}
		return t, nil
	}

	var out []wire.GenerateOutput
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, badRequest("input_ids %d is empty", i)
		}
		start := starts[i]
		if start < 0 {
			start = len(p) - 1
		}
		var inputLP []wire.LogprobTuple
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
			finish := &wire.FinishReason{Type: "length", Length: wire.Ptr(maxNew)}
			if g.FinishReason == "stop" {
				finish = &wire.FinishReason{Type: "stop"}
				if hasEOS {
					sc, err := m.Score(ctx, []lm.ScoreItem{{Context: append(append([]int(nil), p...), g.Tokens...), Continuation: []int{eos}}})
					if err != nil {
						return nil, err
					}
					toks = append(toks, eos)
					lps = append(lps, sc[0][0])
					finish.Matched = eos
				}
			}
			text, _, err := m.Detokenize(ctx, g.Tokens)
			if err != nil {
				return nil, err
			}
			meta := wire.MetaInfo{ID: fmt.Sprintf("%x-%d", seed, i*n+j), FinishReason: finish,
				PromptTokens: len(p), CompletionTokens: len(toks)}
			if req.ReturnLogprob {
				meta.OutputTokenLogprobs = make([]wire.LogprobTuple, 0, len(toks))
				for k, id := range toks {
					t, err := tuple(&lps[k], id)
					if err != nil {
						return nil, err
					}
					meta.OutputTokenLogprobs = append(meta.OutputTokenLogprobs, t)
				}
				meta.InputTokenLogprobs = inputLP
			}
			if toks == nil {
				toks = []int{}
			}
			out = append(out, wire.GenerateOutput{Text: string(text), OutputIDs: toks, MetaInfo: meta})
		}
	}
	if single && n == 1 {
		return out[0], nil
	}
	return out, nil
}
