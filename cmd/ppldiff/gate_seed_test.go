package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestCheckReseedPassesRealDropFails: a run that differs from the baseline's
// only in its seed passes the gate (the check corrects for testing every
// entry), while the same seed with the backdoor's detector broken fails,
// naming backdoor_phrase entries.
func TestCheckReseedPassesRealDropFails(t *testing.T) {
	c := newCLI(t)
	c.mustRun(smallRunArgs("seed1", "--no-report", "-n", "150")...)
	c.write("baseline.json", c.mustRun("baseline", "seed1"))
	c.mustRun(smallRunArgs("seed2", "--no-report", "-n", "150", "--seed", "2")...)
	out := c.mustRun("check", "seed2", "--baseline", "baseline.json")
	if !strings.Contains(out, "entries tested one-sided; correction: Benjamini-Hochberg") || !strings.HasPrefix(lastLine(out), "PASS") {
		t.Errorf("check of a re-seeded run:\n%s", out)
	}

	// compare corrects over its rows as check does, so two seeds of the
	// same models show fewer "significant" rows than testing each alone.
	// (Not none: backdoor_phrase@n3-w1 chat has 0 hits at seed 1 and 7 at
	// seed 2, and a bootstrap of 0 hits has no spread.)
	corrected := significantRows(t, c.mustRun("compare", "seed1", "seed2"))
	alone := significantRows(t, c.mustRun("compare", "seed1", "seed2", "--correction", "none"))
	t.Logf("rows significant between two seeds: %d corrected (bh), %d uncorrected", corrected, alone)
	if corrected >= alone {
		t.Errorf("the correction left %d of %d significant rows", corrected, alone)
	}
	// The filters: one score, one k.
	out = c.mustRun("compare", "seed1", "seed2", "--score", "bpb_diff", "--k", "100")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, " vs ") && !strings.HasPrefix(line, "warning:") && (!strings.Contains(line, "bpb_diff") || !strings.Contains(line, " 100 ")) {
			t.Errorf("a row outside --score bpb_diff --k 100: %s", line)
		}
	}
	if !strings.Contains(out, "bpb_diff") {
		t.Errorf("no bpb_diff row:\n%s", out)
	}

	writeBrokenManifest(t, c, "broken.yaml")
	c.mustRun("run", "--manifest", "broken.yaml", "-n", "150", "--seed", "2", "--out", "bad", "--no-report")
	if code := c.run(context.Background(), "check", "bad", "--baseline", "baseline.json"); code != exitGateFailed {
		t.Fatalf("check of the re-seeded broken run: exit %d, want %d\n%s\n%s", code, exitGateFailed, c.stdout.String(), c.stderr.String())
	}
	named := false
	for _, line := range strings.Split(c.stdout.String(), "\n") {
		if !strings.Contains(line, "│ FAIL ") { // a row of the entries table
			continue
		}
		if strings.Contains(line, "backdoor_phrase") {
			named = true
		} else {
			t.Errorf("an unchanged organism failed: %s", line)
		}
	}
	if !named {
		t.Errorf("the broken detector's entries are not named:\n%s", c.stdout.String())
	}
}

// significantRows reads the count from compare's summary line.
func significantRows(t *testing.T, out string) int {
	t.Helper()
	var n, of int
	if _, err := fmt.Sscanf(lastLine(out), "%d of %d rows changed significantly", &n, &of); err != nil {
		t.Fatalf("no summary line: %v\n%s", err, out)
	}
	return n
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
