package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/reports/gate"
)

type checkOptions struct {
	baseline         string
	correction       string
	alpha            float64
	k                int
	minDetectionRate float64
	maxControlCount  float64
}

func (o *checkOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.baseline, "baseline", "", "baseline file written by `ppldiff baseline` (required)")
	f.IntVar(&o.k, "k", 100, "the k of count@k to gate on: 10 or 100")
	f.StringVar(&o.correction, "correction", string(gate.DefaultCorrection), "multiple-comparison correction across entries: bh (false discovery rate), holm (family-wise) or none")
	f.Float64Var(&o.alpha, "alpha", 0.05, "level of the drop test: the false discovery rate (bh) or family-wise error (holm)")
	f.Float64Var(&o.minDetectionRate, "min-detection-rate", 0, "fail when fewer than this share of non-control entries have count@k >= 1")
	f.Float64Var(&o.maxControlCount, "max-control-count", 0, "fail when a control's count@k exceeds this (default: judge controls against their baseline)")
	_ = cmd.MarkFlagRequired("baseline")
}

func newCheckCommand(a *app) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check DIR --baseline FILE",
		Short: "Fail (exit 5) when detection in DIR regressed against a baseline",
		Long: `Match DIR's entries to the baseline's by (organism, variant, reference,
config, score) and fail when detection falls below the baseline beyond its
uncertainty (a one-sided test per entry; across entries the p-values are
adjusted, by default controlling the false discovery rate so that re-running
with another seed does not fail) or below --min-detection-rate, when a control rises above its
ceiling, or when a baseline entry is missing from DIR. Each failing entry is
named. Exit code 5 on failure.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.k != 10 && o.k != 100 {
				return usagef("--k %d: a baseline records count@10 and count@100", o.k)
			}
			base, err := gate.ReadBaseline(a.abs(o.baseline))
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return inputErr(fmt.Errorf("%w: write a baseline first with `ppldiff baseline DIR > FILE`", err))
				}
				return inputErr(err)
			}
			corr, err := gate.ParseCorrection(o.correction)
			if err != nil {
				return usageErr(err)
			}
			if o.alpha <= 0 || o.alpha >= 1 {
				return usagef("--alpha %g: want a level between 0 and 1", o.alpha)
			}
			opts := gate.CheckOptions{K: o.k, Alpha: o.alpha, Correction: corr, MinDetectionRate: o.minDetectionRate}
			if cmd.Flags().Changed("max-control-count") {
				opts.MaxControlCount = &o.maxControlCount
			}
			rep, err := gate.Check(a.abs(args[0]), base, opts)
			if err != nil {
				return gateInputErr(err)
			}
			if err := rep.WriteText(a.env.Stdout); err != nil {
				return err
			}
			if !rep.Passed() {
				return &exitError{exitGateFailed, fmt.Errorf("regression gate failed: %d failing check(s)", len(rep.Failures()))}
			}
			return nil
		},
	}
	o.AddFlags(cmd)
	return cmd
}
