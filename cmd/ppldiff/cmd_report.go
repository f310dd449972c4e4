package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/results"
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
			for _, n := range incompleteNotes(dir) {
				fmt.Fprintf(a.env.Stderr, "ppldiff: note: %s\n", n)
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

// incompleteNotes says what a run directory lacks of what a finished
// `ppldiff run` writes (samples.jsonl, run-log.json, then the report), and
// which interrupted writes left temporary files: the report rebuilt from
// such a directory may show less than the run would have.
func incompleteNotes(dir string) []string {
	var notes []string
	missing := func(f string) bool {
		_, err := os.Stat(filepath.Join(dir, f))
		return errors.Is(err, fs.ErrNotExist)
	}
	if missing(results.SamplesFile) {
		notes = append(notes, fmt.Sprintf("%s has no %s: the report has no completion listings or score plots", dir, results.SamplesFile))
	}
	if missing(results.RunLogFile) {
		notes = append(notes, fmt.Sprintf("%s has no %s: the run that wrote it was interrupted before it finished (re-run the same `ppldiff run` to complete it), or the directory is an import or export", dir, results.RunLogFile))
	} else if missing("report.html") {
		notes = append(notes, fmt.Sprintf("%s had no report.html: its run was interrupted while writing the report or ran with --no-report; rebuilding it now", dir))
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*")); len(tmps) > 0 {
		notes = append(notes, fmt.Sprintf("%s holds %d temporary file(s) of interrupted writes (%s); the next `ppldiff run` writing there removes them", dir, len(tmps), filepath.Base(tmps[0])))
	}
	return notes
}
