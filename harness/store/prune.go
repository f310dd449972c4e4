package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// ClearCache empties the content cache (prefills, completions, scores and
// their bundles) in one transaction and returns how many rows each table
// held. Stored runs stay. The next run recomputes what it needs.
func (s *Store) ClearCache(ctx context.Context) (Stats, error) {
	before, err := s.Stats(ctx)
	if err != nil {
		return Stats{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"completions", "scores", "prefills", "bundles"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
				return fmt.Errorf("clear %s: %w", table, err)
			}
		}
		return nil
	})
	if err != nil {
		return Stats{}, err
	}
	return before, nil
}

// Compact gives the space of deleted rows back to the file system: the WAL
// is checkpointed into the file and the file rewritten (VACUUM). It needs
// no other process writing the store at the time.
func (s *Store) Compact(ctx context.Context) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("compact: checkpoint: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("compact: vacuum: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("compact: checkpoint: %w", err)
	}
	return nil
}

// Size is the bytes the store takes on disk: its file and write-ahead log.
func (s *Store) Size() int64 {
	var n int64
	for _, p := range []string{s.path, s.path + "-wal", s.path + "-shm"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}
