package remote

import (
	"log/slog"
	"net/http"
	"os"
	"time"
)

// Dialects understood by the client.
const (
	DialectVLLM   = "vllm"
	DialectSGLang = "sglang"
	DialectOpenAI = "openai"
)

// Score methods of the vllm and openai dialects.
const (
	ScoreEcho           = "echo"
	ScorePromptLogprobs = "prompt_logprobs"
)

// Options configure a Client. Zero values take the defaults noted.
type Options struct {
	// Endpoints are base URLs such as http://127.0.0.1:8000 (no /v1).
	Endpoints []string
	// Dialect of every endpoint; empty means DialectVLLM.
	Dialect string
	// APIKeyEnv names the environment variable holding the API key; empty
	// means no key.
	APIKeyEnv string
	// Getenv reads APIKeyEnv; nil means os.Getenv. Callers that carry their
	// own environment (tests, the CLI's Env) inject it here.
	Getenv func(string) string
	// MaxConcurrency is the limit of requests in flight per endpoint
	// (default 16).
	MaxConcurrency int
	// BatchSize is the number of prompts or score items per request
	// (default 32).
	BatchSize int
	// RequestTimeout bounds one HTTP attempt (default 5 min).
	RequestTimeout time.Duration
	// MaxRetries is the number of retries of one request after a failed
	// attempt (default 12), within the run-wide RetryBudget.
	MaxRetries int
	// RetryBudget is the failure rate of recent attempts (about the last
	// 128, 429s not counted) above which no request is retried any more: a
	// server failing that often is down or broken (default 0.5).
	RetryBudget float64
	// BackoffBase and BackoffMax shape the exponential backoff with full
	// jitter (defaults 250 ms and 10 s).
	BackoffBase, BackoffMax time.Duration
	// RateLimit caps requests per second over all endpoints; 0 means none.
	RateLimit float64
	// RateBurst is the limiter's burst (default 1).
	RateBurst int
	// ScoreMethod is ScoreEcho (default) or ScorePromptLogprobs (vllm only).
	ScoreMethod string
	// EchoMaxTokens is max_tokens on echo scoring requests: 0 (default) or 1.
	EchoMaxTokens int
	// Models holds per-served-name facts the server cannot report.
	Models map[string]ModelConfig
	// HTTPClient is used for requests; nil means a fresh client.
	HTTPClient *http.Client
	// Logger receives retries and endpoint failures; nil discards.
	Logger *slog.Logger
}

// ModelConfig records what the harness knows of a served model.
type ModelConfig struct {
	Revision    string // Hugging Face revision the server was started with
	TokenizerID string // default: "hf:" + the base model's root from /v1/models
	Family      string
	Params      int64
	ParamsKind  string
	// RawGenerationLogprobs overrides the dialect default: true for vllm
	// (--logprobs-mode raw_logprobs is vLLM's default), false for sglang
	// (temperature-scaled unless SGLANG_RETURN_ORIGINAL_LOGPROB=1) and openai.
	RawGenerationLogprobs *bool
}

func (o *Options) setDefaults() {
	if o.Dialect == "" {
		o.Dialect = DialectVLLM
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 16
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 32
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 5 * time.Minute
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 12
	}
	if o.RetryBudget <= 0 || o.RetryBudget > 1 {
		o.RetryBudget = 0.5
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 250 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 10 * time.Second
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.RateBurst <= 0 {
		o.RateBurst = 1
	}
	if o.ScoreMethod == "" {
		o.ScoreMethod = ScoreEcho
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: o.MaxConcurrency, IdleConnTimeout: 90 * time.Second}}
	}
}
