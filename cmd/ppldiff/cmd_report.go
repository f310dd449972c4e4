package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/reports"
)

func newReportCommand(a *app) *cobra.Command {
	var table string
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Rebuild report.html, report.md and plots/ from DIR's results.json and samples.jsonl",
		Long: `Rebuild the report of a run directory from its results.json and samples.jsonl
only: no model is run. Prints the headline table too (--table full: every
entry).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(table); err != nil {
				return err
			}
			dir := args[0]
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(a.env.Dir, dir)
			}
			res, err := readResults(dir)
			if err != nil {
				return err
			}
			if err := printSummary(a.env.Stdout, res, table); err != nil {
				return err
			}
			w, err := reports.Write(dir, reports.Options{})
			if err != nil {
				return fmt.Errorf("report: %w", err) // exitTable decides: a bad samples.jsonl is input, a full disk is not
			}
			fmt.Fprintf(a.env.Stdout, "\nwrote %s, %s and %s\n", w.HTML, w.Markdown, filepath.Join(dir, reports.PlotsDir)+string(filepath.Separator))
			if len(w.Pages) > 0 {
				fmt.Fprintf(a.env.Stdout, "completions: one page per organism in %s\n", filepath.Join(dir, reports.OrganismPagesDir)+string(filepath.Separator))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&table, "table", tableHeadline, "terminal summary: headline (one row per organism x reference) or full (every entry)")
	return cmd
}
