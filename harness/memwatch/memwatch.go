// Package memwatch measures memory for the benchmarks: the process's peak
// resident set and a heap profile taken near the peak live heap.
package memwatch

import (
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PeakRSS is the process's peak resident set (VmHWM) in bytes; 0 off Linux.
func PeakRSS() uint64 {
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

// ResetPeakRSS restarts the kernel's peak count (Linux: 5 to clear_refs),
// so that a later PeakRSS covers only what ran since.
func ResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// Watch samples the live heap every 50 ms until the returned function is
// called, which returns the largest sample (dead objects not yet swept
// count). With a file name it rewrites a heap profile there, after a GC,
// whenever the live heap grew 10% past the last one written, so the last
// profile is near the peak.
func Watch(file string) (stop func() uint64) {
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
				runtime.GC() // a profile's in-use numbers are as of the last GC
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
