package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/reports/gate"
)

func newBaselineCommand(a *app) *cobra.Command {
	var score string
	cmd := &cobra.Command{
		Use:   "baseline DIR",
		Short: "Print a regression baseline of a run directory (redirect it to a file)",
		Long: `Print a baseline (JSON, schema ppldiff/baseline/v1) of DIR's detection
numbers with their uncertainty. Commit it, then gate later runs with
'ppldiff check DIR --baseline FILE'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := gate.NewBaseline(a.abs(args[0]))
			if err != nil {
				return gateInputErr(err)
			}
			if score != "all" {
				if !slices.Contains(pipeline.AllScores, score) {
					return usagef("--score %q: want all or one of %s", score, strings.Join(pipeline.AllScores, ", "))
				}
				b.Entries = slices.DeleteFunc(b.Entries, func(e gate.BaselineEntry) bool { return e.Score != score })
			}
			return gate.WriteBaseline(a.env.Stdout, b)
		},
	}
	// ppl_diff is the ranking the method reads; the other scores are
	// diagnostics, and gating them too would triple the tests the
	// correction has to pay for.
	cmd.Flags().StringVar(&score, "score", pipeline.ScorePPLDiff, "score whose entries the baseline holds, or all")
	return cmd
}

// gateInputErr maps a missing run directory to a usage error and anything
// else unreadable to bad input.
func gateInputErr(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return inputErr(fmt.Errorf("%w: give a run directory (written by `ppldiff run` or `ppldiff import`)", err))
	}
	return inputErr(err)
}

func (a *app) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(a.env.Dir, p)
}
