package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/ppldiff/ppldiff/harness/results"
)

// themesShown is how many themes of a ranking the report lists.
const themesShown = 8

// themeRow is one audited ranking as the report shows it (`ppldiff audit`
// wrote audit.json into the run directory).
type themeRow struct {
	Organism, Variant, Reference, Config string
	Comparison                           string
	Themes                               []string // "term (z 4.2; 13 in top, 0 compared; ranks 1, 4, 9)"
	Hypothesis                           string
}

// loadThemes reads dir/audit.json when there is one; its rankings by the
// report's score become rows. A directory without one gives none.
func loadThemes(dir, score string) ([]themeRow, error) {
	a, err := results.ReadAudit(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rows []themeRow
	for _, r := range a.Rankings {
		if r.Score != score {
			continue
		}
		d := r.Digest
		row := themeRow{Organism: cleanText(r.Organism, false), Variant: cleanText(r.Variant, false),
			Reference: cleanText(r.Reference, false), Config: cleanText(r.Config, false),
			Comparison: cleanText(d.Comparison, false)}
		for i, th := range d.Themes {
			if i == themesShown {
				break
			}
			var ranks []string
			for _, c := range th.Carriers {
				ranks = append(ranks, fmt.Sprint(c))
			}
			row.Themes = append(row.Themes, fmt.Sprintf("%s (z %.1f; %d in top, %d compared; ranks %s)",
				oneLine(th.Term, 60), th.Z, th.InTop, th.InRest, strings.Join(ranks, ", ")))
		}
		if h := d.Hypothesis; h != nil {
			first := "none"
			if h.FirstHitRank != nil {
				first = fmt.Sprint(*h.FirstHitRank)
			}
			row.Hypothesis = fmt.Sprintf("%s: count@%d %d, first hit %s", oneLine(strings.Join(h.Keywords, " "), 60), d.K, h.CountAtK, first)
			if h.Enrichment != nil {
				row.Hypothesis += fmt.Sprintf(", %.1fx the rate below", *h.Enrichment)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
