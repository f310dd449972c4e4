package main

import (
	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/reports/gate"
)

func newCompareCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "compare DIR_A DIR_B",
		Short: "Per-entry deltas of count@k between two runs, with CIs and significance",
		Long: `Compare two run directories entry by entry, benchstat-like: count@10 and
count@100 of A and B, the change with a bootstrap confidence interval (paired
on shared prefills when both runs used the same ones), and "~" where the
change is not significant.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := gate.Compare(a.abs(args[0]), a.abs(args[1]), gate.CompareOptions{})
			if err != nil {
				return gateInputErr(err)
			}
			return c.WriteText(a.env.Stdout)
		},
	}
}
