package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestResultsGolden pins results.json of a small run byte for byte: the same
// config and seed must give the same file on any machine (CI runs this on
// another one). Regenerate with `go test ./cmd/ppldiff -run Golden -update`
// after an intended change, and say why in the commit.
func TestResultsGolden(t *testing.T) {
	c := newCLI(t)
	c.mustRun("run", "--manifest", smallManifest, "--organism", "backdoor_phrase", "--variant", "n3-w8",
		"-n", "60", "--out", "out", "--no-report")
	got := c.read("out", "results.json")
	// The manifest's path is not in results.json; its hash is.
	golden := filepath.Join("testdata", "golden", "small-results.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("results.json differs from %s; if the change is intended, run with -update", golden)
	}
}
