package zoo

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/ppldiff/ppldiff/harness/lm"
	gen "github.com/ppldiff/ppldiff/organisms/zoo"
)

// Base models are cached in harness/lm's KN format (counts; the estimate is
// recomputed on load). A finetune is cached as its steps only (weight and
// the token ids of its documents) and replayed on top of its base when
// loaded: the base's counts are never copied into every organism's file.
// Replaying counts a few thousand objective tokens, not the corpus, and
// generates no documents; it is counted as a load, not as training.

func writeKN(w io.Writer, m *lm.KN) error {
	_, err := m.WriteTo(w)
	return err
}

func readKN(r io.Reader) (*lm.KN, error) { return lm.ReadKN(r) }

// finetuneStep is one Finetune: documents (token ids) and their weight.
type finetuneStep struct {
	weight int
	docs   [][]int
}

const finetuneMagic = "PPLDZFT1"

func writeFinetune(w io.Writer, steps []finetuneStep) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(finetuneMagic)
	var buf []byte
	put := func(v uint64) { buf = binary.AppendUvarint(buf[:0], v); bw.Write(buf) }
	put(uint64(len(steps)))
	for _, s := range steps {
		put(uint64(s.weight))
		put(uint64(len(s.docs)))
		for _, d := range s.docs {
			put(uint64(len(d)))
			for _, id := range d {
				put(uint64(id))
			}
		}
	}
	return bw.Flush()
}

func readFinetune(r io.Reader) ([]finetuneStep, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(finetuneMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != finetuneMagic {
		return nil, errors.New("not a zoo finetune file")
	}
	var err error
	get := func(limit uint64) uint64 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = binary.ReadUvarint(br)
		if err == nil && v > limit {
			err = fmt.Errorf("corrupt zoo finetune file (value %d > %d)", v, limit)
		}
		return v
	}
	steps := make([]finetuneStep, get(16))
	for i := range steps {
		steps[i].weight = int(get(1 << 20))
		steps[i].docs = make([][]int, get(1<<24))
		for j := range steps[i].docs {
			d := make([]int, get(1<<24))
			for k := range d {
				d[k] = int(get(1 << 31))
			}
			steps[i].docs[j] = d
		}
		if err != nil {
			return nil, err
		}
	}
	return steps, err
}

// applyFinetune applies steps to base in order.
func applyFinetune(base *lm.KN, steps []finetuneStep) (*lm.KN, error) {
	m := base
	for _, s := range steps {
		var err error
		if m, err = m.Finetune(lm.Count(base.Order(), s.docs), s.weight); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// writeDocs writes documents as their count, then each genre and text,
// length-prefixed, zstd-compressed (the default manifest's 100,000 held-out
// documents are 38 MB as they are).
func writeDocs(out io.Writer, docs []gen.Document) error {
	w, err := zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		return err
	}
	if err := writeDocsTo(w, docs); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func writeDocsTo(w io.Writer, docs []gen.Document) error {
	buf := binary.AppendUvarint(nil, uint64(len(docs)))
	for _, d := range docs {
		buf = binary.AppendUvarint(buf, uint64(len(d.Genre)))
		buf = append(buf, d.Genre...)
		buf = binary.AppendUvarint(buf, uint64(len(d.Text)))
		buf = append(buf, d.Text...)
		if len(buf) >= 1<<16 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// readDocs reads what writeDocs wrote, which must be want documents.
func readDocs(r io.Reader, want int) ([]gen.Document, error) {
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	br := bufio.NewReader(zr)
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, err
	}
	if n != uint64(want) {
		return nil, fmt.Errorf("corpus of %d documents, want %d", n, want)
	}
	docs := make([]gen.Document, n)
	field := func() (string, error) {
		l, err := binary.ReadUvarint(br)
		if err != nil {
			return "", err
		}
		if l > 1<<24 {
			return "", fmt.Errorf("field of %d bytes", l)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(br, b); err != nil {
			return "", err
		}
		return string(b), nil
	}
	for i := range docs {
		g, err := field()
		if err != nil {
			return nil, err
		}
		if docs[i].Text, err = field(); err != nil {
			return nil, err
		}
		docs[i].Genre = gen.Genre(g)
	}
	return docs, nil
}
