package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyRunFixture copies reports/gate's base run into the workspace as dir.
func copyRunFixture(t *testing.T, c *cli, dir string) {
	t.Helper()
	src := filepath.Join("..", "..", "reports", "gate", "testdata", "base")
	if err := os.MkdirAll(c.path(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"results.json", "samples.jsonl"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		c.write(filepath.Join(dir, f), string(b))
	}
}

// editResults rewrites dir/results.json through a generic map, so the test
// can write what the typed structs would refuse.
func editResults(t *testing.T, c *cli, dir string, edit func(entries []any) []any) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(c.read(dir, "results.json"), &doc); err != nil {
		t.Fatal(err)
	}
	doc["entries"] = edit(doc["entries"].([]any))
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	c.write(filepath.Join(dir, "results.json"), string(b))
}

// A results file whose numbers cannot be true is bad input for every
// command that reads one (exit 3, naming file and entry); before, check
// passed the gate on it.
func TestImpossibleResultsAreBadInput(t *testing.T) {
	cases := map[string]struct {
		edit func([]any) []any
		tail string
		want string
	}{
		"count above n": {edit: func(es []any) []any {
			es[0].(map[string]any)["count_at_100"] = 150
			return es
		}, want: "entry 0 (bd_backdoor@n4-w5"},
		"negative count": {edit: func(es []any) []any {
			es[2].(map[string]any)["count_at_10"] = -3
			return es
		}, want: "entry 2"},
		"duplicate entry": {edit: func(es []any) []any {
			return append(es, es[0])
		}, want: "same key as entry 0"},
		"trailing garbage": {tail: "\n}{garbage", want: "trailing data"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCLI(t)
			copyRunFixture(t, c, "base")
			copyRunFixture(t, c, "bad")
			c.mustRun("baseline", "base")
			c.write("baseline.json", c.stdout.String())
			if tc.edit != nil {
				editResults(t, c, "bad", tc.edit)
			}
			if tc.tail != "" {
				c.write("bad/results.json", string(c.read("bad", "results.json"))+tc.tail)
			}
			for _, args := range [][]string{
				{"check", "bad", "--baseline", "baseline.json"},
				{"compare", "base", "bad"},
				{"report", "bad"},
				{"baseline", "bad"},
			} {
				code := c.run(context.Background(), args...)
				if code != exitInput {
					t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args[0], code, exitInput, c.stdout.String(), c.stderr.String())
					continue
				}
				msg := c.stderr.String()
				if !strings.Contains(msg, filepath.Join("bad", "results.json")) || !strings.Contains(msg, tc.want) {
					t.Errorf("%s: message does not name file and %q:\n%s", args[0], tc.want, msg)
				}
			}
		})
	}
}

// Entry names from a results file reach the terminal through check,
// compare and error messages without their escape sequences or bidi
// overrides acting on it.
func TestGateOutputsNeutraliseTerminalEscapes(t *testing.T) {
	const hostile = "bd_\x1b[2J\x1b]8;;http://evil\x07x\u202Eevil\u009b31m"
	c := newCLI(t)
	copyRunFixture(t, c, "a")
	copyRunFixture(t, c, "b")
	for _, dir := range []string{"a", "b"} {
		editResults(t, c, dir, func(es []any) []any {
			for _, e := range es {
				if m := e.(map[string]any); m["organism"] == "bd_backdoor" {
					m["organism"] = hostile
				}
			}
			return es
		})
		// samples name the organism too; without them the gate reads
		// flagged ranks only.
		os.Remove(c.path(dir, "samples.jsonl"))
	}
	c.mustRun("baseline", "a")
	c.write("baseline.json", c.stdout.String())
	var outs []string
	c.run(context.Background(), "check", "b", "--baseline", "baseline.json")
	outs = append(outs, c.stdout.String()+c.stderr.String())
	c.mustRun("compare", "a", "b")
	outs = append(outs, c.stdout.String()+c.stderr.String())
	// An error message that quotes the name.
	editResults(t, c, "b", func(es []any) []any {
		es[0].(map[string]any)["count_at_10"] = -1
		return es
	})
	c.run(context.Background(), "check", "b", "--baseline", "baseline.json")
	outs = append(outs, c.stdout.String()+c.stderr.String())
	for i, out := range outs {
		if strings.ContainsAny(out, "\x1b\x07\u202e\u009b") {
			t.Errorf("output %d holds raw escapes:\n%q", i, out)
		}
		if !strings.Contains(out, `bd_\x1b[2J`) {
			t.Errorf("output %d does not show the name escaped:\n%s", i, out)
		}
	}
}
