package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
)

// BudgetFile is what an adaptive run writes beside results.json.
const BudgetFile = "budget.json"

// writeBudget writes an adaptive run's budget.json and says in a line what
// it spent; a fixed run (no report) writes nothing.
func writeBudget(w io.Writer, out string, rep *pipeline.BudgetReport) error {
	if rep == nil {
		return nil
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := results.WriteFileAtomic(filepath.Join(out, BudgetFile), append(b, '\n')); err != nil {
		return err
	}
	detected, leaks := 0, 0
	for _, p := range rep.Pairs {
		if p.FirstDetection != nil {
			detected++
		}
		if p.Decision == "leaks" {
			leaks++
		}
	}
	fmt.Fprintf(w, "adaptive budget: %d model tokens; %d of %d organism variant x reference pairs detected, %d decided to leak (count@%d >= %g, error rate %g each way); per pair in %s\n",
		rep.TotalTokens(), detected, len(rep.Pairs), leaks, rep.K, rep.Threshold, rep.Alpha, BudgetFile)
	return nil
}
