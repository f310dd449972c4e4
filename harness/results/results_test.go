package results

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMarshalIsDeterministicAndSorted(t *testing.T) {
	one := 1
	r := &Results{Run: Run{ID: "x", Config: map[string]any{"b": 1, "a": 2}}, Entries: []Entry{
		{Organism: "b", Variant: "v", Reference: "r", Config: "c", Score: "ppl_diff", CountAt10: &one},
		{Organism: "a", Variant: "v", Reference: "r", Config: "c", Score: "ppl_diff"},
		{Organism: "a", Variant: "v", Reference: "r", Config: "c", Score: "bpb_diff"},
	}}
	b1, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	r.Entries[0], r.Entries[2] = r.Entries[2], r.Entries[0]
	b2, _ := Marshal(r)
	if !bytes.Equal(b1, b2) {
		t.Fatal("entry order leaks into results.json")
	}
	if r.Entries[0].Organism != "a" || r.Entries[0].Score != "bpb_diff" || r.Entries[2].Organism != "b" {
		t.Fatalf("not sorted by key: %+v", r.Entries)
	}
	if !strings.Contains(string(b1), `"schema": "ppldiff/results/v1"`) || !strings.Contains(string(b1), `"count_at_100": null`) {
		t.Fatalf("schema tag or null counts missing:\n%s", b1)
	}
	if strings.Index(string(b1), `"a": 2`) > strings.Index(string(b1), `"b": 1`) {
		t.Error("config keys not sorted")
	}
}

func TestSamplesRoundTripTokenArrays(t *testing.T) {
	dir := t.TempDir()
	in := []Sample{{Organism: "o", Rank: 1, Completion: "<script>\u2028", Matched: []string{},
		TokensFTLP: []TokenLogprob{{0, 3, -0.5}, {3, 9, -1.25}}}}
	if err := WriteSamples(dir, in); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, SamplesFile))
	if !strings.Contains(string(raw), `"token_logprobs_ft":[[0,3,-0.5],[3,9,-1.25]]`) {
		t.Fatalf("per-token arrays not written as [start, end, logprob]:\n%s", raw)
	}
	out, err := ReadSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Completion != in[0].Completion || out[0].TokensFTLP[1] != in[0].TokensFTLP[1] {
		t.Fatalf("round trip: %+v", out)
	}
	if st, _ := os.Stat(filepath.Join(dir, SamplesFile)); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

func TestReadRejectsOtherSchemaAndBadLines(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ResultsFile), []byte(`{"schema":"ppldiff/results/v2"}`), 0o644)
	if _, err := ReadResults(dir); err == nil || !strings.Contains(err.Error(), "v2") {
		t.Errorf("other schema: %v", err)
	}
	os.WriteFile(filepath.Join(dir, SamplesFile), []byte("{\"rank\":1}\nnot json\n"), 0o644)
	if _, err := ReadSamples(dir); err == nil || !strings.Contains(err.Error(), "samples.jsonl:2") {
		t.Errorf("bad line: %v", err)
	}
}

// AllFlaggedRanks vouches for a list only when it agrees with the entry's
// counts; imports (truncated_at) never qualify, whatever n_flagged says.
func TestAllFlaggedRanks(t *testing.T) {
	p := func(v int) *int { return &v }
	base := func() Entry {
		return Entry{NCompletions: 200, NFlagged: p(3), CountAt10: p(1), CountAt100: p(2), FlaggedRanks: []int{4, 50, 150}}
	}
	cases := []struct {
		name   string
		change func(e *Entry)
		ok     bool
	}{
		{"consistent", func(*Entry) {}, true},
		{"nothing flagged", func(e *Entry) { e.NFlagged, e.CountAt10, e.CountAt100, e.FlaggedRanks = p(0), p(0), p(0), nil }, true},
		{"null counts", func(e *Entry) { e.NFlagged, e.CountAt10, e.CountAt100 = nil, nil, nil }, false},
		{"import with the authors' n_flagged 0 but our count 1", func(e *Entry) {
			e.NFlagged, e.CountAt10, e.CountAt100, e.FlaggedRanks = p(0), p(0), p(1), nil
		}, false},
		{"import, truncated", func(e *Entry) { e.TruncatedAt = p(100) }, false},
		{"n_flagged disagrees", func(e *Entry) { e.NFlagged = p(4) }, false},
		{"count_at_100 disagrees", func(e *Entry) { e.CountAt100 = p(3) }, false},
		{"out of range", func(e *Entry) { e.FlaggedRanks = []int{4, 50, 201} }, false},
		{"repeated rank", func(e *Entry) { e.FlaggedRanks = []int{4, 50, 50} }, false},
		{"rank 0", func(e *Entry) { e.FlaggedRanks = []int{0, 50, 150} }, false},
	}
	for _, c := range cases {
		e := base()
		c.change(&e)
		if _, ok := e.AllFlaggedRanks(); ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.name, ok, c.ok)
		}
	}
}
