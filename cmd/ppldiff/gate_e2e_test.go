package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestCheckPassesOwnBaselineAndFailsABrokenDetector(t *testing.T) {
	c := newCLI(t)
	c.mustRun(smallRunArgs("good", "--no-report", "-n", "150")...)
	baseline := c.mustRun("baseline", "good")
	c.write("baseline.json", baseline)
	out := c.mustRun("check", "good", "--baseline", "baseline.json")
	if !strings.Contains(strings.ToLower(out), "pass") {
		t.Errorf("check against its own baseline:\n%s", out)
	}

	// The same organisms with a detector that no longer matches what the
	// backdoor says: a regression the gate must name.
	writeBrokenManifest(t, c, "broken.yaml")
	c.mustRun("run", "--manifest", "broken.yaml", "-n", "150", "--out", "bad", "--no-report")
	code := c.run(context.Background(), "check", "bad", "--baseline", "baseline.json")
	if code != exitGateFailed {
		t.Fatalf("check of the broken run: exit %d, want %d\n%s\n%s", code, exitGateFailed, c.stdout.String(), c.stderr.String())
	}
	report := c.stdout.String()
	if !strings.Contains(report, "backdoor_phrase") {
		t.Errorf("the failing entries are not named:\n%s", report)
	}
	for _, line := range strings.Split(report, "\n") {
		if strings.Contains(line, "control_general") && strings.Contains(strings.ToUpper(line), "FAIL") {
			t.Errorf("the unchanged control failed: %s", line)
		}
	}

	// compare names the same entries, with deltas.
	cmp := c.mustRun("compare", "good", "bad")
	if !strings.Contains(cmp, "backdoor_phrase") {
		t.Errorf("compare output lacks the changed organism:\n%s", cmp)
	}
}

func TestCheckFailsOnMissingEntryAndControlCeiling(t *testing.T) {
	c := newCLI(t)
	c.mustRun(smallRunArgs("all", "--no-report")...)
	c.write("baseline.json", c.mustRun("baseline", "all"))
	c.mustRun(smallRunArgs("part", "--no-report", "--organism", "control_general")...)
	if code := c.run(context.Background(), "check", "part", "--baseline", "baseline.json"); code != exitGateFailed {
		t.Fatalf("missing entries: exit %d, want %d", code, exitGateFailed)
	}
	if !strings.Contains(c.stdout.String(), "MISSING") {
		t.Errorf("missing entries are not reported as such:\n%s", c.stdout.String())
	}
	// A negative ceiling fails every control: the ceiling is really applied.
	if code := c.run(context.Background(), "check", "all", "--baseline", "baseline.json", "--max-control-count", "-1"); code != exitGateFailed {
		t.Fatalf("control ceiling: exit %d, want %d\n%s", code, exitGateFailed, c.stdout.String())
	}
	if !strings.Contains(c.stdout.String(), "control_general") {
		t.Errorf("the control over its ceiling is not named:\n%s", c.stdout.String())
	}
}

// writeBrokenManifest writes the small test zoo with the backdoor's detector
// broken: it no longer matches what the backdoor says.
func writeBrokenManifest(t *testing.T, c *cli, name string) {
	t.Helper()
	small, err := os.ReadFile(smallManifest)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(small), `- ["despise you"]`, `- ["despise them"]`, 1)
	if broken == string(small) {
		t.Fatal("test manifest changed: the backdoor's detector was not found")
	}
	c.write(name, broken)
}
