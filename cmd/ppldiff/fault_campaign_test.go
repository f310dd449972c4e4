package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// child runs ppldiff (this test binary re-executed as the CLI, see
// TestMain) in dir. kill, when positive, SIGKILLs it after that long.
func child(t *testing.T, dir string, kill time.Duration, args ...string) (code int, stderr string, killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), reexecEnv+"=1")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	if kill > 0 {
		select {
		case err = <-done:
		case <-time.After(kill):
			cmd.Process.Kill()
			<-done
			return -1, errb.String(), true
		}
	} else {
		err = <-done
	}
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), errb.String(), false
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFaultCampaign: kill -9 at random points of a whole run (model
// builds, generation, scoring, writing outputs, the report) and random bit
// flips in the store and the model cache. Every outcome is results.json
// byte-identical to a clean run's, or a failure whose message names the
// damaged file; never a different results.json with exit 0.
func TestFaultCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault campaign runs the CLI dozens of times; skipped under -short")
	}
	args := []string{"run", "--manifest", smallManifest, "-n", "40", "--out", "out"}
	clean := t.TempDir()
	start := time.Now()
	if code, stderr, _ := child(t, clean, 0, args...); code != 0 {
		t.Fatalf("clean run: exit %d\n%s", code, stderr)
	}
	cold := time.Since(start)
	want, err := os.ReadFile(filepath.Join(clean, "out", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	var identical, named int

	// Kills: from a cold start (model builds included) and from a warm
	// cache, one to three kills before the run is let finish.
	for trial := range 8 {
		dir := t.TempDir()
		if trial%2 == 1 {
			copyDir(t, filepath.Join(clean, ".ppldiff"), filepath.Join(dir, ".ppldiff"))
		}
		kills := 1 + rng.IntN(3)
		for range kills {
			at := time.Duration(rng.Int64N(int64(cold))) + time.Millisecond
			child(t, dir, at, args...)
		}
		code, stderr, _ := child(t, dir, 0, args...)
		got, _ := os.ReadFile(filepath.Join(dir, "out", "results.json"))
		switch {
		case code == 0 && bytes.Equal(got, want):
			identical++
		case code == 0:
			t.Errorf("kill trial %d: exit 0 with a different results.json", trial)
		default:
			t.Errorf("kill trial %d: the resumed run failed (exit %d):\n%s", trial, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "out", "report.html")); err != nil {
			t.Errorf("kill trial %d: the resumed run left no report: %v", trial, err)
		}
	}

	// Bit flips in a copy of the clean workspace's store and model files.
	models, _ := filepath.Glob(filepath.Join(clean, ".ppldiff", "models", "*.bin"))
	for trial := range 14 {
		dir := t.TempDir()
		copyDir(t, filepath.Join(clean, ".ppldiff"), filepath.Join(dir, ".ppldiff"))
		target := filepath.Join(dir, ".ppldiff", "store.db")
		if trial%3 == 2 {
			target = filepath.Join(dir, ".ppldiff", "models", filepath.Base(models[rng.IntN(len(models))]))
		}
		b, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		flips := 1 + rng.IntN(4)
		for range flips {
			b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stderr, _ := child(t, dir, 0, args...)
		got, _ := os.ReadFile(filepath.Join(dir, "out", "results.json"))
		switch {
		case code == 0 && bytes.Equal(got, want):
			identical++
		case code == 0:
			t.Errorf("flip trial %d (%s): exit 0 with a different results.json", trial, filepath.Base(target))
		case strings.Contains(stderr, target) || strings.Contains(stderr, filepath.Base(target)):
			named++
		default:
			t.Errorf("flip trial %d (%s): exit %d without naming the file:\n%s", trial, filepath.Base(target), code, stderr)
		}
	}
	t.Logf("cold run %v; %d outcomes byte-identical to the clean run, %d failures naming the damaged file", cold.Round(time.Millisecond), identical, named)
}
