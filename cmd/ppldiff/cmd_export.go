package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
)

type exportOptions struct {
	storeFlag
	out string
}

func (o *exportOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.out, "out", "", "output directory (required)")
	o.storeFlag.AddFlags(cmd)
	_ = cmd.MarkFlagRequired("out")
}

func newExportCommand(a *app) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export RUN_ID --out DIR",
		Short: "Write results.json and samples.jsonl of a stored run",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, dir, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			run, err := st.GetRun(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return usagef("run %q is not in the store %s (`ppldiff runs list` lists the stored runs)", args[0], dir)
			}
			if err != nil {
				return err
			}
			out := o.out
			if !filepath.IsAbs(out) {
				out = filepath.Join(a.env.Dir, out)
			}
			if err := results.WriteFileAtomic(filepath.Join(out, results.SamplesFile), run.Samples); err != nil {
				return err
			}
			if err := results.WriteFileAtomic(filepath.Join(out, results.ResultsFile), run.Results); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "exported run %s to %s\n", args[0], out)
			return nil
		},
	}
	o.AddFlags(cmd)
	return cmd
}
