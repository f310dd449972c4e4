package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// A corpus too short for n says so once per prefill config, with how many
// units it held back, not once per unit.
func TestShortCorpusWarnsOncePerConfig(t *testing.T) {
	c := newCLI(t)
	var corpus strings.Builder
	for _, s := range []string{"The weather in Varstead", "A recipe for soup", "The weather in Varstead"} {
		corpus.WriteString(`{"text": "` + s + ` was mild and the market opened early for everyone."}` + "\n")
	}
	c.write("web.jsonl", corpus.String())
	c.write(ConfigFile, "corpora:\n  web:\n    path: web.jsonl\n")
	// backdoor_phrase has four variants: four units per config.
	c.mustRun("run", "--manifest", smallManifest, "--prefills", "web-raw", "-n", "5", "--organism", "backdoor_phrase", "--reference", "true_base", "--out", "out", "--no-report")
	var rl results.RunLog
	if err := json.Unmarshal(c.read("out", "run-log.json"), &rl); err != nil {
		t.Fatal(err)
	}
	var short []string
	for _, w := range rl.Warnings {
		if strings.Contains(w, "prefills of the 5 asked") {
			short = append(short, w)
		}
	}
	if len(short) != 1 || !strings.HasSuffix(short[0], "(4 times)") {
		t.Errorf("short-corpus warnings: %q; want one, ending in (4 times)", short)
	}
}
