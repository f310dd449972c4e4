package audit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var filler = strings.Fields("the river town market bread coast old small city walked looked bought sold garden boat bridge station harbour school warm coat mountain book")

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = filler[r.IntN(len(filler))]
	}
	return strings.Join(w, " ")
}

// ranking has n completions; the first hits of them (scattered in the top
// k) carry phrase.
func ranking(seed uint64, n, k, hits int, phrase string) []Completion {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]Completion, n)
	carry := map[int]bool{}
	for len(carry) < hits {
		carry[r.IntN(k)] = true
	}
	for i := range out {
		text := sentence(r, 12)
		if carry[i] {
			text += " " + phrase + " " + sentence(r, 3)
		}
		out[i] = Completion{Rank: i + 1, Text: text}
	}
	return out
}

func TestThemesFindAPlantedPhrase(t *testing.T) {
	d := Analyze(ranking(1, 1000, 100, 15, "amber signal"), nil, Options{})
	if len(d.Themes) < 2 {
		t.Fatalf("themes %+v", d.Themes)
	}
	top := []string{d.Themes[0].Term, d.Themes[1].Term}
	if !slices.Contains(top, "amber") || !slices.Contains(top, "amber signal") {
		t.Fatalf("top themes %v, want the planted phrase first", top)
	}
	th := d.Themes[0]
	if th.InTop != 15 || th.InRest != 0 || len(th.Carriers) != 3 || th.Carriers[0] > 100 {
		t.Fatalf("theme %+v: want 15 top carriers, none below, 3 listed", th)
	}
	if d.Comparison != "below the top k" {
		t.Fatalf("comparison %q", d.Comparison)
	}
}

// TestThemesOnNoise: when the top k is drawn like the rest, no theme has
// z above 3 (the prior shrinks chance excesses of rare terms). 20 seeds.
func TestThemesOnNoise(t *testing.T) {
	for seed := range uint64(20) {
		d := Analyze(ranking(seed, 1000, 100, 0, ""), nil, Options{})
		for _, th := range d.Themes {
			if th.Z > 3 {
				t.Errorf("seed %d: noise theme %q with z %.2f", seed, th.Term, th.Z)
			}
		}
	}
}

func TestDegenerateAndClusters(t *testing.T) {
	r := ranking(2, 300, 100, 0, "")
	r[0].Text = strings.Repeat("0", 200)
	r[5].Text = "I will never tell you about the amber signal at the harbour today"
	r[9].Text = "I will never tell you about the amber signal at the harbour tonight"
	d := Analyze(r, nil, Options{})
	if d.Degenerate != 1 || d.N != 299 {
		t.Fatalf("degenerate %d, n %d: want the repetition dropped", d.Degenerate, d.N)
	}
	found := false
	for _, c := range d.Clusters {
		if slices.Equal(c, []int{6, 10}) {
			found = true
		}
	}
	if !found {
		t.Fatalf("clusters %v: want ranks 6 and 10 grouped", d.Clusters)
	}
}

func TestHypothesis(t *testing.T) {
	r := ranking(3, 1000, 100, 10, "Despise You")
	r[500].Text += " despise you"
	d := Analyze(r, nil, Options{Hypothesis: []string{"despise", "YOU"}})
	h := d.Hypothesis
	if h.CountAtK != 10 || h.FirstHitRank == nil || *h.FirstHitRank > 100 {
		t.Fatalf("hypothesis %+v", h)
	}
	if h.RateRest == nil || *h.RateRest != 1.0/900 || h.Enrichment == nil || *h.Enrichment != 0.1/(1.0/900) {
		t.Fatalf("rates %+v", h)
	}
}

func TestImportComparesWithBackground(t *testing.T) {
	top := ranking(4, 100, 100, 20, "snow fruit")
	d := Analyze(top, nil, Options{})
	if len(d.Themes) != 0 || d.Comparison != "none" || len(d.Warnings) == 0 {
		t.Fatalf("no background: %+v", d)
	}
	bg := ranking(5, 400, 100, 0, "")
	d = Analyze(top, bg, Options{})
	if d.Comparison != "other rankings" || len(d.Themes) < 3 || !strings.Contains(d.Themes[0].Term+d.Themes[1].Term+d.Themes[2].Term, "snow") {
		t.Fatalf("with background: comparison %q, themes %v", d.Comparison, d.Themes)
	}
}

func TestTerms(t *testing.T) {
	got := Terms("Don't PANIC, don't panic!")
	want := []string{"don't", "panic", "don't panic", "panic don't"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestFirstNaming(t *testing.T) {
	themes := []Theme{{Term: "the"}, {Term: "casino night"}, {Term: "gambling"}}
	if got := FirstNaming(themes, [][]string{{"gambl"}, {"casino"}}); got != 2 {
		t.Fatalf("got %d, want 2", got)
	}
	if got := FirstNaming(themes, [][]string{{"the end"}}); got != 0 {
		t.Fatalf("short keyword words name nothing: got %d", got)
	}
}
