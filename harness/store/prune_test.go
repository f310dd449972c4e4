package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestClearCacheAndCompact: clearing the cache keeps runs, and compacting
// gives the space back.
func TestClearCacheAndCompact(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	big := []byte(strings.Repeat("completion text ", 4096))
	var cs []Completion
	for i := range 200 {
		cs = append(cs, Completion{Key: "k" + string(rune('a'+i%26)) + strings.Repeat("x", i), Model: "m", PrefillKey: "p", Tokens: []int{1, 2, 3}, Text: big, Logprobs: []float64{-1, -2, -3}, FinishReason: "length"})
	}
	if err := s.PutCompletions(ctx, cs); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRun(ctx, Run{ID: "r1", ConfigJSON: []byte("{}"), Results: []byte("{}"), Samples: []byte(""), Status: "complete"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	full := s.Size()
	before, err := s.ClearCache(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before.Completions != 200 {
		t.Errorf("ClearCache reports %d completions before, want 200", before.Completions)
	}
	if err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Completions != 0 || st.Runs != 1 {
		t.Errorf("after clearing: %+v, want no completions and the run kept", st)
	}
	if after := s.Size(); after*4 > full {
		t.Errorf("store is %d bytes after compacting, was %d: the space was not given back", after, full)
	}
}
