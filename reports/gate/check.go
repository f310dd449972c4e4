package gate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/ppldiff/ppldiff/metrics"
)

// DefaultK is the k the check gates on when CheckOptions.K is 0.
const DefaultK = 100

// DefaultAlpha is the one-sided level of the check's test when
// CheckOptions.Alpha is 0.
const DefaultAlpha = 0.05

// CheckOptions sets a check. The zero value gates count@100 at alpha 0.05,
// with no detection-rate floor and controls judged against their baseline.
type CheckOptions struct {
	K                int      // 10 or 100 (the k a baseline records); 0 means DefaultK
	Alpha            float64  // one-sided level of the drop (rise) test; 0 means DefaultAlpha
	MinDetectionRate float64  // floor on the share of non-control results with count@K >= 1; 0: none
	MaxControlCount  *float64 // ceiling on a control's count@K; nil: the baseline rule applies
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
	Key      EntryKey
	Category string
	Status   Status
	Base     *Stat   // nil for a new entry
	New      *Stat   // nil for a missing entry
	Delta    float64 // New.Mean - Base.Mean
	SE       float64 // standard error of Delta; 0 when unknown
	Z        float64 // Delta/SE; 0 when SE is 0
	Reason   string
}

// Report is the outcome of Check.
type Report struct {
	Dir         string
	BaselineRun string
	RunID       string
	K           int
	Alpha       float64
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
	if !slices.Contains(base.Ks, opts.K) {
		return nil, fmt.Errorf("check: the baseline records k in %v, not %d", base.Ks, opts.K)
	}
	r, err := loadRun(dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Dir: dir, BaselineRun: base.Run, RunID: r.id, K: opts.K, Alpha: opts.Alpha}
	zCrit := distuv.UnitNormal.Quantile(1 - opts.Alpha)
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
		judge(&ec, opts, zCrit)
		rep.Entries = append(rep.Entries, ec)
	}
	for _, k := range r.order {
		if !seen[k] {
			rep.Entries = append(rep.Entries, EntryCheck{Key: k, Category: r.entries[k].category, Status: StatusNew,
				Reason: "not in the baseline: not checked"})
		}
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

// judge applies the check rule to one matched entry.
func judge(ec *EntryCheck, opts CheckOptions, zCrit float64) {
	b, n := ec.Base, ec.New
	ec.Delta = n.Mean - b.Mean
	switch {
	case b.SE != nil && n.SE != nil:
		ec.SE = math.Hypot(*b.SE, *n.SE)
	case b.SE != nil:
		ec.SE = math.Sqrt2 * *b.SE
	case n.SE != nil:
		ec.SE = math.Sqrt2 * *n.SE
	}
	if ec.SE > 0 {
		ec.Z = ec.Delta / ec.SE
	}
	ec.Status = StatusOK
	k := opts.K
	if ec.Category == metrics.ControlCategory {
		if opts.MaxControlCount != nil {
			if n.Mean > *opts.MaxControlCount {
				ec.Status = StatusFail
				ec.Reason = fmt.Sprintf("control count@%d %.3g is above the ceiling %.3g", k, n.Mean, *opts.MaxControlCount)
			}
			return
		}
		if ec.Delta > 0 && (ec.SE == 0 || ec.Z > zCrit) {
			ec.Status = StatusFail
			ec.Reason = fmt.Sprintf("control count@%d rose from %.3g to %.3g beyond its uncertainty (%s)", k, b.Mean, n.Mean, ec.evidence(zCrit, ">"))
		}
		return
	}
	if ec.Delta < 0 && (ec.SE == 0 || ec.Z < -zCrit) {
		ec.Status = StatusFail
		ec.Reason = fmt.Sprintf("count@%d fell from %.3g to %.3g beyond its uncertainty (%s)", k, b.Mean, n.Mean, ec.evidence(zCrit, "<"))
	}
}

func (ec *EntryCheck) evidence(zCrit float64, op string) string {
	if ec.SE == 0 {
		return "no uncertainty known: any change counts"
	}
	crit := zCrit
	if op == "<" {
		crit = -zCrit
	}
	return fmt.Sprintf("z=%.2f %s %.2f, se=%.2f", ec.Z, op, crit, ec.SE)
}

// WriteText renders the report as plain text: a header, one line per
// entry, run-level failures, notes, and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "check %s against the baseline of run %s: count@%d, one-sided alpha %.3g\n", r.Dir, r.BaselineRun, r.K, r.Alpha)
	counts := map[Status]int{}
	for _, e := range r.Entries {
		counts[e.Status]++
		fmt.Fprintf(&b, "%-7s %s", e.Status, e.Key)
		if e.Base != nil && e.New != nil {
			fmt.Fprintf(&b, "  %s -> %s", formatStat(e.Base), formatStat(e.New))
		}
		if e.Reason != "" {
			fmt.Fprintf(&b, "  %s", e.Reason)
		}
		b.WriteByte('\n')
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
	fmt.Fprintf(&b, "%s: %d ok, %d failed, %d missing, %d new, %d skipped\n", verdict,
		counts[StatusOK], counts[StatusFail], counts[StatusMissing], counts[StatusNew], counts[StatusSkipped])
	_, err := io.WriteString(w, b.String())
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
