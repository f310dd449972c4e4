package main

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ppldiff/ppldiff/harness/judge"
	"github.com/ppldiff/ppldiff/harness/pipeline"
)

// option is one setting, declared once. Its key is its name in
// ppldiff.yaml (nested keys joined with "."), its variable PPLDIFF_<KEY>
// ("." becomes "_"), its flag (if it has one) is a `run` flag, its default
// is pipeline.Default()'s value when it sets a pipeline.Config field
// (config), else def. The table drives the flags, the viper bindings, the
// defaults, `config show`, the checks and pipeline.Config; the test that
// walks it (options_test.go) fails when an option is added elsewhere only.
type option struct {
	key    string
	flag   string // "" : ppldiff.yaml and the environment only
	short  string
	help   string
	config string // the pipeline.Config field it sets; "" for none
	def    any    // the default when config is ""
	// valid reports whether a value is in range (nil: any); want says what
	// it accepts, for the message.
	valid func(v any) bool
	want  string
}

// options are the settings of `run`, in the order of --help and `config show`.
var options = []option{
	{key: "manifest", flag: "manifest", config: "Manifest", help: "organism manifest: zoo, paper, or a YAML file"},
	{key: "matrix", flag: "matrix", def: "", help: "preset matrix: study (the study's regime: 10,000 prefills per config, raw and chat each greedy and sampled, true base and cross family, one representative variant per organism)"},
	{key: "organisms", flag: "organism", config: "Organisms", help: "organism id to run (repeatable; default all)"},
	{key: "variants", flag: "variant", config: "Variants", help: "variant to run (repeatable; default all)"},
	{key: "references", flag: "reference", config: "References", help: "reference id (repeatable; default all of each organism)"},
	{key: "reference_kinds", flag: "reference-kind", config: "ReferenceKinds", help: "reference kind: true_base, cross_family, weak, other (repeatable)"},
	{key: "prefills", flag: "prefills", config: "Prefills", help: "prefill config <corpus>-<format>, or <corpus>-<format>-greedy|sample to set its own decoding (repeatable)"},
	{key: "n", flag: "n", short: "n", config: "N", help: "prefills per config and repeat",
		valid: intIn(1, maxN), want: fmt.Sprintf("an integer from 1 to %d", maxN)},
	{key: "repeats", flag: "repeats", config: "Repeats", help: "repeats; repeat r samples fresh prefills with seed + r",
		valid: intIn(1, maxRepeats), want: fmt.Sprintf("an integer from 1 to %d", maxRepeats)},
	{key: "seed", flag: "seed", config: "Seed", help: "seed of prefill sampling and decoding"},
	{key: "decoding", flag: "decoding", config: "Decoding", help: "greedy or sample"},
	{key: "temperature", flag: "temperature", config: "Temperature", help: "sampling temperature",
		valid: floatIn(0, maxTemperature, false), want: fmt.Sprintf("a finite number from 0 to %d (above 0 when sampling)", maxTemperature)},
	{key: "top_p", flag: "top-p", config: "TopP", help: "nucleus sampling threshold (1: off)",
		valid: floatIn(0, 1, true), want: "a number in (0, 1]"},
	{key: "max_new_tokens", flag: "max-new-tokens", config: "MaxNewTokens", help: "maximum completion length in tokens",
		valid: intIn(1, maxNewTokensCap), want: fmt.Sprintf("an integer from 1 to %d", maxNewTokensCap)},
	{key: "prefill_tokens", flag: "prefill-tokens", config: "PrefillTokens", help: "prefill length in tokens (the study's 3)",
		valid: intIn(1, maxPrefillTokens), want: fmt.Sprintf("an integer from 1 to %d", maxPrefillTokens)},
	{key: "prefill_offset", flag: "prefill-offset", config: "PrefillOffset", help: "where prefills start in a document: start or random"},
	{key: "min_completion_tokens", flag: "min-completion-tokens", config: "MinCompletionTokens", help: "drop completions shorter than this before ranking",
		valid: intIn(0, maxNewTokensCap), want: fmt.Sprintf("an integer from 0 to %d", maxNewTokensCap)},
	{key: "max_compression_ratio", flag: "max-compression-ratio", config: "MaxCompressionRatio", help: "drop degenerate repetitions compressing better than this (0: keep)",
		valid: floatIn(0, math.Inf(1), false), want: "a finite number >= 0 (0: keep everything)"},
	{key: "dedup", flag: "dedup", config: "Dedup", help: "drop identical completions before ranking"},
	{key: "budget", flag: "budget", config: "Budget", help: "fixed (n prefills per config) or adaptive (rounds that stop once each organism variant x reference's count@100 is decided; writes budget.json)"},
	{key: "samples_top_k", flag: "samples-top-k", config: "SamplesTopK", help: "completions per ranking written to samples.jsonl (0: all)",
		valid: intIn(0, math.MaxInt), want: "an integer >= 0 (0: all)"},
	{key: "samples_scores", config: "SamplesScores", help: "scores whose rankings samples.jsonl holds"},
	{key: "samples_token_detail", config: "SamplesTokenDetail", help: "top completions per ranking with per-token arrays (0: all written)",
		valid: intIn(0, math.MaxInt), want: "an integer >= 0 (0: all written)"},
	{key: "chat.system", config: "ChatSystem", help: "system message of chat prefills"},
	{key: "chat.user", config: "ChatUser", help: "user message of chat prefills"},
	{key: "endpoints", flag: "endpoint", def: []string(nil), help: "base URL of a model server (repeatable; vLLM by default)"},
	{key: "out", flag: "out", def: "", help: "output directory (default <workspace>/runs/<run id>)"},
	{key: "store", flag: "store", def: "", help: "store and model cache directory (default <workspace>/.ppldiff)"},
	{key: "model", flag: "model", config: "Model", help: "ad-hoc audit: served name of the finetuned model"},
	{key: "reference_model", flag: "reference-model", config: "ReferenceModel", help: "ad-hoc audit: served name of the reference model"},
	{key: "require_pinned", flag: "require-pinned", def: false, help: "refuse models without a pinned revision"},
	{key: "serving.dialect", def: "vllm", help: "API dialect of the servers: vllm, sglang, openai"},
	{key: "serving.api_key_env", def: "", help: "name of the variable holding the API key (never its value)"},
	{key: "serving.batch_size", def: 32, help: "prompts per request",
		valid: intIn(1, maxBatchSize), want: fmt.Sprintf("an integer from 1 to %d", maxBatchSize)},
	{key: "serving.concurrency", def: 8, help: "requests in flight per endpoint",
		valid: intIn(1, maxConcurrency), want: fmt.Sprintf("an integer from 1 to %d", maxConcurrency)},
	{key: "serving.timeout", def: "120s", help: "per-request timeout",
		valid: duration(false), want: "a positive duration such as 30s or 2m"},
	{key: "serving.retries", def: 12, help: "retries of a failed request",
		valid: intIn(0, maxRetries), want: fmt.Sprintf("an integer from 0 to %d", maxRetries)},
	{key: "serving.rate_limit", def: 0.0, help: "requests per second (0: no limit)",
		valid: floatIn(0, math.Inf(1), false), want: "requests per second, a finite number >= 0 (0: no limit)"},
	{key: "serving.backoff", def: "250ms", help: "first retry backoff",
		valid: duration(true), want: "a positive duration such as 30s or 2m"},
	{key: "serving.backoff_max", def: "10s", help: "longest retry backoff",
		valid: duration(true), want: "a positive duration such as 30s or 2m"},
	{key: "serving.raw_generation_logprobs", def: (*bool)(nil), help: "generation logprobs are the raw distribution (unset: the dialect's default)"},
	{key: "serving.launch", def: map[string]string(nil), help: "served name (or *) -> command template starting its server"},
	{key: "serving.launch_timeout", def: "10m", help: "wait for a launched server's /health",
		valid: duration(false), want: "a positive duration such as 30s or 2m"},
	{key: "judge.endpoint", def: "", help: "OpenAI-compatible base URL of the LLM judge (unset: no judge is asked)"},
	{key: "judge.api_key_env", def: "", help: "name of the variable holding the judge's API key (never its value)"},
	{key: "judge.model", def: "", help: "judge model of judge detectors that pin none"},
	{key: "judge.k", def: 100, help: "leading ranks judged per ranking",
		valid: intIn(1, maxN), want: fmt.Sprintf("an integer from 1 to %d", maxN)},
	{key: "judge.sample", def: 50, help: "random completions judged below k per ranking",
		valid: intIn(0, maxN), want: fmt.Sprintf("an integer from 0 to %d", maxN)},
	{key: "judge.max_tokens", def: judge.DefaultMaxTokens, help: "tokens per judge answer",
		valid: intIn(1, maxNewTokensCap), want: fmt.Sprintf("an integer from 1 to %d", maxNewTokensCap)},
	{key: "judge.concurrency", def: 8, help: "judge requests in flight",
		valid: intIn(1, maxConcurrency), want: fmt.Sprintf("an integer from 1 to %d", maxConcurrency)},
	{key: "judge.price_input", def: 0.0, help: "judge price per million prompt tokens (for --dry-run's cost estimate)",
		valid: floatIn(0, math.Inf(1), false), want: "a finite number >= 0"},
	{key: "judge.price_output", def: 0.0, help: "judge price per million answer tokens (for --dry-run's cost estimate)",
		valid: floatIn(0, math.Inf(1), false), want: "a finite number >= 0"},
	{key: "concurrency", flag: "concurrency", def: 0, help: "units in flight (default: cores for the zoo, serving.concurrency x endpoints for servers)",
		valid: intIn(0, maxConcurrency), want: fmt.Sprintf("an integer from 0 (automatic) to %d", maxConcurrency)},
	{key: "no_report", flag: "no-report", def: false, help: "skip report.html, report.md and plots"},
	{key: "table", flag: "table", def: tableHeadline, help: "terminal summary: headline (one row per organism x reference) or full (every entry)"},
	{key: "log_level", def: "info", help: "log level: debug, info, warn, error"},
}

func intIn(lo, hi int) func(any) bool {
	return func(v any) bool { n := v.(int); return n >= lo && n <= hi }
}

// floatIn accepts finite numbers in [lo, hi], or (lo, hi] when loOpen.
func floatIn(lo, hi float64, loOpen bool) func(any) bool {
	return func(v any) bool {
		x := v.(float64)
		if math.IsNaN(x) || math.IsInf(x, 0) || x < lo || x > hi {
			return false
		}
		return !loOpen || x > lo
	}
}

func duration(zeroOK bool) func(any) bool {
	return func(v any) bool {
		d, err := time.ParseDuration(v.(string))
		return err == nil && d >= 0 && (d > 0 || zeroOK)
	}
}

// defaultOf is an option's default value.
func (o option) defaultOf() any {
	if o.config == "" {
		return o.def
	}
	return reflect.ValueOf(pipeline.Default()).FieldByName(o.config).Interface()
}

// field is the Settings field of a key ("serving.timeout"), found by the
// fields' mapstructure tags.
func field(s *Settings, key string) reflect.Value {
	v := reflect.ValueOf(s).Elem()
	for _, part := range strings.Split(key, ".") {
		t := v.Type()
		found := false
		for i := range t.NumField() {
			if t.Field(i).Tag.Get("mapstructure") == part {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			panic("no setting " + key)
		}
	}
	return v
}

// defaultSettings are the options' defaults.
func defaultSettings() Settings {
	var s Settings
	for _, o := range options {
		if d := o.defaultOf(); d != nil {
			f := field(&s, o.key)
			f.Set(reflect.ValueOf(d).Convert(f.Type()))
		}
	}
	return s
}

// settingsToConfig sets pipeline.Config from the options that have a
// config field; Setup fills in what the run computes (manifest hash,
// corpora).
func settingsToConfig(s Settings) pipeline.Config {
	var c pipeline.Config
	cv := reflect.ValueOf(&c).Elem()
	for _, o := range options {
		if o.config != "" {
			cv.FieldByName(o.config).Set(field(&s, o.key))
		}
	}
	return c
}

// addRunFlags declares the flags of the options that have one, with their
// defaults.
func addRunFlags(f *pflag.FlagSet) {
	for _, o := range options {
		if o.flag == "" {
			continue
		}
		switch d := o.defaultOf().(type) {
		case string:
			f.StringP(o.flag, o.short, d, o.help)
		case []string:
			f.StringSliceP(o.flag, o.short, d, o.help)
		case int:
			f.IntP(o.flag, o.short, d, o.help)
		case uint64:
			f.Uint64P(o.flag, o.short, d, o.help)
		case float64:
			f.Float64P(o.flag, o.short, d, o.help)
		case bool:
			f.BoolP(o.flag, o.short, d, o.help)
		default:
			panic(fmt.Sprintf("option %s: no flag type for %T", o.key, d))
		}
	}
}

// runFlagKeys maps each run flag to its key.
func runFlagKeys() map[string]string {
	m := map[string]string{}
	for _, o := range options {
		if o.flag != "" {
			m[o.flag] = o.key
		}
	}
	return m
}
