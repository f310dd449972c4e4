package lm

import (
	"cmp"
	"slices"
	"sync"
)

// Greedy decoding without scanning every continuation.
//
// With contexts h_1, ..., h_L (h_k has k tokens, L the longest with
// continuations) and v_j(w) the value of w after interpolating levels 1..j
// (it depends on h_j only), the sparse interpolation gives
//
//	P(w) = v_j(w) * g_{j+1} * ... * g_L
//
// for a w observed at level j and not above. Multiplying by a positive
// factor is monotone in floating point too, so within the continuations of
// h_j the order of v_j is the order of P. argmax therefore keeps each
// context's continuations sorted by v_j (cached when there are many) and
// walks every level's list from the top until the lifted value falls below
// the best so far. A token observed above level j also sits in h_j's list,
// but there it lifts to at most its real P (longer levels only add to it),
// so it cannot change the result and needs no exclusion test.
//
// Values are computed with the operations, in the order, of a full sparse
// accumulation over all levels, so the result is bit-identical to it: the
// most probable token, ties to the smaller id, where the unobserved tokens
// are represented by the first one in uniByProb.

// greedyFanout is the number of continuations from which a context's sorted
// candidates are cached; smaller contexts are evaluated directly.
const greedyFanout = 16

// greedyCacheEntries bounds the candidates cached per model (16 bytes each).
const greedyCacheEntries = 1 << 19

// scoredToken is a token with its interpolated value v_j at some level.
type scoredToken struct {
	v float64
	w int32
}

// greedyCache maps (level, context id) to that context's continuations
// sorted by v_j descending, ties by id. It is safe for concurrent use; when
// full it is emptied (contexts recur within a generation, so it refills
// with what is in use).
type greedyCache struct {
	mu      sync.Mutex
	lists   map[uint64][]scoredToken
	entries int
	limit   int // most entries held
}

func newGreedyCache(limit int) *greedyCache {
	return &greedyCache{lists: make(map[uint64][]scoredToken), limit: limit}
}

func greedyKey(level int, id uint32) uint64 { return uint64(level)<<32 | uint64(id) }

func (c *greedyCache) get(key uint64) ([]scoredToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.lists[key]
	return l, ok
}

func (c *greedyCache) put(key uint64, l []scoredToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(l) > c.limit {
		return
	}
	if c.entries+len(l) > c.limit {
		clear(c.lists)
		c.entries = 0
	}
	if _, ok := c.lists[key]; !ok {
		c.lists[key] = l
		c.entries += len(l)
	}
}

// greedyLevel is what argmax needs of context level k.
type greedyLevel struct {
	h         uint32  // id of h_k at level k-1
	sum       float64 // its sum of adjusted counts
	g         float64 // its backoff weight gammaNum/sum
	prevScale float64 // g_1 * ... * g_{k-1}, multiplied in that order
}

// argmaxScratch holds per-generation buffers of argmax.
type argmaxScratch struct {
	cands []scoredToken
}

// greedyBest is the running argmax: highest value, ties to the smaller id.
type greedyBest struct {
	w int
	p float64
}

func (b *greedyBest) beats(p float64, w int) bool {
	return p > b.p || (p == b.p && w < b.w)
}

// argmax returns the most probable token after st (ties to the smaller id).
func (m *KN) argmax(st *knState, sc *argmaxScratch) int {
	var lv [MaxOrder]greedyLevel
	L := 0
	scale := 1.0
	for k := 1; k <= min(st.n, m.order-1); k++ {
		h := st.ids[k-1]
		s := m.stats(k-1, h)
		if s.sum == 0 {
			break // no longer context has continuations either
		}
		g := m.gammaNum(k+1, s) / float64(s.sum)
		lv[k] = greedyLevel{h: h, sum: float64(s.sum), g: g, prevScale: scale}
		scale *= g
		L = k
	}
	best := greedyBest{w: -1, p: -1}
	for j := L; j >= 1; j-- {
		cands, sorted := m.greedyCandidates(j, &lv, sc)
		for _, c := range cands {
			p := c.v
			for k := j + 1; k <= L; k++ {
				p *= lv[k].g
			}
			if best.beats(p, int(c.w)) {
				best = greedyBest{int(c.w), p}
			} else if sorted && p < best.p {
				break // the rest of the list lifts to no more than p
			}
		}
	}
	// The unobserved tokens: the most probable one in uniByProb stands for
	// them, and only needs finding if it could win.
	for _, w := range m.uniByProb {
		p := scale * m.uniProb[w]
		if p < best.p {
			break
		}
		if !m.observedAbove(0, L, &lv, int(w)) {
			if best.beats(p, int(w)) {
				best = greedyBest{int(w), p}
			}
			break
		}
	}
	return best.w
}

// childAdj is the adjusted count of w as a continuation of the level-k
// context h (0 if unseen).
func (m *KN) childAdj(k int, h uint32, w int) uint32 {
	id, ok := m.find(k, h, w)
	if !ok {
		return 0
	}
	return m.adj(k, id)
}

// observedAbove reports whether w continues one of the contexts of levels
// j+1..L with a positive adjusted count.
func (m *KN) observedAbove(j, L int, lv *[MaxOrder]greedyLevel, w int) bool {
	for k := j + 1; k <= L; k++ {
		if m.childAdj(k, lv[k].h, w) > 0 {
			return true
		}
	}
	return false
}

// greedyCandidates returns the continuations of h_j with positive adjusted
// count and their v_j, sorted (and cached) when h_j has many of them.
func (m *KN) greedyCandidates(j int, lv *[MaxOrder]greedyLevel, sc *argmaxScratch) ([]scoredToken, bool) {
	key := greedyKey(j, lv[j].h)
	if l, ok := m.greedy.get(key); ok {
		return l, true
	}
	cands := sc.cands[:0]
	m.eachChild(j-1, lv[j].h, func(id uint32) bool {
		if a := m.adj(j, id); a > 0 {
			w := m.word(j, id)
			cands = append(cands, scoredToken{m.interpolatedAt(j, lv, w, a), int32(w)})
		}
		return true
	})
	sc.cands = cands
	if len(cands) < greedyFanout {
		return cands, false
	}
	l := slices.Clone(cands)
	slices.SortFunc(l, func(a, b scoredToken) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return cmp.Compare(a.w, b.w)
	})
	m.greedy.put(key, l)
	return l, true
}

// interpolatedAt is v_j(w) for a continuation w of h_j with adjusted count
// a: the sparse interpolation over levels 1..j, one token at a time, with the
// same floating-point operations in the same order as over all tokens.
func (m *KN) interpolatedAt(j int, lv *[MaxOrder]greedyLevel, w int, a uint32) float64 {
	v, seen := 0.0, false
	for k := 1; k <= j; k++ {
		if seen {
			v *= lv[k].g
		}
		ak := a
		if k < j {
			ak = m.childAdj(k, lv[k].h, w)
		}
		if ak > 0 {
			if !seen {
				v = lv[k].prevScale * m.uniProb[w] * lv[k].g
				seen = true
			}
			v += m.discounted(k+1, ak) / lv[k].sum
		}
	}
	return v
}
