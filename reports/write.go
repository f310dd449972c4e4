package reports

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ppldiff/ppldiff/harness/results"
)

// File names Write produces inside the run directory.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
	PlotsDir     = "plots"
)

// Written lists what Write produced.
type Written struct {
	HTML     string   // path of report.html
	Markdown string   // path of report.md
	Plots    []string // paths of plots/*.svg and plots/*.png, in order
	// Pages are the per-organism pages of a large run
	// (report-organisms/*.html), in organism order; none for a small run.
	Pages []string
	// Notes says what the report left out or split and why (e.g. points
	// that cannot sit on a log axis, params kinds that cannot share one).
	Notes []string
}

// Write reads dir/results.json and dir/samples.jsonl and writes
// dir/report.html, dir/report.md and dir/plots/*.{svg,png}. It is what
// `ppldiff report DIR` and the end of `ppldiff run` call.
func Write(dir string, opts Options) (*Written, error) {
	opts = opts.withDefaults()
	rn, err := loadRun(dir, opts.Score)
	if err != nil {
		return nil, err
	}
	return writeRun(dir, rn, opts)
}

func writeRun(dir string, rn *run, opts Options) (*Written, error) {
	rows := summarize(rn.entries)
	best := bestConfigs(rows)
	figs, notes, err := buildFigures(rn, best)
	if err != nil {
		return nil, err
	}
	lists := listings(rn, best, opts.TopK)

	w := &Written{HTML: filepath.Join(dir, HTMLFile), Markdown: filepath.Join(dir, MarkdownFile), Notes: notes}
	for _, f := range figs {
		for _, out := range []struct {
			ext  string
			data []byte
		}{{".svg", f.SVG}, {".png", f.PNG}} {
			p := filepath.Join(dir, PlotsDir, f.Name+out.ext)
			if err := writeFile(p, out.data); err != nil {
				return nil, err
			}
			w.Plots = append(w.Plots, p)
		}
	}
	md, err := markdownReport(rn, rows, lists, figs, notes, opts)
	if err != nil {
		return nil, err
	}
	if err := writeFile(w.Markdown, md); err != nil {
		return nil, err
	}
	page, extra, err := htmlReport(rn, rows, lists, figs, notes, opts)
	if err != nil {
		return nil, err
	}
	// Pages of an earlier report of this directory would be stale.
	if err := os.RemoveAll(filepath.Join(dir, OrganismPagesDir)); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	for _, name := range sortedKeys(extra) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := writeFile(p, extra[name]); err != nil {
			return nil, err
		}
		w.Pages = append(w.Pages, p)
	}
	if err := writeFile(w.HTML, page); err != nil {
		return nil, err
	}
	return w, nil
}

// buildFigures renders every plot the data allows, in a fixed order, and
// notes the ones it skipped.
func buildFigures(rn *run, best []summaryRow) ([]figure, []string, error) {
	figs, notes, err := detectionFigures(rn.entries)
	if err != nil {
		return nil, nil, err
	}
	if f, ok, err := countFigure(best); err != nil {
		return nil, nil, err
	} else if ok {
		figs = append(figs, f)
	}
	if f, ok, err := recallFigure(rn); err != nil {
		return nil, nil, err
	} else if ok {
		figs = append(figs, f)
	} else {
		notes = append(notes, "recall@k: no ranking has a flagged completion; plot skipped")
	}
	f, ok, note, err := pplFigure(rn)
	if err != nil {
		return nil, nil, err
	}
	if note != "" {
		notes = append(notes, note)
	}
	if ok {
		figs = append(figs, f)
	} else {
		notes = append(notes, "PPL_ref against PPL_ft: no completion has both perplexities; plot skipped")
	}
	if f, ok, err := scoreFigure(rn); err != nil {
		return nil, nil, err
	} else if ok {
		figs = append(figs, f)
	}
	return figs, notes, nil
}

// writeFile writes through a temporary file and a rename (no half-written
// report after a crash), world-readable like any report (results.CreateTemp).
func writeFile(path string, data []byte) error {
	if err := results.WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
