package lm

import (
	"math/rand/v2"
	"testing"
)

// TestCountsFind: the count tables find every counted n-gram by (parent,
// last token) and nothing else: not a token under another parent (the
// check against the parent's child range), not a parent the counts do not
// hold (a finetune's new n-gram).
func TestCountsFind(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	docs := make([][]int, 300)
	for i := range docs {
		d := make([]int, 5+r.IntN(30))
		for j := range d {
			d[j] = 2 + r.IntN(40)
		}
		docs[i] = d
	}
	c := Count(4, docs)
	for k := 1; k < c.order; k++ {
		start := c.lv[k-1].childStart
		children := map[[2]int]uint32{}
		for p := 0; p+1 < len(start); p++ {
			for id := start[p]; id < start[p+1]; id++ {
				children[[2]int{p, int(c.lv[k].word[id])}] = id
				got, ok := c.find(k, uint32(p), int(c.lv[k].word[id]))
				if !ok || got != id {
					t.Fatalf("level %d: parent %d's child %d found as (%d, %v), want %d", k, p, c.lv[k].word[id], got, ok, id)
				}
			}
		}
		for p := 0; p+1 < len(start); p++ {
			for w := range c.vocab {
				if _, counted := children[[2]int{p, w}]; counted {
					continue
				}
				if id, ok := c.find(k, uint32(p), w); ok {
					t.Fatalf("level %d: parent %d's uncounted child %d found as id %d (child of %d)", k, p, w, id, c.lv[k].word[id])
				}
			}
		}
		if _, ok := c.find(k, uint32(len(start)-1), 2); ok {
			t.Fatalf("level %d: a parent past the counts has a child", k)
		}
	}
}
