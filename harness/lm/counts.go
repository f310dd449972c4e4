package lm

import "fmt"

// Counts are the raw n-gram counts of token documents, orders 1..Order, as a
// forward trie: the n-gram (a.., w) at order n is keyed by the id of its
// prefix at order n-1 and w. Ids are renumbered so that the children of a
// prefix are contiguous, which lets models enumerate the observed
// continuations of a context. Unigram ids are the tokens themselves.
//
// Each document is padded on the left with Order-1 BOSToken (context only)
// and gets EOSToken appended; an n-gram is counted at every position of the
// document and its EOS. The padding's own n-grams (BOS, BOS BOS, ...) exist
// with count 0 as contexts. Counts are immutable after Count returns, so a
// model and all its finetunes share them.
type Counts struct {
	order  int
	vocab  int
	tokens int64 // counted positions (document tokens plus one EOS each)
	lv     []countLevel
}

type countLevel struct {
	tab        slotTable // (parent id, token) -> id; unused at order 1
	word       []int32   // last token of each n-gram
	raw        []uint32  // occurrences (0: context only)
	childStart []uint32  // children of id at the next order: [childStart[id], childStart[id+1])
}

// MaxOrder is the highest n-gram order the models support.
const MaxOrder = 6

// Count counts the n-grams of orders 1..order of docs (see Counts).
func Count(order int, docs [][]int) *Counts {
	if order < 1 || order > MaxOrder {
		panic(fmt.Sprintf("lm: order %d outside 1..%d", order, MaxOrder))
	}
	vocab := EOSToken + 1
	for _, d := range docs {
		for _, t := range d {
			if t < 0 {
				panic("lm: negative token id")
			}
			vocab = max(vocab, t+1)
		}
	}
	// Pass 1: insertion-order ids with their keys.
	type raw struct {
		tab   slotTable
		key   []uint64
		count []uint32
	}
	lv := make([]raw, order)
	positions := 0
	for _, d := range docs {
		positions += len(d) + order
	}
	for k := 1; k < order; k++ {
		// Sized for the worst case (every n-gram distinct): no rehashing.
		lv[k].tab = newSlotTable(positions)
	}
	uni := make([]uint32, vocab)
	var ids [MaxOrder]uint32 // ids of the n-grams ending at the previous position
	var next [MaxOrder]uint32
	c := &Counts{order: order, vocab: vocab}
	add := func(t int, pos int, counted bool) {
		next[0] = uint32(t)
		if counted {
			uni[t]++
		}
		n := min(pos+1, order)
		for k := 1; k < n; k++ {
			l := &lv[k]
			key := ngramKey(ids[k-1], t)
			id, found := l.tab.getOrAdd(key, l.key)
			if !found {
				l.key = append(l.key, key)
				l.count = append(l.count, 0)
			}
			if counted {
				l.count[id]++
			}
			next[k] = id
		}
		ids = next
	}
	for _, d := range docs {
		pos := 0
		for ; pos < order-1; pos++ {
			add(BOSToken, pos, false)
		}
		for _, t := range d {
			add(t, pos, true)
			pos++
		}
		add(EOSToken, pos, true)
		c.tokens += int64(len(d) + 1)
	}
	for k := range lv {
		lv[k].tab = slotTable{} // pass 2 reads keys and counts only
	}
	// Pass 2: renumber each order so that siblings are contiguous.
	c.lv = make([]countLevel, order)
	c.lv[0] = countLevel{raw: uni, word: make([]int32, vocab)}
	for i := range c.lv[0].word {
		c.lv[0].word[i] = int32(i)
	}
	perm := []uint32(nil) // old id -> new id at the previous order; nil = identity
	for k := 1; k < order; k++ {
		old := &lv[k]
		parents := len(c.lv[k-1].raw)
		start := make([]uint32, parents+1)
		newParent := make([]uint32, len(old.key))
		for e, key := range old.key {
			p := uint32(key >> 32)
			if perm != nil {
				p = perm[p]
			}
			newParent[e] = p
			start[p+1]++
		}
		for p := 1; p <= parents; p++ {
			start[p] += start[p-1]
		}
		pos := append([]uint32(nil), start[:parents]...)
		cur := countLevel{tab: newSlotTable(len(old.key)), word: make([]int32, len(old.key)), raw: make([]uint32, len(old.key))}
		np := make([]uint32, len(old.key))
		for e, key := range old.key {
			p := newParent[e]
			id := pos[p]
			pos[p]++
			np[e] = id
			w := int32(uint32(key))
			cur.word[id], cur.raw[id] = w, old.count[e]
			cur.tab.add(p, int(w), id)
		}
		c.lv[k-1].childStart = start
		c.lv[k] = cur
		perm = np
		lv[k] = raw{} // release
	}
	return c
}

// Order is the highest order counted.
func (c *Counts) Order() int { return c.order }

// VocabSize is one more than the largest token id seen, unless raised by SetVocabSize.
func (c *Counts) VocabSize() int { return c.vocab }

// Tokens is the number of counted positions (each document's tokens and its EOS).
func (c *Counts) Tokens() int64 { return c.tokens }

// Entries is the number of distinct n-grams stored (all orders, contexts included).
func (c *Counts) Entries() int64 {
	var n int64
	for _, l := range c.lv {
		n += int64(len(l.raw))
	}
	return n
}

// SetVocabSize declares the tokenizer's vocabulary size (specials
// included), which sets the uniform floor of the models built from c. Call
// it before NewKN; it cannot shrink below the ids counted.
func (c *Counts) SetVocabSize(n int) error {
	if n < c.vocab {
		return fmt.Errorf("lm: vocab size %d below the counted ids (%d)", n, c.vocab)
	}
	l := &c.lv[0]
	for len(l.raw) < n {
		l.raw = append(l.raw, 0)
		l.word = append(l.word, int32(len(l.word)))
		if l.childStart != nil {
			l.childStart = append(l.childStart, l.childStart[len(l.childStart)-1])
		}
	}
	c.vocab = n
	return nil
}

// find returns the id at order k+1 (level index k) of parent's child w.
func (c *Counts) find(k int, parent uint32, w int) (uint32, bool) {
	if k == 0 {
		if w < 0 || w >= c.vocab {
			return 0, false
		}
		return uint32(w), true
	}
	return c.lv[k].tab.get(parent, w, c.lv[k].word, c.lv[k-1].childStart)
}

// parents returns, per id at level k, its parent id at level k-1 (nil at level 0).
func (c *Counts) parents(k int) []uint32 {
	if k == 0 {
		return nil
	}
	out := make([]uint32, len(c.lv[k].raw))
	start := c.lv[k-1].childStart
	for p := 0; p+1 < len(start); p++ {
		for e := start[p]; e < start[p+1]; e++ {
			out[e] = uint32(p)
		}
	}
	return out
}

// suffixes returns, per id at level k, the id of its suffix (the n-gram
// without its first token) at level k-1, given the suffixes of level k-1;
// ok is false where the suffix is absent (only context-only n-grams).
func (c *Counts) suffixes(k int, parentOf []uint32, prevSuffix []uint32) []uint32 {
	out := make([]uint32, len(c.lv[k].raw))
	if k == 0 {
		return out // the empty n-gram
	}
	for e := range out {
		w := int(c.lv[k].word[e])
		if k == 1 {
			out[e] = uint32(w)
			continue
		}
		id, _ := c.find(k-1, prevSuffix[parentOf[e]], w)
		out[e] = id
	}
	return out
}
