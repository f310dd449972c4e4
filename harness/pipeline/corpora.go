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

// Sample draws n documents by reservoir sampling (one pass, memory O(n))
// seeded by seed, and returns them in corpus order. Empty documents are
// skipped.
func (c CorpusSet) Sample(ctx context.Context, name string, n int, seed uint64) ([]Document, string, error) {
	op, ok := c[name]
	if !ok {
		return nil, "", fmt.Errorf("no corpus %q: known corpora are %s (add one under `corpora:` in ppldiff.yaml)", name, strings.Join(c.Names(), ", "))
	}
	src, err := op.Open()
	if err != nil {
		return nil, "", err
	}
	defer src.Close()
	rng := rand.New(rand.NewPCG(seed, 0x70726566696c6c73)) // "prefills"
	var res []Document
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
			res = append(res, d)
		} else if j := rng.IntN(seen); j < n {
			res[j] = d
		}
	}
	slices.SortFunc(res, func(a, b Document) int { return a.Index - b.Index })
	return res, op.Hash, nil
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
