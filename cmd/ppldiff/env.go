package main

import (
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
)

// Env is the process state a command touches: streams, environment,
// working directory and clock. Tests build one to drive the real CLI
// in-process.
type Env struct {
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	Getenv     func(string) string
	Environ    func() []string
	Dir        string           // working directory
	Now        func() time.Time // wall clock, for run-log.json only
	IsTerminal bool             // stderr is a terminal: draw progress bars
	// Observe, when set, sees every progress step (tests use it to
	// interrupt a run at a chosen point).
	Observe func(stage string, done int64)
}

// OSEnv is the environment of the real process.
func OSEnv() *Env {
	wd, _ := os.Getwd()
	return &Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, Environ: os.Environ, Dir: wd, Now: time.Now,
		IsTerminal: isatty.IsTerminal(os.Stderr.Fd()),
	}
}
