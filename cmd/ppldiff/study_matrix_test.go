package main

import (
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/reports/validity"
)

// TestStudyMatrixMatchesTheStudy runs both halves of the study matrix
// (greedy and sampled, 10,000 prefills per config, one representative
// variant per organism) and compares its per-category findings with the
// study's published numbers, which it reads from the built-in paper
// manifest: nothing of the study is restated here or in the zoo.
//
// It takes minutes on 2 cores, longer than the default matrix's test, so it
// runs only when PPLDIFF_STUDY_TEST=1 (`PPLDIFF_STUDY_TEST=1 go test -run
// StudyMatrix ./cmd/ppldiff`).
func TestStudyMatrixMatchesTheStudy(t *testing.T) {
	if testing.Short() || os.Getenv("PPLDIFF_STUDY_TEST") != "1" {
		t.Skip("runs the study matrix (minutes); set PPLDIFF_STUDY_TEST=1 to run it")
	}
	c := newCLI(t)
	c.mustRun("run", "--matrix", "study", "--out", "greedy", "--no-report")
	c.mustRun("run", "--matrix", "study", "--decoding", "sample", "--out", "sample", "--no-report")
	var runs []*results.Results
	for _, d := range []string{"greedy", "sample"} {
		res, err := results.ReadResults(c.path(d))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, res)
	}
	paper, err := paperNumbers()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := validity.Build(runs, paper, validity.DefaultSource)
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", md.String())

	// Every category the study published has a counterpart in the zoo.
	if rep.CountN < 5 || rep.RetentionN < 5 {
		t.Fatalf("compared %d categories by count and %d by retention, want >= 5 each", rep.CountN, rep.RetentionN)
	}
	// The target: both orderings follow the study's.
	if !(rep.CountRho >= 0.8) {
		t.Errorf("Spearman of per-category count@100 against the study's: %.2f, want >= 0.8", rep.CountRho)
	}
	if !(rep.RetentionRho >= 0.8) {
		t.Errorf("Spearman of per-category retention against the study's: %.2f, want >= 0.8", rep.RetentionRho)
	}
	// Backdoors and emergent misalignment lose most under cross_family;
	// false facts, rm-sycophancy and hidden behaviour least.
	ret := map[string]float64{}
	for _, r := range rep.Rows {
		ret[r.Category] = r.Retention
	}
	worst := math.Max(ret["backdoor"], ret["emergent_misalignment"])
	for _, c := range []string{"sdf_false_fact", "rm_sycophancy", "hidden_behaviour"} {
		if !(ret[c] > worst) {
			t.Errorf("retention of %s %.2f not above backdoor's %.2f and emergent_misalignment's %.2f", c, ret[c], ret["backdoor"], ret["emergent_misalignment"])
		}
	}
}
