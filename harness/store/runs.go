package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ppldiff/ppldiff/harness/results"
)

// Run is a stored run: its effective configuration, results.json and
// samples.jsonl as bytes, and a status chosen by the pipeline (for example
// "running", "done", "failed").
type Run struct {
	ID         string
	ConfigJSON []byte
	Results    []byte // results.json
	Samples    []byte // samples.jsonl; kept zstd-compressed in the file
	// Packed, when set, is samples.jsonl already packed
	// (results.PackedSamples); PutRun stores it as it is and ignores Samples.
	// GetRun never sets it.
	Packed []byte
	Status string
	// Created and Updated are set by the store; PutRun ignores them.
	Created time.Time
	Updated time.Time
}

// RunSummary is a run without its payloads, for listings.
type RunSummary struct {
	ID      string
	Status  string
	Created time.Time
	Updated time.Time
	// ResultsBytes and SamplesBytes are the payload sizes as stored
	// (samples compressed).
	ResultsBytes int64
	SamplesBytes int64
}

// PutRun inserts r, or replaces the stored run with the same ID (keeping its
// creation time), in one transaction; a stored run that already holds r's
// bytes only has its update time moved (runsame.go).
func (s *Store) PutRun(ctx context.Context, r Run) error {
	if r.ID == "" {
		return errors.New("put run: empty id")
	}
	if s.storedAs(ctx, r) {
		touched, err := s.touchRun(ctx, r.ID)
		if err != nil {
			return fmt.Errorf("put run %s: %w", r.ID, err)
		}
		if touched {
			return nil
		}
	}
	samples := r.Packed
	if samples == nil && len(r.Samples) > 0 {
		samples = compressSamples(r.Samples)
	}
	now := time.Now().UnixNano()
	err := s.write(ctx, func(tx *sql.Tx) error {
		cfg, res, smp := bytesOrEmpty(r.ConfigJSON), bytesOrEmpty(r.Results), bytesOrEmpty(samples)
		_, err := tx.ExecContext(ctx, `INSERT INTO runs (id, config_json, results, samples_zstd, status, created_ns, updated_ns, sum)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET config_json = excluded.config_json, results = excluded.results,
				samples_zstd = excluded.samples_zstd, status = excluded.status, updated_ns = excluded.updated_ns, sum = excluded.sum`,
			r.ID, cfg, res, smp, r.Status, now, now, runSum(r.ID, cfg, res, smp, r.Status))
		return err
	})
	if err != nil {
		return fmt.Errorf("put run %s: %w", r.ID, err)
	}
	return nil
}

// GetRun returns the run with the given id; the error wraps ErrNotFound when
// there is none.
func (s *Store) GetRun(ctx context.Context, id string) (*Run, error) {
	r, samples, err := s.getRunRow(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(samples) > 0 {
		if r.Samples, err = results.PackedSamples(samples).Unpack(); err != nil {
			return nil, fmt.Errorf("get run %s: samples: %w", id, err)
		}
	}
	return r, nil
}

// GetRunResults is GetRun without the samples (Samples stays nil), for
// readers of configs and results: unpacking a big run's samples costs far
// more than reading its row. The row's checksum is checked all the same.
func (s *Store) GetRunResults(ctx context.Context, id string) (*Run, error) {
	r, _, err := s.getRunRow(ctx, id)
	return r, err
}

// getRunRow reads the run's row, checks its sum and returns it with its
// samples still compressed (r.Samples unset).
func (s *Store) getRunRow(ctx context.Context, id string) (*Run, []byte, error) {
	r := &Run{}
	var samples, sum []byte
	var created, updated int64
	err := s.db.QueryRowContext(ctx, `SELECT id, config_json, results, samples_zstd, status, created_ns, updated_ns, sum FROM runs WHERE id = ?`, id).
		Scan(&r.ID, &r.ConfigJSON, &r.Results, &samples, &r.Status, &created, &updated, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("run %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get run %s: %w", id, s.corruptErr(err))
	}
	// Runs stored before checksums (sum NULL) cannot be checked.
	if sum != nil && !sumEqual(sum, runSum(r.ID, r.ConfigJSON, r.Results, samples, r.Status)) {
		return nil, nil, fmt.Errorf("%w: %s: run %s failed its checksum; re-run it (`ppldiff run` with its config) to store it again", ErrCorrupt, s.path, id)
	}
	r.ConfigJSON, r.Results = bytesOrNil(r.ConfigJSON), bytesOrNil(r.Results)
	r.Created, r.Updated = time.Unix(0, created), time.Unix(0, updated)
	return r, samples, nil
}

func runSum(id string, cfg, results, samplesZstd []byte, status string) []byte {
	return rowSum([]byte(id), cfg, results, samplesZstd, []byte(status))
}

// ListRuns returns every stored run, oldest first (ties by id).
func (s *Store) ListRuns(ctx context.Context) ([]RunSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, status, created_ns, updated_ns, length(results), length(samples_zstd)
		FROM runs ORDER BY created_ns, id`)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		var rs RunSummary
		var created, updated int64
		if err := rows.Scan(&rs.ID, &rs.Status, &created, &updated, &rs.ResultsBytes, &rs.SamplesBytes); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		rs.Created, rs.Updated = time.Unix(0, created), time.Unix(0, updated)
		out = append(out, rs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// DeleteRun removes a run; the error wraps ErrNotFound when there is none.
func (s *Store) DeleteRun(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete run %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return fmt.Errorf("run %q: %w", id, ErrNotFound)
		}
		return nil
	})
}
