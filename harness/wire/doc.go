// Package wire defines the bodies of the model-server APIs ppldiff speaks,
// as the servers' own source defines them: vLLM's OpenAI-compatible
// /v1/models, /v1/completions, /tokenize and /detokenize
// (vllm/entrypoints/openai/protocol.py: ModelCard, CompletionRequest,
// CompletionResponse, CompletionLogProbs, TokenizeCompletionRequest,
// TokenizeChatRequest, DetokenizeRequest) and SGLang's native /generate
// (python/sglang/srt/managers/io_struct.py: GenerateReqInput; the meta_info
// of tokenizer_manager.py). The client (harness/remote) writes requests and
// reads answers with these types, and `ppldiff serve` (harness/serve) reads
// requests and writes answers with them, so the two cannot drift apart;
// what each server does with a field is the server's business, documented
// where it is implemented.
//
// Optional request fields are pointers with omitempty: a client sends only
// what it sets (vLLM reads an explicit null max_tokens as "up to the context
// length", not as its default 16), and a server tells "absent" from zero.
package wire
