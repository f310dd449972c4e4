package lm

import "context"

// Message is one chat turn, as a chat template sees it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ModelInfo describes a model as the pipeline and the results need it.
type ModelInfo struct {
	// ServedName is what a server calls the model (README "Served names":
	// organism@variant for zoo models, the Hugging Face id for full models, the LoRA name for adapters).
	ServedName string
	// TokenizerID names the tokenizer: two models with equal TokenizerID split
	// every text into the same token ids, so a reference may score generated ids as they are.
	TokenizerID string
	Family      string
	Params      int64
	ParamsKind  string // "weights" or "ngram_entries"
	Revision    string
	// RawGenerationLogprobs is true when Generate reports logprobs under the
	// untempered, unfiltered distribution; then they equal Score's and the
	// finetuned model needs no separate scoring pass.
	RawGenerationLogprobs bool
}

// TokenizeRequest asks for the token ids of a text or of a chat.
type TokenizeRequest struct {
	// Text is tokenized as it is when Messages is empty.
	Text []byte
	// Messages, when set, are rendered with the model's own chat template; the
	// last message (the assistant's) is left open so generation continues it.
	// A template opens with the model's BOS itself, as Llama-3's, Gemma-2's
	// and Mistral's do.
	Messages []Message
	// AddSpecial adds the model's document-start tokens (BOS), if it has any.
	// With Messages it adds them on top of the template's own, as vLLM's
	// add_special_tokens does: chat callers leave it false.
	AddSpecial bool
}

// GenerateRequest asks for N continuations of each prompt.
type GenerateRequest struct {
	Prompts      [][]int
	N            int     // completions per prompt; 0 means 1
	MaxNewTokens int     // hard cap; generation also stops at end-of-text
	Temperature  float64 // 0 means greedy
	TopP         float64 // 0 or 1 means no nucleus filtering
	// Seed makes sampling reproducible: sample j of a prompt depends only on
	// (Seed, the prompt's ids, j), never on batch composition or order.
	Seed uint64
}

// Generation is one continuation. Tokens never include end-of-text.
type Generation struct {
	Tokens []int
	// Logprobs[i] is the natural-log probability of Tokens[i]; under the raw
	// distribution when ModelInfo.RawGenerationLogprobs is true.
	Logprobs     []float64
	FinishReason string // "stop" (end-of-text reached) or "length"
}

// ScoreItem is a teacher-forced continuation of a context.
type ScoreItem struct {
	Context      []int
	Continuation []int
}

// Span is a token's [Start, End) byte range in a detokenized text.
type Span struct{ Start, End int }

// Model is the API shared by in-process zoo models and HTTP backends.
// Implementations are safe for concurrent use.
type Model interface {
	Info() ModelInfo
	Tokenize(ctx context.Context, req TokenizeRequest) ([]int, error)
	// Detokenize returns the bytes of ids and each token's span in them.
	Detokenize(ctx context.Context, ids []int) ([]byte, []Span, error)
	// Generate returns len(req.Prompts)*N generations, prompt-major.
	Generate(ctx context.Context, req GenerateRequest) ([]Generation, error)
	// Score returns, per item, the natural-log probability of each
	// continuation token given the context and the continuation before it.
	Score(ctx context.Context, items []ScoreItem) ([][]float64, error)
}

// TextDecoder is implemented by models that decode a text more cheaply
// without token spans (a server answers the text in one request but needs
// one per prefix for spans). The pipeline asks for spans only where it
// writes per-token arrays.
type TextDecoder interface {
	DecodeText(ctx context.Context, ids []int) ([]byte, error)
}
