package store

import (
	"math"
	"testing"
)

func TestFloatCodecIsBitExact(t *testing.T) {
	in := []float64{0, math.Copysign(0, -1), -1e-300, -math.SmallestNonzeroFloat64, -12.345678901234567,
		math.Inf(-1), math.Inf(1), math.NaN(), math.Float64frombits(0x7ff8_0000_dead_beef)}
	out, err := decodeFloats(encodeFloats(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d values, want %d", len(out), len(in))
	}
	for i := range in {
		if math.Float64bits(out[i]) != math.Float64bits(in[i]) {
			t.Errorf("value %d: got bits %#x, want %#x", i, math.Float64bits(out[i]), math.Float64bits(in[i]))
		}
	}
}

func TestIntCodecBoundsAndRejects(t *testing.T) {
	in := []int{0, 1, -1, math.MaxInt32, math.MinInt32, 151_935}
	b, err := encodeInts(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 4*len(in) {
		t.Errorf("encoded %d ints in %d bytes, want 4 each", len(in), len(b))
	}
	out, err := decodeInts(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("index %d: got %d, want %d", i, out[i], in[i])
		}
	}
	if _, err := encodeInts([]int{math.MaxInt32 + 1}); err == nil {
		t.Error("encodeInts accepted a value above int32")
	}
	if _, err := decodeInts([]byte{1, 2, 3}); err == nil {
		t.Error("decodeInts accepted a truncated blob")
	}
	if _, err := decodeFloats(make([]byte, 12)); err == nil {
		t.Error("decodeFloats accepted a truncated blob")
	}
}

func TestSpanCodecRoundTrip(t *testing.T) {
	in := [][2]int{{0, 3}, {3, 7}, {7, 7}, {7, 12}}
	b, err := encodeSpans(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeSpans(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d spans, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("span %d: got %v, want %v", i, out[i], in[i])
		}
	}
	if _, err := decodeSpans(make([]byte, 12)); err == nil {
		t.Error("decodeSpans accepted an odd number of offsets")
	}
}
