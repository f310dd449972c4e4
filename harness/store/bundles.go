package store

import (
	"context"
	"database/sql"
	"fmt"
)

// bundleTable holds bundles: a run's rows of one kind for a run of
// consecutive items (a unit's prefill window, a chunk's completions, a
// chunk's scores under one model), as one record. The rows stay in their
// own tables, where any other run finds them one by one; a bundle lets the
// run that made them read them back in one lookup instead of one b-tree
// probe per row (#15 point 1). Its body's layout is the caller's; its key
// names its content like a row's key does.
const bundleTable = `CREATE TABLE bundles (
	key  TEXT PRIMARY KEY,
	body BLOB NOT NULL,
	sum  BLOB NOT NULL
);`

// Bundle is one bundle: a caller-computed content key and its body.
type Bundle struct {
	Key  string
	Body []byte
}

func bundleSum(key string, body []byte) []byte { return rowSum([]byte(key), body) }

// GetBundles returns the bodies of the bundles among keys, keyed by key. A
// bundle that fails its checksum is dropped, so its rows are read one by
// one and the bundle written again.
func (s *Store) GetBundles(ctx context.Context, keys []string) (map[string][]byte, error) {
	return getChecked(ctx, s, "bundles", "bundles", `SELECT key, body, sum FROM bundles`, keys,
		func(rows *sql.Rows) (string, []byte, rowState, error) {
			var key string
			var body, sum []byte
			if err := rows.Scan(&key, &body, &sum); err != nil {
				return "", nil, 0, err
			}
			// Bundles carried their sum from the start: without one, a row is damaged.
			if !sumEqual(sum, bundleSum(key, body)) {
				return key, nil, rowCorrupt, nil
			}
			return key, body, rowIntact, nil
		})
}

// PutBundles stores bs in one transaction. A bundle already present is
// replaced: a key names its content, so replacing changes nothing unless
// the old body was one its reader could not use.
func (s *Store) PutBundles(ctx context.Context, bs []Bundle) error {
	err := s.insert(ctx, `INSERT OR REPLACE INTO bundles (key, body, sum) VALUES (?, ?, ?)`,
		len(bs), func(i int) ([]any, error) {
			b := bs[i]
			if b.Key == "" {
				return nil, fmt.Errorf("bundle %d has an empty key", i)
			}
			body := bytesOrEmpty(b.Body)
			return []any{b.Key, body, bundleSum(b.Key, body)}, nil
		})
	if err != nil {
		return fmt.Errorf("put bundles: %w", err)
	}
	return nil
}
