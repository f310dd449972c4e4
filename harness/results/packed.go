package results

import (
	"bytes"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// PackedSamples is samples.jsonl held zstd-compressed: one frame per piece
// packed, concatenated in order, which is itself a valid zstd stream of the
// whole file. A run keeps its samples this way (0.29 of their size as JSON
// lines on the default run) until they are written, and the store keeps the
// same bytes.
type PackedSamples []byte

// The coders are shared: EncodeAll and DecodeAll are safe for concurrent
// use, and EncodeAll's output depends only on its input and these options,
// so packing is deterministic. The fastest level: on the default run's
// samples, cut in units' pieces, it packs to the same 0.29 as the default
// level in 0.68 of the time (one run of each), and a cached re-run packs
// every unit again.
var (
	packEncoder = sync.OnceValue(func() *zstd.Encoder {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
		if err != nil {
			panic(err) // only invalid options fail, and these are fixed
		}
		return enc
	})
	packDecoder = sync.OnceValue(func() *zstd.Decoder {
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
		if err != nil {
			panic(err)
		}
		return dec
	})
)

// packBuffers are EncodeAll's output buffers. Given no room, EncodeAll
// allocates as much as its input; a run holds every finished unit's packed
// samples until it writes them, and those spare capacities were 49 MB of a
// cold default run's 228 MB live heap at its peak (a heap profile of
// BenchmarkDefaultRunMemory). So the frame is encoded into a reused buffer
// and copied out at its size.
var packBuffers = sync.Pool{New: func() any { return new([]byte) }}

// PackSamples compresses JSON lines into one frame; an empty input packs to
// nothing. The result holds no spare capacity.
func PackSamples(jsonl []byte) PackedSamples {
	if len(jsonl) == 0 {
		return nil
	}
	buf := packBuffers.Get().(*[]byte)
	*buf = packEncoder().EncodeAll(jsonl, (*buf)[:0])
	out := bytes.Clone(*buf)
	packBuffers.Put(buf)
	return out
}

// Unpack returns the JSON lines p holds.
func (p PackedSamples) Unpack() ([]byte, error) {
	if len(p) == 0 {
		return nil, nil
	}
	return packDecoder().DecodeAll(p, nil)
}

// WriteTo writes the JSON lines p holds to w, a block at a time.
func (p PackedSamples) WriteTo(w io.Writer) (int64, error) {
	if len(p) == 0 {
		return 0, nil
	}
	dec, err := zstd.NewReader(bytes.NewReader(p), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		return 0, err
	}
	defer dec.Close()
	return io.Copy(w, dec)
}
