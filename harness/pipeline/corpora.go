package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
)

// DocSource streams a corpus's documents in a fixed order.
type DocSource interface {
	// Next returns the next document, or io.EOF after the last.
	Next() (Document, error)
	Close() error
}

// CorpusOpener opens a corpus afresh for each pass.
type CorpusOpener struct {
	Hash string // content hash recorded in the config
	Open func() (DocSource, error)
}

// CorpusSet maps corpus names to openers and samples them.
type CorpusSet map[string]CorpusOpener

// Names lists the corpora, sorted.
func (c CorpusSet) Names() []string {
	return slices.Sorted(maps.Keys(c))
}

// Sample draws n documents by reservoir sampling (one pass) seeded by
// seed, and returns their indices in corpus order. Empty documents are
// skipped. Only indices are kept (memory O(n) ints): a unit reads the texts
// of the documents it visits with Visit, and a unit whose prefills are all
// cached reads none.
func (c CorpusSet) Sample(ctx context.Context, name string, n int, seed uint64) ([]int, string, error) {
	op, src, err := c.open(name)
	if err != nil {
		return nil, "", err
	}
	defer src.Close()
	rng := rand.New(rand.NewPCG(seed, 0x70726566696c6c73)) // "prefills"
	var res []int
	seen := 0
	for {
		if seen%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, "", err
			}
		}
		d, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		if len(bytes.TrimSpace(d.Text)) == 0 { // no string copy: every unit scans the whole corpus
			continue
		}
		seen++
		if len(res) < n {
			res = append(res, d.Index)
		} else if j := rng.IntN(seen); j < n {
			res[j] = d.Index
		}
	}
	slices.Sort(res)
	return res, op.Hash, nil
}

// Visit calls fn with the text of each document whose index is in
// indices (sorted), in corpus order, in one pass that stops after the last.
func (c CorpusSet) Visit(ctx context.Context, name string, indices []int, fn func(index int, text []byte) error) error {
	_, src, err := c.open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	for seen, found := 0, 0; found < len(indices); seen++ {
		if seen%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		d, err := src.Next()
		if err == io.EOF {
			return fmt.Errorf("corpus %q: %d documents of the sample are gone", name, len(indices)-found)
		}
		if err != nil {
			return err
		}
		if _, ok := slices.BinarySearch(indices, d.Index); ok {
			found++
			if err := fn(d.Index, d.Text); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c CorpusSet) open(name string) (CorpusOpener, DocSource, error) {
	op, ok := c[name]
	if !ok {
		return op, nil, fmt.Errorf("no corpus %q: known corpora are %s (add one under `corpora:` in ppldiff.yaml)", name, strings.Join(c.Names(), ", "))
	}
	src, err := op.Open()
	return op, src, err
}

// SliceSource serves documents held in memory.
type SliceSource struct {
	Docs []Document
	i    int
}

func (s *SliceSource) Next() (Document, error) {
	if s.i >= len(s.Docs) {
		return Document{}, io.EOF
	}
	s.i++
	return s.Docs[s.i-1], nil
}

func (s *SliceSource) Close() error { return nil }
