package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeCommands returns the `go run ./cmd/ppldiff ...` commands of the
// README's sh blocks whose text contains every marker, as argument lists
// (continuation lines joined, the `go run ./cmd/ppldiff` prefix dropped).
func readmeCommands(t *testing.T, markers ...string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	blocks := strings.Split(string(b), "```sh\n")
	for _, blk := range blocks[1:] {
		body, _, _ := strings.Cut(blk, "```")
		cmd := strings.ReplaceAll(body, "\\\n", " ")
		for _, line := range strings.Split(cmd, "\n") {
			rest, ok := strings.CutPrefix(strings.TrimSpace(line), "go run ./cmd/ppldiff ")
			if !ok || !containsAll(rest, markers) {
				continue
			}
			if strings.ContainsAny(rest, `'"$|;&<>`) {
				t.Fatalf("README command %q needs a shell; this test runs plain words only", rest)
			}
			out = append(out, strings.Fields(rest))
		}
	}
	return out
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// freshClone is a workspace holding only the repository's testdata, as a
// fresh clone has it (no ../shared beside it).
func freshClone(t *testing.T) *cli {
	c := newCLI(t)
	td, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(td, c.path("testdata")); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReadmeImportExample runs the README's import example as written.
func TestReadmeImportExample(t *testing.T) {
	cmds := readmeCommands(t, "import --format z3-website")
	if len(cmds) != 1 {
		t.Fatalf("README has %d `go run ./cmd/ppldiff import` examples, want 1", len(cmds))
	}
	c := freshClone(t)
	c.mustRun(cmds[0]...)
	out := cmds[0][len(cmds[0])-1]
	res, err := readResults(c.path(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 3 {
		t.Errorf("%d entries imported, want the sample's 3", len(res.Entries))
	}
}

// TestReadmeDryRunExample runs the README's paper-manifest dry run as
// written: it must plan, not fail on a missing corpus.
func TestReadmeDryRunExample(t *testing.T) {
	cmds := readmeCommands(t, "--manifest paper", "--dry-run")
	if len(cmds) == 0 {
		t.Fatal("README has no `go run ./cmd/ppldiff run --manifest paper ... --dry-run` example")
	}
	for _, args := range cmds {
		c := freshClone(t)
		got := c.mustRun(args...)
		for _, want := range []string{"plan: ", "token estimate", "run id: "} {
			if !strings.Contains(got, want) {
				t.Errorf("ppldiff %s: output lacks %q:\n%s", strings.Join(args, " "), want, got)
			}
		}
	}
}
