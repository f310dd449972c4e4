package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTerminalSummary: run and report print the headline (a row per
// organism x reference), not every entry, unless --table full; a zoo run
// says how many models it builds before generating.
func TestTerminalSummary(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun(smallRunArgs("out", "--no-report", "--organism", "backdoor_phrase", "--organism", "control_general")...)
	if !strings.Contains(c.stderr.String(), "building ") || !regexp.MustCompile(`building \d+ zoo models`).MatchString(c.stderr.String()) {
		t.Errorf("no zoo build stage line on stderr:\n%s", c.stderr.String())
	}
	if !regexp.MustCompile(`stage=models`).MatchString(c.stderr.String()) {
		t.Errorf("the models stage logs no progress:\n%s", c.stderr.String())
	}
	res, err := readResults(c.path("out"))
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{}
	for _, e := range res.Entries {
		refs[e.Organism+" "+e.Reference] = true
	}
	rows := func(s string) int {
		return strings.Count(s, "│ backdoor_phrase ") + strings.Count(s, "│ control_general ")
	}
	if got := rows(out); got != len(refs) {
		t.Errorf("run printed %d organism rows, want one per organism x reference (%d):\n%s", got, len(refs), out)
	}
	for _, want := range []string{"variants detected", "best count@100", "Organism variants detected", "--table full"} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	full := c.mustRun("report", "out", "--table", "full")
	if n := countScore(res, "ppl_diff"); rows(full) != n {
		t.Errorf("--table full printed %d rows, want every ppl_diff entry (%d)", rows(full), n)
	}
	if code := c.run(context.Background(), "report", "out", "--table", "wide"); code != exitUsage {
		t.Errorf("--table wide: exit %d, want %d", code, exitUsage)
	}
}

// TestProgressBarsOnATerminal: on a terminal each stage (models, generate,
// score) is drawn as a bar with its percent; off a terminal, log lines.
func TestProgressBarsOnATerminal(t *testing.T) {
	c := newCLI(t)
	var stderr strings.Builder
	env := &Env{
		Stdin: strings.NewReader(""), Stdout: &c.stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil },
		Dir: c.dir, Now: time.Now, IsTerminal: true,
	}
	if code := run(context.Background(), env, smallRunArgs("out", "--no-report", "--organism", "control_general", "-n", "20")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stderr.String()
	for _, want := range []string{"models", "generate", "score", "100 %"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal progress lacks %q:\n%.2000s", want, out)
		}
	}
	if strings.Contains(out, "level=INFO msg=progress") {
		t.Error("log lines of progress on a terminal")
	}
}
