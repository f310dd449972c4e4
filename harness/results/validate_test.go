package results

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func validResults() *Results {
	p := func(v int) *int { return &v }
	e := func(org string, repeat int, nf, c10, c100 int, first *int, ranks ...int) Entry {
		return Entry{Organism: org, Variant: "n4-w4", Reference: "true_base", Config: "zoo-raw", Repeat: repeat,
			Score: "ppl_diff", NCompletions: 200, NFlagged: p(nf), CountAt10: p(c10), CountAt100: p(c100),
			FirstHitRank: first, ModelTokens: &Tokens{Generate: 10, ScoreFT: 10, ScoreRef: 10}, FlaggedRanks: ranks}
	}
	return &Results{Schema: Schema, Run: Run{ID: "abc", Config: map[string]any{}}, Entries: []Entry{
		e("a", 0, 3, 1, 2, p(4), 4, 50, 150),
		e("b", 0, 0, 0, 0, nil),
		{Organism: "judge", Variant: "default", Reference: "r", Config: "zoo-raw", Score: "ppl_diff", NCompletions: 5},
		{Organism: "imp", Variant: "default", Reference: "r", Config: "zoo-raw", Score: "ppl_diff", NCompletions: 1000,
			NFlagged: p(2), CountAt10: p(3), CountAt100: p(5), FirstHitRank: p(1), TruncatedAt: p(100)},
	}}
}

// Every way a hand-edited or damaged results.json can lie fails on read,
// naming the file and the entry; the file a run writes passes.
func TestReadRejectsImpossibleResults(t *testing.T) {
	dir := t.TempDir()
	if err := WriteResults(dir, validResults()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadResults(dir); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	p := func(v int) *int { return &v }
	cases := map[string]func(r *Results){
		"count_at_100 > n":         func(r *Results) { r.Entries[0].CountAt100 = p(300) },
		"count_at_100 > 100":       func(r *Results) { r.Entries[0].NCompletions = 1000; r.Entries[0].CountAt100 = p(101) },
		"count_at_10 > 10":         func(r *Results) { r.Entries[0].CountAt10 = p(11) },
		"negative count":           func(r *Results) { r.Entries[0].CountAt10 = p(-1) },
		"negative n_flagged":       func(r *Results) { r.Entries[1].NFlagged = p(-2) },
		"negative n":               func(r *Results) { r.Entries[1].NCompletions = -1 },
		"at10 > at100":             func(r *Results) { r.Entries[0].CountAt10 = p(2); r.Entries[0].CountAt100 = p(1) },
		"at100 > n_flagged":        func(r *Results) { r.Entries[0].NFlagged = p(1) },
		"n_flagged > n":            func(r *Results) { r.Entries[0].NFlagged = p(201) },
		"first hit outside":        func(r *Results) { r.Entries[0].FirstHitRank = p(0) },
		"first hit beyond n":       func(r *Results) { r.Entries[1].FirstHitRank = p(201) },
		"first hit null but flags": func(r *Results) { r.Entries[0].FirstHitRank = nil },
		"first hit but no flags":   func(r *Results) { r.Entries[1].FirstHitRank = p(3) },
		"first hit vs count@10":    func(r *Results) { r.Entries[0].FirstHitRank = p(20) },
		"one count null":           func(r *Results) { r.Entries[0].CountAt10 = nil },
		"duplicate key":            func(r *Results) { r.Entries[1] = r.Entries[0] },
		"empty organism":           func(r *Results) { r.Entries[1].Organism = "" },
		"negative repeat":          func(r *Results) { r.Entries[1].Repeat = -1 },
		"negative tokens":          func(r *Results) { r.Entries[0].ModelTokens.Generate = -5 },
		"ranks not increasing":     func(r *Results) { r.Entries[0].FlaggedRanks = []int{50, 4, 150} },
		"rank beyond n":            func(r *Results) { r.Entries[0].FlaggedRanks = []int{4, 50, 250} },
		"truncated beyond n":       func(r *Results) { r.Entries[3].TruncatedAt = p(2000) },
		"import count > top k":     func(r *Results) { r.Entries[3].TruncatedAt = p(4) },
		"no run id":                func(r *Results) { r.Run.ID = "" },
	}
	for name, corrupt := range cases {
		r := validResults()
		corrupt(r)
		b, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = ReadResults(path)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: read gave %v, want ErrInvalid", name, err)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
		var ie *InvalidError
		if errors.As(err, &ie) && ie.Entry >= 0 && !strings.Contains(err.Error(), "entry ") {
			t.Errorf("%s: error does not name the entry: %v", name, err)
		}
	}

	// Trailing garbage after the document is damage, not padding.
	b, _ := Marshal(validResults())
	for name, tail := range map[string]string{"garbage": "xyz", "second document": `{"schema":"x"}`, "brace": "}"} {
		path := filepath.Join(dir, "tail.json")
		os.WriteFile(path, append(append([]byte{}, b...), tail...), 0o644)
		if _, err := ReadResults(path); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "trailing") {
			t.Errorf("trailing %s: %v", name, err)
		}
	}
	path := filepath.Join(dir, "ws.json")
	os.WriteFile(path, append(append([]byte{}, b...), "\n\n  \n"...), 0o644)
	if _, err := ReadResults(path); err != nil {
		t.Errorf("trailing whitespace: %v", err)
	}
}

// Found by FuzzParseResults: an absurd n_completions made every reader of
// the ranking allocate a flag per completion (a terabyte here).
func TestHugeRankingIsRejected(t *testing.T) {
	b := []byte(`{"schema":"ppldiff/results/v1","run":{"id":"x"},"entries":[{"organism":"a","variant":"v","reference":"r","config":"c","score":"s",` +
		`"n_completions":1000000000000,"n_flagged":0,"count_at_10":0,"count_at_100":0,"first_hit_rank":null}]}`)
	if _, err := ParseResults("huge.json", b); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "n_completions") {
		t.Fatalf("huge ranking: %v", err)
	}
}
