package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/reports"
)

// readResults reads a run directory's results.json; a missing or malformed
// file is bad input.
func readResults(dir string) (*results.Results, error) {
	res, err := results.ReadResults(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputErr(fmt.Errorf("%s has no %s: give a run directory (written by `ppldiff run` or `ppldiff import`)", dir, results.ResultsFile))
		}
		return nil, err // exitTable: results.ErrInvalid
	}
	return res, nil
}

// Values of --table: what `run`, `report` and `import` print.
const (
	tableHeadline = "headline" // one row per organism x reference: a screen, not 396 rows
	tableFull     = "full"     // every organism x variant x reference x config
)

func checkTable(v string) error {
	if v != tableHeadline && v != tableFull {
		return usagef("--table %q: want %s or %s", v, tableHeadline, tableFull)
	}
	return nil
}

// printSummary prints a run's results for a terminal, as --table says.
func printSummary(w io.Writer, res *results.Results, table string) error {
	if table == tableFull {
		return reports.SummaryTable(w, res, reports.Options{})
	}
	if err := reports.HeadlineTable(w, res, reports.Options{}); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "(--table %s prints all %d entries of this score)\n", tableFull, countScore(res, reports.DefaultScore))
	return err
}

func countScore(res *results.Results, score string) int {
	n := 0
	for _, e := range res.Entries {
		if e.Score == score {
			n++
		}
	}
	return n
}

func writeReport(dir string) error {
	_, _, err := reports.WriteIfChanged(dir, reports.Options{})
	return err
}
