package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
)

// BaselineSchema is the version tag of a baseline file. Adding an optional
// field keeps it; renaming, removing or changing the meaning of one bumps it.
const BaselineSchema = "ppldiff/baseline/v1"

// BaselineKs are the k a baseline records: the two results.json carries.
var BaselineKs = []int{10, 100}

// DefaultSeed seeds the bootstraps of baselines and checks (mixed with each
// entry's key, see Bootstrap.Seed), so a baseline file is deterministic.
const DefaultSeed = 20240601

// Baseline is the content of a baseline file (JSON):
//
//	{"schema": "ppldiff/baseline/v1",
//	 "run": "<run id of the source results.json>",
//	 "ks": [10, 100],
//	 "bootstrap": {"replicates": 2000, "seed": 20240601, "level": 0.95,
//	               "interval": "percentile", "cluster": "prefill_id within repeat"},
//	 "entries": [{"organism": .., "variant": .., "reference": .., "config": .., "score": ..,
//	   "category": .., "repeats": [0, 1], "n_completions": [1000, 1000],
//	   "counts": [{"k": 10, "mean": 6.5, "per_repeat": [7, 6], "se": 1.1,
//	               "ci": [4.5, 8.5], "uncertainty": "cluster_bootstrap"}, ..]}]}
//
// Entries are sorted by key; "se" and "ci" are null when the entry has no
// uncertainty (one repeat, and neither flagged_ranks nor samples). "uncertainty" is
// cluster_bootstrap, repeat_spread or none (see the package doc). Entries
// with null counts (judge-only organisms) are left out.
type Baseline struct {
	Schema    string          `json:"schema"`
	Run       string          `json:"run"`
	Ks        []int           `json:"ks"`
	Bootstrap Bootstrap       `json:"bootstrap"`
	Entries   []BaselineEntry `json:"entries"`
}

// Bootstrap records how intervals were computed. Each entry's generator is
// seeded with Seed XOR the FNV-1a hash of its key.
type Bootstrap struct {
	Replicates int     `json:"replicates"`
	Seed       uint64  `json:"seed"`
	Level      float64 `json:"level"`
	Interval   string  `json:"interval"`
	Cluster    string  `json:"cluster"`
}

func defaultBootstrap() Bootstrap {
	return Bootstrap{Replicates: metrics.DefaultReplicates, Seed: DefaultSeed, Level: metrics.DefaultLevel,
		Interval: "percentile", Cluster: "prefill_id within repeat"}
}

func (b Bootstrap) options() metrics.BootstrapOptions {
	return metrics.BootstrapOptions{Replicates: b.Replicates, Seed: b.Seed, Level: b.Level}
}

// BaselineEntry is one entry's count@k over its repeats.
type BaselineEntry struct {
	EntryKey
	Category     string `json:"category"`
	Repeats      []int  `json:"repeats"`
	NCompletions []int  `json:"n_completions"`
	Counts       []Stat `json:"counts"`
}

// Count returns the entry's Stat at k.
func (e *BaselineEntry) Count(k int) (Stat, bool) {
	for _, s := range e.Counts {
		if s.K == k {
			return s, true
		}
	}
	return Stat{}, false
}

// NewBaseline summarises the run in dir into a baseline: per entry, count@10
// and count@100 averaged over repeats, with a clustered bootstrap interval
// when dir has samples.jsonl (2000 replicates, seeded: the same dir gives
// the same file).
func NewBaseline(dir string) (*Baseline, error) {
	r, err := loadRun(dir)
	if err != nil {
		return nil, err
	}
	b := &Baseline{Schema: BaselineSchema, Run: r.id, Ks: BaselineKs, Bootstrap: defaultBootstrap(), Entries: []BaselineEntry{}}
	for _, k := range r.order {
		en := r.entries[k]
		stats, err := en.stats(b.Ks, b.Bootstrap.options())
		if errors.Is(err, errNullCount) {
			continue // judge-only: nothing to gate on
		}
		if err != nil {
			return nil, err
		}
		be := BaselineEntry{EntryKey: k, Category: en.category, Counts: stats}
		for _, rp := range en.repeats {
			be.Repeats = append(be.Repeats, rp.Repeat)
			be.NCompletions = append(be.NCompletions, rp.NCompletions)
		}
		b.Entries = append(b.Entries, be)
	}
	return b, nil
}

// WriteBaseline writes b as indented JSON with a trailing newline.
func WriteBaseline(w io.Writer, b *Baseline) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// WriteBaselineFile writes b to path atomically.
func WriteBaselineFile(path string, b *Baseline) error {
	var buf bytes.Buffer
	if err := WriteBaseline(&buf, b); err != nil {
		return err
	}
	return results.WriteFileAtomic(path, buf.Bytes())
}

// ReadBaseline reads a baseline file and checks its schema.
func ReadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, badBaseline("%s: not a baseline file: %v", path, err)
	}
	if b.Schema != BaselineSchema {
		return nil, badBaseline("%s: schema %q, this ppldiff reads %q", path, b.Schema, BaselineSchema)
	}
	seen := map[EntryKey]int{}
	for i, e := range b.Entries {
		if j, dup := seen[e.EntryKey]; dup {
			return nil, badBaseline("%s: entry %d (%s): same key as entry %d", path, i, e.EntryKey, j)
		}
		seen[e.EntryKey] = i
		for _, st := range e.Counts {
			bad := st.Mean < 0 || st.Mean > float64(st.K) || (st.SE != nil && *st.SE < 0) ||
				(st.CI != nil && st.CI[0] > st.CI[1])
			for _, c := range st.PerRepeat {
				bad = bad || c < 0 || c > float64(st.K)
			}
			if bad {
				return nil, badBaseline("%s: entry %d (%s): count@%d out of range (mean %g, se and interval must be ordered and non-negative)", path, i, e.EntryKey, st.K, st.Mean)
			}
		}
	}
	return &b, nil
}

// ErrBadBaseline is matched (errors.Is) by ReadBaseline's errors about the
// file's content.
var ErrBadBaseline = errors.New("invalid baseline file")

type baselineError struct{ msg string }

func (e *baselineError) Error() string        { return e.msg }
func (e *baselineError) Is(target error) bool { return target == ErrBadBaseline }

func badBaseline(format string, a ...any) error {
	return &baselineError{fmt.Sprintf(format, a...)}
}
