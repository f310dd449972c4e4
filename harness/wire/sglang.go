package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// GenerateRequest is the part of SGLang's GenerateReqInput ppldiff uses.
// InputIDs is list[int] or list[list[int]], Text a string or a list of
// them; LogprobStartLen an int or one int per input (-1, the default: output
// logprobs only).
type GenerateRequest struct {
	Text                 json.RawMessage `json:"text,omitempty"`
	InputIDs             json.RawMessage `json:"input_ids,omitempty"`
	SamplingParams       SamplingParams  `json:"sampling_params"`
	ReturnLogprob        bool            `json:"return_logprob,omitempty"`
	LogprobStartLen      json.RawMessage `json:"logprob_start_len,omitempty"`
	TopLogprobsNum       int             `json:"top_logprobs_num,omitempty"`
	ReturnTextInLogprobs bool            `json:"return_text_in_logprobs,omitempty"`
	Stream               bool            `json:"stream,omitempty"`
	LoraPath             string          `json:"lora_path,omitempty"`
	RID                  json.RawMessage `json:"rid,omitempty"`
}

// SamplingParams follows SGLang's SamplingParams (max_new_tokens defaults
// to 128; temperature and top_p to the model's generation config, or 1).
type SamplingParams struct {
	MaxNewTokens      *int            `json:"max_new_tokens,omitempty"`
	Temperature       *float64        `json:"temperature,omitempty"`
	TopP              *float64        `json:"top_p,omitempty"`
	TopK              *int            `json:"top_k,omitempty"`
	MinP              *float64        `json:"min_p,omitempty"`
	N                 *int            `json:"n,omitempty"`
	RepetitionPenalty *float64        `json:"repetition_penalty,omitempty"`
	PresencePenalty   *float64        `json:"presence_penalty,omitempty"`
	FrequencyPenalty  *float64        `json:"frequency_penalty,omitempty"`
	Stop              json.RawMessage `json:"stop,omitempty"`
	StopTokenIDs      []int           `json:"stop_token_ids,omitempty"`
	IgnoreEOS         *bool           `json:"ignore_eos,omitempty"`
	SkipSpecialTokens *bool           `json:"skip_special_tokens,omitempty"`
	SamplingSeed      *uint64         `json:"sampling_seed,omitempty"`
}

// GenerateOutput is one output of /generate: one object for a single
// input, a list for a batch.
type GenerateOutput struct {
	Text      string   `json:"text"`
	OutputIDs []int    `json:"output_ids"`
	MetaInfo  MetaInfo `json:"meta_info"`
}

// MetaInfo is an output's meta_info. Logprob entries are (logprob | null,
// token_id, text | null) tuples.
type MetaInfo struct {
	ID                  string          `json:"id"`
	FinishReason        *FinishReason   `json:"finish_reason"`
	PromptTokens        int             `json:"prompt_tokens"`
	CompletionTokens    int             `json:"completion_tokens"`
	CachedTokens        int             `json:"cached_tokens"`
	InputTokenLogprobs  []LogprobTuple  `json:"input_token_logprobs,omitempty"`
	OutputTokenLogprobs []LogprobTuple  `json:"output_token_logprobs,omitempty"`
	InputTopLogprobs    json.RawMessage `json:"input_top_logprobs,omitempty"`
	OutputTopLogprobs   json.RawMessage `json:"output_top_logprobs,omitempty"`
}

// FinishReason is {"type":"stop","matched":<id or string or null>} or
// {"type":"length","length":N}.
type FinishReason struct {
	Type    string `json:"type"`
	Matched any    `json:"matched,omitempty"`
	Length  *int   `json:"length,omitempty"`
}

// LogprobTuple is SGLang's (logprob | null, token_id, text | null).
type LogprobTuple struct {
	Logprob *float64
	TokenID int
	Text    *string
}

// MarshalJSON writes the tuple as a three-element list.
func (t LogprobTuple) MarshalJSON() ([]byte, error) {
	return json.Marshal([3]any{t.Logprob, t.TokenID, t.Text})
}

// UnmarshalJSON reads a list of two or three elements.
func (t *LogprobTuple) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) < 2 {
		return fmt.Errorf("logprob entry has %d fields, want 3", len(raw))
	}
	var v LogprobTuple
	if err := json.Unmarshal(raw[0], &v.Logprob); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[1], &v.TokenID); err != nil {
		return err
	}
	if len(raw) > 2 {
		if err := json.Unmarshal(raw[2], &v.Text); err != nil {
			return err
		}
	}
	*t = v
	return nil
}

// GenerateOutputs decodes either one output object or a list of them.
type GenerateOutputs []GenerateOutput

// UnmarshalJSON accepts an object or a list.
func (o *GenerateOutputs) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var one GenerateOutput
		if err := json.Unmarshal(t, &one); err != nil {
			return err
		}
		*o = GenerateOutputs{one}
		return nil
	}
	var many []GenerateOutput
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*o = many
	return nil
}
