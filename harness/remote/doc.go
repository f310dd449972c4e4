// Package remote is ppldiff's HTTP backend: it implements lm.Model on top of
// model servers speaking vLLM's OpenAI-compatible API (dialect "vllm", the
// default), SGLang's native /generate (dialect "sglang") or a hosted
// OpenAI-style completions API (dialect "openai").
//
// # Requests
//
// Prompts travel as token ids obtained from the server's own /tokenize, with
// add_special_tokens false on every request that sends ids, so BOS is
// exactly what the caller's ids hold (no double BOS). Chats are tokenized
// with messages, continue_final_message true, add_generation_prompt false
// and add_special_tokens as the caller asks (the pipeline: false, since chat
// templates emit BOS themselves; CheckChatBOS verifies a model's chats
// open with exactly one). Every sampling parameter is sent explicitly (temperature, top_p,
// top_k -1, min_p 0, neutral penalties, seed, n, max_tokens) so a server's
// generation_config defaults never apply. Generation asks for the sampled
// token's logprob with token ids (return_tokens_as_token_ids,
// return_token_ids). When a generation stops at end-of-text the servers
// include that token as the last one (vLLM's v1 detokenizer appends the stop
// token to token_ids, with stop_reason null for the tokenizer's end-of-text
// and the id for generation_config's other eos ids; SGLang reports it as
// finish_reason.matched); it is dropped, since lm.Generation never includes
// end-of-text.
//
// Teacher-forced scoring uses, in the vllm dialect, echo with max_tokens 0
// (ScoreEcho, default; Options.EchoMaxTokens 1 for servers that refuse 0 —
// the extra generated position is ignored) or the prompt_logprobs extra
// (ScorePromptLogprobs; entries are picked by token id). In the sglang
// dialect, /generate with return_logprob and logprob_start_len = the context
// length - 1: SGLang's entry AT the start is always null, so the start is
// the last context position, and the context before it still comes from
// the server's prefix cache; entries are aligned from the end and checked
// by token id. A null logprob inside the scored range is an error; values
// <= -9999 (vLLM's clamp) read as -Inf. Items with an empty continuation
// are answered without a request. Items are sent BatchSize per request;
// choices are mapped prompt-major (choice index = prompt*n + sample).
//
// # Capabilities, routing and failures
//
// New reads /v1/models from every endpoint; Client.Model fails, before any
// generation, when no endpoint serves the name (the message lists what is
// served) or when the capability probe (tokenize a string, score it with
// echo or /generate, check one leading null and one logprob per later
// token) fails — as it does for llama.cpp server, Ollama and chat-only APIs.
// Several endpoints serving one name are replicas, dispatched by least
// outstanding requests. Each endpoint has a concurrency limit; requests are
// retried with exponential backoff and full jitter on 429, 5xx, timeouts,
// transport errors and truncated or invalid JSON, never on other 4xx, up to
// MaxRetries times and while the endpoint's run-wide retry budget holds
// (see retryBudget). An endpoint failing at the transport level is avoided
// for a cooldown. A request that fails for good returns an *Error naming
// the endpoint (redacted: see RedactURL), the request kind and whether it
// timed out.
//
// The API key is read from the environment variable named by
// Options.APIKeyEnv and sent as a bearer token; it is never logged, and any
// occurrence of it in a server message is redacted before it reaches an
// error.
//
// # Decoding cost
//
// A generation batch answer from vLLM is some 100 kB (32 prompts x 32
// tokens; 190 kB at 64) with text_offset and top_logprobs beside the fields
// ppldiff reads. Requests and answers go through encoding/json; response
// buffers are pooled. A hand-written decoder and encoder (until commit
// 9514a64) cut the client's CPU by about three times but not the run's
// time: at 200 ms per batch of 32 the client took 0.45% of the server's
// time with them and 1.5% without, the server busy 99.7% either way (README,
// "Benchmarks"). BenchmarkClientOverhead measures the client's CPU against
// a simulated server in a separate process; BenchmarkHTTPFloor the part of
// it that is net/http and the kernel.
//
// # Detokenization spans
//
// /detokenize returns only text, so spans come from incremental decoding:
// with P_k the longest common byte prefix of decode(ids[:k]) and
// decode(ids), token k-1 spans [P_{k-1}, P_k) (made monotone). A token
// ending in a partial UTF-8 sequence decodes to U+FFFD, which is not a prefix
// of the final text, so its bytes go to the token that completes the
// character. This costs one request per token (run concurrently).
//
// # Cross-tokenizer boundary
//
// BoundaryItem splits a tokenized text at a byte offset: tokens whose span
// ends at or before the boundary form the context, the rest the
// continuation. A token straddling the boundary therefore belongs to the
// continuation (lm-evaluation-harness assigns it the same way), and the
// Boundary result reports it so the caller can count such items.
package remote
