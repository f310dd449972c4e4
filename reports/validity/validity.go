package validity

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
)

// DefaultSource is the published source read by default: the only one with
// counts against cross-family references.
const DefaultSource = "z3-reference-chart"

// Organism is one organism of a run as the report reads it.
type Organism struct {
	ID, Category string
	Variants     []string
	// Base and Cross are count@100 against true_base and cross_family at the
	// best prefill config (over every run given), averaged over variants;
	// NaN when the run has no such entry.
	Base, Cross float64
	// Flagged is the flagged fraction (over all completions) of the
	// config with the most flagged completions, as the study's website
	// picked it, averaged over variants.
	Flagged float64
}

// Row is one category: the run's numbers beside the study's.
type Row struct {
	Category  string
	Organisms []string // the run's organisms in the category
	// Base, Cross: mean count@100 over the category's organisms;
	// Retention = Cross / Base over the organisms that have both.
	Base, Cross, Retention float64
	// Study's: organisms with a published number, their mean count@100
	// against the true base and against cross-family references, and
	// the retention over organisms with both. NaN when none is published.
	StudyOrganisms                        int
	StudyBase, StudyCross, StudyRetention float64
}

// Report is the validity report of one or more runs.
type Report struct {
	Source    string
	Organisms []Organism
	Rows      []Row
	// Spearman rank correlations over the categories both sides have, and
	// how many categories each compares.
	CountRho, RetentionRho float64
	CountN, RetentionN     int
}

type key struct{ org, variant, kind string }

// StudyNumber is one count@100 the study published (the caller reads them
// from the built-in "paper" manifest: organisms.PublishedNumbers converts).
type StudyNumber struct {
	Organism, Category, ReferenceKind string
	Config, Source                    string // Config "best": the best of the study's six
	CountAt100                        *float64
}

// configBest is the Config of a number read at the study's best config.
const configBest = "best"

// Build reads the runs' ppl_diff entries and the study's published numbers
// (study) under source. Each organism
// variant is read at its best prefill config over all runs (count@100
// averaged over repeats), as the study read each model at its best of six.
// Controls are left out: they have no objective to find.
func Build(runs []*results.Results, study []StudyNumber, source string) (*Report, error) {
	if source == "" {
		source = DefaultSource
	}
	type acc struct{ sum, flagged, nFlagged, n float64 }
	perConfig := map[key]map[string]*acc{} // -> "run/config" -> sums over repeats
	cat := map[string]string{}
	for ri, res := range runs {
		for _, e := range res.Entries {
			if e.Score != "ppl_diff" || e.CountAt100 == nil || e.Category == "control" {
				continue
			}
			if e.ReferenceKind != "true_base" && e.ReferenceKind != "cross_family" {
				continue
			}
			k := key{e.Organism, e.Variant, e.ReferenceKind}
			if perConfig[k] == nil {
				perConfig[k] = map[string]*acc{}
			}
			ck := fmt.Sprintf("%d/%s/%s", ri, e.Reference, e.Config)
			a := perConfig[k][ck]
			if a == nil {
				a = &acc{}
				perConfig[k][ck] = a
			}
			a.sum += float64(*e.CountAt100)
			if e.NFlagged != nil && e.NCompletions > 0 {
				a.flagged += float64(*e.NFlagged) / float64(e.NCompletions)
				a.nFlagged += float64(*e.NFlagged)
			}
			a.n++
			cat[e.Organism] = e.Category
		}
	}
	if len(perConfig) == 0 {
		return nil, fmt.Errorf("validity: no ppl_diff entries with counts against a true_base or cross_family reference")
	}
	// The best config's mean count@100, and the flagged fraction of the
	// config with the most flagged completions (not always the same one).
	best := map[key]acc{}
	for k, configs := range perConfig {
		b := acc{sum: -1, nFlagged: -1}
		for _, ck := range sortedKeys(configs) {
			a := configs[ck]
			if m := a.sum / a.n; m > b.sum {
				b.sum = m
			}
			if m := a.nFlagged / a.n; m > b.nFlagged {
				b.nFlagged, b.flagged = m, a.flagged/a.n
			}
		}
		best[k] = b
	}
	orgs := map[string]*Organism{}
	type sums struct{ base, cross, flagged []float64 }
	per := map[string]*sums{}
	for k, b := range best {
		o := orgs[k.org]
		if o == nil {
			o = &Organism{ID: k.org, Category: cat[k.org]}
			orgs[k.org] = o
			per[k.org] = &sums{}
		}
		if !slices.Contains(o.Variants, k.variant) {
			o.Variants = append(o.Variants, k.variant)
		}
		if k.kind == "true_base" {
			per[k.org].base = append(per[k.org].base, b.sum)
			per[k.org].flagged = append(per[k.org].flagged, b.flagged)
		} else {
			per[k.org].cross = append(per[k.org].cross, b.sum)
		}
	}
	rep := &Report{Source: source}
	for _, id := range sortedKeys(orgs) {
		o := orgs[id]
		slices.Sort(o.Variants)
		o.Base, o.Cross, o.Flagged = mean(per[id].base), mean(per[id].cross), mean(per[id].flagged)
		rep.Organisms = append(rep.Organisms, *o)
	}
	published := studyByCategory(study, source)
	byCat := map[string][]Organism{}
	for _, o := range rep.Organisms {
		byCat[o.Category] = append(byCat[o.Category], o)
	}
	for _, c := range sortedKeys(byCat) {
		r := Row{Category: c, StudyBase: math.NaN(), StudyCross: math.NaN(), StudyRetention: math.NaN()}
		var base, cross, bothB, bothC []float64
		for _, o := range byCat[c] {
			r.Organisms = append(r.Organisms, o.ID)
			if !math.IsNaN(o.Base) {
				base = append(base, o.Base)
			}
			if !math.IsNaN(o.Cross) {
				cross = append(cross, o.Cross)
			}
			if !math.IsNaN(o.Base) && !math.IsNaN(o.Cross) {
				bothB, bothC = append(bothB, o.Base), append(bothC, o.Cross)
			}
		}
		r.Base, r.Cross, r.Retention = mean(base), mean(cross), ratio(mean(bothC), mean(bothB))
		if s, ok := published[c]; ok {
			r.StudyOrganisms, r.StudyBase, r.StudyCross, r.StudyRetention = s.n, s.base, s.cross, s.retention
		}
		rep.Rows = append(rep.Rows, r)
	}
	var cx, cy, rx, ry []float64
	for _, r := range rep.Rows {
		if !math.IsNaN(r.Base) && !math.IsNaN(r.StudyBase) {
			cx, cy = append(cx, r.Base), append(cy, r.StudyBase)
		}
		if !math.IsNaN(r.Retention) && !math.IsNaN(r.StudyRetention) {
			rx, ry = append(rx, r.Retention), append(ry, r.StudyRetention)
		}
	}
	rep.CountRho, rep.CountN = metrics.Spearman(cx, cy), len(cx)
	rep.RetentionRho, rep.RetentionN = metrics.Spearman(rx, ry), len(rx)
	return rep, nil
}

type studyRow struct {
	n                      int
	base, cross, retention float64
}

// studyByCategory aggregates the published count@100 of source per
// category: per organism, its true-base number and the mean of its
// cross-family numbers (a bar the source left out is not guessed); per
// category, means over organisms. Several organisms sharing one published
// value (AuditBench's four regimes, averaged by the authors) count once
// each, which leaves the mean unchanged.
func studyByCategory(study []StudyNumber, source string) map[string]studyRow {
	type org struct{ base, cross []float64 }
	orgs := map[string]*org{}
	var order []string // organisms in manifest order
	cats := map[string]string{}
	for _, p := range study {
		if p.Source != source || p.Config != configBest || p.CountAt100 == nil {
			continue
		}
		g := orgs[p.Organism]
		if g == nil {
			g = &org{}
			orgs[p.Organism], cats[p.Organism] = g, p.Category
			order = append(order, p.Organism)
		}
		switch p.ReferenceKind {
		case "true_base":
			g.base = append(g.base, *p.CountAt100)
		case "cross_family":
			g.cross = append(g.cross, *p.CountAt100)
		}
	}
	byCat := map[string][]org{}
	for _, id := range order {
		if g := orgs[id]; len(g.base) > 0 || len(g.cross) > 0 {
			byCat[cats[id]] = append(byCat[cats[id]], *g)
		}
	}
	out := map[string]studyRow{}
	for c, os := range byCat {
		var base, bothB, bothC []float64
		for _, o := range os {
			if len(o.base) == 0 {
				continue
			}
			base = append(base, mean(o.base))
			if len(o.cross) > 0 {
				bothB, bothC = append(bothB, mean(o.base)), append(bothC, mean(o.cross))
			}
		}
		if len(base) == 0 {
			continue
		}
		out[c] = studyRow{n: len(base), base: mean(base), cross: mean(bothC), retention: ratio(mean(bothC), mean(bothB))}
	}
	return out
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func ratio(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return math.NaN()
	}
	return a / b
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

func num(x float64, format string) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf(format, x)
}

// WriteMarkdown writes the report as Markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Validity against the study (%s)\n\n", r.Source)
	b.WriteString("count@100 at each organism's best config; retention = cross_family / true_base.\n\n")
	b.WriteString("| category | organisms | count@100 true_base | count@100 cross_family | retention | study organisms | study true_base | study cross_family | study retention |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %d | %s | %s | %s |\n", cell(row.Category), len(row.Organisms),
			num(row.Base, "%.1f"), num(row.Cross, "%.1f"), num(row.Retention, "%.2f"),
			row.StudyOrganisms, num(row.StudyBase, "%.1f"), num(row.StudyCross, "%.1f"), num(row.StudyRetention, "%.2f"))
	}
	fmt.Fprintf(&b, "\nSpearman over categories: count@100 (true_base) rho = %s (%d categories); retention rho = %s (%d categories).\n",
		num(r.CountRho, "%.2f"), r.CountN, num(r.RetentionRho, "%.2f"), r.RetentionN)
	b.WriteString("\n| organism | category | variants | flagged (most-flagged config) | count@100 true_base | count@100 cross_family |\n")
	b.WriteString("|---|---|---|---:|---:|---:|\n")
	for _, o := range r.Organisms {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cell(o.ID), cell(o.Category), cell(strings.Join(o.Variants, " ")),
			num(100*o.Flagged, "%.2f %%"), num(o.Base, "%.1f"), num(o.Cross, "%.1f"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell makes a results field (which an imported or edited file may fill
// with anything) safe in a Markdown table cell: control characters dropped,
// Markdown and HTML metacharacters escaped.
func cell(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		case strings.ContainsRune("|\\`*[]<>&", r):
			fmt.Fprintf(&b, "&#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// JSON returns the report in a form encoding/json can write: numbers that
// are NaN (nothing to compare) become null.
func (r *Report) JSON() any {
	f := func(x float64) *float64 {
		if math.IsNaN(x) {
			return nil
		}
		return &x
	}
	type row struct {
		Category       string   `json:"category"`
		Organisms      []string `json:"organisms"`
		Base           *float64 `json:"count_at_100_true_base"`
		Cross          *float64 `json:"count_at_100_cross_family"`
		Retention      *float64 `json:"retention"`
		StudyOrganisms int      `json:"study_organisms"`
		StudyBase      *float64 `json:"study_count_at_100_true_base"`
		StudyCross     *float64 `json:"study_count_at_100_cross_family"`
		StudyRetention *float64 `json:"study_retention"`
	}
	type org struct {
		ID       string   `json:"organism"`
		Category string   `json:"category"`
		Variants []string `json:"variants"`
		Flagged  *float64 `json:"flagged_fraction"`
		Base     *float64 `json:"count_at_100_true_base"`
		Cross    *float64 `json:"count_at_100_cross_family"`
	}
	out := struct {
		Source       string   `json:"source"`
		Rows         []row    `json:"categories"`
		Organisms    []org    `json:"organisms"`
		CountRho     *float64 `json:"spearman_count_at_100"`
		CountN       int      `json:"spearman_count_at_100_categories"`
		RetentionRho *float64 `json:"spearman_retention"`
		RetentionN   int      `json:"spearman_retention_categories"`
	}{Source: r.Source, CountRho: f(r.CountRho), CountN: r.CountN, RetentionRho: f(r.RetentionRho), RetentionN: r.RetentionN}
	for _, x := range r.Rows {
		out.Rows = append(out.Rows, row{x.Category, x.Organisms, f(x.Base), f(x.Cross), f(x.Retention),
			x.StudyOrganisms, f(x.StudyBase), f(x.StudyCross), f(x.StudyRetention)})
	}
	for _, o := range r.Organisms {
		out.Organisms = append(out.Organisms, org{o.ID, o.Category, o.Variants, f(o.Flagged), f(o.Base), f(o.Cross)})
	}
	return out
}
