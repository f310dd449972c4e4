package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ppldiff/ppldiff/harness/corpus"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/organisms"
	"github.com/ppldiff/ppldiff/reports"
)

// detectorFor compiles an organism's detectors (the contract's rule).
func detectorFor(o *organisms.Organism) (pipeline.Detector, error) {
	m, err := o.Detectors.Compile()
	if err != nil {
		return nil, inputErr(err)
	}
	return m, nil
}

// readResults reads a run directory's results.json; a missing or malformed
// file is bad input.
func readResults(dir string) (*results.Results, error) {
	res, err := results.ReadResults(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputErr(fmt.Errorf("%s has no %s: give a run directory (written by `ppldiff run` or `ppldiff import`)", dir, results.ResultsFile))
		}
		return nil, inputErr(err)
	}
	return res, nil
}

func printSummary(w io.Writer, res *results.Results) error {
	return reports.SummaryTable(w, res, reports.Options{})
}

func writeReport(dir string) error {
	_, err := reports.Write(dir, reports.Options{})
	return err
}

// classifyRunError gives pipeline errors their exit codes.
func classifyRunError(err error) error {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return err
	case errors.Is(err, corpus.ErrBadInput):
		return inputErr(err)
	}
	return err
}
