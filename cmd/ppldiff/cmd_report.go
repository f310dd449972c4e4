package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
)

func newReportCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Rebuild report.html, report.md and plots/ from DIR's results.json and samples.jsonl",
		Long: `Rebuild the report of a run directory from its results.json and samples.jsonl
only: no model is run. Prints the summary table too.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(a.env.Dir, dir)
			}
			res, err := readResults(dir)
			if err != nil {
				return err
			}
			if err := printSummary(a.env.Stdout, res); err != nil {
				return err
			}
			if err := writeReport(dir); err != nil {
				return inputErr(fmt.Errorf("report: %w", err))
			}
			fmt.Fprintf(a.env.Stdout, "\nwrote %s, %s and %s\n", filepath.Join(dir, "report.html"),
				filepath.Join(dir, "report.md"), filepath.Join(dir, "plots")+string(filepath.Separator))
			return nil
		},
	}
}
