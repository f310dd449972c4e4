package main

import (
	"context"
	"flag"
	"os"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/ppldiff/ppldiff/harness/memwatch"
)

var memProfile = flag.String("mem-profile", "", "BenchmarkDefaultRunMemory: write a heap profile taken at the run's peak live heap to this file")

// BenchmarkDefaultRunMemory runs the default `ppldiff run` in-process in a
// cold workspace, then again in the same workspace (everything cached), and
// reports each run's peak live heap (sampled every 50 ms; dead objects not
// yet swept count) and the process's peak resident set (VmHWM, Linux, reset
// before each run). The collector is set as main sets it (setGCPercent). -mem-profile FILE writes, per run,
// FILE.cold and FILE.rerun: a heap profile taken (after a GC) whenever the
// live heap grew 10% past the last one, so the last is near the peak:
// `go tool pprof -sample_index=inuse_space FILE.cold` shows what holds it.
//
//	go test -run '^$' -bench DefaultRunMemory -benchtime 1x ./cmd/ppldiff -args -mem-profile=heap.pprof
func BenchmarkDefaultRunMemory(b *testing.B) {
	if testing.Short() {
		b.Skip("runs the full default matrix twice")
	}
	c := newCLI(b)
	prev := debug.SetGCPercent(100) // reads the current setting
	debug.SetGCPercent(prev)
	setGCPercent(os.Getenv)
	b.Cleanup(func() { debug.SetGCPercent(prev) })
	for _, name := range []string{"cold", "rerun"} {
		b.Run(name, func(b *testing.B) {
			file := ""
			if *memProfile != "" {
				file = *memProfile + "." + name
			}
			for b.Loop() {
				runtime.GC()
				debug.FreeOSMemory()
				memwatch.ResetPeakRSS()
				stop := memwatch.Watch(file)
				if code := c.run(context.Background(), "run", "--store", c.path("store"), "--out", c.path("out")); code != 0 {
					b.Fatalf("exit %d\n%s", code, c.stderr.String())
				}
				b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
			}
			b.ReportMetric(float64(memwatch.PeakRSS())/(1<<20), "peak-RSS-MB")
		})
	}
}
