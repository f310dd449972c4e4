package pipeline

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/memwatch"
	"github.com/ppldiff/ppldiff/harness/store"
)

var scaleProfile = flag.String("mem-profile", "", "BenchmarkCompletionsMemory: write FILE.<n>, a heap profile near each size's peak")

func profile(n int) string {
	if *scaleProfile == "" {
		return ""
	}
	return fmt.Sprintf("%s.%d", *scaleProfile, n)
}

// BenchmarkCompletionsMemory runs one synthetic unit of 100k, 300k and 1M
// completions (the test world's trigram organism, raw prefills of 8 tokens
// cut from generated documents that open with random letters, so prefills
// are distinct; two references, one of another tokenizer) with a cache that
// keeps nothing, and reports each size's peak resident set: the memory the
// pipeline itself holds as the number of completions grows.
//
//	go test -run '^$' -bench CompletionsMemory -benchtime 1x ./harness/pipeline
func BenchmarkCompletionsMemory(b *testing.B) {
	if testing.Short() {
		b.Skip("generates 1.4M completions")
	}
	w := newTestWorld(b)
	for _, n := range []int{100_000, 300_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%dk", n/1000), func(b *testing.B) {
			cfg := testConfig()
			cfg.Prefills = []string{"synthetic-raw"}
			cfg.N, cfg.PrefillTokens, cfg.MaxNewTokens = n, 8, 32
			cfg.Corpora = map[string]string{"synthetic": "synthetic"}
			corpora := CorpusSet{"synthetic": {Hash: "synthetic", Open: func() (DocSource, error) {
				return &syntheticDocs{n: prefillOversample * n}, nil
			}}}
			p, err := MakePlan(cfg, w.manifest, w)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				runtime.GC()
				debug.FreeOSMemory()
				memwatch.ResetPeakRSS()
				stop := memwatch.Watch(profile(n))
				oc, err := Run(context.Background(), p, Options{Manifest: w.manifest, Models: w, Corpora: corpora,
					Cache: discardCache{}, Detect: compileDetector, Version: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
				if got := oc.Results.Entries[0].NCompletions; got < n/2 {
					b.Fatalf("%d completions ranked of %d", got, n)
				}
			}
			b.ReportMetric(float64(memwatch.PeakRSS())/(1<<20), "peak-RSS-MB")
		})
	}
}

// syntheticDocs generates n documents: 12 random letters, then sentences.
type syntheticDocs struct{ n, i int }

func (s *syntheticDocs) Next() (Document, error) {
	if s.i >= s.n {
		return Document{}, io.EOF
	}
	r := rand.New(rand.NewPCG(uint64(s.i), 7))
	var t strings.Builder
	for range 12 {
		t.WriteByte(byte('a' + r.IntN(26)))
	}
	t.WriteString(" " + sentence(r) + " " + sentence(r))
	s.i++
	return Document{Index: s.i - 1, Text: []byte(t.String())}, nil
}

func (s *syntheticDocs) Close() error { return nil }

// discardCache stores nothing, so only the pipeline's own memory is measured.
type discardCache struct{}

func (discardCache) GetCompletions(context.Context, []string) (map[string]store.Completion, error) {
	return nil, nil
}
func (discardCache) PutCompletions(context.Context, []store.Completion) error { return nil }
func (discardCache) GetScores(context.Context, []string) (map[string]store.Scores, error) {
	return nil, nil
}
func (discardCache) PutScores(context.Context, []store.Scores) error { return nil }
func (discardCache) GetPrefills(context.Context, []string) (map[string]store.Prefill, error) {
	return nil, nil
}
func (discardCache) PutPrefills(context.Context, []store.Prefill) error { return nil }
func (discardCache) GetBundles(context.Context, []string) (map[string][]byte, error) {
	return nil, nil
}
func (discardCache) PutBundles(context.Context, []store.Bundle) error { return nil }
