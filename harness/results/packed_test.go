package results

import (
	"bytes"
	"fmt"
	"testing"
)

// Pieces packed one by one and concatenated unpack to the pieces'
// concatenation, both whole and streamed: a run packs each unit's samples
// as the unit ends and writes samples.jsonl from the concatenation.
func TestPackedPiecesConcatenate(t *testing.T) {
	var want []byte
	var packed PackedSamples
	for unit := range 5 {
		var piece []byte
		for i := range 300 * unit { // unit 0 packs nothing
			piece = fmt.Appendf(piece, `{"unit":%d,"rank":%d,"completion":"text %d"}`+"\n", unit, i+1, i*unit)
		}
		want = append(want, piece...)
		packed = append(packed, PackSamples(piece)...)
	}
	if len(packed) >= len(want)/4 {
		t.Errorf("packed %d bytes of JSON lines into %d, want under a quarter", len(want), len(packed))
	}
	got, err := packed.Unpack()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Unpack: %d bytes, err %v; want the %d bytes packed", len(got), err, len(want))
	}
	var buf bytes.Buffer
	n, err := packed.WriteTo(&buf)
	if err != nil || n != int64(len(want)) || !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("WriteTo: %d bytes, err %v; want the %d bytes packed", n, err, len(want))
	}
	if !bytes.Equal(PackSamples(want[:1000]), PackSamples(want[:1000])) {
		t.Error("packing the same bytes twice gave different bytes")
	}
	if PackSamples(nil) != nil {
		t.Error("packing nothing gave bytes")
	}
	// A run holds every unit's packed samples: no spare room each.
	if p := PackSamples(want); cap(p) > len(p)+len(p)/8 {
		t.Errorf("packed %d bytes into %d with room for %d", len(want), len(p), cap(p))
	}
	if _, err := PackedSamples("not zstd").WriteTo(&buf); err == nil {
		t.Error("WriteTo of bytes that are not zstd: no error")
	}
}
