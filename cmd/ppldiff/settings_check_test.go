package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// Every float setting rejects NaN and the infinities, and every numeric
// setting its out-of-range values, from any layer, before any work: exit 2
// naming where the value came from.
func TestInvalidSettingsFailUpFront(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		env  map[string]string
		args []string
		want string
	}{
		{name: "flag temperature NaN", args: []string{"--temperature", "NaN"}, want: "--temperature NaN"},
		{name: "flag top-p Inf", args: []string{"--top-p", "Inf"}, want: "--top-p +Inf"},
		{name: "flag compression ratio -Inf", args: []string{"--max-compression-ratio", "-Inf"}, want: "--max-compression-ratio -Inf"},
		{name: "flag compression ratio negative", args: []string{"--max-compression-ratio", "-1"}, want: "--max-compression-ratio -1"},
		{name: "env temperature", env: map[string]string{"PPLDIFF_TEMPERATURE": "nan"}, want: "PPLDIFF_TEMPERATURE: temperature NaN"},
		{name: "env top_p", env: map[string]string{"PPLDIFF_TOP_P": "inf"}, want: "PPLDIFF_TOP_P: top_p +Inf"},
		{name: "env rate limit", env: map[string]string{"PPLDIFF_SERVING_RATE_LIMIT": "NaN"}, want: "PPLDIFF_SERVING_RATE_LIMIT: serving.rate_limit NaN"},
		{name: "yaml temperature", yaml: "n: 5\ntemperature: .nan\n", want: "ppldiff.yaml:2: temperature NaN"},
		{name: "yaml top_p", yaml: "top_p: .inf\n", want: "ppldiff.yaml:1: top_p +Inf"},
		{name: "yaml compression", yaml: "\n\nmax_compression_ratio: -.inf\n", want: "ppldiff.yaml:3: max_compression_ratio -Inf"},
		{name: "yaml rate limit", yaml: "serving:\n  dialect: vllm\n  rate_limit: .nan\n", want: "ppldiff.yaml:3: serving.rate_limit NaN"},
		{name: "zero top_p", args: []string{"--top-p", "0"}, want: "--top-p 0"},
		{name: "zero temperature sampling", args: []string{"--temperature", "0"}, want: "--temperature 0"},
		{name: "negative concurrency", args: []string{"--concurrency", "-2"}, want: "--concurrency -2"},
		{name: "zero n", args: []string{"-n", "0"}, want: "--n 0"},
		{name: "negative samples_top_k", yaml: "samples_top_k: -1\n", want: "ppldiff.yaml:1: samples_top_k -1"},
		{name: "negative token detail", yaml: "samples_token_detail: -3\n", want: "ppldiff.yaml:1: samples_token_detail -3"},
		{name: "zero serving concurrency", yaml: "serving:\n  concurrency: 0\n", want: "ppldiff.yaml:2: serving.concurrency 0"},
		{name: "negative retries", yaml: "serving:\n  retries: -1\n", want: "ppldiff.yaml:2: serving.retries -1"},
		{name: "zero batch", env: map[string]string{"PPLDIFF_SERVING_BATCH_SIZE": "0"}, want: "PPLDIFF_SERVING_BATCH_SIZE: serving.batch_size 0"},
		{name: "negative timeout", yaml: "serving:\n  timeout: -5s\n", want: `ppldiff.yaml:2: serving.timeout "-5s"`},
		{name: "zero timeout", yaml: "serving:\n  timeout: 0s\n", want: `ppldiff.yaml:2: serving.timeout "0s"`},
		{name: "unparsable timeout", env: map[string]string{"PPLDIFF_SERVING_TIMEOUT": "soon"}, want: `PPLDIFF_SERVING_TIMEOUT: serving.timeout "soon"`},
		{name: "huge max_new_tokens", args: []string{"--max-new-tokens", "1000000000"}, want: "--max-new-tokens 1000000000"},
		{name: "negative min completion", args: []string{"--min-completion-tokens", "-1"}, want: "--min-completion-tokens -1"},
		{name: "zero prefill tokens", args: []string{"--prefill-tokens", "0"}, want: "--prefill-tokens 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			if tc.yaml != "" {
				c.write(ConfigFile, tc.yaml)
			}
			for k, v := range tc.env {
				c.env[k] = v
			}
			// Not a dry run: the value must stop the run before it builds a
			// model or opens the store.
			args := append([]string{"run", "--manifest", smallManifest}, tc.args...)
			code := c.run(context.Background(), args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, exitUsage, c.stderr.String())
			}
			if !strings.Contains(c.stderr.String(), tc.want) {
				t.Errorf("message lacks %q:\n%s", tc.want, c.stderr.String())
			}
			if _, err := os.Stat(c.path(".ppldiff")); err == nil {
				t.Errorf("the run created .ppldiff before rejecting the setting")
			}
		})
	}
}

// The greedy decoder ignores the temperature: 0 is fine there.
func TestGreedyAcceptsZeroTemperature(t *testing.T) {
	c := newCLI(t)
	c.mustRun("run", "--manifest", smallManifest, "--decoding", "greedy", "--temperature", "0", "--dry-run")
}
