package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// judgeTable holds an LLM judge's raw answers per request key. Answers
// are kept as the judge wrote them, so that reading them differently
// later costs no new calls. `runs prune --cache` keeps them: each was a
// paid request to a hosted API, and they are small.
const judgeTable = `CREATE TABLE judge_verdicts (
	key               TEXT PRIMARY KEY,
	model             TEXT NOT NULL,
	answers           BLOB NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	sum               BLOB
);`

// JudgeAnswers are the answers one judge request gave: one per sample,
// in order, with the tokens the request cost.
type JudgeAnswers struct {
	Key              string // caller-computed content address (hex sha256)
	Model            string
	Answers          []string
	PromptTokens     int64
	CompletionTokens int64
}

func judgeSum(key, model string, answers []byte, pt, ct int64) []byte {
	return rowSum([]byte(key), []byte(model), answers, intField(pt), intField(ct))
}

// GetJudgeAnswers returns the stored answers among keys, keyed by Key.
// A row that fails its checksum is dropped, so the request is made again.
func (s *Store) GetJudgeAnswers(ctx context.Context, keys []string) (map[string]JudgeAnswers, error) {
	return getChecked(ctx, s, "judge answers", "judge_verdicts",
		`SELECT key, model, answers, prompt_tokens, completion_tokens, sum FROM judge_verdicts`, keys,
		func(rows *sql.Rows) (string, JudgeAnswers, rowState, error) {
			var a JudgeAnswers
			var answers, sum []byte
			if err := rows.Scan(&a.Key, &a.Model, &answers, &a.PromptTokens, &a.CompletionTokens, &sum); err != nil {
				return "", a, 0, err
			}
			// A verdict row has carried its sum since the table was made, so
			// a row without one is damaged, not legacy.
			if !sumEqual(sum, judgeSum(a.Key, a.Model, answers, a.PromptTokens, a.CompletionTokens)) ||
				json.Unmarshal(answers, &a.Answers) != nil {
				return a.Key, a, rowCorrupt, nil
			}
			return a.Key, a, rowIntact, nil
		})
}

// PutJudgeAnswers stores as in one transaction; a key already present is
// left as it is.
func (s *Store) PutJudgeAnswers(ctx context.Context, as []JudgeAnswers) error {
	err := s.insert(ctx, `INSERT OR IGNORE INTO judge_verdicts (key, model, answers, prompt_tokens, completion_tokens, sum) VALUES (?, ?, ?, ?, ?, ?)`,
		len(as), func(i int) ([]any, error) {
			a := as[i]
			if a.Key == "" {
				return nil, fmt.Errorf("judge answers %d have an empty key", i)
			}
			answers, err := json.Marshal(a.Answers)
			if err != nil {
				return nil, err
			}
			return []any{a.Key, a.Model, answers, a.PromptTokens, a.CompletionTokens,
				judgeSum(a.Key, a.Model, answers, a.PromptTokens, a.CompletionTokens)}, nil
		})
	if err != nil {
		return fmt.Errorf("put judge answers: %w", err)
	}
	return nil
}
