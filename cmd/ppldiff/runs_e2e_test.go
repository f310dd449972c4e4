package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// TestRunLogPerInvocation: a second run into the same directory keeps the
// first run's log as run-log.1.json.
func TestRunLogPerInvocation(t *testing.T) {
	c := newCLI(t)
	args := smallRunArgs("out", "--no-report", "--organism", "control_general", "-n", "20")
	c.mustRun(args...)
	first := c.read("out", "run-log.json")
	c.mustRun(args...)
	c.mustRun(args...)
	if got := c.read("out", "run-log.1.json"); string(got) != string(first) {
		t.Errorf("run-log.1.json is not the first invocation's log")
	}
	var lg results.RunLog
	if err := json.Unmarshal(c.read("out", "run-log.json"), &lg); err != nil {
		t.Fatal(err)
	}
	if lg.Work.CompletionsGenerated != 0 || lg.Work.CompletionsCached == 0 {
		t.Errorf("run-log.json is not the latest (cached) invocation's: %+v", lg.Work)
	}
	if _, err := os.Stat(c.path("out", "run-log.2.json")); err != nil {
		t.Errorf("the second invocation's log is gone: %v", err)
	}
	if _, err := os.Stat(c.path("out", "run-log.3.json")); err == nil {
		t.Error("three invocations left four logs")
	}
}

// TestRunsListAndPrune lists the stored runs, prunes all but the newest,
// then empties the cache and the model cache.
func TestRunsListAndPrune(t *testing.T) {
	c := newCLI(t)
	if code := c.run(context.Background(), "runs", "list"); code != exitInput || !strings.Contains(c.stderr.String(), "no store") {
		t.Errorf("runs list without a store: exit %d, %s", code, c.stderr.String())
	}
	c.mustRun(smallRunArgs("a", "--no-report", "--organism", "control_general", "-n", "20")...)
	c.mustRun(smallRunArgs("b", "--no-report", "--organism", "control_general", "-n", "21")...)
	ra, _ := readResults(c.path("a"))
	rb, _ := readResults(c.path("b"))
	out := c.mustRun("runs", "list")
	for _, want := range []string{ra.Run.ID, rb.Run.ID, "2 runs", "completions", "zoo model cache"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs list lacks %q:\n%s", want, out)
		}
	}
	if code := c.run(context.Background(), "runs", "prune"); code != exitUsage {
		t.Errorf("prune without a flag: exit %d, want %d", code, exitUsage)
	}
	out = c.mustRun("runs", "prune", "--keep", "1")
	if !strings.Contains(out, "deleted run "+ra.Run.ID) || strings.Contains(out, rb.Run.ID) {
		t.Errorf("prune --keep 1 should delete the older run %s only:\n%s", ra.Run.ID, out)
	}
	if code := c.run(context.Background(), "export", ra.Run.ID, "--out", "x"); code != exitUsage {
		t.Errorf("the pruned run is still exported: exit %d", code)
	}
	c.mustRun("export", rb.Run.ID, "--out", "x")
	out = c.mustRun("runs", "prune", "--cache", "--models")
	if !strings.Contains(out, "emptied the cache") || !strings.Contains(out, "deleted the zoo model cache") {
		t.Errorf("prune --cache --models:\n%s", out)
	}
	if out := c.mustRun("runs", "list"); !strings.Contains(out, "0 prefills, 0 completions, 0 scores") || !strings.Contains(out, "0 B in 0 files") {
		t.Errorf("after pruning the caches:\n%s", out)
	}
	// A run after pruning recomputes and gives the same results.
	c.mustRun(smallRunArgs("b2", "--no-report", "--organism", "control_general", "-n", "21")...)
	if string(c.read("b2", "results.json")) != string(c.read("b", "results.json")) {
		t.Error("a run after pruning the caches gives other results")
	}
}
