package serve

import (
	"log/slog"
	"time"
)

// Dialect names a server API layout.
type Dialect string

// Dialects.
const (
	VLLM   Dialect = "vllm"
	SGLang Dialect = "sglang"
	OpenAI Dialect = "openai"
)

// Options configure a Handler.
type Options struct {
	// Dialect is the API layout; empty means VLLM.
	Dialect Dialect
	// Parents marks served names as adapters of a parent model, as vLLM's
	// --lora-modules do; /v1/models reports them with "parent". In the
	// sglang dialect every model but the base is selected with lora_path and
	// is listed with the base as parent.
	Parents map[string]string
	// MaxModelLen is reported by /v1/models and /tokenize; 0 means 4096.
	MaxModelLen int
	// MaxLogprobs caps logprobs and prompt_logprobs like vLLM's
	// --max-logprobs; 0 means 20.
	MaxLogprobs int
	// Seed seeds the sampling seed of requests that give none and the
	// fault-injection RNG.
	Seed uint64
	// Faults injects errors; zero value injects none.
	Faults Faults
	// Judge, when set, serves /v1/chat/completions as a scripted LLM
	// judge (judge.go), with the same fault injection.
	Judge *JudgeRules
	// Logger receives one line per failed request; nil discards.
	Logger *slog.Logger
}

// Faults describes injected failures. Each request to a POST endpoint
// draws once from a seeded RNG: with probability Rate it fails, the kind
// chosen uniformly among those enabled.
type Faults struct {
	Rate float64
	// Kinds enabled; all false with Rate > 0 enables all four.
	Status500, Status429, Hang, Truncate bool
	// HangFor bounds a hang (the client is expected to time out first);
	// 0 means 10 s.
	HangFor time.Duration
	// Latency is added to every request.
	Latency time.Duration
}
