package lm

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// finetuneStep records one Finetune so that a model can be rebuilt.
type finetuneStep struct {
	objective *Counts
	weight    int
}

const knMagic = "PPLDKN01"

// WriteTo writes m in the binary cache format: the magic "PPLDKN01", the
// base counts, then each finetune as (weight, objective counts). ReadKN
// rebuilds the model from them (NewKN, then Finetune per step), which gives
// exactly the same model; adjusted counts are not stored. Counts are written
// as little-endian uint32 arrays per order: last tokens, raw counts and
// child ranges.
func (m *KN) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: bufio.NewWriterSize(w, 1<<16)}
	cw.write([]byte(knMagic))
	writeCounts(cw, m.c)
	cw.uvarint(uint64(len(m.steps)))
	for _, s := range m.steps {
		cw.uvarint(uint64(s.weight))
		writeCounts(cw, s.objective)
	}
	if cw.err == nil {
		cw.err = cw.w.(*bufio.Writer).Flush()
	}
	return cw.n, cw.err
}

// ReadKN reads what WriteTo wrote.
func ReadKN(r io.Reader) (*KN, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic := make([]byte, len(knMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != knMagic {
		return nil, errors.New("lm: not a KN model file")
	}
	c, err := readCounts(br)
	if err != nil {
		return nil, err
	}
	m, err := NewKN(c)
	if err != nil {
		return nil, err
	}
	steps, err := binary.ReadUvarint(br)
	if err != nil || steps > 1<<20 {
		return nil, errors.New("lm: corrupt KN model file")
	}
	for range steps {
		weight, err := binary.ReadUvarint(br)
		if err != nil || weight > 1<<31 {
			return nil, errors.New("lm: corrupt KN model file")
		}
		o, err := readCounts(br)
		if err != nil {
			return nil, err
		}
		if m, err = m.Finetune(o, int(weight)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

func (c *countingWriter) uvarint(v uint64) { c.write(binary.AppendUvarint(nil, v)) }

func (c *countingWriter) uint32s(v []uint32) {
	c.uvarint(uint64(len(v)))
	buf := make([]byte, 0, 4*min(len(v), 1<<14))
	for i, x := range v {
		buf = binary.LittleEndian.AppendUint32(buf, x)
		if len(buf) == cap(buf) || i == len(v)-1 {
			c.write(buf)
			buf = buf[:0]
		}
	}
}

func writeCounts(w *countingWriter, c *Counts) {
	w.uvarint(uint64(c.order))
	w.uvarint(uint64(c.vocab))
	w.uvarint(uint64(c.tokens))
	for _, l := range c.lv {
		words := make([]uint32, len(l.word))
		for i, x := range l.word {
			words[i] = uint32(x)
		}
		w.uint32s(words)
		w.uint32s(l.raw)
		w.uint32s(l.childStart)
	}
}

func readUint32s(r *bufio.Reader) ([]uint32, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 1<<32 {
		return nil, errors.New("lm: corrupt counts")
	}
	out := make([]uint32, n)
	var b [4]byte
	for i := range out {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("lm: reading counts: %w", err)
		}
		out[i] = binary.LittleEndian.Uint32(b[:])
	}
	return out, nil
}

func readCounts(r *bufio.Reader) (*Counts, error) {
	var hdr [3]uint64
	for i := range hdr {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, errors.New("lm: corrupt counts header")
		}
		hdr[i] = v
	}
	if hdr[0] < 1 || hdr[0] > MaxOrder || hdr[1] < 2 || hdr[1] > 1<<31 {
		return nil, errors.New("lm: corrupt counts header")
	}
	c := &Counts{order: int(hdr[0]), vocab: int(hdr[1]), tokens: int64(hdr[2]), lv: make([]countLevel, hdr[0])}
	for k := range c.lv {
		words, err := readUint32s(r)
		if err != nil {
			return nil, err
		}
		raw, err := readUint32s(r)
		if err != nil {
			return nil, err
		}
		start, err := readUint32s(r)
		if err != nil {
			return nil, err
		}
		if len(raw) != len(words) || (k == 0 && len(words) != c.vocab) ||
			(k < c.order-1 && len(start) != len(words)+1) {
			return nil, errors.New("lm: corrupt counts")
		}
		l := &c.lv[k]
		l.raw, l.childStart = raw, nil
		if k < c.order-1 {
			l.childStart = start
		}
		l.word = make([]int32, len(words))
		for i, x := range words {
			if x >= uint32(c.vocab) {
				return nil, errors.New("lm: corrupt counts")
			}
			l.word[i] = int32(x)
		}
		if k > 0 {
			prev := c.lv[k-1].childStart
			if int(prev[len(prev)-1]) != len(words) {
				return nil, errors.New("lm: corrupt counts")
			}
			l.tab = newSlotTable(len(words))
			for p := 0; p+1 < len(prev); p++ {
				if prev[p] > prev[p+1] {
					return nil, errors.New("lm: corrupt counts")
				}
				for e := prev[p]; e < prev[p+1]; e++ {
					l.tab.add(uint32(p), int(l.word[e]), e)
				}
			}
		}
	}
	return c, nil
}
