package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkRunSmallZoo runs the small test zoo in-process in a cold
// workspace each iteration: zoo building, generation, scoring, store and
// outputs. Reports completions generated per second.
func BenchmarkRunSmallZoo(b *testing.B) {
	for b.Loop() {
		c := newCLI(b)
		if code := c.run(context.Background(), smallRunArgs("out", "--no-report", "-n", "200")...); code != 0 {
			b.Fatalf("exit %d: %s", code, c.stderr.String())
		}
	}
	b.ReportMetric(float64(5*2*200*b.N)/b.Elapsed().Seconds(), "completions/s")
}

// BenchmarkDefaultRunBinary builds the ppldiff binary once, then runs the
// default `ppldiff run` (the full default matrix, zoo building included) in
// a cold workspace per iteration, as a user would. The target is
// under 60 s on 2 cores; compare ns/op with that.
func BenchmarkDefaultRunBinary(b *testing.B) {
	if testing.Short() {
		b.Skip("builds the binary and runs the full default matrix")
	}
	bin := filepath.Join(b.TempDir(), "ppldiff")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		ws := b.TempDir()
		cmd := exec.Command(bin, "run")
		cmd.Dir = ws
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}
