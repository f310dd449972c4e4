package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/importer"
	"github.com/ppldiff/ppldiff/harness/results"
)

type importOptions struct{ format, out, manifest, table string }

func (o *importOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.format, "format", "z3-website", "input format: z3-website (the study authors' published completions)")
	cmd.Flags().StringVar(&o.out, "out", "", "output directory (required)")
	cmd.Flags().StringVar(&o.manifest, "manifest", "paper", "manifest whose ids and detectors apply")
	cmd.Flags().StringVar(&o.table, "table", tableHeadline, "terminal summary: headline (one row per organism x reference) or full (every entry)")
	_ = cmd.MarkFlagRequired("out")
}

func newImportCommand(a *app) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import --format z3-website FILE --out DIR",
		Short: "Import published ranked completions as a run (results.json, samples.jsonl)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(o.table); err != nil {
				return err
			}
			if o.format != "z3-website" {
				return usagef("--format %q: the only format is z3-website", o.format)
			}
			m, err := loadManifest(a.env, o.manifest)
			if err != nil {
				return err
			}
			path := args[0]
			if !filepath.IsAbs(path) {
				path = filepath.Join(a.env.Dir, path)
			}
			f, err := os.Open(path)
			if err != nil {
				return inputErr(fmt.Errorf("import: %w", err))
			}
			defer f.Close()
			res, samples, err := importer.Import(cmd.Context(), f, filepath.Base(path), m)
			if err != nil {
				return inputErr(err)
			}
			res.Run.PpldiffVersion = version
			out := o.out
			if !filepath.IsAbs(out) {
				out = filepath.Join(a.env.Dir, out)
			}
			if err := results.WriteSamples(out, samples); err != nil {
				return err
			}
			if err := results.WriteResults(out, res); err != nil {
				return err
			}
			if err := printSummary(a.env.Stdout, res, o.table); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "\nimported %d entries, %d completions into %s\n", len(res.Entries), len(samples), out)
			return nil
		},
	}
	o.AddFlags(cmd)
	return cmd
}
