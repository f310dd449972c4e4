package main

import (
	"context"
	"flag"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var memProfile = flag.String("mem-profile", "", "BenchmarkDefaultRunMemory: write a heap profile taken at the run's peak live heap to this file")

// BenchmarkDefaultRunMemory runs the default `ppldiff run` in-process in a
// cold workspace, then again in the same workspace (everything cached), and
// reports each run's peak live heap (sampled every 50 ms; dead objects not
// yet swept count) and the process's peak resident set (VmHWM, Linux; after
// the cold run it is the cold run's). -mem-profile FILE writes, per run,
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
	for _, name := range []string{"cold", "rerun"} {
		b.Run(name, func(b *testing.B) {
			file := ""
			if *memProfile != "" {
				file = *memProfile + "." + name
			}
			for b.Loop() {
				stop := watchHeap(file)
				if code := c.run(context.Background(), "run", "--store", c.path("store"), "--out", c.path("out")); code != 0 {
					b.Fatalf("exit %d\n%s", code, c.stderr.String())
				}
				b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
			}
			b.ReportMetric(float64(vmHWM())/(1<<20), "peak-RSS-MB")
		})
	}
}

// watchHeap samples the live heap until the returned function is called,
// which returns the largest sample; with a file name it rewrites a heap
// profile there whenever the live heap grows 10% past the last one written.
func watchHeap(file string) func() uint64 {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var written uint64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(s)
			v := s[0].Value.Uint64()
			peak = max(peak, v)
			if file != "" && v > written+written/10 {
				runtime.GC() // the profile's inuse numbers are as of the last GC
				if f, err := os.Create(file); err == nil {
					pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
					written = v
				}
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// vmHWM is the process's peak resident set in bytes (0 off Linux).
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
