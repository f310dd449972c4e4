package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Bounds of the numeric settings. The upper bounds only catch typos (an
// extra zero or three): no sensible run comes near them.
const (
	maxN             = 10_000_000
	maxRepeats       = 10_000
	maxNewTokensCap  = 1 << 16
	maxPrefillTokens = 4096
	maxConcurrency   = 4096
	maxBatchSize     = 65536
	maxRetries       = 100
	maxTemperature   = 100
)

// yamlLines maps every key path of a YAML file ("serving.timeout",
// "corpora.web.path") to the line it is written on.
func yamlLines(data []byte) map[string]int {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	lines := map[string]int{}
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := prefix + strings.ToLower(n.Content[i].Value)
			lines[k] = n.Content[i].Line
			walk(k+".", n.Content[i+1])
		}
	}
	walk("", doc.Content[0])
	return lines
}

// origin names where a setting's value came from, in the form a user finds
// it by: "--flag", "PPLDIFF_NAME" or "file:line"; "" for the default.
func (l *loader) origin(key string) string {
	if f, ok := l.flagSet[key]; ok {
		return "--" + f
	}
	if name := envName(key); l.env.Getenv(name) != "" {
		return name
	}
	if line, ok := l.lines[key]; ok {
		return fmt.Sprintf("%s:%d", l.file, line)
	}
	return ""
}

func envName(key string) string {
	return "PPLDIFF_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// settingCheck is one rule on one setting.
type settingCheck struct {
	key  string
	bad  bool
	val  any
	want string
}

// validateSettings rejects every numeric setting that is not finite or out
// of its range, before any work: a NaN temperature would otherwise run the
// whole matrix and fail when the results are written. The message names the
// flag, variable or file:line the value came from.
func (l *loader) validateSettings(s Settings) error {
	notFinite := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	checks := []settingCheck{
		{"n", s.N < 1 || s.N > maxN, s.N, fmt.Sprintf("an integer from 1 to %d", maxN)},
		{"repeats", s.Repeats < 1 || s.Repeats > maxRepeats, s.Repeats, fmt.Sprintf("an integer from 1 to %d", maxRepeats)},
		{"temperature", notFinite(s.Temperature) || s.Temperature < 0 || s.Temperature > maxTemperature, s.Temperature,
			fmt.Sprintf("a finite number from 0 to %d (above 0 when sampling)", maxTemperature)},
		{"top_p", notFinite(s.TopP) || s.TopP <= 0 || s.TopP > 1, s.TopP, "a number in (0, 1]"},
		{"max_new_tokens", s.MaxNewTokens < 1 || s.MaxNewTokens > maxNewTokensCap, s.MaxNewTokens, fmt.Sprintf("an integer from 1 to %d", maxNewTokensCap)},
		{"prefill_tokens", s.PrefillTokens < 1 || s.PrefillTokens > maxPrefillTokens, s.PrefillTokens, fmt.Sprintf("an integer from 1 to %d", maxPrefillTokens)},
		{"min_completion_tokens", s.MinCompletionTokens < 0 || s.MinCompletionTokens > maxNewTokensCap, s.MinCompletionTokens, fmt.Sprintf("an integer from 0 to %d", maxNewTokensCap)},
		{"max_compression_ratio", notFinite(s.MaxCompressionRatio) || s.MaxCompressionRatio < 0, s.MaxCompressionRatio, "a finite number >= 0 (0: keep everything)"},
		{"samples_top_k", s.SamplesTopK < 0, s.SamplesTopK, "an integer >= 0 (0: all)"},
		{"samples_token_detail", s.SamplesTokenDetail < 0, s.SamplesTokenDetail, "an integer >= 0 (0: all written)"},
		{"concurrency", s.Concurrency < 0 || s.Concurrency > maxConcurrency, s.Concurrency, fmt.Sprintf("an integer from 0 (automatic) to %d", maxConcurrency)},
		{"serving.batch_size", s.Serving.BatchSize < 1 || s.Serving.BatchSize > maxBatchSize, s.Serving.BatchSize, fmt.Sprintf("an integer from 1 to %d", maxBatchSize)},
		{"serving.concurrency", s.Serving.Concurrency < 1 || s.Serving.Concurrency > maxConcurrency, s.Serving.Concurrency, fmt.Sprintf("an integer from 1 to %d", maxConcurrency)},
		{"serving.retries", s.Serving.Retries < 0 || s.Serving.Retries > maxRetries, s.Serving.Retries, fmt.Sprintf("an integer from 0 to %d", maxRetries)},
		{"serving.rate_limit", notFinite(s.Serving.RateLimit) || s.Serving.RateLimit < 0, s.Serving.RateLimit, "requests per second, a finite number >= 0 (0: no limit)"},
	}
	checks = append(checks, judgeChecks(s.Judge)...)
	if s.Decoding == "sample" && s.Temperature == 0 {
		checks = append(checks, settingCheck{"temperature", true, s.Temperature, "above 0 when sampling (or --decoding greedy)"})
	}
	for _, d := range []struct {
		key, val string
		zeroOK   bool
	}{{"serving.timeout", s.Serving.Timeout, false}, {"serving.backoff", s.Serving.Backoff, true},
		{"serving.backoff_max", s.Serving.BackoffMax, true}, {"serving.launch_timeout", s.Serving.LaunchTimeout, false}} {
		v, err := time.ParseDuration(d.val)
		bad := err != nil || v < 0 || (v == 0 && !d.zeroOK)
		checks = append(checks, settingCheck{d.key, bad, strconv.Quote(d.val), "a positive duration such as 30s or 2m"})
	}
	for name, c := range s.Corpora {
		if strings.TrimSpace(c.Path) == "" {
			checks = append(checks, settingCheck{"corpora." + name + ".path", true, `""`, "the corpus file's path"})
		}
	}
	var msgs []string
	for _, c := range checks {
		if !c.bad {
			continue
		}
		switch where := l.origin(c.key); {
		case strings.HasPrefix(where, "--"):
			msgs = append(msgs, fmt.Sprintf("%s %v: want %s", where, c.val, c.want))
		case where == "":
			msgs = append(msgs, fmt.Sprintf("%s %v (default): want %s", c.key, c.val, c.want))
		default: // file:line or the variable
			msgs = append(msgs, fmt.Sprintf("%s: %s %v: want %s", where, c.key, c.val, c.want))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	sort.Strings(msgs)
	return usageErr(errors.New(strings.Join(msgs, "; ")))
}
