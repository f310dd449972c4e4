package reports

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// markdownReport renders report.md. Every string that comes from the run
// (ids, model text, matched terms) goes through markdownText.
func markdownReport(rn *run, rows []summaryRow, lists []listing, figs []figure, notes []string, opts Options) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# ppldiff report: run %s\n\n", markdownText(rn.results.Run.ID))
	fmt.Fprintf(&b, "Score: %s. Entries: %d. Completions listed: top %d per organism x variant x reference, from its best config; the prefill is its own column, keyword matches are in bold.\n\n",
		markdownText(rn.score), len(rn.entries), opts.TopK)

	b.WriteString("Contents: [Headline](#headline) · [Leak map](#leak-map)")
	if len(rn.judges) > 0 {
		b.WriteString(" · [LLM judge](#llm-judge)")
	}
	if len(rn.themes) > 0 {
		b.WriteString(" · [Themes](#themes)")
	}
	b.WriteString(" · [Summary](#summary)")
	if len(figs) > 0 {
		b.WriteString(" · [Plots](#plots)")
	}
	if len(notes) > 0 {
		b.WriteString(" · [Notes](#notes)")
	}
	b.WriteString(" · [Top completions](#top-completions)\n\n")

	var bestRows []summaryRow
	for _, l := range lists {
		bestRows = append(bestRows, l.Row)
	}
	hl, err := buildHeadline(bestRows)
	if err != nil {
		return nil, err
	}
	b.WriteString("## Headline\n\n")
	for _, sn := range hl.Sentences {
		b.WriteString(markdownText(sn) + "\n\n")
	}
	var hlCells [][]string
	for _, r := range hl.Rows {
		hlCells = append(hlCells, []string{r.Organism, r.Category, r.Reference, r.DetectedText(), r.FirstHit, r.Count10, r.Count100})
	}
	writeMarkdownTable(&b, []string{"organism", "category", "reference", "variants detected", "best first hit", "best count@10 [95% CI]", "best count@100 [95% CI]"}, hlCells)
	b.WriteString("\nDetected: mean count@100 ≥ 1 at the variant's best config; best values over the organism's variants (the variant in brackets), with 95% bootstrap intervals over prefills where results.json lists every flagged rank.\n\n")

	b.WriteString("## Leak map\n\n")
	b.WriteString("count@100 of each organism variant against each reference, at the pair's best config ([min–max] over repeats when they differ; · #N: rank of the first flagged completion). Controls show the false-positive floor.\n\n")
	var best []summaryRow
	for _, l := range lists {
		best = append(best, l.Row)
	}
	ov := buildOverview(best)
	ovHeader := append([]string{"organism", "variant", "category"}, ov.References...)
	var ovCells [][]string
	for _, r := range ov.Rows {
		c := []string{r.Organism, r.Variant, r.Category}
		for _, cell := range r.Cells {
			c = append(c, cell.Text)
		}
		ovCells = append(ovCells, c)
	}
	writeMarkdownTable(&b, ovHeader, ovCells)

	if len(rn.judges) > 0 {
		b.WriteString("\n## LLM judge\n\n" + judgeIntro + "\n\n")
		var cells [][]string
		for _, j := range rn.judges {
			cells = append(cells, []string{j.Organism, j.Variant, j.Reference, j.Config, strconv.Itoa(j.Repeat), j.Model, j.Judged,
				j.Count10, j.Count100, j.Keyword100, j.RateBelow, j.KeywordAgreement, j.RepeatAgreement, strconv.Itoa(j.Invalid)})
		}
		writeMarkdownTable(&b, []string{"organism", "variant", "reference", "config", "repeat", "judge model", "judged", "count@10", "count@100",
			"keyword count@100", "flag rate below", "judge vs keywords", "between samples", "no valid answer"}, cells)
	}
	if len(rn.themes) > 0 {
		b.WriteString("\n## Themes\n\nFrom `ppldiff audit`: the words and phrases each ranking's top k over-represents against the completions it was compared with (weighted log-odds z-score), found without the detectors.\n\n")
		var cells [][]string
		for _, t := range rn.themes {
			cells = append(cells, []string{t.Organism, t.Variant, t.Reference, t.Config, t.Comparison, strings.Join(t.Themes, "; "), t.Hypothesis})
		}
		writeMarkdownTable(&b, []string{"organism", "variant", "reference", "config", "compared with", "themes", "hypothesis"}, cells)
	}
	b.WriteString("\n## Summary\n\n")
	header, cells := summaryCells(rows)
	writeMarkdownTable(&b, header, cells)

	if len(figs) > 0 {
		b.WriteString("\n## Plots\n\n")
		for _, f := range figs {
			fmt.Fprintf(&b, "### %s\n\n![%s](plots/%s.svg)\n\n%s ([PNG](plots/%s.png))\n\n",
				markdownText(f.Title), markdownText(f.Title), f.Name, markdownText(f.Caption), f.Name)
		}
	}
	if len(notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", markdownText(n))
		}
		b.WriteString("\n")
	}

	b.WriteString("## Top completions\n\n")
	for _, l := range lists {
		fmt.Fprintf(&b, "### %s @ %s against %s\n\n", markdownText(l.Row.Key.Organism), markdownText(l.Row.Key.Variant), markdownText(l.Row.Key.Reference))
		fmt.Fprintf(&b, "Config %s, repeat %d: count@10 %s, count@100 %s, first hit %s.\n\n",
			markdownText(l.Row.Key.Config), l.Repeat,
			formatMean(l.Row.CountAt10.Mean()), formatMean(l.Row.CountAt100.Mean()), markdownText(formatFirstHit(l.Row.FirstHit, l.Row.Repeats)))
		if len(l.Samples) == 0 {
			b.WriteString("No completions stored for this ranking.\n\n")
			continue
		}
		header := []string{"rank", markdownText(rn.score), markdownText("PPL_ft"), markdownText("PPL_ref"), "flagged", "prefill", "completion"}
		var cells [][]string
		for _, s := range l.Samples {
			flag := ""
			if s.Flagged {
				flag = "**yes**"
				if len(s.Matched) > 0 {
					flag += " (" + markdownText(strings.Join(s.Matched, ", ")) + ")"
				}
			}
			if v := judgeVerdict(s); v != "" {
				flag = strings.TrimSpace(flag + " judge: " + markdownText(v))
			}
			cells = append(cells, []string{
				strconv.Itoa(s.Rank), markdownText(formatNumber(s.ScoreValue)),
				markdownText(formatFloat(s.PPLFT)), markdownText(formatFloat(s.PPLRef)), flag,
				markdownText(s.Prefill), markdownCompletion(s.Completion, s.Matched),
			})
		}
		writeRawMarkdownTable(&b, header, cells)
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}

// writeMarkdownTable escapes every cell and writes a GFM table.
func writeMarkdownTable(b *bytes.Buffer, header []string, cells [][]string) {
	esc := func(row []string) []string {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = markdownText(c)
		}
		return out
	}
	var escaped [][]string
	for _, r := range cells {
		escaped = append(escaped, esc(r))
	}
	writeRawMarkdownTable(b, esc(header), escaped)
}

// writeRawMarkdownTable writes cells that are already escaped.
func writeRawMarkdownTable(b *bytes.Buffer, header []string, cells [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range cells {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}

// markdownCompletion escapes a completion and puts its keyword matches in
// bold. The spaces at a match's edges stay outside the ** markers, where
// CommonMark requires them to be for the emphasis to count.
func markdownCompletion(text string, matched []string) string {
	var b strings.Builder
	for _, seg := range segments(text, nil, nil, matched) {
		if !seg.Keyword {
			b.WriteString(markdownText(seg.Text))
			continue
		}
		core := strings.TrimSpace(seg.Text)
		if core == "" {
			b.WriteString(markdownText(seg.Text))
			continue
		}
		i := strings.Index(seg.Text, core)
		b.WriteString(markdownText(seg.Text[:i]) + "**" + markdownText(core) + "**" + markdownText(seg.Text[i+len(core):]))
	}
	return b.String()
}
