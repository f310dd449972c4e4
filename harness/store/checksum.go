package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// rowSum is the checksum of a row's fields as stored: SHA-256 over each
// field length-prefixed (so field boundaries count), first 16 bytes. The
// key is one of the fields, so a row read under another key's index entry
// fails too.
func rowSum(fields ...[]byte) []byte {
	h := sha256.New()
	var n [8]byte
	for _, f := range fields {
		binary.LittleEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write(f)
	}
	return h.Sum(nil)[:16]
}

func intField(v int64) []byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	return b[:]
}

func sumEqual(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := range a {
		d |= a[i] ^ b[i]
	}
	return d == 0
}

// repairs counts the cache rows dropped because they failed their checksum
// (or predate checksums), per table, for the run log.
type repairs struct {
	mu      sync.Mutex
	corrupt map[string]int
	legacy  map[string]int
}

func (r *repairs) add(table string, legacy bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := &r.corrupt
	if legacy {
		m = &r.legacy
	}
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[table]++
}

// Repairs describes, one line per table, the cache rows that failed their
// checksum and were dropped so that the run recomputed them. Empty when
// every row read was intact.
func (s *Store) Repairs() []string {
	s.rep.mu.Lock()
	defer s.rep.mu.Unlock()
	var out []string
	for _, t := range []string{"prefills", "completions", "scores", "bundles", "judge_verdicts"} {
		if n := s.rep.corrupt[t]; n > 0 {
			out = append(out, fmt.Sprintf("store %s: %d %s row(s) failed their checksum (the file is damaged); they were dropped and recomputed", s.path, n, t))
		}
		if n := s.rep.legacy[t]; n > 0 {
			out = append(out, fmt.Sprintf("store %s: %d %s row(s) written before checksums were kept were recomputed", s.path, n, t))
		}
	}
	return out
}

// dropRows deletes cache rows that failed their checksum, so that the
// recomputed rows (INSERT OR IGNORE) take their place. A key names its
// content, so deleting one is always safe, even under another process.
func (s *Store) dropRows(ctx context.Context, table string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	kj, _ := json.Marshal(keys)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE key IN (SELECT value FROM json_each(?))`, string(kj))
		return err
	})
}

// sqliteCoder is the modernc driver's error: its Code is SQLite's result code.
type sqliteCoder interface{ Code() int }

// SQLite's primary result codes for a damaged file.
const (
	sqliteCorrupt = 11 // SQLITE_CORRUPT: "database disk image is malformed"
	sqliteNotADB  = 26 // SQLITE_NOTADB: "file is not a database"
)

// corruptErr marks err as the file's damage (ErrCorrupt) when SQLite says
// so, naming the file and what to do.
func (s *Store) corruptErr(err error) error {
	var c sqliteCoder
	if err != nil && errors.As(err, &c) {
		if code := c.Code() & 0xff; code == sqliteCorrupt || code == sqliteNotADB {
			return fmt.Errorf("%w: %s: %v (move it aside or delete it: everything in it is recomputed on the next run)", ErrCorrupt, s.path, err)
		}
	}
	return err
}

// rowState is what a checked read found in one row.
type rowState int

const (
	rowIntact  rowState = iota
	rowCorrupt          // its checksum does not match its fields
	rowLegacy           // written before rows carried checksums
)

// sumState classifies a row by its stored sum against the one recomputed
// from its fields.
func sumState(stored, computed []byte) rowState {
	switch {
	case stored == nil:
		return rowLegacy
	case !sumEqual(stored, computed):
		return rowCorrupt
	}
	return rowIntact
}

// getChecked reads the rows of table whose key is in keys. scan decodes
// one row and says whether it is intact; rows that are not are counted for
// the run log and deleted, so the run recomputes them instead of trusting
// them. what names the records in errors ("get what: ...").
func getChecked[T any](ctx context.Context, s *Store, what, table, selectFrom string, keys []string,
	scan func(*sql.Rows) (key string, v T, st rowState, err error)) (map[string]T, error) {
	out := make(map[string]T, len(keys))
	var bad []string
	err := s.query(ctx, selectFrom, keys, func(rows *sql.Rows) error {
		key, v, st, err := scan(rows)
		if err != nil {
			return err
		}
		if st != rowIntact {
			s.rep.add(table, st == rowLegacy)
			bad = append(bad, key)
			return nil
		}
		out[key] = v
		return nil
	})
	if err == nil {
		err = s.dropRows(ctx, table, bad)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", what, s.corruptErr(err))
	}
	return out, nil
}
