package lm

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// NGram is a token n-gram language model.
type NGram interface {
	Order() int
	// LogProb is the natural-log probability of w after context. A context
	// that starts with BOS is a document start: it is padded with BOS up
	// to the model's order.
	LogProb(context []int, w int) float64
}

// KN is an interpolated modified Kneser-Ney model (Chen & Goodman 1999):
// three discounts per order estimated from count-of-counts, raw counts at the
// highest order and for n-grams that start with BOS, continuation counts
// (distinct left extensions) below. The recursion ends in the uniform
// distribution over the vocabulary without BOS.
//
// A KN built by Finetune shares the base's counts and adjusted counts and
// keeps its own changes in an overlay (see doc.go). KN is immutable and safe
// for concurrent use.
type KN struct {
	c       *Counts
	order   int
	vocab   int
	base    []knLevel // adjusted counts of the base model, per level (order-1)
	d       *overlay  // nil for a base model
	steps   []finetuneStep
	disc    [MaxOrder + 1][3]float64
	coc     [MaxOrder + 1][5]int64 // coc[n][j]: n-grams of order n with adjusted count j (1..4)
	entries int64
	root    ctxStats // the empty context's statistics

	uniform    float64   // 1/(vocab-1): BOS is never predicted
	uniProb    []float64 // P(w) at order 1 (uniform floor included)
	uniCum     []float64 // running sum of the discounted unigram counts, for sampling
	uniByProb  []int32   // tokens by P(w) descending, ties by id; BOS excluded
	uniDiscSum float64

	greedy *greedyCache // sorted candidates of greedy decoding, filled lazily
}

// knLevel holds the adjusted counts of one order and, below the highest
// order, the statistics of each n-gram as a context of the next order.
type knLevel struct {
	adj []uint32
	st  []ctxStats
}

// ctxStats describes a context's continuations at the next order: the sum of
// their adjusted counts and how many have adjusted count 1, 2 and 3+.
type ctxStats struct{ sum, n1, n2, n3 uint32 }

// overlay is what a finetune changed: n-grams new to the base, and the new
// values of every touched n-gram. Level 0 (unigrams) is a full copy: it has
// vocabulary size, not corpus size.
type overlay struct {
	uni  knLevel
	root ctxStats
	lv   []ovLevel // index = level; lv[0] unused
}

type ovLevel struct {
	newTab      idTable // (parent, token) -> id for n-grams absent from the base
	newWord     []int32 // by id - base length
	newParent   []uint32
	touched     idTable // id -> index into adj/st
	adj         []uint32
	st          []ctxStats
	newChildren map[uint32][]uint32 // parent id -> its new children at this level
}

// NewKN estimates an interpolated modified Kneser-Ney model of c's order.
func NewKN(c *Counts) (*KN, error) {
	if c.order < 2 || c.order > MaxOrder {
		return nil, fmt.Errorf("lm: KN order %d outside 2..%d", c.order, MaxOrder)
	}
	if c.tokens == 0 {
		return nil, errors.New("lm: no documents counted")
	}
	m := &KN{c: c, order: c.order, vocab: c.vocab, base: make([]knLevel, c.order)}
	top := c.order - 1
	// bosFirst[k][e]: the n-gram starts with BOS, so nothing precedes it and
	// its adjusted count is its raw count (as in KenLM).
	var prevBOS, prevSuffix []uint32
	suffix := make([][]uint32, c.order)
	bosFirst := make([][]bool, c.order)
	for k := 0; k < c.order; k++ {
		parentOf := c.parents(k)
		suffix[k] = c.suffixes(k, parentOf, prevSuffix)
		bf := make([]bool, len(c.lv[k].raw))
		for e := range bf {
			if k == 0 {
				bf[e] = e == BOSToken
			} else {
				bf[e] = prevBOS[parentOf[e]] != 0
			}
		}
		bosFirst[k] = bf
		prevBOS = make([]uint32, len(bf))
		for e, b := range bf {
			if b {
				prevBOS[e] = 1
			}
		}
		prevSuffix = suffix[k]
	}
	for k := top; k >= 0; k-- {
		raw := c.lv[k].raw
		adj := make([]uint32, len(raw))
		if k < top {
			for x, r := range c.lv[k+1].raw {
				if r > 0 {
					adj[suffix[k+1][x]]++
				}
			}
			for e, b := range bosFirst[k] {
				if b {
					adj[e] = raw[e]
				}
			}
		} else {
			copy(adj, raw)
		}
		m.base[k].adj = adj
	}
	var root ctxStats
	for k := 0; k < c.order; k++ {
		if k < top {
			m.base[k].st = make([]ctxStats, len(c.lv[k].raw))
		}
		adj := m.base[k].adj
		for _, a := range adj {
			if a == 0 {
				continue
			}
			m.entries++
			m.coc[k+1][min(a, 4)]++
			if k == 0 {
				root.add(a)
			}
		}
		if k > 0 {
			start := c.lv[k-1].childStart
			st := m.base[k-1].st
			for p := 0; p+1 < len(start); p++ {
				for e := start[p]; e < start[p+1]; e++ {
					if a := adj[e]; a > 0 {
						st[p].add(a)
					}
				}
			}
		}
	}
	m.finish(root)
	return m, nil
}

func (s *ctxStats) add(a uint32) {
	s.sum += a
	switch a {
	case 0:
	case 1:
		s.n1++
	case 2:
		s.n2++
	default:
		s.n3++
	}
}

func (s *ctxStats) remove(a uint32) {
	s.sum -= a
	switch a {
	case 0:
	case 1:
		s.n1--
	case 2:
		s.n2--
	default:
		s.n3--
	}
}

// discounts estimates D1, D2, D3+ from the count-of-counts (Chen & Goodman).
// Degenerate counts (tiny corpora) fall back to 0.5 k, and every discount is
// kept in [0.05, k] so that probabilities stay positive and normalised.
func discounts(coc [5]int64) [3]float64 {
	n1, n2, n3, n4 := float64(coc[1]), float64(coc[2]), float64(coc[3]), float64(coc[4])
	var d [3]float64
	y := 0.0
	if n1+2*n2 > 0 {
		y = n1 / (n1 + 2*n2)
	}
	num := [3]float64{n2, n3, n4}
	den := [3]float64{n1, n2, n3}
	for i := range d {
		k := float64(i + 1)
		v := 0.5 * k
		if den[i] > 0 && y > 0 {
			v = k - (k+1)*y*num[i]/den[i]
		}
		d[i] = math.Min(k, math.Max(0.05, v))
	}
	return d
}

// finish derives what depends on the adjusted counts as a whole: discounts
// and the unigram tables used by generation. Cost O(vocabulary).
func (m *KN) finish(root ctxStats) {
	m.root = root
	m.greedy = newGreedyCache(greedyCacheEntries)
	for n := 1; n <= m.order; n++ {
		m.disc[n] = discounts(m.coc[n])
	}
	m.uniform = 1 / float64(m.vocab-1)
	m.uniProb = make([]float64, m.vocab)
	m.uniCum = make([]float64, m.vocab)
	g := m.gammaNum(1, root)
	sum := 0.0
	for w := range m.vocab {
		a := m.adj(0, uint32(w))
		dc := m.discounted(1, a)
		sum += dc
		m.uniCum[w] = sum
		if w != BOSToken {
			m.uniProb[w] = (dc + g*m.uniform) / float64(root.sum)
		}
	}
	m.uniDiscSum = sum
	m.uniByProb = make([]int32, 0, m.vocab-1)
	for w := range m.vocab {
		if w != BOSToken {
			m.uniByProb = append(m.uniByProb, int32(w))
		}
	}
	slices.SortFunc(m.uniByProb, func(a, b int32) int {
		if c := cmp.Compare(m.uniProb[b], m.uniProb[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
}

// Order is the model's n-gram order.
func (m *KN) Order() int { return m.order }

// VocabSize is the number of token ids the model covers.
func (m *KN) VocabSize() int { return m.vocab }

// Entries counts the n-grams with a positive adjusted count, all orders:
// the model's parameters of kind ngram_entries.
func (m *KN) Entries() int64 { return m.entries }

// Discounts returns D1, D2, D3+ of order n.
func (m *KN) Discounts(n int) [3]float64 { return m.disc[n] }

func (m *KN) baseLen(k int) int { return len(m.c.lv[k].raw) }

// find returns the id at level k of parent's child w.
func (m *KN) find(k int, parent uint32, w int) (uint32, bool) {
	if k == 0 {
		return uint32(w), w >= 0 && w < m.vocab
	}
	id, ok := m.c.find(k, parent, w)
	if !ok && m.d != nil {
		id, ok = m.d.lv[k].newTab.get(ngramKey(parent, w))
	}
	return id, ok
}

func (m *KN) adj(k int, id uint32) uint32 {
	if m.d != nil {
		if k == 0 {
			return m.d.uni.adj[id]
		}
		l := &m.d.lv[k]
		if i, ok := l.touched.get(uint64(id)); ok {
			return l.adj[i]
		}
	}
	return m.base[k].adj[id]
}

// stats returns the context statistics of id at level k; k = -1 is the
// empty context.
func (m *KN) stats(k int, id uint32) ctxStats {
	if m.d != nil {
		switch k {
		case -1:
			return m.d.root
		case 0:
			return m.d.uni.st[id]
		}
		l := &m.d.lv[k]
		if i, ok := l.touched.get(uint64(id)); ok {
			return l.st[i]
		}
	} else if k == -1 {
		return m.root
	}
	return m.base[k].st[id]
}

func (m *KN) word(k int, id uint32) int {
	if bl := m.baseLen(k); int(id) >= bl {
		return int(m.d.lv[k].newWord[int(id)-bl])
	}
	return int(m.c.lv[k].word[id])
}

// discounted is max(a - D(a), 0) at order n.
func (m *KN) discounted(n int, a uint32) float64 {
	if a == 0 {
		return 0
	}
	return float64(a) - m.disc[n][min(a, 3)-1]
}

// gammaNum is the mass a context with stats s leaves to the lower order
// (times s.sum): D1 N1 + D2 N2 + D3 N3+.
func (m *KN) gammaNum(n int, s ctxStats) float64 {
	d := &m.disc[n]
	return d[0]*float64(s.n1) + d[1]*float64(s.n2) + d[2]*float64(s.n3)
}

// knState identifies the n-grams ending at the current position: ids[k] is
// the id at level k of the (k+1)-gram, for k < n.
type knState struct {
	ids [MaxOrder - 1]uint32
	n   int
}

// advance moves the state past token w (lookups only).
func (m *KN) advance(st *knState, w int) {
	var nx knState
	if w < 0 || w >= m.vocab {
		*st = nx
		return
	}
	nx.ids[0], nx.n = uint32(w), 1
	for k := 1; k < m.order-1 && k <= st.n; k++ {
		id, ok := m.find(k, st.ids[k-1], w)
		if !ok {
			break
		}
		nx.ids[k], nx.n = id, k+1
	}
	*st = nx
}

// step returns P(w | state) and advances the state past w.
func (m *KN) step(st *knState, w int) float64 {
	if w == BOSToken || w < 0 || w >= m.vocab {
		m.advance(st, w)
		return 0
	}
	p := m.uniProb[w]
	var nx knState
	nx.ids[0], nx.n = uint32(w), 1
	extending := true
	for k := 1; k < m.order && k <= st.n; k++ {
		h := st.ids[k-1]
		s := m.stats(k-1, h)
		if s.sum == 0 {
			break // no longer context has continuations either
		}
		var a uint32
		if extending {
			id, ok := m.find(k, h, w)
			if ok {
				a = m.adj(k, id)
				if k < m.order-1 {
					nx.ids[k], nx.n = id, k+1
				}
			} else {
				extending = false
			}
		}
		p = (m.discounted(k+1, a) + m.gammaNum(k+1, s)*p) / float64(s.sum)
	}
	*st = nx
	return p
}

// stateOf returns the state after context (BOS-padded at a document start).
func (m *KN) stateOf(context []int) knState {
	var st knState
	need := m.order - 1
	if len(context) > 0 && context[0] == BOSToken {
		for i := len(context); i < need; i++ {
			m.advance(&st, BOSToken)
		}
	}
	for _, t := range context[max(0, len(context)-need):] {
		m.advance(&st, t)
	}
	return st
}

// LogProb is the natural log of P(w | context). BOS has probability 0 (-Inf).
func (m *KN) LogProb(context []int, w int) float64 {
	st := m.stateOf(context)
	return math.Log(m.step(&st, w))
}

// Prob is P(w | context).
func (m *KN) Prob(context []int, w int) float64 {
	st := m.stateOf(context)
	return m.step(&st, w)
}
