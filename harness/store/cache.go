package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Completion is one cached generation: the tokens a model produced after a
// prefill, their bytes, and their logprobs as the model reported them.
type Completion struct {
	Key          string // caller-computed content address (hex sha256)
	Model        string
	PrefillKey   string
	Tokens       []int
	Text         []byte
	Logprobs     []float64
	FinishReason string
}

// Scores is one cached teacher-forced scoring of a text under a model.
type Scores struct {
	Key      string // caller-computed content address (hex sha256)
	Model    string
	Tokens   []int
	Logprobs []float64
	Spans    [][2]int // each token's [start, end) byte range in the scored text
}

// Prefill is one cached prefill: the leading tokens of a corpus document.
type Prefill struct {
	Key    string // caller-computed content address (hex sha256)
	Source string // where the document came from, e.g. "web.jsonl:17"
	Index  int    // the document's index in its corpus
	Tokens []int
	Text   []byte
}

// GetCompletions returns the cached completions among keys, keyed by Key.
// Missing keys are simply absent from the map.
func (s *Store) GetCompletions(ctx context.Context, keys []string) (map[string]Completion, error) {
	return getChecked(ctx, s, "completions", "completions",
		`SELECT key, model, prefill_key, tokens, text, logprobs, finish_reason, sum FROM completions`, keys,
		func(rows *sql.Rows) (string, Completion, rowState, error) {
			var c Completion
			var tokens, logprobs, sum []byte
			if err := rows.Scan(&c.Key, &c.Model, &c.PrefillKey, &tokens, &c.Text, &logprobs, &c.FinishReason, &sum); err != nil {
				return "", c, 0, err
			}
			if st := sumState(sum, completionSum(c.Key, c.Model, c.PrefillKey, tokens, c.Text, logprobs, c.FinishReason)); st != rowIntact {
				return c.Key, c, st, nil
			}
			var err error
			if c.Tokens, err = decodeInts(tokens); err != nil {
				return "", c, 0, fmt.Errorf("completion %s tokens: %w", c.Key, err)
			}
			if c.Logprobs, err = decodeFloats(logprobs); err != nil {
				return "", c, 0, fmt.Errorf("completion %s logprobs: %w", c.Key, err)
			}
			c.Text = bytesOrNil(c.Text)
			return c.Key, c, rowIntact, nil
		})
}

// PutCompletions stores cs in one transaction. A key already present is left
// as it is: a key names its content, so re-putting is a no-op.
func (s *Store) PutCompletions(ctx context.Context, cs []Completion) error {
	err := s.insert(ctx, `INSERT OR IGNORE INTO completions (key, model, prefill_key, tokens, text, logprobs, finish_reason, sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		len(cs), func(i int) ([]any, error) {
			c := cs[i]
			if c.Key == "" {
				return nil, fmt.Errorf("completion %d has an empty key", i)
			}
			tokens, err := encodeInts(c.Tokens)
			if err != nil {
				return nil, fmt.Errorf("completion %s tokens: %w", c.Key, err)
			}
			text, logprobs := bytesOrEmpty(c.Text), encodeFloats(c.Logprobs)
			sum := completionSum(c.Key, c.Model, c.PrefillKey, tokens, text, logprobs, c.FinishReason)
			return []any{c.Key, c.Model, c.PrefillKey, tokens, text, logprobs, c.FinishReason, sum}, nil
		})
	if err != nil {
		return fmt.Errorf("put completions: %w", err)
	}
	return nil
}

// GetScores returns the cached scores among keys, keyed by Key.
func (s *Store) GetScores(ctx context.Context, keys []string) (map[string]Scores, error) {
	return getChecked(ctx, s, "scores", "scores", `SELECT key, model, tokens, logprobs, spans, sum FROM scores`, keys,
		func(rows *sql.Rows) (string, Scores, rowState, error) {
			var sc Scores
			var tokens, logprobs, spans, sum []byte
			if err := rows.Scan(&sc.Key, &sc.Model, &tokens, &logprobs, &spans, &sum); err != nil {
				return "", sc, 0, err
			}
			if st := sumState(sum, rowSum([]byte(sc.Key), []byte(sc.Model), tokens, logprobs, spans)); st != rowIntact {
				return sc.Key, sc, st, nil
			}
			var err error
			if sc.Tokens, err = decodeInts(tokens); err != nil {
				return "", sc, 0, fmt.Errorf("scores %s tokens: %w", sc.Key, err)
			}
			if sc.Logprobs, err = decodeFloats(logprobs); err != nil {
				return "", sc, 0, fmt.Errorf("scores %s logprobs: %w", sc.Key, err)
			}
			if sc.Spans, err = decodeSpans(spans); err != nil {
				return "", sc, 0, fmt.Errorf("scores %s spans: %w", sc.Key, err)
			}
			return sc.Key, sc, rowIntact, nil
		})
}

// PutScores stores ss in one transaction; keys already present are left as they are.
func (s *Store) PutScores(ctx context.Context, ss []Scores) error {
	err := s.insert(ctx, `INSERT OR IGNORE INTO scores (key, model, tokens, logprobs, spans, sum) VALUES (?, ?, ?, ?, ?, ?)`,
		len(ss), func(i int) ([]any, error) {
			sc := ss[i]
			if sc.Key == "" {
				return nil, fmt.Errorf("scores %d have an empty key", i)
			}
			tokens, err := encodeInts(sc.Tokens)
			if err != nil {
				return nil, fmt.Errorf("scores %s tokens: %w", sc.Key, err)
			}
			spans, err := encodeSpans(sc.Spans)
			if err != nil {
				return nil, fmt.Errorf("scores %s spans: %w", sc.Key, err)
			}
			logprobs := encodeFloats(sc.Logprobs)
			sum := rowSum([]byte(sc.Key), []byte(sc.Model), tokens, logprobs, spans)
			return []any{sc.Key, sc.Model, tokens, logprobs, spans, sum}, nil
		})
	if err != nil {
		return fmt.Errorf("put scores: %w", err)
	}
	return nil
}

// GetPrefills returns the cached prefills among keys, keyed by Key.
func (s *Store) GetPrefills(ctx context.Context, keys []string) (map[string]Prefill, error) {
	return getChecked(ctx, s, "prefills", "prefills", `SELECT key, source, idx, tokens, text, sum FROM prefills`, keys,
		func(rows *sql.Rows) (string, Prefill, rowState, error) {
			var p Prefill
			var tokens, sum []byte
			if err := rows.Scan(&p.Key, &p.Source, &p.Index, &tokens, &p.Text, &sum); err != nil {
				return "", p, 0, err
			}
			if st := sumState(sum, rowSum([]byte(p.Key), []byte(p.Source), intField(int64(p.Index)), tokens, p.Text)); st != rowIntact {
				return p.Key, p, st, nil
			}
			var err error
			if p.Tokens, err = decodeInts(tokens); err != nil {
				return "", p, 0, fmt.Errorf("prefill %s tokens: %w", p.Key, err)
			}
			p.Text = bytesOrNil(p.Text)
			return p.Key, p, rowIntact, nil
		})
}

// PutPrefills stores ps in one transaction; keys already present are left as they are.
func (s *Store) PutPrefills(ctx context.Context, ps []Prefill) error {
	err := s.insert(ctx, `INSERT OR IGNORE INTO prefills (key, source, idx, tokens, text, sum) VALUES (?, ?, ?, ?, ?, ?)`,
		len(ps), func(i int) ([]any, error) {
			p := ps[i]
			if p.Key == "" {
				return nil, fmt.Errorf("prefill %d has an empty key", i)
			}
			tokens, err := encodeInts(p.Tokens)
			if err != nil {
				return nil, fmt.Errorf("prefill %s tokens: %w", p.Key, err)
			}
			text := bytesOrEmpty(p.Text)
			sum := rowSum([]byte(p.Key), []byte(p.Source), intField(int64(p.Index)), tokens, text)
			return []any{p.Key, p.Source, p.Index, tokens, text, sum}, nil
		})
	if err != nil {
		return fmt.Errorf("put prefills: %w", err)
	}
	return nil
}

func completionSum(key, model, prefillKey string, tokens, text, logprobs []byte, finish string) []byte {
	return rowSum([]byte(key), []byte(model), []byte(prefillKey), tokens, text, logprobs, []byte(finish))
}

// query runs selectFrom restricted to the rows whose key is in keys. The keys
// travel as one JSON array unpacked by json_each, so a lookup of any size is
// one statement with one bound parameter: no variable-count limit, one
// consistent snapshot, and SQLite probes the primary key once per key.
func (s *Store) query(ctx context.Context, selectFrom string, keys []string, scan func(*sql.Rows) error) error {
	if len(keys) == 0 {
		return nil
	}
	keysJSON, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, selectFrom+` WHERE key IN (SELECT value FROM json_each(?))`, string(keysJSON))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// insert executes stmt once per item inside one write transaction. All
// arguments are encoded before the transaction starts, so a bad item fails
// the batch without holding the write lock.
func (s *Store) insert(ctx context.Context, stmt string, n int, args func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	all := make([][]any, n)
	for i := range all {
		a, err := args(i)
		if err != nil {
			return err
		}
		all[i] = a
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, stmt)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, a := range all {
			if _, err := st.ExecContext(ctx, a...); err != nil {
				return err
			}
		}
		return nil
	})
}
