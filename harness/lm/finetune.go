package lm

import (
	"errors"
	"fmt"
)

// Finetune returns the model whose counts are m's plus weight copies of the
// objective's documents, as if NewKN had counted them together, without
// recounting or copying m: the result shares m's tables and stores only the
// n-grams the objective touches (see doc.go). Its cost is O(objective n-grams)
// plus O(vocabulary). The objective must be counted at m's order.
func (m *KN) Finetune(objective *Counts, weight int) (*KN, error) {
	if weight < 0 {
		return nil, fmt.Errorf("lm: negative finetune weight %d", weight)
	}
	if objective.order != m.order {
		return nil, fmt.Errorf("lm: objective counted at order %d, model has order %d", objective.order, m.order)
	}
	if objective.vocab > m.vocab {
		return nil, fmt.Errorf("lm: objective uses token ids up to %d, model vocabulary is %d", objective.vocab-1, m.vocab)
	}
	r := *m
	r.d = m.cloneOverlay()
	r.steps = append(m.steps[:len(m.steps):len(m.steps)], finetuneStep{objective, weight})
	if weight == 0 || objective.tokens == 0 {
		return &r, nil
	}
	o := objective
	top := m.order - 1

	// Map every objective n-gram to a model id, creating the missing ones.
	mapID := make([][]uint32, m.order)
	parentOf := make([][]uint32, m.order)
	suffix := make([][]uint32, m.order)
	bosFirst := make([][]bool, m.order)
	for k := 0; k < m.order; k++ {
		parentOf[k] = o.parents(k)
		var prev []uint32
		if k > 0 {
			prev = suffix[k-1]
		}
		suffix[k] = o.suffixes(k, parentOf[k], prev)
		n := len(o.lv[k].raw)
		mapID[k] = make([]uint32, n)
		bosFirst[k] = make([]bool, n)
		for e := range n {
			w := int(o.lv[k].word[e])
			if k == 0 {
				mapID[k][e] = uint32(w)
				bosFirst[k][e] = w == BOSToken
				continue
			}
			bosFirst[k][e] = bosFirst[k-1][parentOf[k][e]]
			p := mapID[k-1][parentOf[k][e]]
			id, ok := r.find(k, p, w)
			if !ok {
				id = r.addNGram(k, p, w)
			}
			mapID[k][e] = id
		}
	}

	// Adjusted-count changes, highest order first: a lower-order continuation
	// count grows by one for each left extension that is new to the model, so
	// level k+1 is read before it is updated.
	delta := make([]int64, len(o.lv[top].raw))
	for e, c := range o.lv[top].raw {
		delta[e] = int64(weight) * int64(c)
	}
	for k := top; k >= 0; k-- {
		var below []int64
		if k > 0 {
			below = make([]int64, len(o.lv[k-1].raw))
			for e, c := range o.lv[k-1].raw {
				if bosFirst[k-1][e] {
					below[e] = int64(weight) * int64(c)
				}
			}
			for e, c := range o.lv[k].raw {
				s := suffix[k][e]
				if c > 0 && !bosFirst[k-1][s] && r.adj(k, mapID[k][e]) == 0 {
					below[s]++
				}
			}
		}
		for e, dl := range delta {
			if dl == 0 {
				continue
			}
			parent := uint32(0)
			if k > 0 {
				parent = mapID[k-1][parentOf[k][e]]
			}
			if err := r.addAdjusted(k, mapID[k][e], parent, dl); err != nil {
				return nil, err
			}
		}
		delta = below
	}
	r.finish(r.d.root)
	return &r, nil
}

// cloneOverlay returns a private copy of m's overlay (O(previous finetune)),
// or a fresh one holding a copy of the unigram level (O(vocabulary)).
func (m *KN) cloneOverlay() *overlay {
	d := &overlay{lv: make([]ovLevel, m.order)}
	if m.d == nil {
		d.root = m.root
		d.uni.adj = append([]uint32(nil), m.base[0].adj...)
		d.uni.st = append([]ctxStats(nil), m.base[0].st...)
		for k := 1; k < m.order; k++ {
			d.lv[k].newChildren = map[uint32][]uint32{}
		}
		return d
	}
	d.root = m.d.root
	d.uni.adj = append([]uint32(nil), m.d.uni.adj...)
	d.uni.st = append([]ctxStats(nil), m.d.uni.st...)
	for k := 1; k < m.order; k++ {
		s := &m.d.lv[k]
		l := &d.lv[k]
		l.newTab = s.newTab.clone()
		l.touched = s.touched.clone()
		l.newWord = append([]int32(nil), s.newWord...)
		l.newParent = append([]uint32(nil), s.newParent...)
		l.adj = append([]uint32(nil), s.adj...)
		l.st = append([]ctxStats(nil), s.st...)
		l.newChildren = make(map[uint32][]uint32, len(s.newChildren))
		for p, c := range s.newChildren {
			l.newChildren[p] = append([]uint32(nil), c...)
		}
	}
	return d
}

// addNGram creates an n-gram absent from the model at level k.
func (m *KN) addNGram(k int, parent uint32, w int) uint32 {
	l := &m.d.lv[k]
	id := uint32(m.baseLen(k) + len(l.newWord))
	l.newTab.getOrAdd(ngramKey(parent, w), id)
	l.newWord = append(l.newWord, int32(w))
	l.newParent = append(l.newParent, parent)
	l.newChildren[parent] = append(l.newChildren[parent], id)
	m.touch(k, id)
	return id
}

// touch gives id at level k (k >= 1) a private slot in the overlay.
func (m *KN) touch(k int, id uint32) int {
	l := &m.d.lv[k]
	i, found := l.touched.getOrAdd(uint64(id), uint32(len(l.adj)))
	if !found {
		var a uint32
		var s ctxStats
		if int(id) < m.baseLen(k) {
			a = m.base[k].adj[id]
			if m.base[k].st != nil {
				s = m.base[k].st[id]
			}
		}
		l.adj = append(l.adj, a)
		l.st = append(l.st, s)
	}
	return int(i)
}

// addAdjusted adds dl to the adjusted count of id at level k and updates
// the count-of-counts, the entry count and the parent's context statistics.
func (m *KN) addAdjusted(k int, id, parent uint32, dl int64) error {
	old := m.adj(k, id)
	nv := int64(old) + dl
	if nv < 0 || nv > 1<<32-1 {
		return errors.New("lm: adjusted count out of range")
	}
	v := uint32(nv)
	if k == 0 {
		m.d.uni.adj[id] = v
	} else {
		m.d.lv[k].adj[m.touch(k, id)] = v
	}
	n := k + 1
	if old > 0 {
		m.coc[n][min(old, 4)]--
	} else {
		m.entries++
	}
	if v > 0 {
		m.coc[n][min(v, 4)]++
	} else {
		m.entries--
	}
	var s *ctxStats
	switch k {
	case 0:
		s = &m.d.root
	case 1:
		s = &m.d.uni.st[parent]
	default:
		s = &m.d.lv[k-1].st[m.touch(k-1, parent)]
	}
	s.remove(old)
	s.add(v)
	return nil
}
