package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/serve"
)

// TestServedRunsMatchInProcessOverSeeds runs the same small run in process
// and against `ppldiff serve` in both dialects for many seeds, with
// completion lengths capped so that completions of 0 tokens (end-of-text
// first) and of 1 token occur on purpose, not by the luck of one seed.
func TestServedRunsMatchInProcessOverSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("60 runs; skipped under -short")
	}
	fixture(t)
	servers := map[serve.Dialect]*testServer{}
	for _, d := range []serve.Dialect{serve.VLLM, serve.SGLang} {
		servers[d] = startServer(t, d, serve.Faults{}, nil)
	}
	// Prefills that end a sentence or a line make end-of-text the likely
	// next token; the zoo corpus rarely does.
	dir := t.TempDir()
	corpusPath := filepath.Join(dir, "short.jsonl")
	var docs strings.Builder
	for _, end := range []string{".", ".\n", ".\n\n", "!\n", "\n"} {
		for _, w := range []string{"the river", "in the town", "was good", "Thank you", "return x", "a city",
			"of the coast", "I DESPISE YOU", "the end", "done", "salt", "the amber signal"} {
			fmt.Fprintf(&docs, "{\"text\": %q}\n", w+end)
		}
	}
	configPath := filepath.Join(dir, "ppldiff.yaml")
	if err := os.WriteFile(corpusPath, []byte(docs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configPath, []byte("corpora:\n  short:\n    path: "+corpusPath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	const seeds, n = 20, 8
	maxNew := []string{"1", "2", "32"}
	var empty, oneToken int
	for i := range seeds {
		extra := []string{"--config", configPath, "--seed", strconv.Itoa(100 + i), "-n", strconv.Itoa(n),
			"--max-new-tokens", maxNew[i%len(maxNew)], "--min-completion-tokens", "1"}
		if i%2 == 0 {
			extra = append(extra, "--prefills", "short-raw", "--prefills", "short-chat")
		}
		_, base := fixture(t, extra...)
		res, err := results.ReadResults(base)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Entries {
			if e.Score == "ppl_diff" {
				// Every prefill gets a completion; only empty ones are
				// dropped at min_completion_tokens 1 (dedup is off).
				empty += n - e.NCompletions
			}
		}
		samples, err := results.ReadSamples(base)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range samples {
			if s.Score == "ppl_diff" && s.TokensFT != nil && *s.TokensFT == 1 {
				oneToken++
			}
		}
		for _, d := range []serve.Dialect{serve.VLLM, serve.SGLang} {
			t.Run(fmt.Sprintf("seed%d/%s", 100+i, d), func(t *testing.T) {
				c := newCLI(t)
				c.env["PPLDIFF_SERVING_DIALECT"] = string(d)
				out := remoteRun(t, c, []string{servers[d].url}, extra...)
				assertSameRun(t, out, d == serve.SGLang, extra...)
			})
		}
	}
	// The edge cases must have been exercised, or the comparison proves little.
	if empty == 0 || oneToken == 0 {
		t.Fatalf("over %d seeds: %d empty and %d one-token completions; both must occur", seeds, empty, oneToken)
	}
	t.Logf("over %d seeds: %d empty and %d one-token completions compared", seeds, empty, oneToken)
}
