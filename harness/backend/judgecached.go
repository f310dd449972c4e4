package backend

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
)

// StoredRuns reads the runs a store holds (*store.Store).
type StoredRuns interface {
	ListRuns(ctx context.Context) ([]store.RunSummary, error)
	GetRunResults(ctx context.Context, id string) (*store.Run, error)
}

// judgedRanking is what earlier runs judged of one ranking: its length and
// the ranks (0-based) whose verdicts the store holds.
type judgedRanking struct {
	n     int
	ranks map[int]bool
}

// judgedBefore collects, per ranking, the ranks that the store's complete
// runs of the same completions and judge judged. A dry run has no
// completions, so it cannot compute the judge's cache keys; it reads the
// ranks from the stored results instead: their verdicts are in the judge
// cache (`runs prune` keeps them), and the same ranks of the same
// completions ask the same questions. It returns how many runs were used.
func judgedBefore(ctx context.Context, runs StoredRuns, cfg pipeline.Config) (map[results.Key]*judgedRanking, int, error) {
	out := map[results.Key]*judgedRanking{}
	if runs == nil || cfg.Judge == nil || cfg.Budget == pipeline.BudgetAdaptive {
		return out, 0, nil // an adaptive run's n is decided round by round
	}
	list, err := runs.ListRuns(ctx)
	if err != nil {
		return nil, 0, err
	}
	used := 0
	for _, rs := range list {
		if rs.Status != "complete" {
			continue
		}
		r, err := runs.GetRunResults(ctx, rs.ID)
		if errors.Is(err, store.ErrCorrupt) {
			continue // a damaged run: its verdicts are not counted
		} else if err != nil {
			return nil, 0, err
		}
		var rc pipeline.Config
		if json.Unmarshal(r.ConfigJSON, &rc) != nil || !sameCompletionsAndJudge(cfg, rc) {
			continue
		}
		res, err := results.ParseResults("stored run "+rs.ID, r.Results)
		if err != nil {
			continue // likewise
		}
		used++
		for _, e := range res.Entries {
			if e.Judge == nil {
				continue
			}
			ranks := rc.JudgedRanks(e.NCompletions, e.Key())
			if len(ranks) != e.Judge.Judged {
				continue // judged otherwise than this ppldiff would pick
			}
			jr := out[e.Key()]
			if jr == nil {
				jr = &judgedRanking{n: e.NCompletions, ranks: map[int]bool{}}
				out[e.Key()] = jr
			}
			if jr.n != e.NCompletions {
				// The same ranking with another length: these runs did not
				// rank the same completions after all; count none of it.
				jr.n, jr.ranks = -1, nil
			}
			if jr.ranks == nil {
				continue
			}
			for _, rank := range ranks {
				jr.ranks[rank] = true
			}
		}
	}
	return out, used, nil
}

// sameCompletionsAndJudge reports whether a run of b produced the
// completions a run of a would and asked its judge the same way: the
// configs may differ only in what they select (organisms, variants,
// references, prefill configs, their corpora), in what samples.jsonl
// holds, and in how many ranks are judged.
func sameCompletionsAndJudge(a, b pipeline.Config) bool {
	if a.Judge == nil || b.Judge == nil {
		return false
	}
	for name, sum := range a.Corpora {
		if other, ok := b.Corpora[name]; ok && other != sum {
			return false
		}
	}
	strip := func(c pipeline.Config) pipeline.Config {
		c.Organisms, c.Variants, c.References, c.ReferenceKinds, c.Prefills, c.Corpora = nil, nil, nil, nil, nil, nil
		c.SamplesTopK, c.SamplesScores, c.SamplesTokenDetail = 0, nil, 0
		j := *c.Judge
		j.K, j.Sample = 0, 0
		c.Judge = &j
		return c
	}
	return strip(a).RunID() == strip(b).RunID()
}

// unitToAsk bounds the judge requests of unit u that the store cannot
// answer, given the plain bound without a cache (unitCap) and what
// earlier runs judged. Each ranking asks at most its judged ranks that no
// earlier run judged; and the unit asks at most once per completion that
// no earlier run judged, of which there are at most n minus the most any
// one ranking had judged.
func unitToAsk(u *pipeline.Unit, cfg pipeline.Config, before map[results.Key]*judgedRanking, perRanking, unitCap int64) int64 {
	var ask int64
	// n is the unit's completions as the earlier runs ranked them; -2 when
	// its rankings disagree (then no per-unit bound is taken).
	n, mostJudged := -1, 0
	for _, ref := range u.References {
		for _, score := range pipeline.AllScores {
			key := results.Key{Organism: u.Organism.ID, Variant: u.Variant.Name, Reference: ref.ID,
				Config: u.Prefill.Name, Repeat: u.Repeat, Score: score}
			jr := before[key]
			if jr == nil || jr.ranks == nil {
				ask += perRanking
				continue
			}
			for _, rank := range cfg.JudgedRanks(jr.n, key) {
				if !jr.ranks[rank] {
					ask++
				}
			}
			if n == -1 {
				n = jr.n
			} else if n != jr.n {
				n = -2
			}
			mostJudged = max(mostJudged, len(jr.ranks))
		}
	}
	if n >= 0 {
		ask = min(ask, int64(n-mostJudged))
	}
	return min(ask, unitCap)
}
