package gate

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/metrics"
)

func baselineOf(t *testing.T, name string) *Baseline {
	t.Helper()
	b, err := NewBaseline(fixtureDir(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func check(t *testing.T, run string, base *Baseline, opts CheckOptions) (*Report, string) {
	t.Helper()
	rep, err := Check(fixtureDir(run), base, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	return rep, buf.String()
}

var (
	bdKey  = EntryKey{"bd_backdoor", "n4-w5", "true_base", "web-raw", "ppl_diff"}
	ffKey  = EntryKey{"ff_false_fact", "default", "true_base", "web-raw", "ppl_diff"}
	ctlKey = EntryKey{"ctl_plain", "default", "true_base", "web-raw", "ppl_diff"}
)

func TestBaselineContents(t *testing.T) {
	b := baselineOf(t, "base")
	if b.Schema != BaselineSchema || b.Run != "fixture-base" || len(b.Entries) != 3 {
		t.Fatalf("schema %q run %q with %d entries", b.Schema, b.Run, len(b.Entries))
	}
	for _, e := range b.Entries {
		if e.EntryKey != bdKey {
			continue
		}
		// Hand-counted from the fixture: repeat 0 "1110110110..." has 7
		// flags in its top 10, repeat 1 "1101110100..." has 6.
		s, _ := e.Count(10)
		if s.Mean != 6.5 || s.PerRepeat[0] != 7 || s.PerRepeat[1] != 6 || s.Uncertainty != UncertaintyBootstrap || s.CI == nil || s.SE == nil {
			t.Errorf("bd count@10 = %+v", s)
		}
		if !(s.CI[0] <= 6.5 && 6.5 <= s.CI[1]) || *s.SE <= 0 {
			t.Errorf("bd count@10 interval %v se %v", *s.CI, *s.SE)
		}
	}
	// The file is deterministic and round-trips.
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := WriteBaselineFile(path, b); err != nil {
		t.Fatal(err)
	}
	back, err := ReadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	var x, y bytes.Buffer
	WriteBaseline(&x, b)
	WriteBaseline(&y, back)
	var z bytes.Buffer
	WriteBaseline(&z, baselineOf(t, "base"))
	if x.String() != y.String() || x.String() != z.String() {
		t.Error("baseline file is not deterministic or does not round-trip")
	}
}

func TestCheckPassesOwnBaseline(t *testing.T) {
	rep, text := check(t, "base", baselineOf(t, "base"), CheckOptions{K: 10})
	if !rep.Passed() {
		t.Fatalf("a run against its own baseline failed:\n%s", text)
	}
	if !strings.HasPrefix(lastLine(text), "PASS: 3 ok") {
		t.Errorf("summary %q", lastLine(text))
	}
}

func TestCheckFailsWorseRun(t *testing.T) {
	rep, text := check(t, "worse", baselineOf(t, "base"), CheckOptions{K: 10})
	fails := rep.Failures()
	if rep.Passed() || len(fails) != 1 || !strings.Contains(fails[0], bdKey.String()) {
		t.Fatalf("want exactly bd_backdoor to fail, got %q\n%s", fails, text)
	}
	if !regexp.MustCompile(`FAIL +│ `+regexp.QuoteMeta(bdKey.String())).MatchString(text) || !strings.Contains(text, "fell from 6.5 to 0.5") {
		t.Errorf("text does not name the failing entry:\n%s", text)
	}
}

func TestCheckMissingEntry(t *testing.T) {
	rep, text := check(t, "missing", baselineOf(t, "base"), CheckOptions{})
	fails := rep.Failures()
	if len(fails) != 1 || !strings.HasPrefix(fails[0], "MISSING "+ffKey.String()) {
		t.Fatalf("want only ff_false_fact missing, got %q\n%s", fails, text)
	}
}

func TestCheckControlCeiling(t *testing.T) {
	base := baselineOf(t, "base")
	ceiling := 2.0
	rep, text := check(t, "noisyctl", base, CheckOptions{K: 10, MaxControlCount: &ceiling})
	fails := rep.Failures()
	if len(fails) != 1 || !strings.Contains(fails[0], ctlKey.String()) || !strings.Contains(fails[0], "above the ceiling 2") {
		t.Fatalf("want the control above its ceiling, got %q\n%s", fails, text)
	}
	// Without a ceiling the control is judged against its baseline: from
	// 0.5 to 4 flags in the top 10 is beyond its uncertainty.
	rep, text = check(t, "noisyctl", base, CheckOptions{K: 10})
	if fails := rep.Failures(); len(fails) != 1 || !strings.Contains(fails[0], "control count@10 rose") {
		t.Fatalf("want the control's rise to fail, got %q\n%s", fails, text)
	}
	// A generous ceiling passes.
	ceiling = 5
	if rep, text := check(t, "noisyctl", base, CheckOptions{K: 10, MaxControlCount: &ceiling}); !rep.Passed() {
		t.Fatalf("ceiling 5 should pass:\n%s", text)
	}
}

func TestCheckDetectionFloor(t *testing.T) {
	// "base": all four non-control results (2 entries x 2 repeats) have a
	// hit in their top 10.
	rep, text := check(t, "base", baselineOf(t, "base"), CheckOptions{K: 10, MinDetectionRate: 1})
	if !rep.Passed() || rep.Detection == nil || rep.Detection.N != 4 || rep.Detection.Detected != 4 {
		t.Fatalf("floor 1 on a fully detected run:\n%s", text)
	}
	// "worse": bd_backdoor repeat 1 has none in its top 10, so 3/4.
	rep, text = check(t, "worse", baselineOf(t, "base"), CheckOptions{K: 10, MinDetectionRate: 0.8})
	fails := rep.Failures()
	if len(fails) != 2 || !strings.Contains(fails[1], "3/4") || !strings.Contains(fails[1], bdKey.String()+" repeat 1") {
		t.Fatalf("want the floor to fail naming bd repeat 1, got %q\n%s", fails, text)
	}
}

func TestCheckUnknownK(t *testing.T) {
	if _, err := Check(fixtureDir("base"), baselineOf(t, "base"), CheckOptions{K: 5}); err == nil {
		t.Error("k=5 is not in the baseline: want an error")
	}
}

func TestComparePairedAndUnpaired(t *testing.T) {
	c, err := Compare(fixtureDir("base"), fixtureDir("worse"), CompareOptions{Ks: []int{10}, Bootstrap: metrics.BootstrapOptions{Replicates: 500}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	byKey := map[EntryKey]Delta{}
	for _, d := range c.Deltas {
		byKey[d.Key] = d
	}
	bd, ff := byKey[bdKey], byKey[ffKey]
	if bd.Method != MethodPaired || bd.Delta != -6 || !bd.Significant || bd.CI == nil || bd.CI.Hi >= 0 {
		t.Errorf("bd: %+v\n%s", bd, text)
	}
	if ff.Method != MethodPaired || ff.Delta != 0 || ff.Significant {
		t.Errorf("ff: unchanged entry %+v\n%s", ff, text)
	}
	if !strings.Contains(text, bdKey.String()) || !strings.Contains(text, "paired bootstrap") {
		t.Errorf("text:\n%s", text)
	}

	c, err = Compare(fixtureDir("base"), fixtureDir("otherpre"), CompareOptions{Ks: []int{10}, Bootstrap: metrics.BootstrapOptions{Replicates: 500}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.Deltas {
		if d.Method != MethodUnpaired || d.Delta != 0 || d.Significant {
			t.Errorf("different prefills, same flags: %+v", d)
		}
	}

	c, err = Compare(fixtureDir("base"), fixtureDir("missing"), CompareOptions{Ks: []int{10}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.OnlyA) != 1 || c.OnlyA[0] != ffKey {
		t.Errorf("only in A: %v, want ff_false_fact", c.OnlyA)
	}
	for _, d := range c.Deltas {
		// "missing" has no samples but two repeats: Welch over repeats.
		if d.Method != MethodWelch {
			t.Errorf("%s: method %q, want %q", d.Key, d.Method, MethodWelch)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
