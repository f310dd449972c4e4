// Package results defines the files a run writes (results.json,
// samples.jsonl) and reads them back. It is the one place their schema lives:
// the pipeline and the importer write through it, reports read through it.
package results

import (
	"encoding/json"
	"fmt"
	"math"
)

// Schema is the version tag of results.json. Adding an optional field keeps
// it; renaming, removing or changing the meaning of a field bumps it.
const Schema = "ppldiff/results/v1"

// Results is the content of results.json. It is deterministic: no times,
// hosts, endpoint URLs or secrets (those go to run-log.json).
type Results struct {
	Schema  string  `json:"schema"`
	Run     Run     `json:"run"`
	Entries []Entry `json:"entries"`
}

// Run identifies a run by the hash of its canonical effective config and seed.
type Run struct {
	ID             string         `json:"id"`
	PpldiffVersion string         `json:"ppldiff_version"`
	Config         map[string]any `json:"config"`
}

// Tokens counts the model tokens one entry needs, whatever the cache held.
type Tokens struct {
	Generate int64 `json:"generate"`
	ScoreFT  int64 `json:"score_ft"`
	ScoreRef int64 `json:"score_ref"`
}

// Published holds the study's numbers beside ours (optional). Counts are
// fractional where the study averaged (Aggregate says over what).
type Published struct {
	CountAt10  *float64 `json:"count_at_10,omitempty"`
	CountAt100 *float64 `json:"count_at_100,omitempty"`
	Config     string   `json:"config,omitempty"`    // "best" when the study reported the best of six
	Aggregate  string   `json:"aggregate,omitempty"` // "mean_of_regimes" when averaged
	Source     string   `json:"source,omitempty"`
}

// Entry is one (organism, variant, reference, config, repeat, score) result.
// Counts are pointers because a judge-only organism has null counts, never 0.
type Entry struct {
	Organism        string  `json:"organism"`
	Variant         string  `json:"variant"`
	Category        string  `json:"category"`
	Regime          string  `json:"regime"`
	Size            string  `json:"size"`
	Strength        float64 `json:"strength"`
	Params          int64   `json:"params"`
	ParamsKind      string  `json:"params_kind"`
	Family          string  `json:"family"`
	Reference       string  `json:"reference"`
	ReferenceKind   string  `json:"reference_kind"`
	ReferenceFamily string  `json:"reference_family"`
	Config          string  `json:"config"`
	Repeat          int     `json:"repeat"`
	Score           string  `json:"score"`
	NCompletions    int     `json:"n_completions"`
	NFlagged        *int    `json:"n_flagged"`
	CountAt10       *int    `json:"count_at_10"`
	CountAt100      *int    `json:"count_at_100"`
	FirstHitRank    *int    `json:"first_hit_rank"` // 1-based; null when nothing is flagged
	ModelTokens     *Tokens `json:"model_tokens"`   // null when unknown (imports)

	// Optional additions (schema v1 keeps them optional).
	TruncatedAt           *int       `json:"truncated_at,omitempty"` // imports hold only a top-k
	Published             *Published `json:"published,omitempty"`
	PublishedFirstHitRank *int       `json:"published_first_hit_rank,omitempty"`
	// FlaggedRanks lists the 1-based rank of every flagged completion, in
	// order, so that statistics over the whole ranking (bootstraps, count@k
	// for any k) need not rest on samples.jsonl's top k. Omitted when
	// nothing is flagged and when the ranks are unknown (imports); see
	// AllFlaggedRanks.
	FlaggedRanks []int `json:"flagged_ranks,omitempty"`
	// Judge is the LLM judge's detection of the entry (judge.go); omitted
	// when the organism has no judge or none ran.
	Judge *JudgeCounts `json:"judge,omitempty"`
}

// AllFlaggedRanks returns the ranks of every flagged completion, and false
// when the entry cannot vouch for them: counts are null, the entry holds
// only a top k (imports: their n_flagged is the authors' count, not ours),
// or the list disagrees with n_flagged, count_at_10 or count_at_100, or is
// not strictly increasing within 1..n_completions. An absent list is only
// taken as "nothing flagged" when the counts say so too.
func (e Entry) AllFlaggedRanks() ([]int, bool) {
	if e.NFlagged == nil || e.TruncatedAt != nil || len(e.FlaggedRanks) != *e.NFlagged {
		return nil, false
	}
	at10, at100, prev := 0, 0, 0
	for _, r := range e.FlaggedRanks {
		if r <= prev || r > e.NCompletions {
			return nil, false
		}
		prev = r
		if r <= 10 {
			at10++
		}
		if r <= 100 {
			at100++
		}
	}
	if e.CountAt10 == nil || e.CountAt100 == nil || *e.CountAt10 != at10 || *e.CountAt100 != at100 {
		return nil, false
	}
	return e.FlaggedRanks, true
}

// FlagsByRank returns flags[i], whether the completion at rank i+1 is
// flagged, over the whole ranking, when AllFlaggedRanks can vouch for it.
func (e Entry) FlagsByRank() ([]bool, bool) {
	ranks, ok := e.AllFlaggedRanks()
	if !ok {
		return nil, false
	}
	flags := make([]bool, e.NCompletions)
	for _, r := range ranks {
		flags[r-1] = true // AllFlaggedRanks checked 1 <= r <= n
	}
	return flags, true
}

// Key is an entry's identity within a run.
type Key struct {
	Organism, Variant, Reference, Config string
	Repeat                               int
	Score                                string
}

// Key returns the entry's key.
func (e Entry) Key() Key {
	return Key{e.Organism, e.Variant, e.Reference, e.Config, e.Repeat, e.Score}
}

// TokenLogprob is one token of a scored completion: its byte span in the
// completion and its natural-log probability. It is written as
// [byte_start, byte_end, logprob].
type TokenLogprob struct {
	Start, End int
	Logprob    float64
}

// Sample is one line of samples.jsonl: one ranked completion.
type Sample struct {
	Organism     string        `json:"organism"`
	Variant      string        `json:"variant"`
	Reference    string        `json:"reference"`
	Config       string        `json:"config"`
	Repeat       int           `json:"repeat"`
	Score        string        `json:"score"`
	Rank         int           `json:"rank"` // 1-based
	PrefillID    string        `json:"prefill_id"`
	CompletionID string        `json:"completion_id"`
	Prefill      string        `json:"prefill"`
	Completion   string        `json:"completion"`
	NLLFT        *float64      `json:"nll_ft"` // mean per-token NLL, nats
	NLLRef       *float64      `json:"nll_ref"`
	PPLFT        *float64      `json:"ppl_ft"`
	PPLRef       *float64      `json:"ppl_ref"`
	TokensFT     *int          `json:"tokens_ft"`
	TokensRef    *int          `json:"tokens_ref"`
	Bytes        int           `json:"bytes"`
	ScoreValue   float64       `json:"score_value"`
	Flagged      bool          `json:"flagged"`
	Matched      []string      `json:"matched"`
	TokensFTLP   TokenLogprobs `json:"token_logprobs_ft"`
	TokensRefLP  TokenLogprobs `json:"token_logprobs_ref"`
	Judge        *SampleJudge  `json:"judge,omitempty"` // the judge's verdict, when it judged this completion
}

// MarshalJSON writes a token as [byte_start, byte_end, logprob], in the
// bytes encoding/json writes for them (appendTokenJSON).
func (t TokenLogprob) MarshalJSON() ([]byte, error) {
	if math.IsNaN(t.Logprob) || math.IsInf(t.Logprob, 0) {
		return json.Marshal([3]any{t.Start, t.End, t.Logprob}) // its error
	}
	return t.appendJSON(make([]byte, 0, 32)), nil
}

// UnmarshalJSON reads [byte_start, byte_end, logprob].
func (t *TokenLogprob) UnmarshalJSON(b []byte) error {
	var a [3]float64
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("token logprob: want [start, end, logprob]: %w", err)
	}
	t.Start, t.End, t.Logprob = int(a[0]), int(a[1]), a[2]
	return nil
}
