// Command ppldiff audits finetuned language models by perplexity
// differencing and benchmarks how well that audit finds known objectives.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, OSEnv(), os.Args[1:]))
}
