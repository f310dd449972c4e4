package gate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ppldiff/ppldiff/metrics"
	"github.com/ppldiff/ppldiff/reports/termsafe"
)

// How a comparison's interval and p-value were obtained.
const (
	MethodPaired   = "paired bootstrap"   // same prefills in both runs, resampled together
	MethodUnpaired = "unpaired bootstrap" // both runs have samples, prefills differ
	MethodWelch    = "Welch t over repeats"
	MethodNone     = "none" // no uncertainty on either side
)

// CompareOptions sets a comparison. The zero value compares count@10 and
// count@100 with 2000 bootstrap replicates (seed 0 means DefaultSeed) and a
// 0.05 significance level.
type CompareOptions struct {
	Ks    []int   // nil means BaselineKs; k other than 10 and 100 need flagged_ranks or samples
	Alpha float64 // two-sided level of Correction over all rows; 0 means 0.05
	// Correction adjusts the p-values over every row compared (entry x k),
	// as Check does over its entries; "" means DefaultCorrection. Without
	// it two runs that differ only by seed show dozens of "significant"
	// rows among thousands.
	Correction Correction
	// Scores keeps only entries of these scores (nil: all).
	Scores    []string
	Bootstrap metrics.BootstrapOptions
}

// Delta is B - A for one entry at one k.
type Delta struct {
	Key         EntryKey
	K           int
	A, B        Stat
	Delta       float64
	CI          *metrics.Interval // nil when no uncertainty is known
	P           *float64          // two-sided p-value; nil when no test was possible
	PAdjusted   *float64          // P adjusted by the correction over all tested rows
	Method      string
	Significant bool // PAdjusted <= Alpha
	Warnings    []string
}

// Comparison is the outcome of Compare.
type Comparison struct {
	DirA, DirB string
	Alpha      float64
	Correction Correction
	Tested     int        // rows with a test, the family the correction spans
	Deltas     []Delta    // sorted by entry key, then k
	OnlyA      []EntryKey // entries in A only
	OnlyB      []EntryKey // entries in B only
}

// Compare compares every entry present in both runs, benchstat-like: B - A
// of count@k (averaged over repeats) with an interval and a two-sided
// p-value. Every repeat's ranking is read from flagged_ranks, else from
// samples.jsonl. When both runs know every repeat's ranking with the prefill
// id of every completion, the same set of ids (same repeat numbers, nothing
// truncated; in practice samples of all completions, samples_top_k 0) the
// runs are paired: one prefill resampling is applied to both
// (metrics.PairedBootstrapDiff). With rankings but not those ids the
// bootstrap is unpaired (conservative for runs that share prefills).
// Without rankings but with two or more repeats on both sides a Welch
// t-test on the per-repeat counts is used; otherwise no test. Entries with
// null counts are left out.
func Compare(dirA, dirB string, opts CompareOptions) (*Comparison, error) {
	if opts.Ks == nil {
		opts.Ks = BaselineKs
	}
	if opts.Alpha == 0 {
		opts.Alpha = 0.05
	}
	if opts.Correction == "" {
		opts.Correction = DefaultCorrection
	}
	if !slices.Contains(Corrections, opts.Correction) {
		return nil, fmt.Errorf("compare: correction %q: want one of bh, holm, none", opts.Correction)
	}
	if opts.Bootstrap.Seed == 0 {
		opts.Bootstrap.Seed = DefaultSeed
	}
	ra, err := loadRun(dirA)
	if err != nil {
		return nil, err
	}
	rb, err := loadRun(dirB)
	if err != nil {
		return nil, err
	}
	c := &Comparison{DirA: dirA, DirB: dirB, Alpha: opts.Alpha, Correction: opts.Correction}
	keep := func(k EntryKey) bool { return opts.Scores == nil || slices.Contains(opts.Scores, k.Score) }
	for _, k := range ra.order {
		if rb.entries[k] == nil && keep(k) {
			c.OnlyA = append(c.OnlyA, k)
		}
	}
	for _, key := range rb.order {
		if !keep(key) {
			continue
		}
		ea, eb := ra.entries[key], rb.entries[key]
		if ea == nil {
			c.OnlyB = append(c.OnlyB, key)
			continue
		}
		ds, err := compareEntry(ea, eb, opts)
		if errors.Is(err, errNullCount) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.Deltas = append(c.Deltas, ds...)
	}
	c.adjust()
	return c, nil
}

// adjust applies the correction over every tested row and marks the rows
// whose adjusted p-value is within Alpha.
func (c *Comparison) adjust() {
	var idx []int
	var ps []float64
	for i, d := range c.Deltas {
		if d.P != nil {
			idx = append(idx, i)
			ps = append(ps, *d.P)
		}
	}
	c.Tested = len(idx)
	adj := adjust(c.Correction, ps)
	for j, i := range idx {
		d := &c.Deltas[i]
		a := adj[j]
		d.PAdjusted = &a
		d.Significant = a <= c.Alpha
	}
}

// Summary is the comparison in one line: rows tested, how many changed
// significantly after the correction, up and down, and entries in one run
// only.
func (c *Comparison) Summary() string {
	up, down := 0, 0
	for _, d := range c.Deltas {
		if d.Significant {
			if d.Delta > 0 {
				up++
			} else {
				down++
			}
		}
	}
	return fmt.Sprintf("%d of %d rows changed significantly (%d up, %d down); %d entries only in A, %d only in B",
		up+down, len(c.Deltas), up, down, len(c.OnlyA), len(c.OnlyB))
}

func compareEntry(ea, eb *entry, opts CompareOptions) ([]Delta, error) {
	// stats derives each entry's seed itself, as baselines do; the
	// difference's bootstrap gets the same derived seed here.
	sa, err := ea.stats(opts.Ks, opts.Bootstrap)
	if err != nil {
		return nil, err
	}
	bo := opts.Bootstrap
	bo.Seed = seedFor(bo.Seed, ea.key)
	sb, err := eb.stats(opts.Ks, opts.Bootstrap)
	if err != nil {
		return nil, err
	}
	ranksA, okA := allRankings(ea)
	ranksB, okB := allRankings(eb)
	paired := okA && okB && samePrefills(ea, eb)
	out := make([]Delta, len(opts.Ks))
	for i, k := range opts.Ks {
		d := Delta{Key: ea.key, K: k, A: sa[i], B: sb[i], Delta: sb[i].Mean - sa[i].Mean, Method: MethodNone}
		var diff metrics.Difference
		var err error
		switch {
		case paired:
			d.Method = MethodPaired
			diff, err = metrics.PairedBootstrapDiff(ranksA, ranksB, k, bo)
		case okA && okB:
			d.Method = MethodUnpaired
			diff, err = metrics.UnpairedBootstrapDiff(ranksA, ranksB, k, bo)
		case len(sa[i].PerRepeat) >= 2 && len(sb[i].PerRepeat) >= 2:
			d.Method = MethodWelch
			diff = metrics.WelchDiff(sa[i].PerRepeat, sb[i].PerRepeat, 1-opts.Alpha)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ea.key, err)
		}
		// A side without spread (no flags within k: every bootstrap
		// replicate reads 0) makes the bootstrap certain of any change.
		// As check does, such a side gets the variance of the pooled rate.
		if (d.Method == MethodPaired || d.Method == MethodUnpaired) && (noSpread(&sa[i]) || noSpread(&sb[i])) && d.Delta != 0 {
			if se := nullSE(&sa[i], &sb[i], k); se > 0 {
				if p := 2 * metrics.NormalUpperTail(math.Abs(d.Delta)/se); p > diff.P {
					diff.P = p
					diff.Warnings = append(diff.Warnings, "a side without spread: p-value from the pooled-rate z-test, as check's")
				}
			}
		}
		if d.Method != MethodNone {
			d.CI = &diff.CI
			d.P = &diff.P
			d.Warnings = diff.Warnings
		}
		out[i] = d
	}
	return out, nil
}

func noSpread(s *Stat) bool { return s.SE == nil || *s.SE == 0 }

func allRankings(en *entry) ([]metrics.Ranking, bool) {
	out := make([]metrics.Ranking, 0, len(en.repeats))
	for _, rp := range en.repeats {
		if rp.ranking == nil {
			return nil, false
		}
		out = append(out, *rp.ranking)
	}
	return out, true
}

// samePrefills reports whether both entries have the same repeats, each
// complete and holding the same set of prefill ids.
func samePrefills(a, b *entry) bool {
	if len(a.repeats) != len(b.repeats) {
		return false
	}
	for i := range a.repeats {
		ra, rb := a.repeats[i].ranking, b.repeats[i].ranking
		if a.repeats[i].Repeat != b.repeats[i].Repeat || ra.Unseen > 0 || rb.Unseen > 0 {
			return false
		}
		ia, ib := prefillSet(ra.Cluster), prefillSet(rb.Cluster)
		if ia == nil || ib == nil || !slices.Equal(ia, ib) {
			return false
		}
	}
	return true
}

// prefillSet returns the sorted distinct ids, or nil if any is empty.
func prefillSet(ids []string) []string {
	if slices.Contains(ids, "") {
		return nil
	}
	s := slices.Clone(ids)
	slices.Sort(s)
	return slices.Compact(s)
}

// WriteText renders the comparison as an aligned plain-text table, one row
// per entry and k, in the manner of benchstat: A and B with their
// intervals, the change with its interval and p-value, "~" when the change
// is not significant at Alpha.
func (c *Comparison) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "A: %s\nB: %s\n\n", c.DirA, c.DirB)
	var rows [][]string
	var warned warnings
	for _, d := range c.Deltas {
		change, p := "~", "-"
		if d.P != nil {
			p = fmt.Sprintf("p=%.3f", *d.P)
			if d.PAdjusted != nil && c.Correction != CorrectionNone {
				p += fmt.Sprintf(" adj=%.3f", *d.PAdjusted)
			}
		}
		if d.CI != nil {
			change = fmt.Sprintf("%+.3g [%+.3g, %+.3g]", d.Delta, d.CI.Lo, d.CI.Hi)
			if !d.Significant {
				change = "~ " + change
			}
		} else if d.Delta != 0 {
			change = fmt.Sprintf("%+.3g", d.Delta)
		}
		rows = append(rows, []string{d.Key.String(), strconv.Itoa(d.K), formatStat(&d.A), formatStat(&d.B), change, p, string(d.Method)})
		for _, wmsg := range d.Warnings {
			warned.add(fmt.Sprintf("%s k=%d", d.Key, d.K), wmsg)
		}
	}
	if err := termsafe.Table(&b, []string{"entry", "k", "A", "B", "B - A", "p", "test"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\n~: not significant over the %d tested rows (%s, two-sided)\n", c.Tested, c.Correction.describe(c.Alpha))
	for _, k := range c.OnlyA {
		fmt.Fprintf(&b, "only in A: %s\n", k)
	}
	for _, k := range c.OnlyB {
		fmt.Fprintf(&b, "only in B: %s\n", k)
	}
	for _, line := range warned.lines() {
		fmt.Fprintf(&b, "warning: %s\n", line)
	}
	fmt.Fprintf(&b, "%s\n", c.Summary())
	_, err := io.WriteString(w, termsafe.String(b.String()))
	return err
}

// warnings gathers per-entry warnings and prints each kind once: messages
// that differ only in their numbers (e.g. "47.2% of replicates read below
// the listed completions") are one kind, printed with the count of entries
// and the range of each number.
type warnings struct {
	order  []string // templates in first-seen order
	byTmpl map[string]*warningGroup
}

type warningGroup struct {
	where    []string // entry and k of each occurrence
	text     string   // the first occurrence
	lo, hi   []float64
	loS, hiS []string // the numbers as written
}

var numberRE = regexp.MustCompile(`\d+(?:\.\d+)?`)

func (w *warnings) add(where, msg string) {
	if w.byTmpl == nil {
		w.byTmpl = map[string]*warningGroup{}
	}
	tmpl := numberRE.ReplaceAllString(msg, "\x00")
	nums := numberRE.FindAllString(msg, -1)
	g := w.byTmpl[tmpl]
	if g == nil {
		g = &warningGroup{text: msg}
		for _, n := range nums {
			v, _ := strconv.ParseFloat(n, 64)
			g.lo, g.hi = append(g.lo, v), append(g.hi, v)
			g.loS, g.hiS = append(g.loS, n), append(g.hiS, n)
		}
		w.byTmpl[tmpl] = g
		w.order = append(w.order, tmpl)
	}
	if n := len(g.where); n > 0 && g.where[n-1] == where {
		return // the same kind twice for one entry and k
	}
	g.where = append(g.where, where)
	for i, n := range nums {
		v, _ := strconv.ParseFloat(n, 64)
		if v < g.lo[i] {
			g.lo[i], g.loS[i] = v, n
		}
		if v > g.hi[i] {
			g.hi[i], g.hiS[i] = v, n
		}
	}
}

// lines renders one line per kind: "ENTRY k=K: message" when it occurred
// once, else "N entries: message" with each varying number as "lo to hi".
func (w *warnings) lines() []string {
	var out []string
	for _, tmpl := range w.order {
		g := w.byTmpl[tmpl]
		if len(g.where) == 1 {
			out = append(out, g.where[0]+": "+g.text)
			continue
		}
		i := 0
		msg := numberRE.ReplaceAllStringFunc(g.text, func(string) string {
			defer func() { i++ }()
			if g.loS[i] == g.hiS[i] {
				return g.loS[i]
			}
			return g.loS[i] + " to " + g.hiS[i]
		})
		out = append(out, fmt.Sprintf("%d entries (e.g. %s): %s", len(g.where), g.where[0], msg))
	}
	return out
}
