package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
)

// DefaultScore is the score shown when Options.Score is empty (README "What a run does", step 6).
const DefaultScore = "ppl_diff"

// rankingKey identifies one ranking: the samples of one entry.
type rankingKey struct {
	Organism, Variant, Reference, Config string
	Repeat                               int
}

// groupKey identifies one summary row: a ranking key without the repeat.
type groupKey struct {
	Organism, Variant, Reference, Config string
}

// pairKey identifies an organism variant audited against one reference.
type pairKey struct {
	Organism, Variant, Reference string
}

// run is a results directory read into memory, restricted to one score.
type run struct {
	score    string
	results  *results.Results
	entries  []results.Entry                 // entries of score, in file order
	rankings map[rankingKey][]results.Sample // samples of score, by rank
	themes   []themeRow                      // from audit.json, when `ppldiff audit` wrote one
	judges   []judgeRow                      // entries an LLM judge read
}

// loadRun reads dir/results.json and dir/samples.jsonl. A missing
// samples.jsonl is an error: the report needs it.
func loadRun(dir, score string) (*run, error) {
	res, err := results.ReadResults(dir)
	if err != nil {
		return nil, err
	}
	samples, err := results.ReadSamples(dir)
	if err != nil {
		return nil, err
	}
	rn, err := newRun(res, samples, score)
	if err != nil {
		return nil, err
	}
	if rn.themes, err = loadThemes(dir, rn.score); err != nil {
		return nil, err
	}
	rn.judges = judgeRows(rn)
	return rn, nil
}

// newRun indexes results and samples for one score.
func newRun(res *results.Results, samples []results.Sample, score string) (*run, error) {
	if score == "" {
		score = DefaultScore
	}
	r := &run{score: score, results: res, rankings: map[rankingKey][]results.Sample{}}
	for _, e := range res.Entries {
		if e.Score == score {
			r.entries = append(r.entries, e)
		}
	}
	if len(r.entries) == 0 && len(res.Entries) > 0 {
		return nil, fmt.Errorf("reports: no entries with score %q", score)
	}
	for _, s := range samples {
		if s.Score != score {
			continue
		}
		k := rankingKey{s.Organism, s.Variant, s.Reference, s.Config, s.Repeat}
		r.rankings[k] = append(r.rankings[k], s)
	}
	for _, rk := range r.rankings {
		slices.SortStableFunc(rk, func(a, b results.Sample) int { return cmp.Compare(a.Rank, b.Rank) })
	}
	return r, nil
}

// summaryRow aggregates the repeats of one (organism, variant, reference,
// config) for the chosen score.
type summaryRow struct {
	Key             groupKey
	Entry           results.Entry // the first repeat: descriptive fields
	Repeats         int
	NCompletions    float64 // mean over repeats
	NFlagged        meanOf
	CountAt10       meanOf
	CountAt100      meanOf
	FirstHit        medianOf // over the repeats that had a hit
	Published10     *float64
	Published100    *float64
	PublishedConfig string
	PublishedFirst  *int
	// Rankings holds each repeat's flags in rank order, rebuilt from
	// flagged_ranks; nil unless every repeat lists them.
	Rankings []metrics.Ranking
}

// meanOf is the mean of the non-null values among N repeats.
type meanOf struct {
	Sum    float64
	Known  int
	Values []float64
}

func (m *meanOf) add(v *int) {
	if v != nil {
		m.Sum += float64(*v)
		m.Known++
		m.Values = append(m.Values, float64(*v))
	}
}

// Mean is NaN when no repeat had a value.
func (m meanOf) Mean() float64 {
	if m.Known == 0 {
		return math.NaN()
	}
	return m.Sum / float64(m.Known)
}

// medianOf collects values and reports their median.
type medianOf struct{ Values []float64 }

func (m *medianOf) add(v *int) {
	if v != nil {
		m.Values = append(m.Values, float64(*v))
	}
}

// Median is NaN when there are no values.
func (m medianOf) Median() float64 {
	if len(m.Values) == 0 {
		return math.NaN()
	}
	v := append([]float64(nil), m.Values...)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// summarize groups entries by (organism, variant, reference, config) in the
// order results.json sorts them, aggregating repeats.
func summarize(entries []results.Entry) []summaryRow {
	idx := map[groupKey]int{}
	var rows []summaryRow
	var complete []bool // every repeat so far lists its flagged ranks
	for _, e := range entries {
		k := groupKey{e.Organism, e.Variant, e.Reference, e.Config}
		i, ok := idx[k]
		if !ok {
			i = len(rows)
			idx[k] = i
			rows = append(rows, summaryRow{Key: k, Entry: e})
			complete = append(complete, true)
		}
		row := &rows[i]
		row.Repeats++
		row.NCompletions += float64(e.NCompletions)
		row.NFlagged.add(e.NFlagged)
		row.CountAt10.add(e.CountAt10)
		row.CountAt100.add(e.CountAt100)
		row.FirstHit.add(e.FirstHitRank)
		if e.Published != nil && row.Published10 == nil && row.Published100 == nil {
			row.Published10, row.Published100 = e.Published.CountAt10, e.Published.CountAt100
			row.PublishedConfig = e.Published.Config
		}
		if e.PublishedFirstHitRank != nil && row.PublishedFirst == nil {
			row.PublishedFirst = e.PublishedFirstHitRank
		}
		if flags, ok := e.FlagsByRank(); ok && complete[i] {
			row.Rankings = append(row.Rankings, metrics.Ranking{Flagged: flags})
		} else {
			complete[i] = false
		}
	}
	for i := range rows {
		rows[i].NCompletions /= float64(rows[i].Repeats)
		if !complete[i] {
			rows[i].Rankings = nil
		}
	}
	slices.SortStableFunc(rows, func(a, b summaryRow) int { return compareGroups(a.Key, b.Key) })
	return rows
}

// compareGroups orders groups field by field as results.json orders
// entries, except that digit runs compare as numbers (naturalCompare): n3-w4
// comes before n3-w16.
func compareGroups(a, b groupKey) int {
	return cmp.Or(naturalCompare(a.Organism, b.Organism), naturalCompare(a.Variant, b.Variant),
		naturalCompare(a.Reference, b.Reference), naturalCompare(a.Config, b.Config))
}

// hasPublished reports whether any row carries the study's numbers.
func hasPublished(rows []summaryRow) bool {
	for _, r := range rows {
		if r.Published10 != nil || r.Published100 != nil || r.PublishedFirst != nil {
			return true
		}
	}
	return false
}

// bestConfigs picks, per organism x variant x reference, the config with the
// highest mean count@100 (ties: the config that sorts first; rows with no
// count at all rank last). The result is sorted by pair key.
func bestConfigs(rows []summaryRow) []summaryRow {
	best := map[pairKey]int{}
	var order []pairKey
	for i, r := range rows {
		k := pairKey{r.Key.Organism, r.Key.Variant, r.Key.Reference}
		j, ok := best[k]
		if !ok {
			best[k] = i
			order = append(order, k)
			continue
		}
		if betterCount(r.CountAt100.Mean(), rows[j].CountAt100.Mean()) {
			best[k] = i
		}
	}
	out := make([]summaryRow, 0, len(order))
	for _, k := range order {
		out = append(out, rows[best[k]])
	}
	return out
}

// betterCount orders counts with NaN (unknown) below every number.
func betterCount(a, b float64) bool {
	if math.IsNaN(a) {
		return false
	}
	return math.IsNaN(b) || a > b
}
