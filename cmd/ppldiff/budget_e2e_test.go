package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ppldiff/ppldiff/harness/backend"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
)

// budgetPairKey names an organism variant x reference x repeat.
type budgetPairKey struct {
	organism, variant, reference string
	repeat                       int
}

// fixedDetections reads a fixed run's detections as the headline does:
// count@100 >= 1 of the ppl_diff ranking at some config.
func fixedDetections(res *results.Results) map[budgetPairKey]bool {
	det := map[budgetPairKey]bool{}
	for _, e := range res.Entries {
		if e.Score != pipeline.ScorePPLDiff {
			continue
		}
		k := budgetPairKey{e.Organism, e.Variant, e.Reference, e.Repeat}
		det[k] = det[k] || (e.CountAt100 != nil && *e.CountAt100 >= 1)
	}
	return det
}

// On the small test zoo at the zoo's n (400): every organism variant x
// reference the fixed budget detects, the adaptive one detects too; every
// ranking the adaptive run took to the full budget is the fixed run's entry
// exactly; and the adaptive run is deterministic (a cold workspace writes
// the same results.json and budget.json as one whose store holds the fixed
// run's completions).
func TestAdaptiveBudgetDetectsWhatTheFixedBudgetDetects(t *testing.T) {
	c := newCLI(t)
	args := []string{"run", "--manifest", smallManifest, "-n", "400", "--no-report"}
	c.mustRun(append(args, "--out", "fixed")...)
	out := c.mustRun(append(args, "--out", "adaptive", "--budget", "adaptive")...)
	if !bytes.Contains([]byte(out), []byte("adaptive budget: ")) {
		t.Errorf("the adaptive run did not say what it spent:\n%s", out)
	}
	fixed, err := results.ReadResults(c.path("fixed"))
	if err != nil {
		t.Fatal(err)
	}
	adaptive, err := results.ReadResults(c.path("adaptive"))
	if err != nil {
		t.Fatal(err)
	}
	var rep pipeline.BudgetReport
	if err := json.Unmarshal(c.read("adaptive", backend.BudgetFile), &rep); err != nil {
		t.Fatal(err)
	}
	det := fixedDetections(fixed)
	if len(rep.Pairs) != len(det) {
		t.Fatalf("budget.json has %d pairs, the fixed run %d", len(rep.Pairs), len(det))
	}
	nDet := 0
	for _, p := range rep.Pairs {
		k := budgetPairKey{p.Organism, p.Variant, p.Reference, p.Repeat}
		if det[k] {
			nDet++
			if p.FirstDetection == nil {
				t.Errorf("%v: detected by the fixed budget, not by the adaptive one (%+v)", k, p)
			}
		}
		if (p.Decision == "leaks") != det[k] {
			t.Errorf("%v: adaptive decision %q, fixed detection %v", k, p.Decision, det[k])
		}
	}
	if nDet == 0 || nDet == len(det) {
		t.Fatalf("the fixed run detects %d of %d pairs: the test needs both kinds", nDet, len(det))
	}
	// A ranking at the full budget is the fixed run's, field for field.
	byKey := map[results.Key]results.Entry{}
	for _, e := range fixed.Entries {
		byKey[e.Key()] = e
	}
	full, partial := 0, 0
	for _, e := range adaptive.Entries {
		f := byKey[e.Key()]
		if e.NCompletions > f.NCompletions {
			t.Errorf("%v: %d completions, the fixed run has %d", e.Key(), e.NCompletions, f.NCompletions)
		}
		if e.ModelTokens.Generate < f.ModelTokens.Generate {
			partial++
			continue
		}
		full++
		if d := cmp.Diff(f, e); d != "" {
			t.Errorf("%v at the full budget differs from the fixed run (-fixed +adaptive):\n%s", e.Key(), d)
		}
	}
	if partial == 0 {
		t.Error("the adaptive run stopped no ranking early")
	}
	if rep.TotalTokens() >= tokensOf(fixed) {
		t.Errorf("the adaptive run spent %d model tokens, the fixed one %d", rep.TotalTokens(), tokensOf(fixed))
	}
	c2 := newCLI(t)
	c2.mustRun(append(args, "--out", "adaptive", "--budget", "adaptive")...)
	for _, f := range []string{results.ResultsFile, backend.BudgetFile} {
		if !bytes.Equal(c.read("adaptive", f), c2.read("adaptive", f)) {
			t.Errorf("%s of the adaptive run differs between a warm and a cold store", f)
		}
	}
}

// tokensOf counts a run's model tokens once each: a unit's generation and
// finetuned scoring once, each reference's scoring once.
func tokensOf(res *results.Results) int64 {
	type unit struct {
		organism, variant, config string
		repeat                    int
	}
	shared := map[unit]int64{}
	var total int64
	for _, e := range res.Entries {
		if e.Score != pipeline.ScorePPLDiff || e.ModelTokens == nil {
			continue
		}
		shared[unit{e.Organism, e.Variant, e.Config, e.Repeat}] = e.ModelTokens.Generate + e.ModelTokens.ScoreFT
		total += e.ModelTokens.ScoreRef
	}
	for _, s := range shared {
		total += s
	}
	return total
}
