package lm

import (
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// BPE is a byte-level byte-pair-encoding tokenizer. Merges never cross the
// pre-tokenizer's word boundaries (see splitPieces).
type BPE struct {
	tokenTable
	merges [][2]int32       // merge i creates id firstLearned+i
	rank   map[uint64]int32 // pair key -> merge index
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// TrainBPE learns vocabSize-258 merges from docs (fewer when the data runs
// out of pairs). Training is deterministic: the most frequent pair wins, ties
// go to the smallest (left, right) id pair.
func TrainBPE(docs [][]byte, vocabSize int) (*BPE, error) {
	if vocabSize < firstLearned {
		return nil, fmt.Errorf("lm: BPE vocab size %d below the %d specials and bytes", vocabSize, firstLearned)
	}
	// Unique pieces with their frequencies, in a deterministic order.
	freq := map[string]int64{}
	for _, d := range docs {
		splitPieces(d, func(p []byte) {
			if len(p) > 1 {
				freq[string(p)]++
			}
		})
	}
	keys := slices.Sorted(maps.Keys(freq))
	words := make([][]int32, len(keys))
	wfreq := make([]int64, len(keys))
	pairs := map[uint64]int64{}
	where := map[uint64][]int32{}
	for i, k := range keys {
		w := make([]int32, len(k))
		for j := 0; j < len(k); j++ {
			w[j] = int32(firstByteToken + int(k[j]))
		}
		words[i], wfreq[i] = w, freq[k]
		for j := 0; j+1 < len(w); j++ {
			pk := pairKey(w[j], w[j+1])
			pairs[pk] += wfreq[i]
			if l := where[pk]; len(l) == 0 || l[len(l)-1] != int32(i) {
				where[pk] = append(l, int32(i))
			}
		}
	}
	h := &pairHeap{}
	for pk, c := range pairs {
		h.items = append(h.items, pairCount{pk, c})
	}
	heap.Init(h)

	t := &BPE{rank: map[uint64]int32{}}
	nMerges := vocabSize - firstLearned
	seen := make([]int32, len(words)) // merge stamp: word already rewritten
	changed := map[uint64]struct{}{}
	for len(t.merges) < nMerges && h.Len() > 0 {
		top := heap.Pop(h).(pairCount)
		if cur := pairs[top.key]; cur != top.count {
			if cur > 0 {
				heap.Push(h, pairCount{top.key, cur})
			}
			continue
		}
		a, b := int32(top.key>>32), int32(uint32(top.key))
		z := int32(firstLearned + len(t.merges))
		stamp := int32(len(t.merges) + 1)
		t.merges = append(t.merges, [2]int32{a, b})
		t.rank[top.key] = int32(len(t.merges) - 1)
		clear(changed)
		for _, wi := range where[top.key] {
			if seen[wi] == stamp {
				continue
			}
			seen[wi] = stamp
			w, f := words[wi], wfreq[wi]
			if !slices.Contains(w, a) {
				continue
			}
			for j := 0; j+1 < len(w); j++ {
				pk := pairKey(w[j], w[j+1])
				pairs[pk] -= f
				changed[pk] = struct{}{}
			}
			w = mergeAll(w, a, b, z)
			words[wi] = w
			for j := 0; j+1 < len(w); j++ {
				pk := pairKey(w[j], w[j+1])
				pairs[pk] += f
				changed[pk] = struct{}{}
				if w[j] == z || w[j+1] == z {
					if l := where[pk]; len(l) == 0 || l[len(l)-1] != wi {
						where[pk] = append(l, wi)
					}
				}
			}
		}
		delete(where, top.key)
		for pk := range changed {
			if c := pairs[pk]; c > 0 {
				heap.Push(h, pairCount{pk, c})
			} else {
				delete(pairs, pk)
			}
		}
	}
	t.learned = make([][]byte, len(t.merges))
	for i := range t.merges {
		t.learned[i] = t.mergeBytes(i)
	}
	t.id = tokenizerID(familyBPE, t.VocabSize(), t.body())
	return t, nil
}

func (t *BPE) mergeBytes(i int) []byte {
	m := t.merges[i]
	return append(slices.Clip(t.TokenBytes(int(m[0]))), t.TokenBytes(int(m[1]))...)
}

// mergeAll replaces the non-overlapping occurrences of (a, b), left to
// right, by z, in place.
func mergeAll(w []int32, a, b, z int32) []int32 {
	out := w[:0]
	for j := 0; j < len(w); j++ {
		if j+1 < len(w) && w[j] == a && w[j+1] == b {
			out = append(out, z)
			j++
			continue
		}
		out = append(out, w[j])
	}
	return out
}

type pairCount struct {
	key   uint64
	count int64
}

// pairHeap is a max-heap on count, ties to the smaller pair key. Entries go
// stale when counts change; the training loop re-checks them on pop.
type pairHeap struct{ items []pairCount }

func (h *pairHeap) Len() int { return len(h.items) }
func (h *pairHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if a.count != b.count {
		return a.count > b.count
	}
	return a.key < b.key
}
func (h *pairHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *pairHeap) Push(x any)    { h.items = append(h.items, x.(pairCount)) }
func (h *pairHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// Encode applies the merges in training order within each piece.
func (t *BPE) Encode(text []byte) []int {
	ids := make([]int, 0, len(text)/3+1)
	var buf [maxPieceLen]int32
	splitPieces(text, func(p []byte) {
		w := buf[:len(p)]
		for i, c := range p {
			w[i] = int32(firstByteToken + int(c))
		}
		for len(w) > 1 {
			best, bestRank := uint64(0), int32(-1)
			for j := 0; j+1 < len(w); j++ {
				pk := pairKey(w[j], w[j+1])
				if r, ok := t.rank[pk]; ok && (bestRank < 0 || r < bestRank) {
					best, bestRank = pk, r
				}
			}
			if bestRank < 0 {
				break
			}
			w = mergeAll(w, int32(best>>32), int32(uint32(best)), int32(firstLearned)+bestRank)
		}
		for _, id := range w {
			ids = append(ids, int(id))
		}
	})
	return ids
}

func (t *BPE) body() []byte {
	var extra []byte
	for _, m := range t.merges {
		extra = binary.AppendUvarint(extra, uint64(m[0]))
		extra = binary.AppendUvarint(extra, uint64(m[1]))
	}
	return encodeBody(familyBPE, t.learned, extra)
}

func newBPEFromMerges(extra []byte, learned [][]byte) (*BPE, error) {
	t := &BPE{rank: map[uint64]int32{}}
	for len(extra) > 0 {
		a, k1 := binary.Uvarint(extra)
		if k1 <= 0 {
			return nil, errors.New("lm: corrupt BPE merges")
		}
		b, k2 := binary.Uvarint(extra[k1:])
		if k2 <= 0 {
			return nil, errors.New("lm: corrupt BPE merges")
		}
		extra = extra[k1+k2:]
		next := uint64(firstLearned + len(t.merges))
		if a < firstByteToken || b < firstByteToken || a >= next || b >= next {
			return nil, errors.New("lm: BPE merge refers to an unknown token")
		}
		t.rank[pairKey(int32(a), int32(b))] = int32(len(t.merges))
		t.merges = append(t.merges, [2]int32{int32(a), int32(b)})
		t.learned = append(t.learned, t.mergeBytes(len(t.merges)-1))
	}
	if len(learned) != len(t.learned) {
		return nil, errors.New("lm: BPE token list does not match its merges")
	}
	for i := range learned {
		if string(learned[i]) != string(t.learned[i]) {
			return nil, errors.New("lm: BPE token list does not match its merges")
		}
	}
	t.id = tokenizerID(familyBPE, t.VocabSize(), t.body())
	return t, nil
}
