package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/reports/gate"
)

type compareOptions struct {
	scores     []string
	ks         []int
	correction string
	alpha      float64
}

func (o *compareOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&o.scores, "score", nil, "compare only entries of this score (repeatable; default all)")
	f.IntSliceVar(&o.ks, "k", []int{10, 100}, "the k of count@k to compare (repeatable; k other than 10 and 100 need flagged_ranks or samples)")
	f.StringVar(&o.correction, "correction", string(gate.DefaultCorrection), "multiple-comparison correction over all rows: bh (false discovery rate), holm (family-wise) or none")
	f.Float64Var(&o.alpha, "alpha", 0.05, "significance level of the correction (two-sided)")
}

func newCompareCommand(a *app) *cobra.Command {
	o := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare DIR_A DIR_B",
		Short: "Per-entry deltas of count@k between two runs, with CIs and significance",
		Long: `Compare two run directories entry by entry, benchstat-like: count@10 and
count@100 of A and B, the change with a bootstrap confidence interval (paired
on shared prefills when both runs used the same ones), its p-value adjusted
over all rows as check does (Benjamini-Hochberg by default), and "~" where
the change is not significant. The last line sums up.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, sc := range o.scores {
				if !slices.Contains(pipeline.AllScores, sc) {
					return usagef("--score %q: want one of %s", sc, strings.Join(pipeline.AllScores, ", "))
				}
			}
			for _, k := range o.ks {
				if k < 1 {
					return usagef("--k %d: want a positive rank", k)
				}
			}
			corr, err := gate.ParseCorrection(o.correction)
			if err != nil {
				return usageErr(err)
			}
			if !(o.alpha > 0 && o.alpha < 1) {
				return usagef("--alpha %g: want a level between 0 and 1", o.alpha)
			}
			opts := gate.CompareOptions{Ks: o.ks, Alpha: o.alpha, Correction: corr, Scores: o.scores}
			c, err := gate.Compare(a.abs(args[0]), a.abs(args[1]), opts)
			if err != nil {
				return gateInputErr(err)
			}
			return c.WriteText(a.env.Stdout)
		},
	}
	o.AddFlags(cmd)
	return cmd
}
