package results

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalid is matched (errors.Is) by every error that says a results file
// is malformed or its numbers cannot be true.
var ErrInvalid = errors.New("invalid results file")

// MaxCompletions bounds an entry's n_completions: readers hold a flag per
// completion, and no run ranks more (a run's n is at most 10,000,000).
const MaxCompletions = 10_000_000

// InvalidError locates a problem in a results file: the file and, when the
// problem is one entry's, its index and key.
type InvalidError struct {
	Path   string
	Line   int // samples.jsonl's line, 1-based; 0: none
	Entry  int // 0-based index into entries; -1: the file as a whole
	Key    Key
	Reason string
}

func (e *InvalidError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Reason)
	}
	if e.Entry < 0 {
		return fmt.Sprintf("%s: %s", e.Path, e.Reason)
	}
	k := e.Key
	return fmt.Sprintf("%s: entry %d (%s@%s vs %s, %s, repeat %d, %s): %s",
		e.Path, e.Entry, k.Organism, k.Variant, k.Reference, k.Config, k.Repeat, k.Score, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Validate checks what a reader relies on: the entry keys are present and
// unique (a duplicate would be averaged as if it were a repeat), and every
// count is within its range and agrees with the others. A run writes files
// that pass; a hand-edited or damaged file fails, naming the entry.
func Validate(path string, r *Results) error {
	if r.Schema != Schema {
		return &InvalidError{Path: path, Entry: -1, Reason: fmt.Sprintf("schema %q, this ppldiff reads %q", r.Schema, Schema)}
	}
	if r.Run.ID == "" {
		return &InvalidError{Path: path, Entry: -1, Reason: "run.id is missing"}
	}
	seen := make(map[Key]int, len(r.Entries))
	for i := range r.Entries {
		e := &r.Entries[i]
		if reason := entryProblem(e); reason != "" {
			return &InvalidError{Path: path, Entry: i, Key: e.Key(), Reason: reason}
		}
		if j, dup := seen[e.Key()]; dup {
			return &InvalidError{Path: path, Entry: i, Key: e.Key(), Reason: fmt.Sprintf("same key as entry %d (organism, variant, reference, config, repeat and score must be unique)", j)}
		}
		seen[e.Key()] = i
	}
	return nil
}

// entryProblem describes what is wrong with one entry, "" when nothing is.
func entryProblem(e *Entry) string {
	switch {
	case e.Organism == "" || e.Variant == "" || e.Reference == "" || e.Config == "" || e.Score == "":
		return "organism, variant, reference, config and score must all be given"
	case e.Repeat < 0:
		return fmt.Sprintf("repeat %d is negative", e.Repeat)
	case e.NCompletions < 0 || e.NCompletions > MaxCompletions:
		return fmt.Sprintf("n_completions %d is outside 0..%d", e.NCompletions, MaxCompletions)
	case e.Params < 0:
		return fmt.Sprintf("params %d is negative", e.Params)
	case math.IsNaN(e.Strength) || math.IsInf(e.Strength, 0):
		return "strength is not a finite number"
	}
	if t := e.ModelTokens; t != nil && (t.Generate < 0 || t.ScoreFT < 0 || t.ScoreRef < 0) {
		return "model_tokens are negative"
	}
	// The ranking's length: n_completions, or the top k an import holds.
	n := e.NCompletions
	if e.TruncatedAt != nil {
		if *e.TruncatedAt < 0 || *e.TruncatedAt > e.NCompletions {
			return fmt.Sprintf("truncated_at %d is outside 0..n_completions (%d)", *e.TruncatedAt, e.NCompletions)
		}
		n = *e.TruncatedAt
	}
	if (e.CountAt10 == nil) != (e.CountAt100 == nil) {
		return "count_at_10 and count_at_100 must both be numbers or both null"
	}
	for _, c := range []struct {
		name string
		v    *int
		max  int
	}{{"n_flagged", e.NFlagged, e.NCompletions}, {"count_at_10", e.CountAt10, min(10, n)}, {"count_at_100", e.CountAt100, min(100, n)}} {
		if c.v != nil && (*c.v < 0 || *c.v > c.max) {
			return fmt.Sprintf("%s %d is outside 0..%d", c.name, *c.v, c.max)
		}
	}
	if e.CountAt10 != nil && *e.CountAt10 > *e.CountAt100 {
		return fmt.Sprintf("count_at_10 %d exceeds count_at_100 %d", *e.CountAt10, *e.CountAt100)
	}
	if f := e.FirstHitRank; f != nil {
		switch {
		case *f < 1 || *f > n:
			return fmt.Sprintf("first_hit_rank %d is outside 1..%d", *f, n)
		case e.CountAt100 != nil && *e.CountAt100 == 0 && *f <= 100:
			return fmt.Sprintf("first_hit_rank %d but count_at_100 is 0", *f)
		case e.CountAt10 != nil && *e.CountAt10 == 0 && *f <= 10:
			return fmt.Sprintf("first_hit_rank %d but count_at_10 is 0", *f)
		case e.CountAt10 != nil && *e.CountAt10 > 0 && *f > 10:
			return fmt.Sprintf("first_hit_rank %d but count_at_10 is %d", *f, *e.CountAt10)
		}
	} else if e.CountAt100 != nil && *e.CountAt100 > 0 {
		return fmt.Sprintf("first_hit_rank is null but count_at_100 is %d", *e.CountAt100)
	}
	// Our own runs count every rank: the counts are parts of n_flagged.
	// (An import's n_flagged is the authors', its counts ours over the top k.)
	if e.TruncatedAt == nil && e.NFlagged != nil {
		nf := *e.NFlagged
		switch {
		case e.CountAt100 == nil:
			return "n_flagged is a number but the counts are null"
		case *e.CountAt100 > nf:
			return fmt.Sprintf("count_at_100 %d exceeds n_flagged %d", *e.CountAt100, nf)
		case nf > 0 && e.FirstHitRank == nil:
			return fmt.Sprintf("n_flagged %d but first_hit_rank is null", nf)
		case nf == 0 && e.FirstHitRank != nil:
			return fmt.Sprintf("first_hit_rank %d but n_flagged is 0", *e.FirstHitRank)
		}
	}
	prev := 0
	for _, r := range e.FlaggedRanks {
		if r <= prev || r > e.NCompletions {
			return fmt.Sprintf("flagged_ranks must increase strictly within 1..n_completions (%d); %d follows %d", e.NCompletions, r, prev)
		}
		prev = r
	}
	return ""
}
