package gate

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
)

// EntryKey identifies an entry across runs: a results.json key without the repeat.
type EntryKey struct {
	Organism  string `json:"organism"`
	Variant   string `json:"variant"`
	Reference string `json:"reference"`
	Config    string `json:"config"`
	Score     string `json:"score"`
}

func (k EntryKey) String() string {
	return fmt.Sprintf("%s@%s vs %s %s %s", k.Organism, k.Variant, k.Reference, k.Config, k.Score)
}

func keyOf(e results.Entry) EntryKey {
	return EntryKey{e.Organism, e.Variant, e.Reference, e.Config, e.Score}
}

func compareEntryKeys(a, b EntryKey) int {
	return cmp.Or(cmp.Compare(a.Organism, b.Organism), cmp.Compare(a.Variant, b.Variant),
		cmp.Compare(a.Reference, b.Reference), cmp.Compare(a.Config, b.Config), cmp.Compare(a.Score, b.Score))
}

// run is a results directory grouped by entry.
type run struct {
	id         string
	hasSamples bool
	entries    map[EntryKey]*entry
	order      []EntryKey // sorted
}

// entry is one EntryKey's repeats.
type entry struct {
	key      EntryKey
	category string
	repeats  []repeat // sorted by repeat number
}

type repeat struct {
	results.Entry
	ranking *metrics.Ranking // nil without samples for this repeat
}

// loadRun reads dir/results.json and, when present, dir/samples.jsonl.
func loadRun(dir string) (*run, error) {
	res, err := results.ReadResults(dir)
	if err != nil {
		return nil, err
	}
	r := &run{id: res.Run.ID, entries: map[EntryKey]*entry{}}
	samples, err := results.ReadSamples(filepath.Join(dir, results.SamplesFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		r.hasSamples = true
	}
	byKey := map[results.Key][]results.Sample{}
	for _, s := range samples {
		k := results.Key{Organism: s.Organism, Variant: s.Variant, Reference: s.Reference, Config: s.Config, Repeat: s.Repeat, Score: s.Score}
		byKey[k] = append(byKey[k], s)
	}
	for _, e := range res.Entries {
		k := keyOf(e)
		en := r.entries[k]
		if en == nil {
			en = &entry{key: k, category: e.Category}
			r.entries[k] = en
			r.order = append(r.order, k)
		}
		rp := repeat{Entry: e}
		ss := byKey[e.Key()]
		if flags, ok := e.FlagsByRank(); ok && len(flags) > 0 {
			rp.ranking = fullRanking(flags, ss)
		} else if len(ss) > 0 {
			rp.ranking = rankingOf(e, ss)
		}
		en.repeats = append(en.repeats, rp)
	}
	slices.SortFunc(r.order, compareEntryKeys)
	for _, en := range r.entries {
		slices.SortFunc(en.repeats, func(a, b repeat) int { return cmp.Compare(a.Repeat, b.Repeat) })
	}
	return r, nil
}

// rankingOf builds the bootstrap input of one repeat from its samples:
// flags in rank order, prefill ids as clusters, and the completions that
// results.json counts but samples.jsonl does not list as unseen.
func rankingOf(e results.Entry, ss []results.Sample) *metrics.Ranking {
	ss = slices.Clone(ss)
	slices.SortStableFunc(ss, func(a, b results.Sample) int { return cmp.Compare(a.Rank, b.Rank) })
	r := &metrics.Ranking{}
	for _, s := range ss {
		r.Flagged = append(r.Flagged, s.Flagged)
		r.Cluster = append(r.Cluster, s.PrefillID)
	}
	if unseen := e.NCompletions - len(ss); unseen > 0 {
		r.Unseen = unseen
		if e.NFlagged != nil {
			r.UnseenFlagged = min(max(*e.NFlagged-metrics.CountFlagged(r.Flagged), 0), unseen)
		}
	}
	return r
}

// fullRanking builds the bootstrap input of one repeat from results.json's
// flagged_ranks, which cover the whole ranking: nothing is imputed. The
// samples give the prefill ids of the ranks they list; every other rank is
// its own cluster, which is exact for ppldiff runs (one completion per
// prefill).
func fullRanking(flags []bool, ss []results.Sample) *metrics.Ranking {
	n := len(flags)
	r := &metrics.Ranking{Flagged: flags, Cluster: make([]string, n)}
	for _, s := range ss {
		if s.Rank >= 1 && s.Rank <= n {
			r.Cluster[s.Rank-1] = s.PrefillID
		}
	}
	return r
}

// Stat is count@K of an entry, averaged over its repeats, with its uncertainty.
type Stat struct {
	K           int         `json:"k"`
	Mean        float64     `json:"mean"`
	PerRepeat   []float64   `json:"per_repeat"`
	SE          *float64    `json:"se"` // null when unknown
	CI          *[2]float64 `json:"ci"` // [lo, hi] at the file's level; null when unknown
	Uncertainty string      `json:"uncertainty"`
	Warnings    []string    `json:"warnings,omitempty"`
}

// How a Stat's uncertainty was obtained.
const (
	UncertaintyBootstrap = "cluster_bootstrap" // prefill clusters resampled within repeats
	UncertaintyRepeats   = "repeat_spread"     // sd over repeats / sqrt(R), t interval
	UncertaintyNone      = "none"
)

// countAt returns a repeat's count@k: results.json's count_at_10/100 for
// those k, else counted from its samples.
func (rp repeat) countAt(k int) (float64, error) {
	var p *int
	switch k {
	case 10:
		p = rp.CountAt10
	case 100:
		p = rp.CountAt100
	default:
		if rp.ranking == nil {
			return 0, fmt.Errorf("count@%d needs flagged_ranks in results.json or samples.jsonl (results.json has count@10 and count@100)", k)
		}
		return float64(metrics.CountAt(rp.ranking.Flagged, k)), nil
	}
	if p == nil {
		return 0, errNullCount
	}
	return float64(*p), nil
}

var errNullCount = errors.New("null count (no keyword or regex detectors)")

// seedFor derives a bootstrap seed from the base seed and the entry, so an
// entry's interval does not depend on which other entries the run holds.
func seedFor(base uint64, k EntryKey) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, k.Organism, "\x00", k.Variant, "\x00", k.Reference, "\x00", k.Config, "\x00", k.Score)
	return base ^ h.Sum64()
}

// stats computes count@k for each k of ks with its uncertainty.
func (en *entry) stats(ks []int, opts metrics.BootstrapOptions) ([]Stat, error) {
	out := make([]Stat, len(ks))
	rankings := make([]metrics.Ranking, 0, len(en.repeats))
	for _, rp := range en.repeats {
		if rp.ranking != nil {
			rankings = append(rankings, *rp.ranking)
		}
	}
	for i, k := range ks {
		s := Stat{K: k, Uncertainty: UncertaintyNone}
		for _, rp := range en.repeats {
			c, err := rp.countAt(k)
			if err != nil {
				return nil, fmt.Errorf("%s repeat %d: %w", en.key, rp.Repeat, err)
			}
			s.PerRepeat = append(s.PerRepeat, c)
		}
		s.Mean = stat.Mean(s.PerRepeat, nil)
		out[i] = s
	}
	switch {
	case len(rankings) == len(en.repeats):
		o := opts
		o.Seed = seedFor(opts.Seed, en.key)
		es, err := metrics.BootstrapCountsAt(rankings, ks, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", en.key, err)
		}
		for i, e := range es {
			se := e.SE
			out[i].SE = &se
			out[i].CI = &[2]float64{e.CI.Lo, e.CI.Hi}
			out[i].Uncertainty = UncertaintyBootstrap
			out[i].Warnings = e.Warnings
			if math.Abs(e.Point-out[i].Mean) > 1e-9 {
				out[i].Warnings = append(out[i].Warnings, fmt.Sprintf(
					"the ranking read for the bootstrap gives count@%d = %g, results.json %g", ks[i], e.Point, out[i].Mean))
			}
		}
	case len(en.repeats) >= 2:
		for i := range out {
			se, ci := repeatSpread(out[i].PerRepeat, opts.Level)
			out[i].SE, out[i].CI = &se, &ci
			out[i].Uncertainty = UncertaintyRepeats
			if len(en.repeats) < 5 {
				out[i].Warnings = append(out[i].Warnings, fmt.Sprintf("uncertainty from only %d repeats", len(en.repeats)))
			}
		}
	}
	return out, nil
}

// repeatSpread is the standard error of the mean over repeats and its
// Student t interval (metrics.TInterval).
func repeatSpread(x []float64, level float64) (float64, [2]float64) {
	se, ci := metrics.TInterval(x, level)
	return se, [2]float64{ci.Lo, ci.Hi}
}
