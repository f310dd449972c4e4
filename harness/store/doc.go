// Package store is ppldiff's run store and content-addressed cache: one
// SQLite file, <workspace>/.ppldiff/store.db (see DefaultPath), opened with
// the pure-Go modernc.org/sqlite driver.
//
// # Cache
//
// Completions, scores and prefills are cached under keys the caller computes
// (hex sha256 of model id, revision, tokenizer, text or ids, decoding
// parameters and seed); the store never derives or checks a key. Because a
// key names its content, Put* is INSERT OR IGNORE: putting a key again is a
// no-op and never overwrites. Each Put* call is one transaction, so a batch
// is stored whole or not at all. Get* takes any number of keys in one
// statement (the keys are passed as a single JSON array and unpacked with
// json_each, so SQLite's bound-variable limit never applies) and returns a
// map holding only the keys found.
//
// Every row carries a checksum of its fields (schema version 2). A row that
// fails it on read, because the file was damaged, is left out of the
// result and deleted, so the caller recomputes it as if it had never been
// stored; Repairs reports how many were, for the run log. A stored run that
// fails its checksum is an error matching ErrCorrupt, as is SQLite finding
// the file itself malformed; both name the file.
//
// Arrays are stored as little-endian blobs: token ids and span offsets as
// int32, logprobs as float64 bit patterns (exact round trip). Values outside
// int32 are rejected by Put*. Empty slices and empty byte strings come back
// as nil.
//
// # Runs
//
// PutRun upserts a run by ID (results.json and samples.jsonl bytes, the
// effective config, a status); samples are zstd-compressed inside the file.
// GetRun's error wraps ErrNotFound for an unknown id. ListRuns lists runs
// oldest first without their payloads.
//
// # Concurrency and crash safety
//
// A Store is safe for concurrent use by goroutines: reads go through the
// database/sql pool and, in WAL mode, run beside a write; writes are
// serialized within the process and begin IMMEDIATE. Several processes may
// open the same file: a writer waits up to BusyTimeout for another process's
// transaction. With synchronous=NORMAL in WAL mode a committed transaction
// survives a kill -9 of the process; a kill during a batch loses exactly that
// uncommitted batch. IntegrityCheck runs SQLite's integrity_check.
//
// # Schema
//
// The schema is versioned in the schema_version table and migrated forward on
// Open, inside one transaction. A file from a newer ppldiff fails Open with
// ErrSchemaTooNew rather than being modified. Stats reports the version and
// the row count of each table.
package store
