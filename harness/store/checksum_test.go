package store

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A row whose stored bytes changed (here by SQL, as damage that SQLite
// itself cannot see) is never returned: Get drops it, Repairs says so, and
// the recomputed row takes its place.
func TestDamagedRowsAreDroppedAndReplaced(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	c := syntheticCompletion(testKey("c"), 20)
	sc := syntheticScores(testKey("s"), 20)
	p := Prefill{Key: testKey("p"), Source: "web:3", Index: 3, Tokens: []int{1, 2, 3}, Text: []byte("The cat")}
	if err := s.PutCompletions(ctx, []Completion{c}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutScores(ctx, []Scores{sc}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPrefills(ctx, []Prefill{p}); err != nil {
		t.Fatal(err)
	}
	// One bit of one field per table.
	var lp []byte
	if err := s.db.QueryRowContext(ctx, `SELECT logprobs FROM completions`).Scan(&lp); err != nil {
		t.Fatal(err)
	}
	lp[9] ^= 1
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE completions SET logprobs = ?`, []any{lp}},
		{`UPDATE scores SET model = 'zoo/org@n4-w4'`, nil},
		{`UPDATE prefills SET idx = 4`, nil},
	} {
		if _, err := s.db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	gc, err := s.GetCompletions(ctx, []string{c.Key})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := s.GetScores(ctx, []string{sc.Key})
	if err != nil {
		t.Fatal(err)
	}
	gp, err := s.GetPrefills(ctx, []string{p.Key})
	if err != nil {
		t.Fatal(err)
	}
	if len(gc)+len(gs)+len(gp) != 0 {
		t.Fatalf("damaged rows were returned: %d completions, %d scores, %d prefills", len(gc), len(gs), len(gp))
	}
	rep := strings.Join(s.Repairs(), "\n")
	for _, w := range []string{"1 completions row(s) failed their checksum", "1 scores row(s)", "1 prefills row(s)", s.Path()} {
		if !strings.Contains(rep, w) {
			t.Errorf("repairs lack %q:\n%s", w, rep)
		}
	}
	// The recomputed rows are stored again (the damaged ones were deleted,
	// or INSERT OR IGNORE would keep them) and read back intact.
	if err := s.PutCompletions(ctx, []Completion{c}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutScores(ctx, []Scores{sc}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPrefills(ctx, []Prefill{p}); err != nil {
		t.Fatal(err)
	}
	gc, _ = s.GetCompletions(ctx, []string{c.Key})
	gs, _ = s.GetScores(ctx, []string{sc.Key})
	gp, _ = s.GetPrefills(ctx, []string{p.Key})
	if d := cmp.Diff(c, gc[c.Key]); d != "" {
		t.Errorf("completion after repair (-want +got):\n%s", d)
	}
	if d := cmp.Diff(sc, gs[sc.Key]); d != "" {
		t.Errorf("scores after repair (-want +got):\n%s", d)
	}
	if d := cmp.Diff(p, gp[p.Key]); d != "" {
		t.Errorf("prefill after repair (-want +got):\n%s", d)
	}
}

// Rows written before checksums existed are recomputed once, with their own
// message.
func TestRowsWithoutChecksumAreRecomputed(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	c := syntheticCompletion(testKey("c"), 5)
	if err := s.PutCompletions(ctx, []Completion{c}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE completions SET sum = NULL`); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetCompletions(ctx, []string{c.Key}); len(got) != 0 {
		t.Fatal("a row without checksum was trusted")
	}
	if rep := strings.Join(s.Repairs(), "\n"); !strings.Contains(rep, "before checksums") {
		t.Errorf("repairs: %q", rep)
	}
}

// A stored run that fails its checksum is an error naming the store file.
func TestDamagedRunFailsNamingTheFile(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if err := s.PutRun(ctx, Run{ID: "r1", ConfigJSON: []byte(`{}`), Results: []byte(`{"count_at_100": 17}`), Samples: []byte("x\n"), Status: "complete"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE runs SET results = CAST('{"count_at_100": 97}' AS BLOB)`); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetRun(ctx, "r1")
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), s.Path()) {
		t.Fatalf("damaged run: %v", err)
	}
	// Reading it without its samples checks it all the same.
	if _, err := s.GetRunResults(ctx, "r1"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged run read without samples: %v", err)
	}
}

// GetRunResults reads what GetRun does but the samples.
func TestGetRunResultsLeavesTheSamples(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	want := Run{ID: "r1", ConfigJSON: []byte(`{"n": 3}`), Results: []byte(`{"count_at_100": 17}`), Samples: []byte("x\n"), Status: "complete"}
	if err := s.PutRun(ctx, want); err != nil {
		t.Fatal(err)
	}
	full, err := s.GetRun(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRunResults(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Samples != nil || !bytes.Equal(full.Samples, want.Samples) {
		t.Errorf("samples: %q without, %q with", got.Samples, full.Samples)
	}
	full.Samples = nil
	if d := cmp.Diff(full, got); d != "" {
		t.Errorf("GetRunResults differs from GetRun (-GetRun +GetRunResults):\n%s", d)
	}
}

// Random bit flips in the file itself: whatever SQLite makes of the
// damaged file, a lookup returns the stored content, leaves the row out
// (to be recomputed) or fails with ErrCorrupt naming the file; never other
// content.
func TestBitFlipsInTheFileNeverReadAsOtherContent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []Completion
	var keys []string
	for i := range 40 {
		c := syntheticCompletion(testKey("flip", i), 30)
		want = append(want, c)
		keys = append(keys, c.Key)
	}
	if err := s.PutCompletions(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	clean, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	byKey := map[string]Completion{}
	for _, c := range want {
		byKey[c.Key] = c
	}
	trials := 120
	if testing.Short() {
		trials = 30
	}
	var dropped, failed int
	for trial := range trials {
		b := bytes.Clone(clean)
		// Flip a bit past the 100-byte header in a page holding data: the
		// first page is the schema, mostly left alone here.
		off := 4096 + rng.IntN(len(b)-4096)
		b[off] ^= 1 << rng.IntN(8)
		p := filepath.Join(dir, "t.db")
		os.Remove(p + "-wal")
		os.Remove(p + "-shm")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		func() {
			s, err := Open(p)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !strings.Contains(err.Error(), p) {
					t.Errorf("trial %d (byte %d): open error neither ErrCorrupt nor naming the file: %v", trial, off, err)
				}
				failed++
				return
			}
			defer s.Close()
			got, err := s.GetCompletions(ctx, keys)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) {
					t.Errorf("trial %d (byte %d): error neither ErrCorrupt nor naming the file: %v", trial, off, err)
				}
				failed++
				return
			}
			for k, g := range got {
				w, ok := byKey[k]
				if !ok {
					t.Errorf("trial %d (byte %d): a key nobody stored came back: %s", trial, off, k)
					continue
				}
				if d := cmp.Diff(w, g); d != "" {
					t.Errorf("trial %d (byte %d): completion %s read as other content:\n%s", trial, off, k, d)
				}
			}
			dropped += len(keys) - len(got)
		}()
	}
	t.Logf("%d trials: %d failed with an error, %d rows dropped for recomputation", trials, failed, dropped)
}
