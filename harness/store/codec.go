package store

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Arrays are stored as little-endian blobs without headers: token ids and
// span offsets as int32 (4 bytes each), logprobs as IEEE-754 float64 bits
// (8 bytes each, so every value, NaN payloads and -0 included, comes back
// exactly). An empty or nil slice is stored as an empty blob and decoded as
// nil. A change to this layout needs a schema migration.

// encodeInts packs ids as int32. Token ids and byte offsets fit easily; a
// value outside int32 is a caller bug and is reported rather than truncated.
func encodeInts(xs []int) ([]byte, error) {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, fmt.Errorf("value %d at index %d does not fit in int32", x, i)
		}
		binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(x)))
	}
	return b, nil
}

func decodeInts(b []byte) ([]int, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("int array blob has %d bytes, not a multiple of 4", len(b))
	}
	if len(b) == 0 {
		return nil, nil
	}
	xs := make([]int, len(b)/4)
	for i := range xs {
		xs[i] = int(int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return xs, nil
}

func encodeFloats(xs []float64) []byte {
	b := make([]byte, 8*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

func decodeFloats(b []byte) ([]float64, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("float array blob has %d bytes, not a multiple of 8", len(b))
	}
	if len(b) == 0 {
		return nil, nil
	}
	xs := make([]float64, len(b)/8)
	for i := range xs {
		xs[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return xs, nil
}

// encodeSpans flattens [start, end) pairs into an int array.
func encodeSpans(spans [][2]int) ([]byte, error) {
	flat := make([]int, 0, 2*len(spans))
	for _, sp := range spans {
		flat = append(flat, sp[0], sp[1])
	}
	return encodeInts(flat)
}

func decodeSpans(b []byte) ([][2]int, error) {
	flat, err := decodeInts(b)
	if err != nil {
		return nil, err
	}
	if len(flat)%2 != 0 {
		return nil, fmt.Errorf("span blob holds %d ints, not pairs", len(flat))
	}
	if len(flat) == 0 {
		return nil, nil
	}
	spans := make([][2]int, len(flat)/2)
	for i := range spans {
		spans[i] = [2]int{flat[2*i], flat[2*i+1]}
	}
	return spans, nil
}

// bytesOrEmpty keeps NOT NULL blob columns non-null for nil slices.
func bytesOrEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// bytesOrNil maps an empty blob read back to nil, matching the array codecs.
func bytesOrNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
