package store

import (
	"context"
	"testing"
)

// Benchmarks use realistic payloads: 100-token completions (ids from a 150k
// vocabulary, float64 logprobs, ~450 bytes of text), in batches of 1000.
const benchBatch = 1000

func benchCompletions(b *testing.B, prefix string, n int) []Completion {
	b.Helper()
	cs := make([]Completion, n)
	for i := range cs {
		cs[i] = syntheticCompletion(testKey(prefix, i), 100)
	}
	return cs
}

// BenchmarkPutCompletions measures inserting fresh rows, one transaction per batch.
func BenchmarkPutCompletions(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	batches := make([][]Completion, 0, 8)
	for i := range cap(batches) {
		batches = append(batches, benchCompletions(b, "bench"+string(rune('a'+i)), benchBatch))
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Reuse of payloads after the first pass would make puts no-ops, so
		// each iteration renames the batch's keys.
		batch := batches[i%len(batches)]
		for j := range batch {
			batch[j].Key = testKey("iter", i, j)
		}
		if err := s.PutCompletions(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPutCompletionsExisting measures re-putting rows already stored
// (the INSERT OR IGNORE no-op path a resumed run takes).
func BenchmarkPutCompletionsExisting(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	batch := benchCompletions(b, "existing", benchBatch)
	if err := s.PutCompletions(ctx, batch); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := s.PutCompletions(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkGetCompletions looks up a batch of stored keys in a table of 20k rows.
func BenchmarkGetCompletions(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	const rows = 20 * benchBatch
	all := benchCompletions(b, "get", rows)
	for i := 0; i < rows; i += benchBatch {
		if err := s.PutCompletions(ctx, all[i:i+benchBatch]); err != nil {
			b.Fatal(err)
		}
	}
	keys := make([]string, benchBatch)
	for i := range keys {
		keys[i] = all[(i*7919)%rows].Key // spread over the table
	}
	for b.Loop() {
		got, err := s.GetCompletions(ctx, keys)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != benchBatch {
			b.Fatalf("got %d rows, want %d", len(got), benchBatch)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkGetCompletionsColdOpen opens a store of 60,000 completions of 32
// tokens and reads every row back in batches of 1000, as a cached re-run
// does in a new process: nothing is in SQLite's page cache yet.
func BenchmarkGetCompletionsColdOpen(b *testing.B) {
	ctx := context.Background()
	path := DefaultPath(b.TempDir())
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	const rows = 60 * benchBatch
	keys := make([]string, 0, rows)
	for i := 0; i < rows; i += benchBatch {
		cs := make([]Completion, benchBatch)
		for j := range cs {
			cs[j] = syntheticCompletion(testKey("cold", i+j), 32)
			keys = append(keys, cs[j].Key)
		}
		if err := s.PutCompletions(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < rows; i += benchBatch {
			got, err := s.GetCompletions(ctx, keys[i:i+benchBatch])
			if err != nil || len(got) != benchBatch {
				b.Fatalf("got %d rows: %v", len(got), err)
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
}
