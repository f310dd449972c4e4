package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/backend"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
)

var budgetArgs = flag.String("budget-args", "", "BenchmarkAdaptiveBudget: run flags beside the default matrix's, e.g. '--matrix study'")

// BenchmarkAdaptiveBudget runs a matrix (the default; -budget-args
// '--matrix study' for the study's) with the fixed budget, then with
// --budget adaptive in the same store, and reports the adaptive run's model
// tokens against the fixed run's: the whole run, to first detection and to
// a decided count@100 (over the pairs the fixed run detects, and over all),
// and the pairs the fixed run detects that the adaptive one missed. The
// ratios count tokens from the results, so the shared store (the adaptive
// run finds everything cached) does not change them; ns/op is the
// adaptive run's time with a warm store and means little.
//
//	go test -run '^$' -bench AdaptiveBudget -benchtime 1x ./cmd/ppldiff
func BenchmarkAdaptiveBudget(b *testing.B) {
	if testing.Short() {
		b.Skip("runs a full matrix twice")
	}
	c := newCLI(b)
	args := append([]string{"run", "--store", c.path("store"), "--no-report"}, strings.Fields(*budgetArgs)...)
	if code := c.run(context.Background(), append(args, "--out", c.path("fixed"))...); code != 0 {
		b.Fatalf("fixed run: exit %d\n%s", code, c.stderr.String())
	}
	b.ResetTimer()
	for b.Loop() {
		if code := c.run(context.Background(), append(args, "--out", c.path("adaptive"), "--budget", "adaptive")...); code != 0 {
			b.Fatalf("adaptive run: exit %d\n%s", code, c.stderr.String())
		}
	}
	b.StopTimer()
	fixed, err := results.ReadResults(c.path("fixed"))
	if err != nil {
		b.Fatal(err)
	}
	var rep pipeline.BudgetReport
	if err := json.Unmarshal(c.read("adaptive", backend.BudgetFile), &rep); err != nil {
		b.Fatal(err)
	}
	det := fixedDetections(fixed)
	pairTokens := map[budgetPairKey]int64{}
	for _, e := range fixed.Entries {
		if e.Score == pipeline.ScorePPLDiff && e.ModelTokens != nil {
			pairTokens[budgetPairKey{e.Organism, e.Variant, e.Reference, e.Repeat}] += e.ModelTokens.Generate + e.ModelTokens.ScoreFT + e.ModelTokens.ScoreRef
		}
	}
	var fixedDet, toFirst, fixedAll, toDecided, missed, nDet float64
	// Where the fixed run's detections are first seen, and where each pair
	// is decided: pairs by prefills per config at that look.
	firstAt, decidedAt := map[int]int{}, map[int]int{}
	// Pairs that took set-aside configs up again, and the decided tokens of
	// the pairs the fixed run does not detect (they run the full budget).
	var resumed, picked int
	var undetectedDecided float64
	for _, p := range rep.Pairs {
		k := budgetPairKey{p.Organism, p.Variant, p.Reference, p.Repeat}
		fixedAll += float64(pairTokens[k])
		toDecided += float64(p.Decided.ModelTokens)
		decidedAt[p.Decided.Prefills]++
		if p.Resumed {
			resumed++
		}
		picked += len(p.Picked)
		if !det[k] {
			undetectedDecided += float64(p.Decided.ModelTokens)
			continue
		}
		nDet++
		fixedDet += float64(pairTokens[k])
		if p.FirstDetection == nil {
			missed++
			b.Logf("missed: %v", k)
			continue
		}
		toFirst += float64(p.FirstDetection.ModelTokens)
		firstAt[p.FirstDetection.Prefills]++
	}
	b.Logf("looks %v; detected pairs by the look of their first detection: %s; all pairs by the look that decided them: %s",
		rep.Looks, byLook(rep.Looks, firstAt), byLook(rep.Looks, decidedAt))
	b.Logf("configs picked by the pilot: %.2f a pair; %d of %d pairs resumed set-aside configs; the pairs the fixed run does not detect spent %.3f of all pairs' fixed tokens to their decision",
		float64(picked)/float64(len(rep.Pairs)), resumed, len(rep.Pairs), undetectedDecided/fixedAll)
	b.ReportMetric(float64(rep.TotalTokens())/float64(tokensOf(fixed)), "run-tokens/fixed")
	b.ReportMetric(toFirst/fixedDet, "first-detection/fixed")
	b.ReportMetric(toDecided/fixedAll, "decided/fixed")
	b.ReportMetric(nDet, "pairs-detected-fixed")
	b.ReportMetric(missed, "pairs-missed")
}

// byLook renders pairs counted by look as "16:3 32:5 ...", in the
// schedule's order (a short corpus's unit may stop at another size: those
// follow, sorted).
func byLook(looks []int, n map[int]int) string {
	var parts []string
	seen := map[int]bool{}
	for _, m := range looks {
		seen[m] = true
		parts = append(parts, fmt.Sprintf("%d:%d", m, n[m]))
	}
	for _, m := range slices.Sorted(maps.Keys(n)) {
		if !seen[m] {
			parts = append(parts, fmt.Sprintf("%d:%d", m, n[m]))
		}
	}
	return strings.Join(parts, " ")
}
