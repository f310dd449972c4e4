package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/wire"
)

func (m *Model) sglangRequest(inputIDs [][]int, sampling wire.SamplingParams, starts any) (*wire.GenerateRequest, error) {
	ids, err := json.Marshal(inputIDs)
	if err != nil {
		return nil, err
	}
	start, err := json.Marshal(starts)
	if err != nil {
		return nil, err
	}
	req := &wire.GenerateRequest{InputIDs: ids, SamplingParams: sampling, ReturnLogprob: true, LogprobStartLen: start}
	if m.adapterOf != "" {
		req.LoraPath = m.name
	}
	return req, nil
}

func (m *Model) generateSGLang(ctx context.Context, req lm.GenerateRequest) ([]lm.Generation, error) {
	topP := req.TopP
	if topP <= 0 || topP > 1 {
		topP = 1
	}
	sampling := wire.SamplingParams{MaxNewTokens: wire.Ptr(req.MaxNewTokens), Temperature: wire.Ptr(req.Temperature),
		TopP: wire.Ptr(topP), TopK: wire.Ptr(-1), MinP: wire.Ptr(0.0), N: wire.Ptr(req.N),
		RepetitionPenalty: wire.Ptr(1.0), PresencePenalty: wire.Ptr(0.0), FrequencyPenalty: wire.Ptr(0.0), IgnoreEOS: wire.Ptr(false)}
	if req.Temperature > 0 {
		// SGLang honours sampling_seed only when started with
		// --enable-deterministic-inference, and older versions refuse the
		// field; greedy decoding needs no seed, so it is not sent then.
		sampling.SamplingSeed = wire.Ptr(req.Seed)
	}
	body, err := m.sglangRequest(req.Prompts, sampling, -1)
	if err != nil {
		return nil, err
	}
	var resp wire.GenerateOutputs
	if err := m.post(ctx, "generate", "/generate", body, &resp); err != nil {
		var re *Error
		if errors.As(err, &re) && re.Status/100 == 4 && strings.Contains(re.Err.Error(), "sampling_seed") {
			return nil, fmt.Errorf("%w: this SGLang does not accept sampling_seed (older versions refuse it): upgrade SGLang, or use --decoding greedy", err)
		}
		return nil, err
	}
	return parseSGLangGenerations(resp, len(req.Prompts)*req.N)
}

func parseSGLangGenerations(resp wire.GenerateOutputs, want int) ([]lm.Generation, error) {
	if len(resp) != want {
		return nil, fmt.Errorf("remote: /generate returned %d outputs, want %d", len(resp), want)
	}
	out := make([]lm.Generation, want)
	for k, o := range resp {
		var g lm.Generation
		for i, t := range o.MetaInfo.OutputTokenLogprobs {
			if t.Logprob == nil {
				return nil, fmt.Errorf("remote: output %d: null logprob for generated token %d", k, i)
			}
			g.Tokens = append(g.Tokens, t.TokenID)
			g.Logprobs = append(g.Logprobs, logprobValue(*t.Logprob))
		}
		fr := o.MetaInfo.FinishReason
		if fr == nil {
			return nil, fmt.Errorf("remote: output %d has no finish_reason", k)
		}
		switch fr.Type {
		case "length":
			g.FinishReason = "length"
		case "stop":
			g.FinishReason = "stop"
			// matched is the end-of-text id when generation hit it; drop it.
			if f, ok := fr.Matched.(float64); ok && len(g.Tokens) > 0 && int(f) == g.Tokens[len(g.Tokens)-1] {
				g.Tokens, g.Logprobs = g.Tokens[:len(g.Tokens)-1], g.Logprobs[:len(g.Logprobs)-1]
			}
		default:
			return nil, fmt.Errorf("remote: output %d finished with %q", k, fr.Type)
		}
		if g.Tokens == nil {
			g.Tokens, g.Logprobs = []int{}, []float64{}
		}
		out[k] = g
	}
	return out, nil
}

func (m *Model) scoreSGLang(ctx context.Context, items []lm.ScoreItem) ([][]float64, error) {
	inputs := make([][]int, len(items))
	starts := make([]int, len(items))
	for i, it := range items {
		inputs[i] = fullIDs(it)
		// SGLang's entry AT logprob_start_len is always null ([None] +
		// raw[:-1], labelled input_ids[start:]: scheduler_output_processor_
		// mixin.py, _process_input_token_logprobs, sglang 5294b03c), so
		// the start is the last context position; the context before it
		// still comes from the radix cache (schedule_batch.py caps the
		// prefix match at logprob_start_len). ScoreWith refuses an empty
		// context.
		starts[i] = len(it.Context) - 1
	}
	body, err := m.sglangRequest(inputs, wire.SamplingParams{MaxNewTokens: wire.Ptr(0), Temperature: wire.Ptr(0.0)}, starts)
	if err != nil {
		return nil, err
	}
	var resp wire.GenerateOutputs
	if err := m.post(ctx, "score", "/generate", body, &resp); err != nil {
		return nil, err
	}
	return parseSGLangScores(resp, items)
}

func parseSGLangScores(resp wire.GenerateOutputs, items []lm.ScoreItem) ([][]float64, error) {
	if len(resp) != len(items) {
		return nil, fmt.Errorf("remote: /generate returned %d outputs for %d items", len(resp), len(items))
	}
	out := make([][]float64, len(items))
	for i, it := range items {
		entries := resp[i].MetaInfo.InputTokenLogprobs
		n := len(it.Continuation)
		if len(entries) < n {
			return nil, fmt.Errorf("remote: item %d: %d input logprobs for %d continuation tokens", i, len(entries), n)
		}
		// Align from the end: versions differ on whether the first entry
		// covers logprob_start_len or the position before it.
		tail := entries[len(entries)-n:]
		lps := make([]float64, n)
		for k, t := range tail {
			if t.TokenID != it.Continuation[k] {
				return nil, fmt.Errorf("remote: item %d: input logprob %d is for token %d, want %d", i, k, t.TokenID, it.Continuation[k])
			}
			if t.Logprob == nil {
				return nil, fmt.Errorf("remote: item %d: null logprob for continuation token %d", i, k)
			}
			lps[k] = logprobValue(*t.Logprob)
		}
		out[i] = lps
	}
	return out, nil
}
