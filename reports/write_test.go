package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// copyFixture puts the synthetic run into a fresh directory.
func copyFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{results.ResultsFile, results.SamplesFile} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fixturePairs is the number of organism x variant x reference listings.
var fixturePairs = len(fixtureOrganisms) * len(fixtureVariants) * len(fixtureReferences)

func TestWriteFixture(t *testing.T) {
	dir := copyFixture(t)
	w, err := Write(dir, Options{TopK: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Plots) != 10 {
		t.Errorf("%d plot files, want 5 figures x {svg, png}: %v", len(w.Plots), w.Plots)
	}
	for _, p := range append([]string{w.HTML, w.Markdown}, w.Plots...) {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", p, err)
		}
	}
	md, err := os.ReadFile(w.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"](plots/count_at_100.svg)", "31 \\(best\\)", "### fruit\\_refusal @ n6-w3 against true\\_base"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if got, want := bytes.Count(md, []byte("\n### ")), 5+fixturePairs; got != want {
		t.Errorf("report.md has %d level-3 sections, want %d (5 plots + pairs)", got, want)
	}
	page, err := os.ReadFile(w.HTML)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bytes.Count(page, []byte(`<tr class="completion`)), 5*fixturePairs; got != want {
		t.Errorf("report.html has %d completion rows, want %d", got, want)
	}
	// html/template writes the '+' of the media type as an entity. Each
	// plot is inlined as the smaller of its SVG and PNG.
	if got := bytes.Count(page, []byte(`src="data:image/svg&#43;xml;base64,`)) + bytes.Count(page, []byte(`src="data:image/png;base64,`)); got != 5 {
		t.Errorf("report.html inlines %d plots, want 5", got)
	}
	for _, bad := range []string{"http://", "https://", `src="plots/`, "<link"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("report.html refers to an external asset: %q", bad)
		}
	}

	// A second report of the same run is byte-identical.
	again := copyFixture(t)
	if _, err := Write(again, Options{TopK: 5}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{HTMLFile, MarkdownFile, "plots/ppl_ref_vs_ft.svg"} {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(again, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two reports of one run", name)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	if _, err := Write(t.TempDir(), Options{}); err == nil {
		t.Error("empty directory: want an error")
	}
	dir := copyFixture(t)
	if _, err := Write(dir, Options{Score: "bpb_diff"}); err == nil || !strings.Contains(err.Error(), "bpb_diff") {
		t.Errorf("score absent from the run: err = %v", err)
	}
}

// BenchmarkWrite measures a full report of the synthetic run (72 entries,
// 1152 completions): plots, Markdown and HTML.
func BenchmarkWrite(b *testing.B) {
	dir := b.TempDir()
	for _, f := range []string{results.ResultsFile, results.SamplesFile} {
		data, err := os.ReadFile(filepath.Join(fixtureDir, f))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := Write(dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
