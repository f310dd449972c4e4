// Package serve exposes any set of lm.Model over HTTP by served name, in the
// request and response layouts of vLLM's OpenAI-compatible server (dialect
// "vllm"), SGLang's native /generate (dialect "sglang") or a hosted
// OpenAI-style completions API without prompt scoring (dialect "openai").
//
// It exists so that ppldiff's HTTP client can be tested end to end against
// exactly the models it would run in process, and so that zoo models can be
// audited by any tool that speaks these APIs.
//
// Layouts follow ../shared/notes/serving-apis.md: choices are prompt-major
// (index = prompt*n + sample); the first prompt position's logprob is null;
// -inf is written as -9999 (vLLM's clamp); with echo and max_tokens 0 only
// the prompt is returned; a generation that ends at end-of-text carries the
// end-of-text token id and logprob as its last token (vLLM's detokenizer
// appends the stop token to token_ids) when the model reports its id through
// an EndOfText() int method.
//
// Known simplifications: top-k alternatives are not computed (lm.Model has
// no full distribution), so top_logprobs hold only the chosen token and
// rank is null; stop strings, penalties other than neutral, top_k other than
// -1/0 and min_p other than 0 are refused with 400 rather than ignored.
//
// Fault injection (Options.Faults) answers a seeded fraction of requests
// with 500, 429, a hang (timeout) or a truncated JSON body, for testing
// clients. Listen refuses non-loopback addresses unless told otherwise.
package serve
