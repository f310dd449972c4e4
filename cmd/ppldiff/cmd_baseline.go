package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/reports/gate"
)

func newBaselineCommand(a *app) *cobra.Command {
	return &cobra.Command{
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
			return gate.WriteBaseline(a.env.Stdout, b)
		},
	}
}

// gateInputErr maps a missing run directory to a usage error and anything
// else unreadable to bad input.
func gateInputErr(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return usagef("%v: give a run directory (written by `ppldiff run` or `ppldiff import`)", err)
	}
	return inputErr(err)
}

func (a *app) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(a.env.Dir, p)
}
