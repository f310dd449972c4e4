package pipeline

import (
	"bytes"
	"context"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// A unit run in several chunks (batches of one prompt, so chunks of
// unitChunkBatches completions) writes the same results.json and
// samples.jsonl as in one chunk: de-duplication, rankings, flags and the
// samples' top k (with per-token detail) see the whole unit either way.
func TestChunkedUnitMatchesOneChunk(t *testing.T) {
	w := newTestWorld(t)
	cfg := testConfig()
	cfg.Dedup = true
	cfg.SamplesTopK, cfg.SamplesTokenDetail = 7, 3
	if unitChunkBatches*1 >= cfg.N {
		t.Fatalf("N %d fits one chunk of %d", cfg.N, unitChunkBatches)
	}
	p, err := MakePlan(cfg, w.manifest, w)
	if err != nil {
		t.Fatal(err)
	}
	run := func(batch int) ([]byte, []byte) {
		oc, err := Run(context.Background(), p, Options{Manifest: w.manifest, Models: w, Corpora: w.corpus, Cache: NewMemCache(),
			Detect: compileDetector, Version: "test", BatchSize: batch})
		if err != nil {
			t.Fatal(err)
		}
		b, err := results.Marshal(oc.Results)
		if err != nil {
			t.Fatal(err)
		}
		return b, oc.Samples
	}
	chunked, chunkedSamples := run(1)
	whole, wholeSamples := run(64)
	if !bytes.Equal(chunked, whole) {
		t.Error("results.json of a unit in chunks differs from the unit in one chunk")
	}
	if !bytes.Equal(chunkedSamples, wholeSamples) {
		t.Error("samples.jsonl of a unit in chunks differs from the unit in one chunk")
	}
	if !bytes.Contains(whole, []byte(`"n_flagged": `)) || len(wholeSamples) == 0 {
		t.Error("the run ranked nothing worth comparing")
	}
}
