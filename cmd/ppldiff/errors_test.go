package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every documented exit code, reached through the CLI.
func TestExitCodes(t *testing.T) {
	gateDir := func(name string) string {
		p, err := filepath.Abs(filepath.Join("..", "..", "reports", "gate", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, c *cli) context.Context
		args  []string
		code  int
	}{
		{name: "success", args: []string{"version"}, code: exitOK},
		{name: "unexpected failure: plots is a file", setup: func(t *testing.T, c *cli) context.Context {
			copyRunFixture(t, c, "run")
			c.write("run/plots", "not a directory")
			return context.Background()
		}, args: []string{"report", "run"}, code: exitFailure},
		{name: "usage: unknown flag", args: []string{"run", "--nope"}, code: exitUsage},
		{name: "usage: unknown command", args: []string{"runn"}, code: exitUsage},
		{name: "usage: too many arguments", args: []string{"report", "a", "b"}, code: exitUsage},
		{name: "usage: selection matches nothing", args: []string{"run", "--manifest", smallManifest, "--variant", "n9-w9", "--dry-run"}, code: exitUsage},
		{name: "bad input: missing manifest", args: []string{"run", "--manifest", "nowhere.yaml", "--dry-run"}, code: exitInput},
		{name: "backend: hosted API dialect", setup: func(t *testing.T, c *cli) context.Context {
			c.env["PPLDIFF_SERVING_DIALECT"] = "openai"
			return context.Background()
		}, args: []string{"run", "--manifest", smallManifest, "--endpoint", "http://127.0.0.1:9", "-n", "5"}, code: exitBackend},
		{name: "gate failed", setup: func(t *testing.T, c *cli) context.Context {
			c.mustRun("baseline", gateDir("base"))
			c.write("baseline.json", c.stdout.String())
			return context.Background()
		}, args: []string{"check", gateDir("worse"), "--baseline", "baseline.json"}, code: exitGateFailed},
		{name: "interrupted", setup: func(t *testing.T, c *cli) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, args: []string{"run", "--manifest", smallManifest, "-n", "5"}, code: exitInterrupted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			ctx := context.Background()
			if tc.setup != nil {
				ctx = tc.setup(t, c)
			}
			if code := c.run(ctx, tc.args...); code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, c.stdout.String(), c.stderr.String())
			}
		})
	}
}

// exitTable decides by type: each library error maps to its code however
// deeply it is wrapped, and an error that only reads like one maps to 1.
func TestExitTableMatchesTypesNotText(t *testing.T) {
	for _, row := range exitTable {
		wrapped := fmt.Errorf("organism x: unit y: %w", row.target)
		if got := exitCode(wrapped); got != row.code {
			t.Errorf("%v wrapped: exit %d, want %d", row.target, got, row.code)
		}
		if got := exitCode(errors.New(row.target.Error())); got != exitFailure {
			t.Errorf("an untyped error reading %q: exit %d, want %d", row.target.Error(), got, exitFailure)
		}
	}
	if got := exitCode(errors.New("unknown command \"x\" for \"ppldiff\"")); got != exitFailure {
		t.Errorf("message text decided the exit code: %d", got)
	}
	// A file the user named that is not there.
	_, err := os.Open(filepath.Join(t.TempDir(), "nowhere"))
	if got := exitCode(fmt.Errorf("corpus: %w", err)); got != exitInput {
		t.Errorf("missing file: exit %d, want %d", got, exitInput)
	}
	if !strings.Contains(exitCodesHelp, "130") {
		t.Error("help lacks the interrupted code")
	}
}
