package store

import (
	"bytes"
	"context"
	"database/sql"
	"time"
)

// A re-run stores the same run again. Compressing its samples.jsonl again
// was most of storing it, so PutRun first reads the stored run back: when
// it holds exactly the same bytes (and passes its checksum), only its
// update time is moved. A missing or damaged stored run is written whole.

// storedAs reports whether the stored run r.ID holds exactly r's bytes.
func (s *Store) storedAs(ctx context.Context, r Run) bool {
	old, err := s.GetRun(ctx, r.ID)
	if err != nil {
		return false
	}
	return old.Status == r.Status && bytes.Equal(old.ConfigJSON, r.ConfigJSON) &&
		bytes.Equal(old.Results, r.Results) && bytes.Equal(old.Samples, r.Samples)
}

// touchRun moves a stored run's update time to now; false when no row
// was updated (it was deleted meanwhile).
func (s *Store) touchRun(ctx context.Context, id string) (bool, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET updated_ns = ? WHERE id = ?`, time.Now().UnixNano(), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// compressSamples is zstd over samples.jsonl; a variable so that tests can
// count the calls.
var compressSamples = func(b []byte) []byte { return zstdEncoder().EncodeAll(b, nil) }
