package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
)

// WriteOutputs writes results.json and samples.jsonl into out and records
// them in the store so `ppldiff export` can write them again.
func WriteOutputs(ctx context.Context, st *store.Store, out string, oc *pipeline.Outcome) error {
	rb, err := results.Marshal(oc.Results)
	if err != nil {
		return err
	}
	cfg, _ := json.Marshal(oc.Results.Run.Config)
	// The store keeps the packed samples as they are; the file gets them
	// unpacked a block at a time, never whole in memory.
	if err := st.PutRun(ctx, store.Run{ID: oc.Results.Run.ID, ConfigJSON: cfg, Results: rb, Packed: oc.Samples, Status: "complete"}); err != nil {
		return fmt.Errorf("store run: %w", err)
	}
	err = results.WriteAtomic(filepath.Join(out, results.SamplesFile), func(w io.Writer) error {
		_, err := oc.Samples.WriteTo(w)
		return err
	})
	if err != nil {
		return err
	}
	return results.WriteFileAtomic(filepath.Join(out, results.ResultsFile), rb)
}

// WriteRunLog writes out/run-log.json, moving an earlier invocation's log
// aside first (see keepRunLog).
func WriteRunLog(out string, rl results.RunLog) error {
	if rl.Warnings == nil {
		rl.Warnings = []string{}
	}
	b, _ := json.MarshalIndent(rl, "", "  ")
	if err := keepRunLog(out); err != nil {
		return err
	}
	return results.WriteFileAtomic(filepath.Join(out, results.RunLogFile), append(b, '\n'))
}

// keepRunLog moves an earlier invocation's run-log.json in out aside, to
// run-log.N.json with the next free N (1, 2, ...), so every invocation that
// wrote to out keeps its log (its times, host and work done) and
// run-log.json is always the latest.
func keepRunLog(out string) error {
	cur := filepath.Join(out, results.RunLogFile)
	if _, err := os.Stat(cur); err != nil {
		return nil
	}
	stem := strings.TrimSuffix(results.RunLogFile, ".json")
	for n := 1; ; n++ {
		prev := filepath.Join(out, fmt.Sprintf("%s.%d.json", stem, n))
		if _, err := os.Stat(prev); err == nil {
			continue
		}
		if err := os.Rename(cur, prev); err != nil {
			return fmt.Errorf("keep the earlier %s: %w", results.RunLogFile, err)
		}
		return nil
	}
}

// BudgetFile is what an adaptive run writes beside results.json.
const BudgetFile = "budget.json"

// WriteBudget writes an adaptive run's budget.json into out and says in a
// line on w what it spent; a fixed run (rep nil) writes nothing.
func WriteBudget(w io.Writer, out string, rep *pipeline.BudgetReport) error {
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
