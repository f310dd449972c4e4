package lm

import "math/bits"

// idTable is an open-addressing hash table (linear probing) from a uint64
// key to a dense uint32 id. Keys pack an n-gram as parent id << 32 | token,
// so lookups are exact and allocation-free.
type idTable struct {
	keys  []uint64
	vals  []uint32
	shift uint8
	n     int
}

const emptyKey = ^uint64(0)

func newIDTable(capacity int) idTable {
	size := 8
	for size*5 < capacity*8 { // load factor at most 5/8
		size *= 2
	}
	t := idTable{keys: make([]uint64, size), vals: make([]uint32, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
	for i := range t.keys {
		t.keys[i] = emptyKey
	}
	return t
}

func (t *idTable) slot(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> t.shift }

func (t *idTable) get(k uint64) (uint32, bool) {
	if t.n == 0 {
		return 0, false
	}
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.vals[i], true
		case emptyKey:
			return 0, false
		}
	}
}

// getOrAdd returns the id of k, inserting it with id next when absent.
func (t *idTable) getOrAdd(k uint64, next uint32) (uint32, bool) {
	if len(t.keys) == 0 || (t.n+1)*8 > len(t.keys)*5 {
		t.grow()
	}
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.vals[i], true
		case emptyKey:
			t.keys[i], t.vals[i] = k, next
			t.n++
			return next, false
		}
	}
}

func (t *idTable) grow() {
	old := *t
	*t = newIDTable(max(16, 2*old.n+2))
	for i, k := range old.keys {
		if k != emptyKey {
			t.getOrAdd(k, old.vals[i])
		}
	}
}

func (t *idTable) clone() idTable {
	c := *t
	c.keys = append([]uint64(nil), t.keys...)
	c.vals = append([]uint32(nil), t.vals...)
	return c
}

func ngramKey(parent uint32, w int) uint64 { return uint64(parent)<<32 | uint64(uint32(w)) }

// slotTable is an open-addressing table (linear probing) whose slots hold
// id+1 (0 is empty) and no keys: the key of an id is read back from arrays
// the caller holds anyway, so a slot takes 4 bytes where an idTable's takes
// 12. It serves two lookups of Counts, whose tables are most of a base
// model's memory:
//   - get/add: an n-gram from its parent id and last token; a candidate id
//     is the one sought when its last token is w and it lies in the
//     parent's child range (the level's word and the parent level's
//     childStart);
//   - getOrAdd: counting's first pass, ids in insertion order into a slice
//     of keys; it never grows, being sized for the most keys it will hold.
type slotTable struct {
	slots []uint32
	shift uint8
}

func newSlotTable(capacity int) slotTable {
	size, shift := slotsFor(capacity)
	return slotTable{slots: make([]uint32, size), shift: shift}
}

// slotsFor sizes an open-addressing table for capacity entries at a load
// factor of at most 5/8, as newIDTable: a power of two and its hash shift.
func slotsFor(capacity int) (int, uint8) {
	size := 8
	for size*5 < capacity*8 {
		size *= 2
	}
	return size, uint8(64 - bits.TrailingZeros(uint(size)))
}

func (t *slotTable) slot(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> t.shift }

// add inserts id as parent's child w; the pair must not be in the table.
func (t *slotTable) add(parent uint32, w int, id uint32) {
	mask := uint64(len(t.slots) - 1)
	i := t.slot(ngramKey(parent, w))
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = id + 1
}

// get returns the id of parent's child w, given the level's last tokens
// and the parent level's child ranges.
func (t *slotTable) get(parent uint32, w int, word []int32, start []uint32) (uint32, bool) {
	if len(t.slots) == 0 || int(parent)+1 >= len(start) {
		return 0, false // a parent the counts do not hold (a finetune's new n-gram) has no children here
	}
	lo, hi := start[parent], start[parent+1]
	mask := uint64(len(t.slots) - 1)
	for i := t.slot(ngramKey(parent, w)); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if id := s - 1; id >= lo && id < hi && word[id] == int32(w) {
			return id, true
		}
	}
}

// getOrAdd returns the id of k in keys; when absent it claims id
// len(keys) for k, and the caller appends k.
func (t *slotTable) getOrAdd(k uint64, keys []uint64) (uint32, bool) {
	mask := uint64(len(t.slots) - 1)
	for i := t.slot(k); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			t.slots[i] = uint32(len(keys)) + 1
			return uint32(len(keys)), false
		}
		if keys[s-1] == k {
			return s - 1, true
		}
	}
}
