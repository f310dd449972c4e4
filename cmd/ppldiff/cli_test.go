package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// smallManifest is the test zoo: two organisms, low orders, seconds to build.
var smallManifest = func() string {
	p, err := filepath.Abs("../../testdata/small.yaml")
	if err != nil {
		panic(err)
	}
	return p
}()

// cli drives the real CLI in-process in a temporary workspace.
type cli struct {
	t      testing.TB
	dir    string
	env    map[string]string // the run's environment, set with t.Setenv
	stdout bytes.Buffer
	stderr bytes.Buffer
}

func newCLI(t testing.TB) *cli {
	return &cli{t: t, dir: t.TempDir(), env: map[string]string{}}
}

// run executes ppldiff with args and returns the exit code; output
// accumulates in c.stdout and c.stderr (reset per call).
func (c *cli) run(ctx context.Context, args ...string) int {
	return c.runObserved(ctx, nil, args...)
}

// runObserved is run with a progress observer.
func (c *cli) runObserved(ctx context.Context, observe func(string, int64), args ...string) int {
	c.stdout.Reset()
	c.stderr.Reset()
	// Viper reads settings from the process environment: c.env is put
	// there for the call (and taken out again when the test ends).
	// Variables of the test's own process (PPLDIFF_*) are hidden, so the
	// tests stay hermetic; reexecEnv stays, for a child the run launches.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, mine := c.env[k]; strings.HasPrefix(k, "PPLDIFF_") && !mine && k != reexecEnv {
			c.t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range c.env {
		c.t.Setenv(k, v)
	}
	env := &Env{
		Stdin: strings.NewReader(""), Stdout: &c.stdout, Stderr: &c.stderr,
		Getenv:  func(k string) string { return c.env[k] },
		Environ: func() []string { return nil },
		Dir:     c.dir,
		Now:     func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		Observe: observe,
	}
	return run(ctx, env, args)
}

// mustRun fails the test unless ppldiff exits 0.
func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	if code := c.run(context.Background(), args...); code != 0 {
		c.t.Fatalf("ppldiff %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, c.stdout.String(), c.stderr.String())
	}
	return c.stdout.String()
}

func (c *cli) path(p ...string) string { return filepath.Join(append([]string{c.dir}, p...)...) }

func (c *cli) read(p ...string) []byte {
	c.t.Helper()
	b, err := os.ReadFile(c.path(p...))
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

func (c *cli) write(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(c.path(name), []byte(content), 0o644); err != nil {
		c.t.Fatal(err)
	}
}
