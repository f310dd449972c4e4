package store

import (
	"bytes"
	"context"
	"database/sql"
	"time"

	"github.com/ppldiff/ppldiff/harness/results"
)

// A re-run stores the same run again. Compressing its samples.jsonl again
// was most of storing it, so PutRun first reads the stored run back: when
// it holds exactly the same bytes (and passes its checksum), only its
// update time is moved. A missing or damaged stored run is written whole.
// A run whose samples come packed (Run.Packed) compresses nothing either way.

// storedAs reports whether the stored run r.ID holds exactly r's bytes.
// Packed samples are compared as stored, without decompressing either side
// (a run stored by an older version compares unequal and is written again).
func (s *Store) storedAs(ctx context.Context, r Run) bool {
	old, packed, err := s.getRunRow(ctx, r.ID)
	if err != nil || old.Status != r.Status || !bytes.Equal(old.ConfigJSON, r.ConfigJSON) || !bytes.Equal(old.Results, r.Results) {
		return false
	}
	if r.Packed != nil {
		return bytes.Equal(packed, r.Packed)
	}
	var samples []byte
	if len(packed) > 0 {
		if samples, err = results.PackedSamples(packed).Unpack(); err != nil {
			return false
		}
	}
	return bytes.Equal(samples, r.Samples)
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

// compressSamples packs samples.jsonl given unpacked; a variable so that
// tests can count the calls.
var compressSamples = func(b []byte) []byte { return results.PackSamples(b) }
