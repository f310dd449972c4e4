package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCompletionsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	want := []Completion{
		syntheticCompletion(testKey("c", 0), 100),
		syntheticCompletion(testKey("c", 1), 1),
		{Key: testKey("c", 2), Model: "m", FinishReason: "stop"}, // empty generation
	}
	if err := s.PutCompletions(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCompletions(ctx, []string{want[0].Key, want[1].Key, want[2].Key, testKey("absent")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d completions, want %d (the absent key must be left out)", len(got), len(want))
	}
	for _, w := range want {
		if diff := cmp.Diff(w, got[w.Key]); diff != "" {
			t.Errorf("completion %s (-want +got):\n%s", w.Key[:8], diff)
		}
	}
}

func TestScoresAndPrefillsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	sc := syntheticScores(testKey("s", 0), 100)
	if err := s.PutScores(ctx, []Scores{sc}); err != nil {
		t.Fatal(err)
	}
	gotScores, err := s.GetScores(ctx, []string{sc.Key})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sc, gotScores[sc.Key]); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}

	p := Prefill{Key: testKey("p", 0), Source: "web.jsonl:17", Index: 16, Tokens: []int{791, 4062, 14198}, Text: []byte("The quick brown")}
	if err := s.PutPrefills(ctx, []Prefill{p}); err != nil {
		t.Fatal(err)
	}
	gotPrefills, err := s.GetPrefills(ctx, []string{p.Key})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, gotPrefills[p.Key]); diff != "" {
		t.Errorf("prefill (-want +got):\n%s", diff)
	}
}

func TestPutIsIdempotentAndNeverOverwrites(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var batch []Completion
	for i := range 50 {
		batch = append(batch, syntheticCompletion(testKey("c", i), 20))
	}
	for range 3 {
		if err := s.PutCompletions(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	changed := batch[0]
	changed.Text = []byte("different content under the same key")
	if err := s.PutCompletions(ctx, []Completion{changed}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Completions != int64(len(batch)) {
		t.Errorf("Stats.Completions = %d after putting %d keys three times, want %d", st.Completions, len(batch), len(batch))
	}
	got, err := s.GetCompletions(ctx, []string{batch[0].Key})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(batch[0], got[batch[0].Key]); diff != "" {
		t.Errorf("a re-put with other content changed the stored row (-first +stored):\n%s", diff)
	}
}

func TestPutRejectsBadItemsAndStoresNothingOfTheBatch(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	good := syntheticCompletion(testKey("good"), 5)
	cases := map[string]Completion{
		"empty key":       {Model: "m"},
		"token too large": {Key: testKey("big"), Tokens: []int{1 << 40}},
	}
	for name, bad := range cases {
		if err := s.PutCompletions(ctx, []Completion{good, bad}); err == nil {
			t.Errorf("%s: PutCompletions accepted it", name)
		}
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Completions != 0 {
		t.Errorf("a rejected batch left %d rows behind, want 0", st.Completions)
	}
}

// TestGetManyKeys asks for more keys than SQLite's default bound-variable
// limit (32766) in one call.
func TestGetManyKeys(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	const stored, asked = 5000, 40000
	var batch []Prefill
	for i := range stored {
		batch = append(batch, Prefill{Key: testKey("p", i), Source: fmt.Sprintf("c.txt:%d", i+1), Index: i, Tokens: []int{i, i + 1, i + 2}})
	}
	if err := s.PutPrefills(ctx, batch); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, asked)
	for i := range keys {
		keys[i] = testKey("p", i) // the first 5000 exist
	}
	got, err := s.GetPrefills(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != stored {
		t.Fatalf("got %d prefills, want %d", len(got), stored)
	}
	for i := range stored {
		p, ok := got[testKey("p", i)]
		if !ok || p.Index != i || p.Tokens[2] != i+2 {
			t.Fatalf("prefill %d: got %+v", i, p)
		}
	}
	if got, err := s.GetPrefills(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("GetPrefills(nil) = %v, %v; want empty, nil", got, err)
	}
}

// TestConcurrentWriters runs overlapping writers and readers on one handle
// and on a second handle of the same file (separate connection pools, so
// SQLite's file locking and busy timeout arbitrate as between processes).
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	handles := make([]*Store, 2)
	for i := range handles {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		handles[i] = s
	}
	const writers, batches, perBatch, distinct = 6, 10, 20, 300
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for w := range writers {
		s := handles[w%2]
		wg.Go(func() {
			for b := range batches {
				var batch []Completion
				for i := range perBatch {
					// Writers overlap: key k is written by several of them.
					k := (w*37 + b*perBatch + i) % distinct
					batch = append(batch, syntheticCompletion(testKey("k", k), 10))
				}
				if err := s.PutCompletions(ctx, batch); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		})
		wg.Go(func() { // a reader beside each writer
			keys := []string{testKey("k", w), testKey("k", w+1)}
			for range batches {
				got, err := s.GetCompletions(ctx, keys)
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", w, err)
					return
				}
				for k, c := range got {
					if diff := cmp.Diff(syntheticCompletion(k, 10), c); diff != "" {
						errs <- fmt.Errorf("reader %d saw a partial row:\n%s", w, diff)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := map[int]bool{}
	for w := range writers {
		for b := range batches {
			for i := range perBatch {
				want[(w*37+b*perBatch+i)%distinct] = true
			}
		}
	}
	for i, s := range handles {
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Completions != int64(len(want)) {
			t.Errorf("handle %d: Stats.Completions = %d, want %d distinct keys", i, st.Completions, len(want))
		}
	}
}

func TestRunsUpsertGetList(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.GetRun(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetRun of an unknown id: err = %v, want ErrNotFound", err)
	}
	samples := []byte{}
	for i := range 200 {
		samples = fmt.Appendf(samples, `{"rank":%d,"completion":"text %d"}`+"\n", i+1, i)
	}
	r := Run{ID: "run-a", ConfigJSON: []byte(`{"seed":1}`), Status: "running"}
	if err := s.PutRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	first, err := s.GetRun(ctx, "run-a")
	if err != nil {
		t.Fatal(err)
	}
	r.Results, r.Samples, r.Status = []byte(`{"schema":"ppldiff/results/v1"}`), samples, "done"
	if err := s.PutRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRun(ctx, Run{ID: "run-b", Status: "failed"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, "run-a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, *got, cmpopts.IgnoreFields(Run{}, "Created", "Updated")); diff != "" {
		t.Errorf("run (-want +got):\n%s", diff)
	}
	if !got.Created.Equal(first.Created) {
		t.Errorf("upsert changed Created from %v to %v", first.Created, got.Created)
	}
	if got.Updated.Before(first.Updated) {
		t.Errorf("upsert moved Updated back from %v to %v", first.Updated, got.Updated)
	}

	list, err := s.ListRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "run-a" || list[1].ID != "run-b" {
		t.Fatalf("ListRuns = %+v, want run-a then run-b", list)
	}
	if list[0].Status != "done" || list[0].ResultsBytes != int64(len(r.Results)) {
		t.Errorf("summary of run-a = %+v", list[0])
	}
	if list[0].SamplesBytes <= 0 || list[0].SamplesBytes >= int64(len(samples)) {
		t.Errorf("samples stored in %d bytes, want compressed below %d", list[0].SamplesBytes, len(samples))
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Runs != 2 {
		t.Errorf("Stats.Runs = %d after an upsert and one insert, want 2", st.Runs)
	}
	if err := s.DeleteRun(ctx, "run-b"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRun(ctx, "run-b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteRun: err = %v, want ErrNotFound", err)
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := syntheticCompletion(testKey("persist"), 30)
	if err := s.PutCompletions(ctx, []Completion{c}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.SchemaVersion != len(migrations) || st.Completions != 1 {
		t.Errorf("after reopen Stats = %+v, want version %d and 1 completion", st, len(migrations))
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := tempPath(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`UPDATE schema_version SET version = ?`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open of a newer schema: err = %v, want ErrSchemaTooNew", err)
	}
}
