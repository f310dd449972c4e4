package wire

// The chat completions API, as vLLM defines it in
// vllm-project/vllm:vllm/entrypoints/openai/chat_completion/protocol.py@d5dba2d7
// (ChatCompletionRequest, ChatCompletionResponse,
// ChatCompletionResponseChoice, ChatMessage; UsageInfo in
// engine/protocol.py), which follows OpenAI's. ppldiff's LLM judge sends
// these and `ppldiff serve --judge-rules` answers them.

// ChatMessage (vllm.go) is a message of a request.

// ChatCompletionRequest is the part of ChatCompletionRequest the judge
// uses. Temperature is always sent: vLLM takes an absent one as the
// model's default (1.0 unless generation_config.json says otherwise), not
// as 0. MaxCompletionTokens replaces the deprecated max_tokens.
type ChatCompletionRequest struct {
	Model               string        `json:"model"`
	Messages            []ChatMessage `json:"messages"`
	Temperature         *float64      `json:"temperature"`
	MaxCompletionTokens *int          `json:"max_completion_tokens,omitempty"`
	N                   *int          `json:"n,omitempty"`
	Seed                *uint64       `json:"seed,omitempty"`
}

// ChatCompletionResponse is a non-streamed answer: one choice per n.
type ChatCompletionResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"` // "chat.completion"
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []ChatChoice `json:"choices"`
	Usage   *Usage       `json:"usage"`
}

// ChatChoice is one sampled answer. Content is null in vLLM's layout when
// the model produced none (a refusal or a tool call): a nil pointer here.
type ChatChoice struct {
	Index        int             `json:"index"`
	Message      ChatMessageResp `json:"message"`
	FinishReason *string         `json:"finish_reason"`
}

// ChatMessageResp is ChatMessage as an answer carries it: content may be null.
type ChatMessageResp struct {
	Role    string  `json:"role"`
	Content *string `json:"content"`
}
