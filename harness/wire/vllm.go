package wire

import "encoding/json"

// ModelList is the answer of GET /v1/models.
type ModelList struct {
	Object string      `json:"object"`
	Data   []ModelCard `json:"data"`
}

// ModelCard is one served model; a LoRA module names its base in Parent.
type ModelCard struct {
	ID          string  `json:"id"`
	Object      string  `json:"object"`
	Created     int64   `json:"created"`
	OwnedBy     string  `json:"owned_by"`
	Root        string  `json:"root"`
	Parent      *string `json:"parent"`
	MaxModelLen int     `json:"max_model_len"`
	Permission  []any   `json:"permission"`
	// Ppldiff is `ppldiff serve`'s extension: what a client cannot learn
	// from vLLM's fields, so served zoo models give the in-process results.
	// Other servers lack it.
	Ppldiff *CardInfo `json:"ppldiff,omitempty"`
}

// CardInfo describes a served model beyond vLLM's ModelCard.
type CardInfo struct {
	Family      string `json:"family,omitempty"`
	Params      int64  `json:"params,omitempty"`
	ParamsKind  string `json:"params_kind,omitempty"`
	Revision    string `json:"revision,omitempty"`
	TokenizerID string `json:"tokenizer_id,omitempty"`
}

// CompletionRequest is the part of vLLM's CompletionRequest ppldiff uses.
// Prompt is str | list[str] | list[int] | list[list[int]].
type CompletionRequest struct {
	Model                  string          `json:"model"`
	Prompt                 json.RawMessage `json:"prompt"`
	MaxTokens              *int            `json:"max_tokens,omitempty"`
	Temperature            *float64        `json:"temperature,omitempty"`
	TopP                   *float64        `json:"top_p,omitempty"`
	TopK                   *int            `json:"top_k,omitempty"`
	MinP                   *float64        `json:"min_p,omitempty"`
	RepetitionPenalty      *float64        `json:"repetition_penalty,omitempty"`
	PresencePenalty        *float64        `json:"presence_penalty,omitempty"`
	FrequencyPenalty       *float64        `json:"frequency_penalty,omitempty"`
	N                      *int            `json:"n,omitempty"`
	Seed                   *uint64         `json:"seed,omitempty"`
	Echo                   bool            `json:"echo,omitempty"`
	Logprobs               *int            `json:"logprobs,omitempty"`
	PromptLogprobs         *int            `json:"prompt_logprobs,omitempty"`
	AddSpecialTokens       *bool           `json:"add_special_tokens,omitempty"`
	ReturnTokensAsTokenIDs bool            `json:"return_tokens_as_token_ids,omitempty"`
	ReturnTokenIDs         bool            `json:"return_token_ids,omitempty"`
	IgnoreEOS              *bool           `json:"ignore_eos,omitempty"`
	Stop                   json.RawMessage `json:"stop,omitempty"`
	Stream                 bool            `json:"stream,omitempty"`
	SkipSpecialTokens      *bool           `json:"skip_special_tokens,omitempty"`
	IncludeStopStrInOutput bool            `json:"include_stop_str_in_output,omitempty"`
	SpacesBetweenSpecial   *bool           `json:"spaces_between_special_tokens,omitempty"`
	User                   string          `json:"user,omitempty"`
}

// CompletionResponse is vLLM's answer to /v1/completions.
type CompletionResponse struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []CompletionChoice `json:"choices"`
	Usage   Usage              `json:"usage"`
}

// CompletionChoice is one choice: choices are prompt-major (index =
// prompt*n + sample). StopReason is null, the stop token id (an integer)
// or the stop string.
type CompletionChoice struct {
	Index          int                         `json:"index"`
	Text           string                      `json:"text"`
	Logprobs       *CompletionLogprobs         `json:"logprobs"`
	FinishReason   string                      `json:"finish_reason"`
	StopReason     any                         `json:"stop_reason"`
	TokenIDs       []int                       `json:"token_ids,omitempty"`
	PromptTokenIDs []int                       `json:"prompt_token_ids,omitempty"`
	PromptLogprobs []map[string]*PromptLogprob `json:"prompt_logprobs,omitempty"`
}

// CompletionLogprobs is vLLM's CompletionLogProbs: the first prompt
// position of an echo has a null logprob. With
// return_tokens_as_token_ids every token is "token_id:N".
type CompletionLogprobs struct {
	TextOffset    []int                `json:"text_offset"`
	TokenLogprobs []*float64           `json:"token_logprobs"`
	Tokens        []string             `json:"tokens"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
}

// PromptLogprob is one entry of prompt_logprobs (vllm/logprobs.py Logprob),
// keyed by token id.
type PromptLogprob struct {
	Logprob      float64 `json:"logprob"`
	Rank         *int    `json:"rank"`
	DecodedToken string  `json:"decoded_token"`
}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// ChatMessage is one message of a chat to tokenize.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// TokenizeRequest merges vLLM's TokenizeCompletionRequest (Prompt) and
// TokenizeChatRequest (Messages). add_special_tokens defaults to true for
// a prompt and false for messages; add_generation_prompt to true.
type TokenizeRequest struct {
	Model                string        `json:"model"`
	Prompt               *string       `json:"prompt,omitempty"`
	Messages             []ChatMessage `json:"messages,omitempty"`
	AddSpecialTokens     *bool         `json:"add_special_tokens,omitempty"`
	AddGenerationPrompt  *bool         `json:"add_generation_prompt,omitempty"`
	ContinueFinalMessage bool          `json:"continue_final_message,omitempty"`
	ReturnTokenStrs      bool          `json:"return_token_strs,omitempty"`
}

// TokenizeResponse is the answer of /tokenize.
type TokenizeResponse struct {
	Count       int      `json:"count"`
	MaxModelLen int      `json:"max_model_len"`
	Tokens      []int    `json:"tokens"`
	TokenStrs   []string `json:"token_strs,omitempty"`
}

// DetokenizeRequest asks /detokenize to decode ids. SGLang skips special
// tokens unless SkipSpecialTokens is false; vLLM has no such field.
type DetokenizeRequest struct {
	Model             string `json:"model"`
	Tokens            []int  `json:"tokens"`
	SkipSpecialTokens *bool  `json:"skip_special_tokens,omitempty"`
}

// DetokenizeResponse holds the text: vLLM names it prompt, SGLang text.
type DetokenizeResponse struct {
	Prompt *string `json:"prompt,omitempty"`
	Text   *string `json:"text,omitempty"`
}

// ErrorResponse is the body of a failed request, OpenAI style.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody describes the failure.
type ErrorBody struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    int    `json:"code"`
}

// Ptr returns a pointer to v, for optional fields.
func Ptr[T any](v T) *T { return &v }
