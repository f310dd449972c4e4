package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/ppldiff/ppldiff/harness/backend"
	"github.com/ppldiff/ppldiff/harness/corpus"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/remote"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
	"github.com/ppldiff/ppldiff/organisms"
	"github.com/ppldiff/ppldiff/reports/gate"
)

// Exit codes, listed in `ppldiff --help`.
const (
	exitOK          = 0
	exitFailure     = 1 // an unexpected failure: a bug, a disk error
	exitUsage       = 2 // bad flags, unknown config key, bad configuration value
	exitInput       = 3 // bad input data: a manifest, corpus, results, baseline or import file missing or malformed
	exitBackend     = 4 // a model server is unreachable, refuses, or lacks a capability
	exitGateFailed  = 5 // `ppldiff check` found a regression
	exitInterrupted = 130
)

const exitCodesHelp = `Exit codes:
  0    success
  1    unexpected failure
  2    usage: bad flag, unknown config key, invalid setting
  3    bad input: a manifest, corpus, results, baseline or import file is missing
       or malformed (the message names file and line)
  4    model backend: server unreachable, model not served, missing capability
  5    regression gate failed (ppldiff check)
  130  interrupted (re-run the same command to resume)`

// classified errors carry their exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error   { return &exitError{exitUsage, err} }
func inputErr(err error) error   { return &exitError{exitInput, err} }
func backendErr(err error) error { return &exitError{exitBackend, err} }

func usagef(format string, a ...any) error { return usageErr(fmt.Errorf(format, a...)) }

// exitTable maps the typed errors of the libraries (matched with
// errors.Is, never by their text) to exit codes. The first match wins.
var exitTable = []struct {
	target error
	code   int
}{
	{context.Canceled, exitInterrupted},
	// What harness/backend found wrong with a run's settings or inputs.
	{backend.ErrSetting, exitUsage},
	{backend.ErrInput, exitInput},
	{backend.ErrServer, exitBackend},
	{pipeline.ErrConfig, exitUsage},
	{organisms.ErrInvalid, exitInput},
	{corpus.ErrBadInput, exitInput},
	{results.ErrInvalid, exitInput},
	{gate.ErrBadBaseline, exitInput},
	{store.ErrCorrupt, exitInput},
	// Model backends: exitCode matches *remote.Error by type (errors.As);
	// the CLI's backendErr covers what it checks itself.
	// A file the user named that is not there.
	{fs.ErrNotExist, exitInput},
}

// exitCode maps an error to the process exit code; the one place that does.
// The CLI's own checks carry their code (exitError); library errors are
// looked up in exitTable; anything else is an unexpected failure.
func exitCode(err error) int {
	var ee *exitError
	var re *remote.Error
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &re):
		// A model server that failed mid-run: unreachable, timing out or
		// refusing past the retries.
		return exitBackend
	}
	for _, row := range exitTable {
		if errors.Is(err, row.target) {
			return row.code
		}
	}
	return exitFailure
}
