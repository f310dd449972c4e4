package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// TestJudgeSection: entries a judge read get an "LLM judge" section with
// the agreement statistics, listed completions show the verdict, and the
// judge's reason (model output) comes out escaped.
func TestJudgeSection(t *testing.T) {
	dir := copyFixture(t)
	res, err := results.ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := results.ReadSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := &res.Entries[0]
	if e.Score != DefaultScore {
		t.Fatalf("fixture's first entry has score %s", e.Score)
	}
	c10, c100, agree, kappa, rate := 1, 3, 0.95, 0.61, 0.04
	e.Judge = &results.JudgeCounts{Model: "judge-x", Votes: 3, TopK: e.NCompletions / 2, Judged: e.NCompletions/2 + 50, CountAt10: &c10, CountAt100: &c100,
		SampleBelow: 50, SampleFlagged: 2, FlagRateBelow: &rate, KeywordAgreement: &agree, KeywordKappa: &kappa}
	found := false
	for i := range samples {
		s := &samples[i]
		if s.Organism == e.Organism && s.Variant == e.Variant && s.Reference == e.Reference && s.Config == e.Config && s.Score == e.Score && s.Rank == 1 {
			s.Judge = &results.SampleJudge{Label: "yes", Flagged: true, Reason: "<img src=x onerror=alert(1)>\x1b[31m", Votes: []string{"yes", "yes", "no"}}
			found = true
		}
	}
	if !found {
		t.Fatal("no rank-1 sample of the first entry")
	}
	rb, _ := results.Marshal(res)
	sb, _ := results.MarshalSamples(samples)
	os.WriteFile(filepath.Join(dir, results.ResultsFile), rb, 0o644)
	os.WriteFile(filepath.Join(dir, results.SamplesFile), sb, 0o644)
	if _, err := Write(dir, Options{TopK: 5}); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	for _, want := range []string{`<section id="judge">`, `href="#judge"`, "judge-x (majority of 3)", fmt.Sprintf("top %d &#43; 50 sampled below", e.NCompletions/2),
		"4.0% (2 of 50)", "95% agree, Cohen&#39;s kappa 0.61", "judge: yes (yes, yes, no): &lt;img src=x onerror=alert(1)&gt;"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("<img src=x")) || bytes.Contains(page, []byte("\x1b")) {
		t.Error("the judge's reason reached report.html unescaped")
	}
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if !bytes.Contains(md, []byte("## LLM judge")) || bytes.Contains(md, []byte("<img")) {
		t.Error("report.md lacks the judge section or holds raw HTML from the reason")
	}
}
