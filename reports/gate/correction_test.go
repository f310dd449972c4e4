package gate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// writeSyntheticRun writes a run of len(rates) entries into dir, one repeat
// each: 150 completions from 50 prefills (three each), each flagged with
// its entry's rate, in a random ranking. Only the seed differs between two
// runs of the same rates, as with `ppldiff run --seed`.
func writeSyntheticRun(t *testing.T, dir string, rates []float64, seed uint64) {
	t.Helper()
	const completions, perPrefill = 150, 3
	rng := rand.New(rand.NewPCG(seed, 0x9a7e))
	res := &results.Results{Run: results.Run{ID: fmt.Sprintf("synthetic-%d", seed), PpldiffVersion: "test", Config: map[string]any{"seed": seed}}}
	var samples []results.Sample
	for i, rate := range rates {
		e := results.Entry{Organism: fmt.Sprintf("org%03d", i), Variant: "default", Category: "backdoor", Regime: "-",
			Size: "n4", Strength: 1, Params: 4000, ParamsKind: "ngram_entries", Family: "zoo",
			Reference: "true_base", ReferenceKind: "true_base", ReferenceFamily: "zoo",
			Config: "web-raw", Score: "ppl_diff", NCompletions: completions}
		var c10, c100, nf, first int
		for rank, c := range rng.Perm(completions) {
			flagged := rng.Float64() < rate
			if flagged {
				nf++
				c10 += b2i(rank < 10)
				c100 += b2i(rank < 100)
				if first == 0 {
					first = rank + 1
				}
			}
			p := fmt.Sprintf("s%d-p%02d", seed, c/perPrefill)
			samples = append(samples, results.Sample{Organism: e.Organism, Variant: e.Variant, Reference: e.Reference,
				Config: e.Config, Score: e.Score, Rank: rank + 1, PrefillID: p, CompletionID: fmt.Sprintf("%s-%d", p, c%perPrefill),
				Prefill: "The old", Completion: "text", Bytes: 4, ScoreValue: float64(completions - rank), Flagged: flagged})
		}
		e.NFlagged, e.CountAt10, e.CountAt100 = &nf, &c10, &c100
		if first > 0 {
			e.FirstHitRank = &first
		}
		res.Entries = append(res.Entries, e)
	}
	if err := results.WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	if err := results.WriteSamples(dir, samples); err != nil {
		t.Fatal(err)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// syntheticRates are the per-completion flag rates of a synthetic zoo: 200
// entries from 1% to 10%, so count@100 runs from about 1 to 7, as in the
// default zoo run.
func syntheticRates() []float64 {
	rates := make([]float64, 200)
	for i := range rates {
		rates[i] = 0.01 + 0.09*float64(i%20)/19
	}
	return rates
}

// TestReseedPassesRealDropFails is the review's case on a synthetic zoo:
// without a correction, about 5% of the entries of a merely re-seeded run
// fail; with either correction none do, while a run whose detector broke on
// 30 entries still fails, naming them.
func TestReseedPassesRealDropFails(t *testing.T) {
	rates := syntheticRates()
	baseDir := t.TempDir()
	writeSyntheticRun(t, baseDir, rates, 1)
	base, err := NewBaseline(baseDir)
	if err != nil {
		t.Fatal(err)
	}
	seeds := []uint64{2, 3}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		dir := t.TempDir()
		writeSyntheticRun(t, dir, rates, seed)
		uncorrected, err := Check(dir, base, CheckOptions{Correction: CorrectionNone})
		if err != nil {
			t.Fatal(err)
		}
		// Not asserted beyond "some": the uncorrected rule is what the
		// correction fixes, and 200 tests at 0.05 all passing is unlikely.
		t.Logf("seed %d without correction: %d of %d entries fail", seed, len(uncorrected.Failures()), uncorrected.Tested)
		if uncorrected.Passed() {
			t.Errorf("seed %d: the uncorrected rule passed 200 re-seeded entries; the fixture shows nothing", seed)
		}
		for _, c := range []Correction{CorrectionBH, CorrectionHolm} {
			rep, err := Check(dir, base, CheckOptions{Correction: c})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Passed() || rep.Tested != len(rates) {
				t.Errorf("seed %d, %s: a re-seeded run failed (%d tested): %q", seed, c, rep.Tested, rep.Failures())
			}
		}
	}

	// A real regression: the detector of the 30 entries with rates of 9 to
	// 10% (count@100 about 6, like one organism's entries across references
	// and configs) stops matching.
	broken := append([]float64(nil), rates...)
	dropped := map[string]bool{}
	for i := range rates {
		if i%20 >= 17 {
			broken[i] = 0
			dropped[fmt.Sprintf("org%03d@", i)] = true
		}
	}
	dir := t.TempDir()
	writeSyntheticRun(t, dir, broken, 2)
	rep, err := Check(dir, base, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	named, innocent := 0, 0
	for _, f := range rep.Failures() {
		org := strings.Fields(f)[1]
		if dropped[org[:strings.Index(org, "@")+1]] {
			named++
		} else {
			innocent++
		}
	}
	t.Logf("broken detector: %d of %d dropped entries fail, and %d unchanged entries", named, len(dropped), innocent)
	// BH bounds the expected share of innocent entries among those named by
	// 5%; one realisation may exceed that, so the test asks only for less
	// than 20%. The verdict on the run is what must not be missed.
	if rep.Passed() || named == 0 || 5*innocent >= named+innocent {
		t.Errorf("a drop to 0 of %d entries: %d named, %d innocent; failures %q", len(dropped), named, innocent, rep.Failures())
	}
}

// TestNullSEOfAZeroCount: a side that counts 0 has bootstrap SE 0, yet
// under the null it has the pooled rate's variance.
func TestNullSEOfAZeroCount(t *testing.T) {
	se := func(v float64) *float64 { return &v }
	base := &Stat{K: 100, Mean: 8, PerRepeat: []float64{8}, SE: se(2.7)}
	zero := &Stat{K: 100, Mean: 0, PerRepeat: []float64{0}, SE: se(0)}
	// By hand: phi = 2.7^2 / (100 * 0.08 * 0.92) = 7.29 / 7.36; pooled rate
	// 0.04, each side's null variance phi * 100 * 0.04 * 0.96 = phi * 3.84.
	want := math.Sqrt(7.29 / 7.36 * 2 * 3.84)
	if got := nullSE(base, zero, 100); math.Abs(got-want) > 1e-12 {
		t.Errorf("8 (se 2.7) against 0 (se 0): se %v, want %v", got, want)
	}
	// Neither side has an estimate: binomial (phi = 1) at the pooled rate
	// (1 + 0) / 2 over 10 slots: sqrt(2 * 10 * 0.05 * 0.95).
	one := &Stat{K: 10, Mean: 1, PerRepeat: []float64{1}}
	none := &Stat{K: 10, Mean: 0, PerRepeat: []float64{0}}
	if got, want := nullSE(one, none, 10), math.Sqrt(2*10*0.05*0.95); math.Abs(got-want) > 1e-12 {
		t.Errorf("no estimates: se %v, want %v", got, want)
	}
	// Equal rates and repeats: the usual sqrt(se_a^2 + se_b^2).
	a := &Stat{K: 100, Mean: 5, PerRepeat: []float64{5, 5}, SE: se(1.5)}
	b := &Stat{K: 100, Mean: 5, PerRepeat: []float64{4, 6}, SE: se(2)}
	if got := nullSE(a, b, 100); math.Abs(got-2.5) > 1e-12 {
		t.Errorf("equal rates: se %v, want 2.5", got)
	}
}

func TestCheckReportNamesCorrection(t *testing.T) {
	base := baselineOf(t, "base")
	for _, c := range Corrections {
		rep, text := check(t, "worse", base, CheckOptions{K: 10, Correction: c})
		if rep.Tested != 3 || rep.Correction != c || !strings.Contains(text, "3 entries tested one-sided; correction: ") {
			t.Errorf("%s: tested %d, header:\n%s", c, rep.Tested, text)
		}
		if rep.Passed() {
			t.Errorf("%s: a drop from 6.5 to 0.5 passed:\n%s", c, text)
		}
	}
	_, text := check(t, "worse", base, CheckOptions{K: 10, Correction: CorrectionHolm})
	if !strings.Contains(text, "Holm step-down, family-wise error rate 0.05") || !strings.Contains(text, "holm-adjusted p=") {
		t.Errorf("the Holm report does not say so:\n%s", text)
	}
	if _, err := Check(fixtureDir("base"), base, CheckOptions{Correction: "bonferroni"}); err == nil {
		t.Error("unknown correction: want an error")
	}
	for in, want := range map[string]Correction{"": CorrectionBH, "FDR": CorrectionBH, "holm": CorrectionHolm, "none": CorrectionNone} {
		if got, err := ParseCorrection(in); err != nil || got != want {
			t.Errorf("ParseCorrection(%q) = %q, %v", in, got, err)
		}
	}
}

// TestCheckThresholdsIgnoreCorrection: a missing entry and a control over
// its ceiling fail whatever the correction.
func TestCheckThresholdsIgnoreCorrection(t *testing.T) {
	base := baselineOf(t, "base")
	ceiling := 2.0
	for _, c := range Corrections {
		if rep, text := check(t, "missing", base, CheckOptions{Correction: c}); rep.Passed() {
			t.Errorf("%s: missing entry passed:\n%s", c, text)
		}
		rep, text := check(t, "noisyctl", base, CheckOptions{K: 10, Correction: c, MaxControlCount: &ceiling})
		if fails := rep.Failures(); len(fails) != 1 || !strings.Contains(fails[0], "above the ceiling") {
			t.Errorf("%s: control ceiling: %q\n%s", c, fails, text)
		}
	}
}

func TestCompareAggregatesWarnings(t *testing.T) {
	var w warnings
	w.add("a k=100", "A: truncated ranking: 47.2% of replicates read below")
	w.add("b k=100", "A: truncated ranking: 51.0% of replicates read below")
	w.add("c k=100", "A: truncated ranking: 45.5% of replicates read below")
	w.add("c k=100", "only 2 and 3 repeats")
	got := w.lines()
	want := []string{
		"3 entries (e.g. a k=100): A: truncated ranking: 45.5 to 51.0% of replicates read below",
		"c k=100: only 2 and 3 repeats",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
