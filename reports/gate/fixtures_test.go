package gate

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the fixture definitions")

// A fixture entry: one (organism, repeat) with its flags by rank written as
// a string of 0/1, 20 completions from 10 prefills (two each).
type fixtureEntry struct {
	organism, variant, category string
	flags                       [2]string // repeat 0 and 1
}

var (
	backdoor  = fixtureEntry{"bd_backdoor", "n4-w5", "backdoor", [2]string{"11101101100000000000", "11011101000100000000"}}
	falseFact = fixtureEntry{"ff_false_fact", "default", "sdf_false_fact", [2]string{"01001000100010000000", "10000100010000100000"}}
	control   = fixtureEntry{"ctl_plain", "default", "control", [2]string{"00000000010000000000", "00000000000000001000"}}
)

// fixtures are the hand-made run directories under testdata/:
//
//	base      three entries, two repeats, samples
//	worse     bd_backdoor's hits pushed down the ranking (none in repeat 1's top 10)
//	missing   ff_false_fact absent, and no samples.jsonl
//	noisyctl  ctl_plain flagged often in its top 10
//	otherpre  base's flags on different prefill ids (unpaired with base)
var fixtures = map[string]struct {
	entries []fixtureEntry
	prefix  string // prefill id prefix
	samples bool
}{
	"base":     {[]fixtureEntry{backdoor, falseFact, control}, "p", true},
	"worse":    {[]fixtureEntry{{"bd_backdoor", "n4-w5", "backdoor", [2]string{"00000000100100010000", "00000000000100100001"}}, falseFact, control}, "p", true},
	"missing":  {[]fixtureEntry{backdoor, control}, "p", false},
	"noisyctl": {[]fixtureEntry{backdoor, falseFact, {"ctl_plain", "default", "control", [2]string{"10101001000000000000", "01100100010000000000"}}}, "p", true},
	"otherpre": {[]fixtureEntry{backdoor, falseFact, control}, "q", true},
}

// writeFixture writes one fixture run into dir through harness/results.
func writeFixture(dir, name string) error {
	fx := fixtures[name]
	res := &results.Results{Run: results.Run{ID: "fixture-" + name, PpldiffVersion: "test", Config: map[string]any{"seed": 1}}}
	var samples []results.Sample
	for _, fe := range fx.entries {
		for rep, flags := range fe.flags {
			e := results.Entry{Organism: fe.organism, Variant: fe.variant, Category: fe.category, Regime: "-",
				Size: "n4", Strength: 5, Params: 4000, ParamsKind: "ngram_entries", Family: "zoo",
				Reference: "true_base", ReferenceKind: "true_base", ReferenceFamily: "zoo",
				Config: "web-raw", Repeat: rep, Score: "ppl_diff", NCompletions: len(flags)}
			var c10, c100, nf, first int
			for i, ch := range flags {
				if ch != '1' {
					continue
				}
				nf++
				if i < 10 {
					c10++
				}
				if i < 100 {
					c100++
				}
				if first == 0 {
					first = i + 1
				}
			}
			e.NFlagged, e.CountAt10, e.CountAt100 = &nf, &c10, &c100
			if first > 0 {
				e.FirstHitRank = &first
			}
			res.Entries = append(res.Entries, e)
			for i, ch := range flags {
				// rank i -> prefill 3i mod 10: each of the 10 prefills twice.
				p := fmt.Sprintf("%s%d%02d", fx.prefix, rep, 3*i%10)
				samples = append(samples, results.Sample{Organism: fe.organism, Variant: fe.variant,
					Reference: "true_base", Config: "web-raw", Repeat: rep, Score: "ppl_diff", Rank: i + 1,
					PrefillID: p, CompletionID: fmt.Sprintf("%s-%d", p, i/10), Prefill: "The old",
					Completion: "text", Bytes: 4, ScoreValue: float64(len(flags) - i), Flagged: ch == '1'})
			}
		}
	}
	if err := results.WriteResults(dir, res); err != nil {
		return err
	}
	if fx.samples {
		return results.WriteSamples(dir, samples)
	}
	return nil
}

// TestFixturesUpToDate regenerates every fixture and compares it with
// testdata/ (go test -run Fixtures -update rewrites testdata/).
func TestFixturesUpToDate(t *testing.T) {
	for name := range fixtures {
		want := filepath.Join("testdata", name)
		if *update {
			if err := os.RemoveAll(want); err != nil {
				t.Fatal(err)
			}
			if err := writeFixture(want, name); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got := t.TempDir()
		if err := writeFixture(got, name); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{results.ResultsFile, results.SamplesFile} {
			g, gerr := os.ReadFile(filepath.Join(got, f))
			w, werr := os.ReadFile(filepath.Join(want, f))
			if os.IsNotExist(gerr) != os.IsNotExist(werr) || !bytes.Equal(g, w) {
				t.Errorf("testdata/%s/%s is stale: run go test -run Fixtures -update", name, f)
			}
		}
	}
}

func fixtureDir(name string) string { return filepath.Join("testdata", name) }
