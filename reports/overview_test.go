package reports

import (
	"bytes"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
	"gonum.org/v1/plot/plotter"
)

func ptrs(vs ...int) []*int {
	var out []*int
	for _, v := range vs {
		out = append(out, ptr(v))
	}
	return out
}

// bestRow builds a best-config summary row with per-repeat count@100 and
// first hit values.
func bestRow(org, variant, ref, config string, counts, firstHits []*int) summaryRow {
	r := summaryRow{Key: groupKey{org, variant, ref, config}, Entry: results.Entry{Category: "backdoor"}, Repeats: len(counts)}
	for i := range counts {
		r.CountAt100.add(counts[i])
		r.FirstHit.add(firstHits[i])
	}
	return r
}

func TestBuildOverview(t *testing.T) {
	best := []summaryRow{
		bestRow("b_org", "n3", "weak", "zoo-raw", ptrs(4, 8), ptrs(3, 1)),
		bestRow("b_org", "n3", "cross", "zoo-chat", ptrs(0, 0), []*int{nil, nil}),
		bestRow("a_org", "n4", "weak", "zoo-raw", ptrs(40), ptrs(1)),
		bestRow("a_org", "n5", "weak", "zoo-raw", []*int{nil}, []*int{nil}),
	}
	ov := buildOverview(best)
	if want := []string{"cross", "weak"}; !slices.Equal(ov.References, want) {
		t.Fatalf("references %v, want %v", ov.References, want)
	}
	var got []string
	for _, r := range ov.Rows {
		line := r.Organism + "@" + r.Variant
		for _, c := range r.Cells {
			line += " | " + c.Text
		}
		got = append(got, line)
	}
	// Rows keep the order of best; b_org has counts 4 and 8 (mean 6, range
	// 4-8, first hits 3 and 1: median 2); a_org@n4 was not run against
	// cross; a_org@n5 has null counts (judge-only).
	want := []string{
		"b_org@n3 | 0 | 6 [4–8] · #2",
		"a_org@n4 | not run | 40 · #1",
		"a_org@n5 | not run | -",
	}
	if !slices.Equal(got, want) {
		t.Errorf("overview\n got %q\nwant %q", got, want)
	}
	if c := ov.Rows[0].Cells[1]; c.Level != 2 || !c.Known || c.Title != "config zoo-raw, 2 repeats" {
		t.Errorf("cell %+v: want level 2 (6 >= 3), known, config in the title", c)
	}
	if c := ov.Rows[1].Cells[1]; c.Level != 4 {
		t.Errorf("count 40: level %d, want 4", c.Level)
	}
	if c := ov.Rows[2].Cells[1]; c.Known || c.Level != 0 {
		t.Errorf("null counts: cell %+v, want unknown", c)
	}
}

func TestFigureDataURLIsPNG(t *testing.T) {
	small, big := []byte("s"), bytes.Repeat([]byte("b"), 100)
	if got := string(figureDataURL(figure{SVG: small, PNG: big})); !strings.HasPrefix(got, "data:image/png;base64,") {
		t.Errorf("got %.40s, want the PNG even when the SVG is smaller", got)
	}
	if got := string(figureDataURL(figure{SVG: big})); !strings.HasPrefix(got, "data:image/svg+xml;base64,") {
		t.Errorf("without a PNG: got %.40s", got)
	}
}

func TestThinPoints(t *testing.T) {
	var pts plotter.XYs
	for i := range 1000 {
		pts = append(pts, plotter.XY{X: float64(i % 100), Y: float64(i)})
	}
	if got := thinPoints(pts, 2000); len(got) != len(pts) {
		t.Errorf("under the limit: %d points, want all %d", len(got), len(pts))
	}
	a, b := thinPoints(pts, 300), thinPoints(pts, 300)
	if len(a) != 300 || !slices.Equal(a, b) {
		t.Fatalf("thinning to 300: %d points, deterministic %v", len(a), slices.Equal(a, b))
	}
	ranks := map[float64]bool{}
	for i, p := range a {
		if i > 0 && p.Y <= a[i-1].Y {
			t.Fatalf("input order lost at %d", i)
		}
		ranks[p.X] = true
	}
	// A stride of 1000/300 would keep the same few ranks (X = i mod 100)
	// in lockstep; a random subset of 300 out of 10 per rank leaves
	// almost every rank represented.
	if len(ranks) < 90 {
		t.Errorf("thinned points cover %d of 100 ranks", len(ranks))
	}
}

// TestDetectionCellsGroupBySizeLabel: variants of one size label differ a
// little in params (each zoo organism's n-gram model has its own size);
// they must make one point, not one per organism.
func TestDetectionCellsGroupBySizeLabel(t *testing.T) {
	entry := func(size string, params int64, count int) results.Entry {
		return results.Entry{Size: size, Params: params, Reference: "r", ReferenceKind: "weak", ReferenceFamily: "f", CountAt100: ptr(count)}
	}
	cells := detectionCells([]results.Entry{
		entry("n3", 1_000_000, 1), entry("n3", 4_000_000, 0), entry("n4", 9_000_000, 2),
		entry("", 5_000, 0), entry("", 6_000, 1),
	})
	if len(cells) != 1 {
		t.Fatalf("%d series, want 1", len(cells))
	}
	for _, c := range cells {
		if len(c) != 4 {
			t.Fatalf("%d cells, want 4 (n3, n4 and two unlabelled params)", len(c))
		}
		// Ascending size; the n3 point sits at the geometric mean of 1M
		// and 4M, 2M.
		near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*want }
		if !near(c[0].params(), 5_000) || !near(c[1].params(), 6_000) || !near(c[2].params(), 2_000_000) || !near(c[3].params(), 9_000_000) {
			t.Errorf("cell sizes %v %v %v %v", c[0].params(), c[1].params(), c[2].params(), c[3].params())
		}
		if c[2].n != 2 || c[2].detected != 1 {
			t.Errorf("n3 cell: %d detected of %d, want 1 of 2", c[2].detected, c[2].n)
		}
	}
}

func TestSegmentsMergeUnshaded(t *testing.T) {
	text := "abcdef"
	ft := []results.TokenLogprob{tok(0, 2, -1), tok(2, 4, -1), tok(4, 6, -1)}
	ref := []results.TokenLogprob{tok(0, 2, -1), tok(2, 4, -1.1), tok(4, 6, -5)}
	segs := segments(text, ft, ref, nil)
	// Contributions 0, 0.1 (both unshaded, merged, no title) and +4 (p5).
	if len(segs) != 2 || segs[0].Text != "abcd" || segs[0].Shade != "" || segs[0].Title != "" || segs[1].Shade != "p5" || segs[1].Title == "" {
		t.Errorf("segments %+v", segs)
	}
}

func TestMarkdownCompletionBold(t *testing.T) {
	got := markdownCompletion("I won't answer *about* fruit", []string{"won't answer & fruit"})
	want := `I **won&#39;t answer** \*about\* **fruit**`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A match with spaces at its edges keeps them outside the markers.
	if got := markdownCompletion("a  b", []string{" b"}); got != "a  **b**" {
		t.Errorf("edge spaces: %q", got)
	}
}

// TestHTMLListingsCollapse: listings with a flagged row start expanded, the
// others collapsed, and the leak map has one row per organism variant.
// TestHTMLListingsCollapse: every completion listing starts collapsed (a
// full run has ~200), and every leak-map cell links to its listing.
func TestHTMLListingsCollapse(t *testing.T) {
	dir := copyFixture(t)
	w, err := Write(dir, Options{TopK: 5})
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(w.HTML)
	if err != nil {
		t.Fatal(err)
	}
	sections := regexp.MustCompile(`(?s)<section class="pair" id="([^"]+)".*?</section>`).FindAllSubmatch(page, -1)
	if len(sections) != fixturePairs {
		t.Fatalf("%d listings, want %d", len(sections), fixturePairs)
	}
	ids := map[string]bool{}
	for _, s := range sections {
		if bytes.Contains(s[0], []byte("<details open")) {
			t.Errorf("listing starts open:\n%.300s", s[0])
		}
		ids[string(s[1])] = true
	}
	leak := regexp.MustCompile(`(?s)<table class="leak">.*?</table>`).Find(page)
	if got, want := bytes.Count(leak, []byte("<tr data-organism=")), len(fixtureOrganisms)*len(fixtureVariants); got != want {
		t.Errorf("leak map has %d rows, want %d", got, want)
	}
	links := regexp.MustCompile(`<td class="cell[^"]*"[^>]*><a href="#([^"]+)">`).FindAllSubmatch(leak, -1)
	if len(links) != fixturePairs {
		t.Errorf("%d leak-map cells link to a listing, want %d", len(links), fixturePairs)
	}
	for _, l := range links {
		if !ids[string(l[1])] {
			t.Errorf("leak-map link #%s has no listing", l[1])
		}
	}
	if len(w.Pages) != 0 {
		t.Errorf("a small run got organism pages: %v", w.Pages)
	}
}
