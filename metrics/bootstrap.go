package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// DefaultReplicates is the number of bootstrap replicates when
// BootstrapOptions.Replicates is 0.
const DefaultReplicates = 2000

// SmallClusters is the number of clusters per repeat below which a bootstrap
// result carries a warning: with few clusters the resampling distribution is
// coarse and the percentile interval undercovers.
const SmallClusters = 10

// pcgStream is the fixed second word of the PCG state; the seed is the first.
const pcgStream = 0x9e3779b97f4a7c15

// Ranking is one ranked list of completions (one repeat of one entry) with
// the cluster of each rank, for the clustered bootstrap.
type Ranking struct {
	// Flagged[i] is the flag of the completion at rank i+1.
	Flagged []bool
	// Cluster[i] is the cluster id (the prefill id) of rank i+1. A nil
	// slice, or an empty id, makes that completion its own cluster.
	Cluster []string
	// Unseen counts completions ranked below the last of Flagged that are
	// not listed: an imported run may hold only its top T (truncated_at).
	// Each unseen completion is taken as its own cluster (its prefill is
	// unknown), ranked below every listed one.
	Unseen int
	// UnseenFlagged is how many unseen completions are flagged (results.json
	// n_flagged minus the flagged listed ones), if known, else 0. Their order
	// is unknown, so the bootstrap spreads them evenly over the unseen ranks.
	UnseenFlagged int
}

// BootstrapOptions sets a bootstrap. The zero value means DefaultReplicates
// replicates, seed 0 and DefaultLevel.
type BootstrapOptions struct {
	Replicates int     // B; 0 means DefaultReplicates
	Seed       uint64  // seeds a PCG generator (math/rand/v2); same seed, same result
	Level      float64 // two-sided confidence level; 0 means DefaultLevel
}

func (o BootstrapOptions) withDefaults() BootstrapOptions {
	if o.Replicates <= 0 {
		o.Replicates = DefaultReplicates
	}
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	return o
}

// Estimate is a statistic with its bootstrap interval.
type Estimate struct {
	Point      float64  // the statistic on the data (mean over repeats)
	CI         Interval // percentile interval at Level
	SE         float64  // standard deviation of the replicates
	Level      float64
	Replicates int
	Repeats    int // strata
	Clusters   int // clusters summed over repeats
	Warnings   []string
}

// Difference is B minus A with its bootstrap interval and a two-sided
// bootstrap p-value.
type Difference struct {
	A, B       float64 // point estimates
	Delta      float64 // B - A
	CI         Interval
	SE         float64
	P          float64 // 2*min(share of replicates <= 0, share >= 0), at most 1
	Level      float64
	Replicates int
	Paired     bool
	Warnings   []string
}

// stratum is a Ranking prepared for resampling: positions in rank order
// (listed, then unseen), each with its cluster index.
type stratum struct {
	clusterOf []int
	flagged   []bool
	clusters  int
	seen      int
}

// prepare indexes r's clusters in order of first appearance. An empty id and
// each unseen completion is a cluster of its own. It also returns the id
// index, which prepareLike uses to give a paired ranking the same indexes.
func prepare(r Ranking) (stratum, map[string]int, error) {
	if err := checkRanking(r); err != nil {
		return stratum{}, nil, err
	}
	ids := map[string]int{}
	n := len(r.Flagged) + r.Unseen
	s := stratum{clusterOf: make([]int, n), flagged: make([]bool, n), seen: len(r.Flagged)}
	for i, f := range r.Flagged {
		s.flagged[i] = f
		id := clusterID(r, i)
		c, ok := ids[id]
		if !ok || id == "" {
			c = s.clusters
			s.clusters++
			if id != "" {
				ids[id] = c
			}
		}
		s.clusterOf[i] = c
	}
	for u := range r.Unseen {
		p := s.seen + u
		s.clusterOf[p] = s.clusters
		s.clusters++
		// Spread UnseenFlagged evenly: unseen rank u is flagged when
		// floor(u*F/U) steps up there.
		s.flagged[p] = (u+1)*r.UnseenFlagged/r.Unseen > u*r.UnseenFlagged/r.Unseen
	}
	return s, ids, nil
}

// prepareLike indexes a ranking that must hold exactly the cluster ids of
// ids (its pair's), every rank with an id, and nothing unseen.
func prepareLike(r Ranking, ids map[string]int) (stratum, error) {
	if err := checkRanking(r); err != nil {
		return stratum{}, err
	}
	if r.Unseen > 0 {
		return stratum{}, errors.New("paired rankings must be complete (not truncated)")
	}
	s := stratum{clusterOf: make([]int, len(r.Flagged)), flagged: slices.Clone(r.Flagged),
		clusters: len(ids), seen: len(r.Flagged)}
	present := make([]bool, len(ids))
	for i := range r.Flagged {
		id := clusterID(r, i)
		c, ok := ids[id]
		if id == "" || !ok {
			return stratum{}, fmt.Errorf("rank %d: cluster %q is not in the other ranking of the pair", i+1, id)
		}
		s.clusterOf[i] = c
		present[c] = true
	}
	if i := slices.Index(present, false); i >= 0 {
		return stratum{}, fmt.Errorf("%d clusters of the other ranking of the pair are missing", len(present)-countTrue(present))
	}
	return s, nil
}

func countTrue(b []bool) int { return CountAt(b, len(b)) }

func clusterID(r Ranking, i int) string {
	if r.Cluster == nil {
		return ""
	}
	return r.Cluster[i]
}

func checkRanking(r Ranking) error {
	if r.Cluster != nil && len(r.Cluster) != len(r.Flagged) {
		return fmt.Errorf("ranking has %d flags but %d cluster ids", len(r.Flagged), len(r.Cluster))
	}
	if r.Unseen < 0 || r.UnseenFlagged < 0 || r.UnseenFlagged > r.Unseen {
		return fmt.Errorf("unseen=%d, unseen flagged=%d: want 0 <= flagged <= unseen", r.Unseen, r.UnseenFlagged)
	}
	return nil
}

// countsAt writes count@ks[j] of the ranking resampled with the given cluster
// multiplicities into out[j] (ks ascending, distinct, positive). Copies of a
// cluster's completion keep its rank, so the resampled ranking is the
// original order with each completion repeated mult times. It reports
// whether the top max(ks) reached below the listed (seen) completions.
func (s *stratum) countsAt(mult []int, ks []int, out []float64) (reachedUnseen bool) {
	pos, count, j := 0, 0, 0
	for p := 0; p < len(s.flagged) && j < len(ks); p++ {
		m := mult[s.clusterOf[p]]
		if m > 0 && p >= s.seen {
			reachedUnseen = true
		}
		for m > 0 && j < len(ks) {
			take := min(m, ks[j]-pos)
			pos += take
			m -= take
			if s.flagged[p] {
				count += take
			}
			if pos == ks[j] {
				out[j] = float64(count)
				j++
			}
		}
	}
	for ; j < len(ks); j++ {
		out[j] = float64(count) // the resampled ranking is shorter than k
	}
	return reachedUnseen
}

func ones(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = 1
	}
	return m
}

func draw(rng *rand.Rand, mult []int) {
	clear(mult)
	for range mult {
		mult[rng.IntN(len(mult))]++
	}
}

// normKs returns ks sorted, deduplicated and positive, and for each input k
// its index in that list (-1 for k <= 0, whose count is always 0).
func normKs(ks []int) (sorted []int, index []int) {
	for _, k := range ks {
		if k > 0 {
			sorted = append(sorted, k)
		}
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	index = make([]int, len(ks))
	for i, k := range ks {
		index[i], _ = slices.BinarySearch(sorted, k)
		if k <= 0 {
			index[i] = -1
		}
	}
	return sorted, index
}

// BootstrapCountAt returns count@k averaged over repeats, with a clustered
// bootstrap percentile interval. See BootstrapCountsAt.
func BootstrapCountAt(repeats []Ranking, k int, opts BootstrapOptions) (Estimate, error) {
	es, err := BootstrapCountsAt(repeats, []int{k}, opts)
	if err != nil {
		return Estimate{}, err
	}
	return es[0], nil
}

// BootstrapCountsAt returns, for each k in ks, count@k averaged over the
// repeats with a clustered bootstrap interval.
//
// The estimand is the expected count@k of a run like this one (same number
// of repeats, prefills and completions). Each replicate resamples,
// independently in every repeat (repeats are strata: each draws fresh
// prefills), as many clusters as the repeat has, with replacement; the
// resampled ranking keeps the original order, a cluster drawn m times
// contributing each of its completions m times; count@k is recomputed on it
// and averaged over repeats. The interval is the percentile interval: the
// (1-Level)/2 and 1-(1-Level)/2 quantiles (inverse empirical CDF) of the
// replicates. All ks share the same replicates.
func BootstrapCountsAt(repeats []Ranking, ks []int, opts BootstrapOptions) ([]Estimate, error) {
	opts = opts.withDefaults()
	sorted, index := normKs(ks)
	if len(sorted) == 0 {
		sorted = []int{1} // still validate the rankings
	}
	res, err := resample(repeats, sorted, opts)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	out := make([]Estimate, len(ks))
	for i, j := range index {
		e := Estimate{Level: opts.Level, Replicates: opts.Replicates, Repeats: len(repeats),
			Clusters: res.clusters, Warnings: slices.Clone(res.warnings)}
		if j < 0 {
			e.Warnings = append(e.Warnings, fmt.Sprintf("k=%d: count is 0 by definition", ks[i]))
			out[i] = e
			continue
		}
		e.Warnings = append(e.Warnings, res.kWarnings[j]...)
		e.Point = res.point[j]
		e.CI, e.SE = percentile(res.reps[j], opts.Level)
		out[i] = e
	}
	return out, nil
}

// resampled holds a clustered bootstrap of count@k for sorted ks.
type resampled struct {
	point     []float64   // per k
	reps      [][]float64 // per k, per replicate
	clusters  int
	warnings  []string
	kWarnings [][]string // per k
}

func resample(repeats []Ranking, ks []int, opts BootstrapOptions) (resampled, error) {
	var res resampled
	if len(repeats) == 0 {
		return res, errors.New("no rankings")
	}
	strata := make([]stratum, len(repeats))
	for i, r := range repeats {
		s, _, err := prepare(r)
		if err != nil {
			return res, fmt.Errorf("repeat %d: %w", i, err)
		}
		strata[i] = s
		res.clusters += s.clusters
		if s.clusters < SmallClusters {
			res.warnings = append(res.warnings, fmt.Sprintf("repeat %d has %d clusters (< %d): the interval is unreliable", i, s.clusters, SmallClusters))
		}
	}
	res.kWarnings = make([][]string, len(ks))
	for j, k := range ks {
		for i, s := range strata {
			if k > len(s.flagged) {
				res.kWarnings[j] = append(res.kWarnings[j], fmt.Sprintf("k=%d exceeds repeat %d's %d completions", k, i, len(s.flagged)))
			} else if k > s.seen {
				res.kWarnings[j] = append(res.kWarnings[j], fmt.Sprintf("k=%d reads past repeat %d's truncation at %d: unseen flags are imputed", k, i, s.seen))
			}
		}
	}
	per := 1 / float64(len(strata))
	tmp := make([]float64, len(ks))
	res.point = make([]float64, len(ks))
	for _, s := range strata {
		s.countsAt(ones(s.clusters), ks, tmp)
		for j := range ks {
			res.point[j] += tmp[j] * per
		}
	}
	rng := rand.New(rand.NewPCG(opts.Seed, pcgStream))
	res.reps = make([][]float64, len(ks))
	for j := range ks {
		res.reps[j] = make([]float64, opts.Replicates)
	}
	mults := make([][]int, len(strata))
	for i, s := range strata {
		mults[i] = make([]int, s.clusters)
	}
	reached := 0
	for b := range opts.Replicates {
		below := false
		for i := range strata {
			draw(rng, mults[i])
			if strata[i].countsAt(mults[i], ks, tmp) {
				below = true
			}
			for j := range ks {
				res.reps[j][b] += tmp[j] * per
			}
		}
		if below {
			reached++
		}
	}
	if reached > 0 {
		res.warnings = append(res.warnings, fmt.Sprintf(
			"truncated ranking: %.1f%% of replicates read below the listed completions, where flags are imputed",
			100*float64(reached)/float64(opts.Replicates)))
	}
	return res, nil
}

// percentile sorts x and returns its percentile interval and standard deviation.
func percentile(x []float64, level float64) (Interval, float64) {
	slices.Sort(x)
	a := (1 - level) / 2
	iv := Interval{stat.Quantile(a, stat.Empirical, x, nil), stat.Quantile(1-a, stat.Empirical, x, nil)}
	return iv, stat.StdDev(x, nil)
}

// bootstrapP is the two-sided bootstrap p-value of "no difference":
// 2*min(replicates <= 0, replicates >= 0) / R, capped at 1, with the usual
// +1 in numerator and denominator: R replicates cannot show a p-value below
// about 1/R, and a p of exactly 0 would survive any multiple-comparison
// correction. It is below 1-Level about when the percentile interval
// excludes 0.
func bootstrapP(d []float64) float64 {
	le, ge := 0, 0
	for _, v := range d {
		if v <= 0 {
			le++
		}
		if v >= 0 {
			ge++
		}
	}
	return math.Min(1, 2*float64(min(le, ge)+1)/float64(len(d)+1))
}

// PairedBootstrapDiff compares count@k of two rankings of the same
// completions (or at least the same prefills), e.g. one organism's
// completions ranked against reference A and against reference B: a[i] and
// b[i] are repeat i under A and B and must hold the same set of cluster ids,
// every rank with one. Each replicate draws one set of cluster multiplicities
// per repeat and applies it to both, so the prefill-to-prefill variation they
// share cancels in the difference. Delta is B - A with a percentile interval.
// Truncated rankings cannot be paired (their unseen clusters are unknown).
func PairedBootstrapDiff(a, b []Ranking, k int, opts BootstrapOptions) (Difference, error) {
	opts = opts.withDefaults()
	if len(a) == 0 || len(a) != len(b) {
		return Difference{}, fmt.Errorf("paired bootstrap: %d and %d repeats: want the same number, at least 1", len(a), len(b))
	}
	if k <= 0 {
		return Difference{}, fmt.Errorf("paired bootstrap: k=%d: want k >= 1", k)
	}
	type pair struct{ a, b stratum }
	pairs := make([]pair, len(a))
	d := Difference{Level: opts.Level, Replicates: opts.Replicates, Paired: true}
	for i := range a {
		if a[i].Unseen > 0 {
			return Difference{}, fmt.Errorf("paired bootstrap: repeat %d of A: paired rankings must be complete (not truncated)", i)
		}
		sa, ids, err := prepare(a[i])
		if err != nil {
			return Difference{}, fmt.Errorf("paired bootstrap: repeat %d of A: %w", i, err)
		}
		if len(ids) != sa.clusters {
			return Difference{}, fmt.Errorf("paired bootstrap: repeat %d of A: every rank needs a cluster id", i)
		}
		sb, err := prepareLike(b[i], ids)
		if err != nil {
			return Difference{}, fmt.Errorf("paired bootstrap: repeat %d of B: %w", i, err)
		}
		if sa.clusters < SmallClusters {
			d.Warnings = append(d.Warnings, fmt.Sprintf("repeat %d has %d clusters (< %d): the interval is unreliable", i, sa.clusters, SmallClusters))
		}
		pairs[i] = pair{sa, sb}
	}
	ks := []int{k}
	per := 1 / float64(len(pairs))
	var ta, tb [1]float64
	for _, p := range pairs {
		all := ones(p.a.clusters)
		p.a.countsAt(all, ks, ta[:])
		p.b.countsAt(all, ks, tb[:])
		d.A += ta[0] * per
		d.B += tb[0] * per
	}
	d.Delta = d.B - d.A
	rng := rand.New(rand.NewPCG(opts.Seed, pcgStream))
	reps := make([]float64, opts.Replicates)
	mults := make([][]int, len(pairs))
	for i, p := range pairs {
		mults[i] = make([]int, p.a.clusters)
	}
	for r := range reps {
		for i, p := range pairs {
			draw(rng, mults[i])
			p.a.countsAt(mults[i], ks, ta[:])
			p.b.countsAt(mults[i], ks, tb[:])
			reps[r] += (tb[0] - ta[0]) * per
		}
	}
	d.P = bootstrapP(reps)
	d.CI, d.SE = percentile(reps, opts.Level)
	return d, nil
}

// UnpairedBootstrapDiff compares count@k of two independent runs (different
// prefills): A and B are resampled independently, each as in
// BootstrapCountsAt (B's generator seeded with the bitwise complement of
// Seed), and Delta = B - A. a and b may have different numbers of repeats.
func UnpairedBootstrapDiff(a, b []Ranking, k int, opts BootstrapOptions) (Difference, error) {
	opts = opts.withDefaults()
	if k <= 0 {
		return Difference{}, fmt.Errorf("unpaired bootstrap: k=%d: want k >= 1", k)
	}
	ks := []int{k}
	ra, err := resample(a, ks, opts)
	if err != nil {
		return Difference{}, fmt.Errorf("unpaired bootstrap: A: %w", err)
	}
	ob := opts
	ob.Seed = ^opts.Seed
	rb, err := resample(b, ks, ob)
	if err != nil {
		return Difference{}, fmt.Errorf("unpaired bootstrap: B: %w", err)
	}
	d := Difference{A: ra.point[0], B: rb.point[0], Delta: rb.point[0] - ra.point[0], Level: opts.Level,
		Replicates: opts.Replicates}
	for _, w := range append(ra.warnings, ra.kWarnings[0]...) {
		d.Warnings = append(d.Warnings, "A: "+w)
	}
	for _, w := range append(rb.warnings, rb.kWarnings[0]...) {
		d.Warnings = append(d.Warnings, "B: "+w)
	}
	reps := make([]float64, opts.Replicates)
	for i := range reps {
		reps[i] = rb.reps[0][i] - ra.reps[0][i]
	}
	d.P = bootstrapP(reps)
	d.CI, d.SE = percentile(reps, opts.Level)
	return d, nil
}
