package gate

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/ppldiff/ppldiff/metrics"
	"github.com/ppldiff/ppldiff/reports/termsafe"
)

// DefaultK is the k the check gates on when CheckOptions.K is 0.
const DefaultK = 100

// DefaultAlpha is the error rate the check controls over the entries it
// tests when CheckOptions.Alpha is 0.
const DefaultAlpha = 0.05

// Correction is how Check controls the error rate over the entries it tests.
type Correction string

// Corrections. CorrectionBH is the default (see the package doc for why).
const (
	CorrectionBH   Correction = "bh"   // Benjamini-Hochberg: false discovery rate at Alpha
	CorrectionHolm Correction = "holm" // Holm step-down: family-wise error rate at Alpha
	CorrectionNone Correction = "none" // each entry tested alone at Alpha: false alarms grow with the entries
)

// DefaultCorrection is the correction when CheckOptions.Correction is "".
const DefaultCorrection = CorrectionBH

// Corrections lists the valid Correction values.
var Corrections = []Correction{CorrectionBH, CorrectionHolm, CorrectionNone}

// ParseCorrection reads a Correction by name ("bh", "holm", "none"; also
// "benjamini-hochberg" and "fdr" for bh, "fwer" for holm).
func ParseCorrection(s string) (Correction, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "bh", "benjamini-hochberg", "fdr":
		return CorrectionBH, nil
	case "holm", "fwer":
		return CorrectionHolm, nil
	case "none":
		return CorrectionNone, nil
	}
	return "", fmt.Errorf("correction %q: want one of bh, holm, none", s)
}

// describe names the correction and the rate it controls at alpha.
func (c Correction) describe(alpha float64) string {
	switch c {
	case CorrectionHolm:
		return fmt.Sprintf("Holm step-down, family-wise error rate %.3g", alpha)
	case CorrectionNone:
		return fmt.Sprintf("no correction, each entry at one-sided %.3g", alpha)
	}
	return fmt.Sprintf("Benjamini-Hochberg, false discovery rate %.3g", alpha)
}

// CheckOptions sets a check. The zero value gates count@100 with the
// Benjamini-Hochberg correction at 0.05, no detection-rate floor, and
// controls judged against their baseline.
type CheckOptions struct {
	K                int        // 10 or 100 (the k a baseline records); 0 means DefaultK
	Alpha            float64    // level of Correction over the tested entries; 0 means DefaultAlpha
	Correction       Correction // "" means DefaultCorrection
	MinDetectionRate float64    // floor on the share of non-control results with count@K >= 1; 0: none
	MaxControlCount  *float64   // ceiling on a control's count@K; nil: the baseline rule applies
}

// Status is the verdict on one entry.
type Status string

// Verdicts.
const (
	StatusOK      Status = "ok"
	StatusFail    Status = "FAIL"
	StatusMissing Status = "MISSING" // in the baseline, not in the run: a failure
	StatusNew     Status = "new"     // in the run, not in the baseline: a note
	StatusSkipped Status = "skipped" // null counts in the run
)

// EntryCheck is the verdict on one entry.
type EntryCheck struct {
	Key       EntryKey
	Category  string
	Status    Status
	Base      *Stat   // nil for a new entry
	New       *Stat   // nil for a missing entry
	Delta     float64 // New.Mean - Base.Mean
	SE        float64 // standard error of Delta under the null hypothesis (see the package doc)
	Z         float64 // Delta/SE; 0 when SE is 0
	Tested    bool    // in the family of tests the correction runs over
	P         float64 // one-sided p-value of the entry's test (drop; rise for controls); 1 when not tested
	PAdjusted float64 // P adjusted by the correction; 1 when not tested
	Reason    string
}

// Report is the outcome of Check.
type Report struct {
	Dir         string
	BaselineRun string
	RunID       string
	K           int
	Alpha       float64
	Correction  Correction
	Tested      int // entries in the family of tests (matched, and not a control under a ceiling)
	Entries     []EntryCheck
	Detection   *metrics.Rate // share of non-control results detected at K (nil without MinDetectionRate)
	RunFailures []string      // failures of the run as a whole (detection-rate floor)
	Notes       []string
}

// Passed reports whether no entry and no run-level rule failed.
func (r *Report) Passed() bool { return len(r.Failures()) == 0 }

// Failures returns one line per failure, naming the entry.
func (r *Report) Failures() []string {
	var out []string
	for _, e := range r.Entries {
		if e.Status == StatusFail || e.Status == StatusMissing {
			out = append(out, fmt.Sprintf("%s %s: %s", e.Status, e.Key, e.Reason))
		}
	}
	return append(out, r.RunFailures...)
}

// Check checks the run in dir against base (see the package doc for the
// rule). It returns an error when dir cannot be read or K is not recorded
// in the baseline; a failed gate is a Report that has not Passed.
func Check(dir string, base *Baseline, opts CheckOptions) (*Report, error) {
	if opts.K == 0 {
		opts.K = DefaultK
	}
	if opts.Alpha == 0 {
		opts.Alpha = DefaultAlpha
	}
	if opts.Correction == "" {
		opts.Correction = DefaultCorrection
	}
	if !slices.Contains(Corrections, opts.Correction) {
		return nil, fmt.Errorf("check: correction %q: want one of bh, holm, none", opts.Correction)
	}
	if !(opts.Alpha > 0 && opts.Alpha < 1) {
		return nil, fmt.Errorf("check: alpha %g is not in (0, 1)", opts.Alpha)
	}
	if !slices.Contains(base.Ks, opts.K) {
		return nil, fmt.Errorf("check: the baseline records k in %v, not %d", base.Ks, opts.K)
	}
	r, err := loadRun(dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Dir: dir, BaselineRun: base.Run, RunID: r.id, K: opts.K, Alpha: opts.Alpha, Correction: opts.Correction}
	seen := map[EntryKey]bool{}
	for i := range base.Entries {
		be := &base.Entries[i]
		seen[be.EntryKey] = true
		bs, _ := be.Count(opts.K)
		ec := EntryCheck{Key: be.EntryKey, Category: be.Category, Base: &bs}
		en := r.entries[be.EntryKey]
		if en == nil {
			ec.Status, ec.Reason = StatusMissing, "in the baseline but not in this run"
			rep.Entries = append(rep.Entries, ec)
			continue
		}
		stats, err := en.stats([]int{opts.K}, base.Bootstrap.options())
		if errors.Is(err, errNullCount) {
			ec.Status, ec.Reason = StatusSkipped, "null counts in this run"
			rep.Entries = append(rep.Entries, ec)
			continue
		}
		if err != nil {
			return nil, err
		}
		ns := stats[0]
		ec.New = &ns
		judge(&ec, opts)
		rep.Entries = append(rep.Entries, ec)
	}
	rep.Tested = correct(rep.Entries, opts)
	// Entries of a score the baseline does not hold at all (it keeps
	// ppl_diff by default) are summed up in one note, not listed one by one.
	baseScores := map[string]bool{}
	for _, be := range base.Entries {
		baseScores[be.Score] = true
	}
	unbased := map[string]int{}
	for _, k := range r.order {
		switch {
		case seen[k]:
		case !baseScores[k.Score]:
			unbased[k.Score]++
		default:
			rep.Entries = append(rep.Entries, EntryCheck{Key: k, Category: r.entries[k].category, Status: StatusNew,
				Reason: "not in the baseline: not checked"})
		}
	}
	for _, score := range slices.Sorted(maps.Keys(unbased)) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d entries of score %s not checked: the baseline holds no %s entry", unbased[score], score, score))
	}
	slices.SortStableFunc(rep.Entries, func(a, b EntryCheck) int { return compareEntryKeys(a.Key, b.Key) })
	if opts.MinDetectionRate > 0 {
		detected, results, undetected := detectionAt(r, opts.K)
		rate := metrics.DetectionRate(detected, results, 0)
		rep.Detection = &rate
		if results == 0 || rate.Rate < opts.MinDetectionRate {
			rep.RunFailures = append(rep.RunFailures, fmt.Sprintf(
				"FAIL detection rate at k=%d is %d/%d, below the floor %.3g; not detected: %s",
				opts.K, detected, results, opts.MinDetectionRate, strings.Join(undetected, "; ")))
		}
	}
	if base.Run != "" && base.Run == r.id {
		rep.Notes = append(rep.Notes, "the run is the baseline's own run")
	}
	return rep, nil
}

// judge computes one matched entry's test statistic and applies the
// threshold rules; the tested entries' verdicts wait for correct.
func judge(ec *EntryCheck, opts CheckOptions) {
	b, n := ec.Base, ec.New
	ec.Delta = n.Mean - b.Mean
	ec.SE = nullSE(b, n, opts.K)
	if ec.SE > 0 {
		ec.Z = ec.Delta / ec.SE
	}
	ec.Status, ec.P, ec.PAdjusted = StatusOK, 1, 1
	if ec.Category == metrics.ControlCategory && opts.MaxControlCount != nil {
		if n.Mean > *opts.MaxControlCount {
			ec.Status = StatusFail
			ec.Reason = fmt.Sprintf("control count@%d %.3g is above the ceiling %.3g", opts.K, n.Mean, *opts.MaxControlCount)
		}
		return
	}
	ec.Tested = true
	// One-sided: a drop for detection, a rise for a control.
	z := -ec.Z
	if ec.Category == metrics.ControlCategory {
		z = ec.Z
	}
	switch {
	case ec.Delta == 0:
		ec.P = 1
	case ec.SE > 0:
		ec.P = metrics.NormalUpperTail(z)
	case z > 0:
		ec.P = 0 // a change with no variance at all under the null: certain
	}
}

// nullSE is the standard error of new - base under the check's null
// hypothesis (metrics.PooledCountSE: quasi-binomial at the pooled rate).
func nullSE(b, n *Stat, k int) float64 {
	return metrics.PooledCountSE(k, countSide(b), countSide(n))
}

func countSide(s *Stat) metrics.CountSide {
	return metrics.CountSide{Mean: s.Mean, Repeats: len(s.PerRepeat), SE: s.SE}
}

// correct adjusts the tested entries' p-values by opts.Correction and fails
// those whose adjusted p-value is at most opts.Alpha. It returns how many
// entries were tested.
func correct(entries []EntryCheck, opts CheckOptions) int {
	var idx []int
	var ps []float64
	for i := range entries {
		if entries[i].Tested {
			idx = append(idx, i)
			ps = append(ps, entries[i].P)
		}
	}
	adj := adjust(opts.Correction, ps)
	for j, i := range idx {
		ec := &entries[i]
		ec.PAdjusted = adj[j]
		if ec.PAdjusted > opts.Alpha || ec.P >= 0.5 {
			continue // not significant, or not even in the failing direction
		}
		ec.Status = StatusFail
		what := "count@%d fell from %.3g to %.3g beyond its uncertainty (%s)"
		if ec.Category == metrics.ControlCategory {
			what = "control count@%d rose from %.3g to %.3g beyond its uncertainty (%s)"
		}
		ec.Reason = fmt.Sprintf(what, opts.K, ec.Base.Mean, ec.New.Mean, ec.evidence(opts))
	}
	return len(idx)
}

func (ec *EntryCheck) evidence(opts CheckOptions) string {
	if ec.SE == 0 {
		return "no variance under the null: any change counts"
	}
	if opts.Correction == CorrectionNone {
		return fmt.Sprintf("z=%.2f, se=%.2f, one-sided p=%.2g <= %.3g", ec.Z, ec.SE, ec.P, opts.Alpha)
	}
	return fmt.Sprintf("z=%.2f, se=%.2f, one-sided p=%.2g, %s-adjusted p=%.2g <= %.3g",
		ec.Z, ec.SE, ec.P, opts.Correction, ec.PAdjusted, opts.Alpha)
}

// WriteText renders the report as plain text: a header, one line per
// entry, run-level failures, notes, and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "check %s against the baseline of run %s: count@%d\n", r.Dir, r.BaselineRun, r.K)
	fmt.Fprintf(&b, "%d entries tested one-sided; correction: %s\n", r.Tested, r.Correction.describe(r.Alpha))
	counts := map[Status]int{}
	var rows [][]string
	for _, e := range r.Entries {
		counts[e.Status]++
		change := ""
		if e.Base != nil && e.New != nil {
			change = fmt.Sprintf("%s -> %s", formatStat(e.Base), formatStat(e.New))
		}
		rows = append(rows, []string{string(e.Status), e.Key.String(), change, e.Reason})
	}
	if len(rows) > 0 {
		if err := termsafe.Table(&b, []string{"status", "entry", "baseline -> run", "reason"}, rows); err != nil {
			return err
		}
	}
	for _, f := range r.RunFailures {
		fmt.Fprintln(&b, f)
	}
	if r.Detection != nil {
		fmt.Fprintf(&b, "detection rate at k=%d: %d/%d = %.3f [%.3f, %.3f]\n", r.K, r.Detection.Detected, r.Detection.N,
			r.Detection.Rate, r.Detection.CI.Lo, r.Detection.CI.Hi)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	verdict := "PASS"
	if !r.Passed() {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "%s: %d ok, %d failed, %d missing, %d new, %d skipped (%d tested, %s)\n", verdict,
		counts[StatusOK], counts[StatusFail], counts[StatusMissing], counts[StatusNew], counts[StatusSkipped],
		r.Tested, r.Correction.describe(r.Alpha))
	_, err := io.WriteString(w, termsafe.String(b.String()))
	return err
}

// formatStat renders a count as "6.5 [4.5, 8.5]", or "6.5" without interval.
func formatStat(s *Stat) string {
	if s.CI == nil {
		return fmt.Sprintf("%.3g", s.Mean)
	}
	return fmt.Sprintf("%.3g [%.3g, %.3g]", s.Mean, s.CI[0], s.CI[1])
}

// detectionAt counts the non-control (entry, repeat) results of the run
// with count@k >= 1, and names those without; null counts are left out.
func detectionAt(r *run, k int) (detected, total int, undetected []string) {
	for _, key := range r.order {
		en := r.entries[key]
		if en.category == metrics.ControlCategory {
			continue
		}
		for _, rp := range en.repeats {
			c, err := rp.countAt(k)
			if err != nil {
				continue
			}
			total++
			if c >= 1 {
				detected++
			} else {
				undetected = append(undetected, fmt.Sprintf("%s repeat %d", key, rp.Repeat))
			}
		}
	}
	return detected, total, undetected
}

// adjust applies a multiple-comparison correction to p-values (check and
// compare use the same one): Benjamini-Hochberg unless told otherwise.
func adjust(correction Correction, ps []float64) []float64 {
	switch correction {
	case CorrectionHolm:
		return metrics.HolmAdjust(ps)
	case CorrectionNone:
		return ps
	}
	return metrics.BenjaminiHochbergAdjust(ps)
}
