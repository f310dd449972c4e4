package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// FileName is the store's file name inside a workspace's .ppldiff directory.
const FileName = "store.db"

// BusyTimeout is how long a writer waits for another process's write
// transaction before giving up with SQLITE_BUSY. Batches are small, so a long
// wait means something is stuck rather than merely slow.
const BusyTimeout = 30 * time.Second

var (
	// ErrNotFound is wrapped by lookups of a single record that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt is matched (errors.Is) by errors about a damaged store
	// file that cannot be read past (SQLite reports the file malformed, or
	// a stored run fails its checksum). Rows of the cache that fail their
	// checksum are not errors: they are dropped and recomputed.
	ErrCorrupt = errors.New("store file is damaged")
	// ErrSchemaTooNew is returned by Open when the file was written by a newer
	// ppldiff whose schema this build does not know.
	ErrSchemaTooNew = errors.New("store schema is newer than this ppldiff")
)

// Store is a handle on one store file. It is safe for concurrent use by many
// goroutines; several processes may open the same file at once.
type Store struct {
	db   *sql.DB
	path string
	// writeMu serializes this process's write transactions. SQLite admits one
	// writer at a time anyway; queuing here keeps goroutines from spinning in
	// the busy handler against each other, so the busy timeout only ever
	// covers waiting on other processes.
	writeMu sync.Mutex
	rep     repairs
}

// DefaultPath is where a workspace keeps its store (README "Configuration": <workspace>/.ppldiff/store.db).
func DefaultPath(workspace string) string {
	return filepath.Join(workspace, ".ppldiff", FileName)
}

// Open opens the store at path, creating the file and its directory when
// missing, and migrates the schema to the current version.
func Open(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	// The driver splits its DSN at the first '?', so such a path cannot be opened faithfully.
	if strings.ContainsRune(abs, '?') {
		return nil, fmt.Errorf("store %s: path must not contain '?'", abs)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("store %s: %w", abs, err)
	}
	// Every pooled connection gets these settings. busy_timeout is applied
	// first by the driver. WAL lets readers run beside the writer;
	// synchronous=NORMAL in WAL mode keeps every committed transaction across
	// a process kill (only an OS crash or power loss may drop the latest
	// commits, never corrupt the file). _txlock=immediate makes BeginTx take
	// the write lock at BEGIN, so a transaction never fails halfway when
	// upgrading from a read lock. Memory: an 8 MiB page cache per connection
	// and no memory map. With the file mapped (mmap_size 1 GiB, as before),
	// a cached re-run of the default matrix read its 148 MB store through
	// the map and every page it touched stayed resident: 524 MB peak RSS
	// against 257 MB unmapped (built binary, one run each, 8 MiB caches,
	// host load about 10), and 656 against 565 MB for the cold run. The map
	// made reading 60,000 rows from a cold open up to twice as fast
	// (BenchmarkGetCompletionsColdOpen: 0.94 s against 2.06 s per op once;
	// 1.13-1.76 against 1.74-2.12 s in noisier runs), but once the cache
	// keys were ordered by document a whole re-run was no faster mapped
	// (8.8-9.8 s against 5.9-10.4 s, built binary, calm host) and held
	// 250 MB more. A 32 MiB cache, as before, did not read faster than 8 MiB
	// in runs of BenchmarkGetCompletions and cost up to 24 MiB more per
	// connection.
	// Checksums and SQLite's page checks are unchanged.
	dsn := abs + "?_pragma=busy_timeout(" + fmt.Sprint(BusyTimeout.Milliseconds()) + ")" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-8192)&_pragma=mmap_size(0)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", abs, err)
	}
	// A bounded pool: each connection may hold up to 8 MiB of page cache.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(4)
	s := &Store{db: db, path: abs}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", abs, s.corruptErr(err))
	}
	return s, nil
}

// Path is the absolute path of the store file.
func (s *Store) Path() string { return s.path }

// Close closes the database; the last connection to close checkpoints the WAL.
func (s *Store) Close() error { return s.db.Close() }

// migrations[i] brings the schema from version i to version i+1. Append
// only: never edit a migration that has shipped.
var migrations = []string{
	// 1: the content-addressed cache tables and runs.
	`CREATE TABLE completions (
		key           TEXT PRIMARY KEY,
		model         TEXT NOT NULL,
		prefill_key   TEXT NOT NULL,
		tokens        BLOB NOT NULL,
		text          BLOB NOT NULL,
		logprobs      BLOB NOT NULL,
		finish_reason TEXT NOT NULL
	);
	CREATE TABLE scores (
		key      TEXT PRIMARY KEY,
		model    TEXT NOT NULL,
		tokens   BLOB NOT NULL,
		logprobs BLOB NOT NULL,
		spans    BLOB NOT NULL
	);
	CREATE TABLE prefills (
		key    TEXT PRIMARY KEY,
		source TEXT NOT NULL,
		idx    INTEGER NOT NULL,
		tokens BLOB NOT NULL,
		text   BLOB NOT NULL
	);
	CREATE TABLE runs (
		id           TEXT PRIMARY KEY,
		config_json  BLOB NOT NULL,
		results      BLOB NOT NULL,
		samples_zstd BLOB NOT NULL,
		status       TEXT NOT NULL,
		created_ns   INTEGER NOT NULL,
		updated_ns   INTEGER NOT NULL
	);`,
	// 2: a checksum per row (see rowSum), so that a damaged file is noticed
	// instead of read as a different number. Rows from before stay NULL and
	// are recomputed when read.
	`ALTER TABLE completions ADD COLUMN sum BLOB;
	ALTER TABLE scores ADD COLUMN sum BLOB;
	ALTER TABLE prefills ADD COLUMN sum BLOB;
	ALTER TABLE runs ADD COLUMN sum BLOB;`,
	// 3: an LLM judge's answers (judge.go).
	judgeTable,
	// 4: bundles of a run's rows, read back in one lookup (bundles.go).
	bundleTable,
}

// migrate applies the missing migrations in one immediate transaction, so
// two processes opening a fresh file at once cannot both apply them.
func (s *Store) migrate(ctx context.Context) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_version: %w", err)
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if have > len(migrations) {
			return fmt.Errorf("%w: file has version %d, this build knows up to %d", ErrSchemaTooNew, have, len(migrations))
		}
		for v := have; v < len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migration to version %d: %w", v+1, err)
			}
		}
		if have < len(migrations) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, len(migrations)); err != nil {
				return err
			}
		}
		return nil
	})
}

// write runs fn in one write transaction, committed when fn returns nil and
// rolled back otherwise (a cancelled ctx also rolls back).
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", s.corruptErr(err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.corruptErr(err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.corruptErr(err))
	}
	return nil
}

// Stats counts the rows of each table.
type Stats struct {
	SchemaVersion int
	Completions   int64
	Scores        int64
	Prefills      int64
	Bundles       int64
	Runs          int64
}

// Stats returns the row count of every table, read in one snapshot.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{}
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(max(version), 0) FROM schema_version),
		(SELECT count(*) FROM completions),
		(SELECT count(*) FROM scores),
		(SELECT count(*) FROM prefills),
		(SELECT count(*) FROM bundles),
		(SELECT count(*) FROM runs)`).Scan(&st.SchemaVersion, &st.Completions, &st.Scores, &st.Prefills, &st.Bundles, &st.Runs)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

// IntegrityCheck runs SQLite's integrity_check and returns an error listing
// the problems it reports, nil when the file is sound.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store %s is damaged: %s", s.path, strings.Join(problems, "; "))
	}
	return nil
}
