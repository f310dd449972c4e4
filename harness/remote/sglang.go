package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// sglangOutput is one item of SGLang's /generate answer (meta_info with
// (logprob, token_id, text) tuples; io_struct.py, tokenizer_manager.py).
type sglangOutput struct {
	MetaInfo struct {
		FinishReason *struct {
			Type    string `json:"type"`
			Matched any    `json:"matched"`
		} `json:"finish_reason"`
		InputTokenLogprobs  [][]json.RawMessage `json:"input_token_logprobs"`
		OutputTokenLogprobs [][]json.RawMessage `json:"output_token_logprobs"`
	} `json:"meta_info"`
}

// sglangOutputs decodes either one object or a list of them.
type sglangOutputs []sglangOutput

func (o *sglangOutputs) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var one sglangOutput
		if err := json.Unmarshal(t, &one); err != nil {
			return err
		}
		*o = sglangOutputs{one}
		return nil
	}
	var many []sglangOutput
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*o = many
	return nil
}

// tuple reads (logprob|null, token_id, ...).
func tuple(t []json.RawMessage) (lp *float64, id int, err error) {
	if len(t) < 2 {
		return nil, 0, fmt.Errorf("logprob entry has %d fields, want 3", len(t))
	}
	if err := json.Unmarshal(t[0], &lp); err != nil {
		return nil, 0, fmt.Errorf("logprob entry: %w", err)
	}
	if err := json.Unmarshal(t[1], &id); err != nil {
		return nil, 0, fmt.Errorf("logprob entry token id: %w", err)
	}
	return lp, id, nil
}

func (m *Model) sglangBody(inputIDs [][]int, sampling map[string]any) map[string]any {
	body := map[string]any{"input_ids": inputIDs, "sampling_params": sampling, "return_logprob": true,
		"top_logprobs_num": 0, "return_text_in_logprobs": false}
	if m.adapterOf != "" {
		body["lora_path"] = m.name
	}
	return body
}

func (m *Model) generateSGLang(ctx context.Context, req lm.GenerateRequest) ([]lm.Generation, error) {
	topP := req.TopP
	if topP <= 0 || topP > 1 {
		topP = 1
	}
	sampling := map[string]any{"max_new_tokens": req.MaxNewTokens, "temperature": req.Temperature, "top_p": topP,
		"top_k": -1, "min_p": 0.0, "n": req.N, "repetition_penalty": 1.0, "presence_penalty": 0.0,
		"frequency_penalty": 0.0, "ignore_eos": false}
	if req.Temperature > 0 {
		// SGLang honours sampling_seed only when started with
		// --enable-deterministic-inference, and older versions refuse the
		// field; greedy decoding needs no seed, so it is not sent then.
		sampling["sampling_seed"] = req.Seed
	}
	body := m.sglangBody(req.Prompts, sampling)
	body["logprob_start_len"] = -1
	var resp sglangOutputs
	if err := m.post(ctx, "generate", "/generate", body, &resp); err != nil {
		var re *Error
		if errors.As(err, &re) && re.Status/100 == 4 && strings.Contains(re.Err.Error(), "sampling_seed") {
			return nil, fmt.Errorf("%w: this SGLang does not accept sampling_seed (older versions refuse it): upgrade SGLang, or use --decoding greedy", err)
		}
		return nil, err
	}
	return parseSGLangGenerations(resp, len(req.Prompts)*req.N)
}

func parseSGLangGenerations(resp sglangOutputs, want int) ([]lm.Generation, error) {
	if len(resp) != want {
		return nil, fmt.Errorf("remote: /generate returned %d outputs, want %d", len(resp), want)
	}
	out := make([]lm.Generation, want)
	for k, o := range resp {
		var g lm.Generation
		for i, t := range o.MetaInfo.OutputTokenLogprobs {
			lp, id, err := tuple(t)
			if err != nil {
				return nil, fmt.Errorf("remote: output %d token %d: %w", k, i, err)
			}
			if lp == nil {
				return nil, fmt.Errorf("remote: output %d: null logprob for generated token %d", k, i)
			}
			g.Tokens = append(g.Tokens, id)
			g.Logprobs = append(g.Logprobs, logprobValue(*lp))
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
	body := m.sglangBody(inputs, map[string]any{"max_new_tokens": 0, "temperature": 0.0})
	body["logprob_start_len"] = starts
	var resp sglangOutputs
	if err := m.post(ctx, "score", "/generate", body, &resp); err != nil {
		return nil, err
	}
	return parseSGLangScores(resp, items)
}

func parseSGLangScores(resp sglangOutputs, items []lm.ScoreItem) ([][]float64, error) {
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
			lp, id, err := tuple(t)
			if err != nil {
				return nil, fmt.Errorf("remote: item %d: %w", i, err)
			}
			if id != it.Continuation[k] {
				return nil, fmt.Errorf("remote: item %d: input logprob %d is for token %d, want %d", i, k, id, it.Continuation[k])
			}
			if lp == nil {
				return nil, fmt.Errorf("remote: item %d: null logprob for continuation token %d", i, k)
			}
			lps[k] = logprobValue(*lp)
		}
		out[i] = lps
	}
	return out, nil
}
