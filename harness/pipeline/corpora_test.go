package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
)

func TestVisitReadsTheIndicesInCorpusOrder(t *testing.T) {
	var ds []Document
	for i := range 10 {
		ds = append(ds, Document{Index: i, Text: fmt.Appendf(nil, "doc %d", i)})
	}
	c := CorpusSet{"c": {Hash: "h", Open: func() (DocSource, error) { return &SliceSource{Docs: ds}, nil }}}
	var got []string
	err := c.Visit(context.Background(), "c", []int{2, 5, 7}, func(i int, text []byte) error {
		got = append(got, fmt.Sprintf("%d:%s", i, text))
		return nil
	})
	if err != nil || !slices.Equal(got, []string{"2:doc 2", "5:doc 5", "7:doc 7"}) {
		t.Errorf("visited %q, %v", got, err)
	}
	if err := c.Visit(context.Background(), "c", []int{3, 99}, func(int, []byte) error { return nil }); err == nil {
		t.Error("a document missing from the corpus was not reported")
	}
}

// visitCounting counts the corpus passes that read documents' texts.
type visitCounting struct {
	Corpora
	visits atomic.Int64
}

func (c *visitCounting) Visit(ctx context.Context, name string, indices []int, fn func(int, []byte) error) error {
	c.visits.Add(1)
	return c.Corpora.Visit(ctx, name, indices, fn)
}

// A run whose prefills are all cached reads no document's text.
func TestCachedPrefillsReadNoText(t *testing.T) {
	w := newTestWorld(t)
	p, err := MakePlan(testConfig(), w.manifest, w)
	if err != nil {
		t.Fatal(err)
	}
	cache := NewMemCache()
	corpora := &visitCounting{Corpora: w.corpus}
	run := func() {
		if _, err := Run(context.Background(), p, Options{Manifest: w.manifest, Models: w, Corpora: corpora, Cache: cache,
			Detect: compileDetector, Version: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if corpora.visits.Load() == 0 {
		t.Fatal("a cold run read no text")
	}
	corpora.visits.Store(0)
	run()
	if n := corpora.visits.Load(); n != 0 {
		t.Errorf("a cached run read texts in %d passes", n)
	}
}
