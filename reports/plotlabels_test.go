package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// Organism and reference names reach plot labels (titles, legends, ticks)
// without bidi overrides or escape sequences: a U+202E in a name would
// make an SVG label read backwards.
func TestPlotLabelsNeutraliseBidiAndEscapes(t *testing.T) {
	const org = "bd_\u202eevil\u202c\x1b[31m_org"
	const ref = "ref\u2066x\u2069"
	dir := t.TempDir()
	res := &results.Results{Schema: results.Schema, Run: results.Run{ID: "bidi"}}
	var samples []results.Sample
	for _, r := range []string{ref, "true_base"} {
		res.Entries = append(res.Entries, results.Entry{
			Organism: org, Variant: "n4-w4", Category: "backdoor", Size: "n4", Strength: 4, Params: 1000, ParamsKind: "ngram_entries",
			Reference: r, ReferenceKind: "true_base", ReferenceFamily: "zoo", Config: "zoo-raw", Score: DefaultScore,
			NCompletions: 3, NFlagged: ptr(1), CountAt10: ptr(1), CountAt100: ptr(1), FirstHitRank: ptr(1), FlaggedRanks: []int{1},
		})
		for i := range 3 {
			samples = append(samples, results.Sample{Organism: org, Variant: "n4-w4", Reference: r, Config: "zoo-raw",
				Score: DefaultScore, Rank: i + 1, Completion: "text", Bytes: 4, ScoreValue: float64(3 - i),
				PPLFT: ptr(2.0), PPLRef: ptr(float64(3 + i)), Flagged: i == 0})
		}
	}
	if err := results.WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	if err := results.WriteSamples(dir, samples); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	svgs, _ := filepath.Glob(filepath.Join(dir, PlotsDir, "*.svg"))
	if len(svgs) == 0 {
		t.Fatal("no SVG plots written")
	}
	sawName := false
	for _, p := range svgs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.ContainsAny(s, "\u202e\u202c\u2066\u2069\x1b") {
			t.Errorf("%s holds a bidi control or an escape", filepath.Base(p))
		}
		sawName = sawName || strings.Contains(s, "evil")
	}
	if !sawName {
		t.Error("no plot names the organism: the check above saw nothing")
	}
}
