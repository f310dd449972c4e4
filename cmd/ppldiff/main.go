// Command ppldiff audits finetuned language models by perplexity
// differencing and benchmarks how well that audit finds known objectives.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	setGCPercent(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, OSEnv(), os.Args[1:]))
}

// defaultGCPercent is the collector's GOGC when the environment sets none.
const defaultGCPercent = 50

// setGCPercent lets the heap grow by half its live size between
// collections, not Go's default of all of it, unless GOGC is set. A run's
// live heap is mostly models and cached rows, freed and replaced unit after
// unit; the default headroom made the default matrix's peak RSS about 90 MB
// higher (README, "Benchmarks": memory of the default run).
func setGCPercent(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}
