package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// A report written from unchanged inputs is kept; a changed input, other
// options or a missing output file rewrite it.
func TestWriteIfChangedKeepsAnUnchangedReport(t *testing.T) {
	dir := copyFixture(t)
	mustWrite := func(opts Options, wantKept bool, why string) *Written {
		t.Helper()
		w, kept, err := WriteIfChanged(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		if kept != wantKept {
			t.Fatalf("%s: kept %v, want %v", why, kept, wantKept)
		}
		return w
	}
	first := mustWrite(Options{}, false, "first write")
	// Mark report.html so that a rewrite would be seen.
	if err := os.WriteFile(first.HTML, []byte("marker"), 0o644); err != nil {
		t.Fatal(err)
	}
	w := mustWrite(Options{}, true, "same inputs")
	if w.HTML != first.HTML || len(w.Plots) != len(first.Plots) {
		t.Errorf("kept report lists %+v, the first %+v", w, first)
	}
	if b, _ := os.ReadFile(first.HTML); string(b) != "marker" {
		t.Error("an unchanged report was rewritten")
	}
	mustWrite(Options{TopK: 3}, false, "other options")
	mustWrite(Options{}, false, "options back")
	if err := os.Remove(first.Plots[0]); err != nil {
		t.Fatal(err)
	}
	mustWrite(Options{}, false, "a plot deleted")
	if _, err := os.Stat(first.Plots[0]); err != nil {
		t.Errorf("the deleted plot was not written again: %v", err)
	}
	audit := filepath.Join(dir, results.AuditFile)
	if err := os.WriteFile(audit, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := WriteIfChanged(dir, Options{}); err == nil {
		// an invalid audit.json may fail the write; what matters is that
		// the stamp did not keep the old report
		t.Log("audit.json accepted")
	}
	os.Remove(audit)
	mustWrite(Options{}, false, "audit.json gone again")
	b, err := os.ReadFile(filepath.Join(dir, results.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, results.SamplesFile), b[:len(b)/2], 0o644); err == nil {
		if _, kept, _ := WriteIfChanged(dir, Options{}); kept {
			t.Error("a changed samples.jsonl kept the old report")
		}
	}
}
