package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Storing the same run again compresses nothing and changes only its
// update time; a run with other bytes, or a damaged stored one, is
// written whole.
func TestPutRunAgainOnlyMovesItsTime(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	compressed, _ := countCompressions(t)
	samples := rankLines(100)
	r := Run{ID: "run-a", ConfigJSON: []byte(`{"seed":1}`), Results: []byte(`{"entries":[]}`), Samples: samples, Status: "complete"}
	put := func(r Run) *Run {
		t.Helper()
		if err := s.PutRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(r, *got, cmpopts.IgnoreFields(Run{}, "Created", "Updated")); d != "" {
			t.Fatalf("stored run (-want +got):\n%s", d)
		}
		return got
	}
	first := put(r)
	second := put(r)
	if *compressed != 1 {
		t.Errorf("samples compressed %d times for two puts of the same run, want 1", *compressed)
	}
	if !second.Created.Equal(first.Created) || second.Updated.Before(first.Updated) {
		t.Errorf("times after the second put: %v %v, first %v %v", second.Created, second.Updated, first.Created, first.Updated)
	}
	r.Samples = append(samples, "{}\n"...)
	put(r)
	r.Status = "failed"
	put(r)
	if *compressed != 3 {
		t.Errorf("%d compressions after two changed puts, want 3", *compressed)
	}
	// A stored run that fails its checksum is replaced, not kept.
	if _, err := s.db.ExecContext(ctx, `UPDATE runs SET results = CAST('{"entries":[1]}' AS BLOB) WHERE id = 'run-a'`); err != nil {
		t.Fatal(err)
	}
	put(r)
	if *compressed != 4 {
		t.Errorf("%d compressions after a damaged stored run, want 4", *compressed)
	}
}

// A run whose samples come packed is stored with them as they are, never
// compressed here, and storing it again only moves its time.
func TestPutRunPackedStoresThePackedBytes(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	compressed, orig := countCompressions(t)
	samples := rankLines(100)
	r := Run{ID: "run-p", ConfigJSON: []byte(`{}`), Results: []byte(`{}`), Packed: orig(samples), Status: "complete"}
	for range 2 {
		if err := s.PutRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Samples) != string(samples) {
		t.Errorf("stored samples %q..., want %q...", got.Samples[:min(20, len(got.Samples))], samples[:20])
	}
	if *compressed != 0 {
		t.Errorf("samples compressed %d times, want 0: they came packed", *compressed)
	}
	if !s.storedAs(ctx, r) {
		t.Error("the stored run does not compare equal to the run it was stored from")
	}
	r.Packed = orig(append(samples, "{}\n"...))
	if s.storedAs(ctx, r) {
		t.Error("a run with other samples compares equal to the stored one")
	}
}

// countCompressions counts the calls of compressSamples until the test
// ends, and returns the uncounted original.
func countCompressions(t *testing.T) (*int, func([]byte) []byte) {
	n := new(int)
	orig := compressSamples
	compressSamples = func(b []byte) []byte { *n++; return orig(b) }
	t.Cleanup(func() { compressSamples = orig })
	return n, orig
}

// rankLines is n lines of samples.jsonl-like JSON.
func rankLines(n int) []byte {
	var b []byte
	for i := range n {
		b = fmt.Appendf(b, `{"rank":%d}`+"\n", i+1)
	}
	return b
}
