package main

import "github.com/ppldiff/ppldiff/harness/backend"

// ConfigFile is the name of the workspace configuration file.
const ConfigFile = "ppldiff.yaml"

// Settings is everything configurable, layered as defaults < ppldiff.yaml
// (or --config) < PPLDIFF_* environment < flags. Keys are the yaml names;
// nested keys join with "_" in the environment (PPLDIFF_CHAT_SYSTEM).
type Settings struct {
	Manifest            string   `mapstructure:"manifest" yaml:"manifest"`
	Matrix              string   `mapstructure:"matrix" yaml:"matrix"`
	Organisms           []string `mapstructure:"organisms" yaml:"organisms"`
	Variants            []string `mapstructure:"variants" yaml:"variants"`
	References          []string `mapstructure:"references" yaml:"references"`
	ReferenceKinds      []string `mapstructure:"reference_kinds" yaml:"reference_kinds"`
	Prefills            []string `mapstructure:"prefills" yaml:"prefills"`
	N                   int      `mapstructure:"n" yaml:"n"`
	Repeats             int      `mapstructure:"repeats" yaml:"repeats"`
	Seed                uint64   `mapstructure:"seed" yaml:"seed"`
	Decoding            string   `mapstructure:"decoding" yaml:"decoding"`
	Temperature         float64  `mapstructure:"temperature" yaml:"temperature"`
	TopP                float64  `mapstructure:"top_p" yaml:"top_p"`
	MaxNewTokens        int      `mapstructure:"max_new_tokens" yaml:"max_new_tokens"`
	PrefillTokens       int      `mapstructure:"prefill_tokens" yaml:"prefill_tokens"`
	PrefillOffset       string   `mapstructure:"prefill_offset" yaml:"prefill_offset"`
	MinCompletionTokens int      `mapstructure:"min_completion_tokens" yaml:"min_completion_tokens"`
	MaxCompressionRatio float64  `mapstructure:"max_compression_ratio" yaml:"max_compression_ratio"`
	Dedup               bool     `mapstructure:"dedup" yaml:"dedup"`
	Budget              string   `mapstructure:"budget" yaml:"budget"` // fixed or adaptive
	SamplesTopK         int      `mapstructure:"samples_top_k" yaml:"samples_top_k"`
	SamplesScores       []string `mapstructure:"samples_scores" yaml:"samples_scores"`
	SamplesTokenDetail  int      `mapstructure:"samples_token_detail" yaml:"samples_token_detail"`
	Chat                struct {
		System string `mapstructure:"system" yaml:"system"`
		User   string `mapstructure:"user" yaml:"user"`
	} `mapstructure:"chat" yaml:"chat"`
	Corpora map[string]CorpusSetting `mapstructure:"corpora" yaml:"corpora"`

	// Where things go.
	Out   string `mapstructure:"out" yaml:"out"`
	Store string `mapstructure:"store" yaml:"store"`

	// Real models.
	Model          string                `mapstructure:"model" yaml:"model"`
	ReferenceModel string                `mapstructure:"reference_model" yaml:"reference_model"`
	Endpoints      []string              `mapstructure:"endpoints" yaml:"endpoints"`
	RequirePinned  bool                  `mapstructure:"require_pinned" yaml:"require_pinned"`
	Serving        ServingSettings       `mapstructure:"serving" yaml:"serving"`
	Judge          backend.JudgeSettings `mapstructure:"judge" yaml:"judge"`

	// How the run behaves (not part of the results).
	Concurrency int    `mapstructure:"concurrency" yaml:"concurrency"`
	NoReport    bool   `mapstructure:"no_report" yaml:"no_report"`
	Table       string `mapstructure:"table" yaml:"table"` // terminal summary: headline or full
	LogLevel    string `mapstructure:"log_level" yaml:"log_level"`
}

// CorpusSetting names a user corpus for prefill configs <name>-raw|chat.
type CorpusSetting struct {
	Path      string `mapstructure:"path" yaml:"path"`
	TextField string `mapstructure:"text_field" yaml:"text_field"` // JSON field or parquet column; default "text"
	SkipBad   bool   `mapstructure:"skip_bad" yaml:"skip_bad"`     // skip malformed lines/rows (counted) instead of failing
	// LinePerDoc makes each line of a .txt corpus a document (default:
	// documents are separated by blank lines).
	LinePerDoc bool `mapstructure:"line_per_doc" yaml:"line_per_doc"`
}

// ServingSettings configure HTTP backends.
type ServingSettings struct {
	Dialect     string  `mapstructure:"dialect" yaml:"dialect"`         // vllm, sglang, openai
	APIKeyEnv   string  `mapstructure:"api_key_env" yaml:"api_key_env"` // the variable's name, never its value
	BatchSize   int     `mapstructure:"batch_size" yaml:"batch_size"`
	Concurrency int     `mapstructure:"concurrency" yaml:"concurrency"` // per endpoint
	Timeout     string  `mapstructure:"timeout" yaml:"timeout"`
	Retries     int     `mapstructure:"retries" yaml:"retries"`
	RateLimit   float64 `mapstructure:"rate_limit" yaml:"rate_limit"` // requests per second; 0: none
	// Backoff and BackoffMax shape the retry backoff (exponential from
	// Backoff, capped at BackoffMax, full jitter).
	Backoff    string `mapstructure:"backoff" yaml:"backoff"`
	BackoffMax string `mapstructure:"backoff_max" yaml:"backoff_max"`
	// RawGenerationLogprobs says whether the server's generation logprobs
	// are the model's raw distribution, so the finetuned scoring pass can be
	// skipped; unset (null) takes the dialect's default: true for vllm,
	// false for sglang. false forces the finetuned scoring pass.
	RawGenerationLogprobs *bool `mapstructure:"raw_generation_logprobs" yaml:"raw_generation_logprobs"`
	// Launch maps a served name (or "*" for one server serving every model)
	// to a command template that starts its server (harness/backend/launch.go).
	Launch map[string]string `mapstructure:"launch" yaml:"launch"`
	// LaunchTimeout bounds the wait for a launched server's /health.
	LaunchTimeout string `mapstructure:"launch_timeout" yaml:"launch_timeout"`
}
