package reports

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

func fixtureRun(t *testing.T) *run {
	t.Helper()
	rn, err := loadRun(fixtureDir, DefaultScore)
	if err != nil {
		t.Fatal(err)
	}
	return rn
}

// TestPlotsDeterministicAndGolden renders the fixture's plots twice: the SVG
// bytes must be identical between renders and equal the golden files
// (go test -update rewrites them). PNGs are only decoded, never compared
// byte for byte.
func TestPlotsDeterministicAndGolden(t *testing.T) {
	rn := fixtureRun(t)
	best := bestConfigs(summarize(rn.entries))
	first, _, err := buildFigures(rn, best)
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := buildFigures(rn, best)
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"detection_vs_size", "count_at_100", "recall_at_k", "ppl_ref_vs_ft", "score_vs_rank"}
	if len(first) != len(wantNames) {
		t.Fatalf("%d figures, want %d", len(first), len(wantNames))
	}
	for i, f := range first {
		if f.Name != wantNames[i] {
			t.Errorf("figure %d is %s, want %s", i, f.Name, wantNames[i])
		}
		if !bytes.Equal(f.SVG, second[i].SVG) {
			t.Errorf("%s: SVG differs between two renders", f.Name)
		}
		if bytes.Contains(f.SVG, []byte("@font-face")) || bytes.Contains(f.SVG, []byte("base64")) {
			t.Errorf("%s: SVG embeds a font", f.Name)
		}
		img, err := png.Decode(bytes.NewReader(f.PNG))
		if err != nil {
			t.Errorf("%s: PNG: %v", f.Name, err)
		} else if img.Bounds().Dx() < 300 || img.Bounds().Dy() < 300 {
			t.Errorf("%s: PNG is %v, too small", f.Name, img.Bounds())
		}
		golden := filepath.Join("testdata", "golden", f.Name+".svg")
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, f.SVG, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update creates it)", err)
		}
		if !bytes.Equal(f.SVG, want) {
			t.Errorf("%s: SVG differs from %s (look at both, then go test -update)", f.Name, golden)
		}
	}
}

// TestDetectionNeverMixesParamsKinds gives entries of two params kinds: each
// kind gets its own plot and the report says why.
func TestDetectionNeverMixesParamsKinds(t *testing.T) {
	mk := func(org, kind string, params int64, c100 int) results.Entry {
		return results.Entry{Organism: org, Variant: "default", Category: "backdoor", Params: params, ParamsKind: kind,
			Reference: "r", ReferenceKind: "true_base", ReferenceFamily: "f", Config: "c", Score: DefaultScore, CountAt100: ptr(c100)}
	}
	entries := []results.Entry{
		mk("a", "weights", 7e9, 3), mk("b", "weights", 14e9, 0),
		mk("c", "ngram_entries", 12_000, 1),
		mk("d", "weights", 0, 1), // no params: left out and counted
		{Organism: "e", Category: "control", Params: 7e9, ParamsKind: "weights", CountAt100: ptr(1)}, // controls are the noise floor
	}
	figs, notes, err := detectionFigures(entries)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	if got, want := strings.Join(names, ","), "detection_vs_size_ngram_entries,detection_vs_size_weights"; got != want {
		t.Errorf("figures %s, want %s", got, want)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "ngram_entries, weights") {
		t.Errorf("notes %q, want one about mixed params kinds", notes)
	}
	for _, f := range figs {
		if !strings.Contains(f.Caption, "1 entries without params") {
			t.Errorf("%s caption does not count the entry without params: %q", f.Name, f.Caption)
		}
		if strings.Contains(string(f.SVG), "ngram_entries") == strings.Contains(string(f.SVG), "params, weights") {
			t.Errorf("%s: axis label names both kinds or neither", f.Name)
		}
	}
}

// TestPPLPlotDropsNonPositive: values a log axis cannot show are counted,
// not plotted (gonum's log scale would panic on them).
func TestPPLPlotDropsNonPositive(t *testing.T) {
	res := &results.Results{Schema: results.Schema, Entries: []results.Entry{{Organism: "o", Variant: "v", Reference: "r", Config: "c", Score: DefaultScore, NCompletions: 4}}}
	s := func(rank int, ft, ref *float64) results.Sample {
		return results.Sample{Organism: "o", Variant: "v", Reference: "r", Config: "c", Score: DefaultScore, Rank: rank, PPLFT: ft, PPLRef: ref, ScoreValue: 1}
	}
	rn, err := newRun(res, []results.Sample{s(1, ptr(2.0), ptr(5.0)), s(2, ptr(0.0), ptr(5.0)), s(3, nil, ptr(5.0)), s(4, ptr(3.0), ptr(-1.0))}, DefaultScore)
	if err != nil {
		t.Fatal(err)
	}
	fig, ok, note, err := pplFigure(rn)
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	if !strings.Contains(note, "3 completions") || !strings.Contains(fig.Caption, "3 completions") {
		t.Errorf("note %q / caption %q do not count the 3 dropped points", note, fig.Caption)
	}
	if !strings.Contains(string(fig.SVG), "not flagged (1)") {
		t.Error("legend does not show the one plotted point")
	}
}

func TestLogTicks(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(3, 60) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "5 10 20 50" {
		t.Errorf("labels %q, want \"5 10 20 50\"", got)
	}
	if got := compactNumber(190_000); got != "190k" {
		t.Errorf("compactNumber(190000) = %q", got)
	}
	if got := compactNumber(14.8e9); got != "14.8B" {
		t.Errorf("compactNumber(14.8e9) = %q", got)
	}
}

// TestCumulativeRecallNeverFalls: the recall curve is count@k / n_flagged
// over a fixed set of rankings, so it cannot fall as k grows (the old
// count@k / min(k, n_flagged) did, by 0.02 between k = 3 and 4 on the
// default zoo).
func TestCumulativeRecallNeverFalls(t *testing.T) {
	rn := fixtureRun(t)
	curves, used := recallCurves(rn)
	if used == 0 || len(curves) != 2 {
		t.Fatalf("%d curves from %d rankings", len(curves), used)
	}
	for key, c := range curves {
		for k := 1; k < len(c); k++ {
			if c[k] < c[k-1] {
				t.Errorf("%s: recall falls from %.3f at k=%d to %.3f at k=%d", key, c[k-1], k, c[k], k+1)
			}
		}
		if c[len(c)-1] > 1 || c[0] <= 0 {
			t.Errorf("%s: recall runs from %.3f to %.3f", key, c[0], c[len(c)-1])
		}
	}
}

// A truncated ranking ends every curve at its length; a complete shorter
// one keeps its final count.
func TestCumulativeRecallTruncation(t *testing.T) {
	res := &results.Results{Schema: results.Schema, Entries: []results.Entry{
		{Organism: "o", Variant: "v", Reference: "r", Config: "a", Score: DefaultScore, NCompletions: 2, NFlagged: ptr(1)},
		{Organism: "o", Variant: "v", Reference: "r", Config: "b", Score: DefaultScore, NCompletions: 50, NFlagged: ptr(4)},
	}}
	s := func(cfg string, rank int, flagged bool) results.Sample {
		return results.Sample{Organism: "o", Variant: "v", Reference: "r", Config: cfg, Score: DefaultScore, Rank: rank, Flagged: flagged}
	}
	samples := []results.Sample{s("a", 1, false), s("a", 2, true), s("b", 1, true), s("b", 2, false), s("b", 3, true), s("b", 4, false)}
	rn, err := newRun(res, samples, DefaultScore)
	if err != nil {
		t.Fatal(err)
	}
	curves, _ := recallCurves(rn)
	c := curves["r"]
	want := []float64{(0 + 0.25) / 2, (1 + 0.25) / 2, (1 + 0.5) / 2, (1 + 0.5) / 2}
	if len(c) != len(want) {
		t.Fatalf("curve %v, want %v", c, want)
	}
	for i := range want {
		if math.Abs(c[i]-want[i]) > 1e-12 {
			t.Errorf("k=%d: %.4f, want %.4f", i+1, c[i], want[i])
		}
	}
}

// TestCountChartMarksZeroAndMissing: a pair run with nothing flagged and a
// pair without a count must not both be an empty slot.
func TestCountChartMarksZeroAndMissing(t *testing.T) {
	e := func(org, ref, kind string, c100 *int) results.Entry {
		return results.Entry{Organism: org, Variant: "default", Category: "backdoor", Reference: ref, ReferenceKind: kind, Config: "c", Score: DefaultScore, NCompletions: 100, CountAt100: c100}
	}
	rows := summarize([]results.Entry{
		e("a", "base", "true_base", ptr(0)), e("a", "other", "cross_family", ptr(3)),
		e("b", "base", "true_base", nil), e("b", "other", "cross_family", ptr(2)),
	})
	fig, ok, err := countFigure(bestConfigs(rows))
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	svg := string(fig.SVG)
	for _, want := range []string{"0: nothing flagged", "no count (not run, or no detector)"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart legend lacks %q", want)
		}
	}
	if !strings.Contains(fig.Caption, "hollow circle") || !strings.Contains(fig.Caption, "grey cross") {
		t.Errorf("caption does not explain the marks: %q", fig.Caption)
	}
	// The legend lists kinds in the order the bars stand: true_base first.
	if i, j := strings.Index(svg, ">true_base<"), strings.Index(svg, ">cross_family<"); i < 0 || j < 0 || i > j {
		t.Errorf("legend order: true_base at %d, cross_family at %d", i, j)
	}
}

func TestSymLogTicks(t *testing.T) {
	var labels []string
	for _, tk := range (symLogTicks{}).Ticks(symLogValue(-20), symLogValue(2e5)) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "-10 -1 0 1 10 100 1k 10k 100k" {
		t.Errorf("labels %q", got)
	}
	if symLogValue(-999) != -symLogValue(999) || symLogValue(0) != 0 {
		t.Error("symLogValue is not odd")
	}
}

// TestPlotLabelsReadable: every text in every plot is at least 10 px at
// the size report.html shows it (the SVG's own size).
func TestPlotLabelsReadable(t *testing.T) {
	rn := fixtureRun(t)
	figs, _, err := buildFigures(rn, bestConfigs(summarize(rn.entries)))
	if err != nil {
		t.Fatal(err)
	}
	sizes := regexp.MustCompile(`font-size:([0-9.]+)px`)
	for _, f := range figs {
		// The SVG's user unit is 1 pt = 4/3 CSS px.
		for _, m := range sizes.FindAllStringSubmatch(string(f.SVG), -1) {
			if v, _ := strconv.ParseFloat(m[1], 64); v*4/3 < 10 {
				t.Errorf("%s: text of %s pt (%.1f px)", f.Name, m[1], v*4/3)
			}
		}
		if px := f.W.Points() * 4 / 3; px > maxFigurePx {
			t.Errorf("%s: %0.f px wide, wider than the page's %d: it would be scaled down", f.Name, px, maxFigurePx)
		}
	}
}
