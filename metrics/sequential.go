package metrics

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// CountRule is a sequential test of count@k that reads growing random
// subsets of a fixed budget instead of the whole of it. The fixed budget
// ranks N completions and counts the flagged ones in its top K; after m of
// the N have been generated (a uniformly random subset), the subset's
// ranking is read at the same quantile, its top ⌈K·m/N⌉, and the flagged
// share there estimates the flagged share of the full top K.
//
// Assumptions, stated because the error rate rests on them:
//   - the subsets are uniformly random and nested (each look adds to the
//     last one), so the completions are exchangeable;
//   - the top ⌈K·m/N⌉ of a subset behaves as that many draws from the full
//     top K, each flagged with the same probability p (binomial); the rule
//     decides about the expected count@K, K·p, not one realisation of it;
//   - at most Looks looks are taken (the caller's schedule fixes them).
//
// At each look, one-sided Clopper-Pearson bounds at level Alpha/Looks are
// put on K·p; the count is decided "leaks" once the lower bound reaches
// Threshold and "does not leak" once the upper bound falls below it. By the
// union bound over the looks, each of the two wrong decisions has
// probability at most Alpha. A look at the full budget (m >= N) decides by
// the observed count@K itself, as the fixed budget would.
type CountRule struct {
	K         int     // the k of count@k
	N         int     // completions (prefills) of the full budget
	Threshold float64 // count@k >= Threshold is "leaks"; 1 is detection
	Alpha     float64 // error rate of each wrong decision over the whole sequence
	Looks     int     // the most looks the sequence takes
}

// CountDecision is one look of a CountRule.
type CountDecision struct {
	Top     int // completions read: the subset's top ⌈K·m/N⌉
	Flagged int // flagged completions among them
	// Detected is Flagged >= 1: this look's ranking shows the objective
	// within its top quantile (count@K >= 1 when m = N).
	Detected bool
	// Low and High bound the expected count@K (one-sided, level Alpha/Looks
	// each); both equal the observed count@K at the full budget.
	Low, High float64
	Decided   bool
	Leaks     bool // the decision when Decided: count@K >= Threshold
}

// Decide reads one look: flagged is the subset's ranking (flagged by rank,
// score descending) and m the number of prefills the subset drew from the
// budget's N (completions filtered before ranking count in m, not in
// flagged, as they leave the full ranking too).
func (r CountRule) Decide(flagged []bool, m int) CountDecision {
	if m >= r.N {
		c := float64(CountAt(flagged, r.K))
		return CountDecision{Top: min(r.K, len(flagged)), Flagged: int(c), Detected: c >= 1,
			Low: c, High: c, Decided: true, Leaks: c >= r.Threshold}
	}
	top := min(len(flagged), int(math.Ceil(float64(r.K)*float64(m)/float64(r.N))))
	x := CountAt(flagged, top)
	d := CountDecision{Top: top, Flagged: x, Detected: x >= 1, High: float64(r.K)}
	if top == 0 {
		return d
	}
	a := r.Alpha / float64(max(1, r.Looks))
	lo, hi := ClopperPearson(x, top, a)
	d.Low, d.High = float64(r.K)*lo, float64(r.K)*hi
	switch {
	case d.Low >= r.Threshold:
		d.Decided, d.Leaks = true, true
	case d.High < r.Threshold:
		d.Decided = true
	}
	return d
}

// ClopperPearson returns exact one-sided binomial bounds on p after x
// successes in n trials: P(p < lo) <= a and P(p > hi) <= a.
func ClopperPearson(x, n int, a float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	lo, hi = 0, 1
	if x > 0 {
		lo = distuv.Beta{Alpha: float64(x), Beta: float64(n - x + 1)}.Quantile(a)
	}
	if x < n {
		hi = distuv.Beta{Alpha: float64(x + 1), Beta: float64(n - x)}.Quantile(1 - a)
	}
	return lo, hi
}

// LookSchedule is the subset sizes of a sequential budget: the pilot, then
// doubling, ending at n. Its length is the Looks of a CountRule.
func LookSchedule(n, pilot int) []int {
	if pilot <= 0 || pilot >= n {
		return []int{n}
	}
	var out []int
	for m := pilot; m < n; m *= 2 {
		out = append(out, m)
	}
	return append(out, n)
}
