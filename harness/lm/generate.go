package lm

import (
	"math"
	"math/rand/v2"
	"slices"
)

// sampleMixture draws a token from P(. | st) exactly, without building the
// distribution: at the longest context with continuations, with probability
// (sum - gammaNum)/sum it picks an observed continuation in proportion to
// its discounted count, else it backs off one order; below the unigrams it
// draws uniformly over the vocabulary without BOS.
func (m *KN) sampleMixture(st *knState, r *rand.Rand) int {
	longest := min(st.n, m.order-1)
	for k := longest; k >= 1; k-- {
		h := st.ids[k-1]
		s := m.stats(k-1, h)
		if s.sum == 0 {
			continue
		}
		u := r.Float64() * float64(s.sum)
		kept := float64(s.sum) - m.gammaNum(k+1, s)
		if u >= kept {
			continue
		}
		var picked int = -1
		m.eachChild(k-1, h, func(id uint32) bool {
			u -= m.discounted(k+1, m.adj(k, id))
			if u < 0 {
				picked = m.word(k, id)
				return false
			}
			return true
		})
		if picked >= 0 {
			return picked
		}
		// Rounding left u at the end of the range: fall through to a lower order.
	}
	s := m.stats(-1, 0)
	u := r.Float64() * float64(s.sum)
	if kept := m.uniDiscSum; u < kept {
		if i, _ := slices.BinarySearch(m.uniCum, u); i < m.vocab {
			// BinarySearch finds the first cum >= u; skip zero-mass ties.
			for i < m.vocab && m.uniCum[i] <= u {
				i++
			}
			if i < m.vocab {
				return i
			}
		}
	}
	w := 1 + r.IntN(m.vocab-1) // uniform over all but BOS (id 0)
	return w
}

// eachChild calls fn with the ids of the observed continuations of id at
// level k (children at level k+1) until fn returns false.
func (m *KN) eachChild(k int, id uint32, fn func(uint32) bool) {
	if int(id) < m.baseLen(k) && m.c.lv[k].childStart != nil {
		start := m.c.lv[k].childStart
		for c := start[id]; c < start[id+1]; c++ {
			if !fn(c) {
				return
			}
		}
	}
	if m.d != nil {
		for _, c := range m.d.lv[k+1].newChildren[id] {
			if !fn(c) {
				return
			}
		}
	}
}

// distribution fills p with P(. | st) over the whole vocabulary.
func (m *KN) distribution(st *knState, p []float64) {
	copy(p, m.uniProb)
	for k := 1; k <= min(st.n, m.order-1); k++ {
		h := st.ids[k-1]
		s := m.stats(k-1, h)
		if s.sum == 0 {
			break
		}
		g := m.gammaNum(k+1, s) / float64(s.sum)
		for i := range p {
			p[i] *= g
		}
		m.eachChild(k-1, h, func(id uint32) bool {
			p[m.word(k, id)] += m.discounted(k+1, m.adj(k, id)) / float64(s.sum)
			return true
		})
	}
}

// sampleFiltered draws from p tempered by temperature and cut to the top-p
// nucleus (p is overwritten).
func sampleFiltered(p []float64, temperature, topP float64, r *rand.Rand) int {
	if temperature != 1 {
		maxLog := math.Inf(-1)
		for _, v := range p {
			if v > 0 {
				maxLog = math.Max(maxLog, math.Log(v))
			}
		}
		for i, v := range p {
			if v > 0 {
				p[i] = math.Exp((math.Log(v) - maxLog) / temperature)
			}
		}
	}
	total := 0.0
	for _, v := range p {
		total += v
	}
	if topP > 0 && topP < 1 {
		idx := make([]int, 0, len(p))
		for i, v := range p {
			if v > 0 {
				idx = append(idx, i)
			}
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case p[a] > p[b]:
				return -1
			case p[a] < p[b]:
				return 1
			}
			return 0
		})
		cum, cut := 0.0, len(idx)
		for j, i := range idx {
			cum += p[i]
			if cum >= topP*total {
				cut = j + 1
				break
			}
		}
		keep := idx[:cut]
		total = 0
		for _, i := range keep {
			total += p[i]
		}
		u := r.Float64() * total
		for _, i := range keep {
			u -= p[i]
			if u < 0 {
				return i
			}
		}
		return keep[len(keep)-1]
	}
	u := r.Float64() * total
	last := 0
	for i, v := range p {
		if v <= 0 {
			continue
		}
		last = i
		u -= v
		if u < 0 {
			return i
		}
	}
	return last
}
