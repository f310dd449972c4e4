package results

import (
	"errors"
	"testing"
)

// FuzzParseResults reads arbitrary bytes as results.json. It must never
// panic; a file it rejects is ErrInvalid; a file it accepts has unique
// keys, its entries' rank helpers do not panic, and it survives a write and
// a second read unchanged in what it holds.
func FuzzParseResults(f *testing.F) {
	valid, err := Marshal(validResults())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"schema":"ppldiff/results/v1","run":{"id":"x"},"entries":[]}`))
	f.Add([]byte(`{"schema":"ppldiff/results/v1","run":{"id":"x"},"entries":[{"organism":"a","variant":"v","reference":"r","config":"c","score":"s","n_completions":3,"n_flagged":1,"count_at_10":1,"count_at_100":1,"first_hit_rank":2,"flagged_ranks":[2]}]}`))
	f.Add([]byte(`{"schema":"ppldiff/results/v1"} trailing`))
	f.Add([]byte(`{"schema":"ppldiff/results/v1","run":{"id":"x"},"entries":[{"n_completions":-1,"flagged_ranks":[0,-5]}]}`))
	// Found by fuzzing: a reader allocated a flag per completion.
	f.Add([]byte(`{"schema":"ppldiff/results/v1","run":{"id":"x"},"entries":[{"organism":"a","variant":"v","reference":"r","config":"c","score":"s","n_completions":1000000000000,"n_flagged":0,"count_at_10":0,"count_at_100":0}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseResults("fuzz.json", data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("rejection is not ErrInvalid: %v", err)
			}
			return
		}
		seen := map[Key]bool{}
		for _, e := range r.Entries {
			if seen[e.Key()] {
				t.Fatalf("duplicate key accepted: %+v", e.Key())
			}
			seen[e.Key()] = true
			e.AllFlaggedRanks()
			e.FlagsByRank()
		}
		b, err := Marshal(r)
		if err != nil {
			t.Fatalf("accepted results do not marshal: %v", err)
		}
		r2, err := ParseResults("again.json", b)
		if err != nil {
			t.Fatalf("accepted results, written back, are rejected: %v", err)
		}
		if len(r2.Entries) != len(r.Entries) {
			t.Fatalf("%d entries became %d", len(r.Entries), len(r2.Entries))
		}
	})
}
