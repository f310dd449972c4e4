package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
)

type exportOptions struct{ out, store string }

func (o *exportOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.out, "out", "", "output directory (required)")
	cmd.Flags().StringVar(&o.store, "store", "", "store directory (default <workspace>/.ppldiff)")
	_ = cmd.MarkFlagRequired("out")
}

func newExportCommand(a *app) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export RUN_ID --out DIR",
		Short: "Write results.json and samples.jsonl of a stored run",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.loader()
			if err != nil {
				return err
			}
			if err := l.bind(cmd.Flags(), map[string]string{"store": "store"}); err != nil {
				return err
			}
			s, err := l.settings()
			if err != nil {
				return err
			}
			path := filepath.Join(l.storeDir(s), store.FileName)
			if !fileExists(path) {
				return inputErr(fmt.Errorf("no store at %s: run `ppldiff run` in this workspace first, or give --store DIR", path))
			}
			st, err := store.Open(path)
			if err != nil {
				return fmt.Errorf("open store: %w", err)
			}
			defer st.Close()
			run, err := st.GetRun(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return usagef("run %q is not in the store %s (runs are listed in the store's runs table; run ids are printed by `ppldiff run`)", args[0], l.storeDir(s))
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
