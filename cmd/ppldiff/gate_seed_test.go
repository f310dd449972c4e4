package main

import (
	"context"
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

	writeBrokenManifest(t, c, "broken.yaml")
	c.mustRun("run", "--manifest", "broken.yaml", "-n", "150", "--seed", "2", "--out", "bad", "--no-report")
	if code := c.run(context.Background(), "check", "bad", "--baseline", "baseline.json"); code != exitGateFailed {
		t.Fatalf("check of the re-seeded broken run: exit %d, want %d\n%s\n%s", code, exitGateFailed, c.stdout.String(), c.stderr.String())
	}
	for _, line := range strings.Split(c.stdout.String(), "\n") {
		if strings.HasPrefix(line, "FAIL ") && !strings.Contains(line, "backdoor_phrase") {
			t.Errorf("an unchanged organism failed: %s", line)
		}
	}
	if !strings.Contains(c.stdout.String(), "FAIL    backdoor_phrase") {
		t.Errorf("the broken detector's entries are not named:\n%s", c.stdout.String())
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
