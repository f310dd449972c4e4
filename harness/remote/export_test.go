package remote

import (
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
)

// SimGenerationBody is a vLLM /v1/completions answer to the requests
// remote sends for generation (logprobs 0, return_tokens_as_token_ids,
// return_token_ids), with every field vLLM fills: text, text_offset,
// full-precision logprobs, the one-entry top_logprobs dicts, token_ids with
// the stop token last on a stop, prompt_token_ids. One choice in four stops
// at end-of-text before the length cap. Seeded, so every run sees the same
// bytes.
func SimGenerationBody(prompts, tokens, promptLen, eos int) []byte {
	rng := rand.New(rand.NewPCG(20, 32))
	type logprobs struct {
		TextOffset    []int                `json:"text_offset"`
		TokenLogprobs []float64            `json:"token_logprobs"`
		Tokens        []string             `json:"tokens"`
		TopLogprobs   []map[string]float64 `json:"top_logprobs"`
	}
	type choice struct {
		Index          int      `json:"index"`
		Text           string   `json:"text"`
		Logprobs       logprobs `json:"logprobs"`
		FinishReason   string   `json:"finish_reason"`
		StopReason     any      `json:"stop_reason"`
		TokenIDs       []int    `json:"token_ids"`
		PromptLogprobs any      `json:"prompt_logprobs"`
		PromptTokenIDs []int    `json:"prompt_token_ids"`
	}
	words := []string{" the", " of", " model", " and", " a", " to", " in", " is", " that", " fine", "-tuned", ".", ",", " perplexity"}
	var choices []choice
	completion := 0
	for i := range prompts {
		n, finish := tokens, "length"
		if i%4 == 3 {
			n, finish = tokens*3/4, "stop"
		}
		c := choice{Index: i, FinishReason: finish}
		var text strings.Builder
		off := 0
		for k := range n {
			id := rng.IntN(150000)
			lp := -rng.ExpFloat64() * 1.5
			if finish == "stop" && k == n-1 {
				id = eos
			} else {
				text.WriteString(words[rng.IntN(len(words))])
			}
			tok := "token_id:" + strconv.Itoa(id)
			c.TokenIDs = append(c.TokenIDs, id)
			c.Logprobs.TextOffset = append(c.Logprobs.TextOffset, off)
			c.Logprobs.TokenLogprobs = append(c.Logprobs.TokenLogprobs, lp)
			c.Logprobs.Tokens = append(c.Logprobs.Tokens, tok)
			c.Logprobs.TopLogprobs = append(c.Logprobs.TopLogprobs, map[string]float64{tok: lp})
			off += len(tok)
		}
		c.Text = text.String()
		for range promptLen {
			c.PromptTokenIDs = append(c.PromptTokenIDs, rng.IntN(150000))
		}
		completion += n
		choices = append(choices, c)
	}
	// Field order as vLLM's CompletionResponse serializes it.
	type usage struct {
		PromptTokens        int `json:"prompt_tokens"`
		TotalTokens         int `json:"total_tokens"`
		CompletionTokens    int `json:"completion_tokens"`
		PromptTokensDetails any `json:"prompt_tokens_details"`
	}
	body, err := json.Marshal(struct {
		ID                string   `json:"id"`
		Object            string   `json:"object"`
		Created           int      `json:"created"`
		Model             string   `json:"model"`
		Choices           []choice `json:"choices"`
		ServiceTier       any      `json:"service_tier"`
		SystemFingerprint any      `json:"system_fingerprint"`
		Usage             usage    `json:"usage"`
		KVTransferParams  any      `json:"kv_transfer_params"`
	}{ID: "cmpl-5f0c3a9e2b7d4c1f", Object: "text_completion", Created: 1700000000, Model: "sim", Choices: choices,
		Usage: usage{PromptTokens: prompts * promptLen, CompletionTokens: completion, TotalTokens: prompts*promptLen + completion}})
	if err != nil {
		panic(err)
	}
	return body
}

// TokenizerOnly returns a Model on one endpoint without listing models or
// probing, for tests whose fixture server answers /tokenize alone.
func TokenizerOnly(base, name, dialect string) *Model {
	opts := Options{Endpoints: []string{base}, Dialect: dialect}
	opts.setDefaults()
	c := &Client{opts: opts, log: slog.New(slog.DiscardHandler)}
	ep := &endpoint{base: base, display: base, sem: make(chan struct{}, opts.MaxConcurrency)}
	return &Model{c: c, name: name, replicas: []*endpoint{ep}}
}
