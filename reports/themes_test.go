package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// TestThemesSection: a run directory with audit.json gets a Themes section
// in report.html and report.md; theme text is hostile and comes out
// escaped. A damaged audit.json is an error, not a silently missing section.
func TestThemesSection(t *testing.T) {
	dir := copyFixture(t)
	first := 3
	a := &results.Audit{Schema: results.AuditSchema, Rankings: []results.AuditRanking{{
		Organism: "org<b>", Variant: "v", Reference: "ref", Config: "web-raw", Score: DefaultScore,
		Digest: results.AuditDigest{K: 100, Comparison: "below the top k", Themes: []results.Theme{
			{Term: "<script>alert(1)</script>", Z: 4.2, InTop: 13, Carriers: []int{1, 4}},
			{Term: "amber signal", Z: 3.1, InTop: 9, InRest: 1, Carriers: []int{2}},
		}, Hypothesis: &results.Hypothesis{Keywords: []string{"amber"}, CountAtK: 9, FirstHitRank: &first}},
	}}}
	if err := results.WriteAudit(dir, a); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, Options{TopK: 5}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<section id="themes">`, `href="#themes"`, "amber signal (z 3.1; 9 in top, 1 compared; ranks 2)",
		"&lt;script&gt;alert(1)&lt;/script&gt;", "count@100 9, first hit 3"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("<script>alert(1)")) || bytes.Contains(page, []byte("org<b>")) {
		t.Error("report.html holds audit text unescaped")
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "## Themes") || !strings.Contains(string(md), "amber signal") {
		t.Error("report.md lacks the themes")
	}

	if err := os.WriteFile(filepath.Join(dir, results.AuditFile), []byte(`{"schema":"ppldiff/audit/v1","rankings":[]} trailing`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, Options{TopK: 5}); err == nil {
		t.Fatal("a damaged audit.json must fail the report")
	}
}
