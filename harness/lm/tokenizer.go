package lm

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Tokenizer splits bytes into token ids and back.
//
// Every tokenizer of this package uses the same id layout: BOSToken (0),
// EOSToken (1), then the 256 single-byte tokens (2..257), then the learned
// tokens (merges or pieces). Byte tokens make every input encodable, so
// Decode(Encode(b)) == b for any bytes.
type Tokenizer interface {
	// ID is a stable identity: family, vocabulary size and a content hash.
	ID() string
	// Encode tokenizes text without special tokens.
	Encode(text []byte) []int
	// Decode is the exact inverse of Encode; special tokens decode to nothing.
	Decode(ids []int) []byte
	// TokenBytes is the byte string of one token (empty for specials).
	TokenBytes(id int) []byte
	// VocabSize counts every id, specials included.
	VocabSize() int
	// BOS marks a document start: context only, never generated or scored.
	BOS() int
	// EOS ends a text: generated, and excluded from scores by the pipeline.
	EOS() int
}

// Ids shared by every tokenizer of this package (see Tokenizer).
const (
	BOSToken       = 0
	EOSToken       = 1
	firstByteToken = 2
	firstLearned   = firstByteToken + 256
)

var byteTokens = func() [256][]byte {
	var t [256][]byte
	for i := range t {
		t[i] = []byte{byte(i)}
	}
	return t
}()

// tokenTable holds the byte strings of all ids; both families embed it.
type tokenTable struct {
	learned [][]byte // bytes of id firstLearned+i
	id      string
}

func (t *tokenTable) TokenBytes(id int) []byte {
	switch {
	case id >= firstLearned && id-firstLearned < len(t.learned):
		return t.learned[id-firstLearned]
	case id >= firstByteToken && id < firstLearned:
		return byteTokens[id-firstByteToken]
	}
	return nil
}

func (t *tokenTable) Decode(ids []int) []byte {
	n := 0
	for _, id := range ids {
		n += len(t.TokenBytes(id))
	}
	out := make([]byte, 0, n)
	for _, id := range ids {
		out = append(out, t.TokenBytes(id)...)
	}
	return out
}

func (t *tokenTable) VocabSize() int { return firstLearned + len(t.learned) }
func (t *tokenTable) BOS() int       { return BOSToken }
func (t *tokenTable) EOS() int       { return EOSToken }
func (t *tokenTable) ID() string     { return t.id }

// appendBytes appends the byte tokens of b.
func appendBytes(ids []int, b []byte) []int {
	for _, c := range b {
		ids = append(ids, firstByteToken+int(c))
	}
	return ids
}

// maxPieceLen caps a pre-tokenized piece so that encoding stays linear on
// hostile input (a megabyte without a space); longer runs are cut.
const maxPieceLen = 48

type byteClass uint8

const (
	classLetter byteClass = iota
	classDigit
	classSpace
	classNewline
	classOtherSpace
	classPunct
)

var classes = func() [256]byte {
	var c [256]byte
	for i := range c {
		b := byte(i)
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= 0x80:
			c[i] = byte(classLetter)
		case b >= '0' && b <= '9':
			c[i] = byte(classDigit)
		case b == ' ':
			c[i] = byte(classSpace)
		case b == '\n':
			c[i] = byte(classNewline)
		case b == '\t' || b == '\r' || b == '\v' || b == '\f':
			c[i] = byte(classOtherSpace)
		default:
			c[i] = byte(classPunct)
		}
	}
	return c
}()

// splitPieces pre-tokenizes text on word boundaries: a run of letters, of
// digits or of punctuation, each with at most one leading space; runs of
// newlines; runs of other whitespace. Pieces concatenate back to text.
func splitPieces(text []byte, fn func(piece []byte)) {
	i := 0
	for i < len(text) {
		start := i
		c := byteClass(classes[text[i]])
		if c == classSpace && i+1 < len(text) {
			next := byteClass(classes[text[i+1]])
			if next == classLetter || next == classDigit || next == classPunct {
				i++
				c = next
			}
		}
		j := i + 1
		for j < len(text) && byteClass(classes[text[j]]) == c && j-start < maxPieceLen {
			j++
		}
		fn(text[start:j])
		i = j
	}
}

const tokenizerMagic = "PPLDTOK1"

// Tokenizer families as written by WriteTokenizer.
const (
	familyBPE  = "bpe"
	familyWord = "word"
)

// encodeBody serializes a family and its learned token list (the part the
// content hash covers).
func encodeBody(family string, learned [][]byte, extra []byte) []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(family)))
	b = append(b, family...)
	b = binary.AppendUvarint(b, uint64(len(learned)))
	for _, t := range learned {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
	}
	b = binary.AppendUvarint(b, uint64(len(extra)))
	return append(b, extra...)
}

func tokenizerID(family string, vocab int, body []byte) string {
	sum := sha256.Sum256(body)
	return fmt.Sprintf("%s%d-%s", family, vocab, hex.EncodeToString(sum[:4]))
}

// WriteTokenizer writes a tokenizer of this package in its binary format:
// magic, then the body (family, learned token bytes, family data).
func WriteTokenizer(w io.Writer, t Tokenizer) error {
	var body []byte
	switch t := t.(type) {
	case *BPE:
		body = t.body()
	case *WordTokenizer:
		body = t.body()
	default:
		return fmt.Errorf("lm: cannot serialize tokenizer %T", t)
	}
	var hdr []byte
	hdr = append(hdr, tokenizerMagic...)
	hdr = binary.AppendUvarint(hdr, uint64(len(body)))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// ReadTokenizer reads what WriteTokenizer wrote.
func ReadTokenizer(r io.Reader) (Tokenizer, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(tokenizerMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != tokenizerMagic {
		return nil, errors.New("lm: not a tokenizer file")
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 1<<30 {
		return nil, errors.New("lm: bad tokenizer header")
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return nil, fmt.Errorf("lm: reading tokenizer: %w", err)
	}
	return decodeTokenizer(body)
}

func decodeTokenizer(body []byte) (Tokenizer, error) {
	rest := body
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, errors.New("lm: corrupt tokenizer")
		}
		b := rest[k : k+int(n)]
		rest = rest[k+int(n):]
		return b, nil
	}
	family, err := next()
	if err != nil {
		return nil, err
	}
	count, k := binary.Uvarint(rest)
	if k <= 0 || count > uint64(len(rest)) {
		return nil, errors.New("lm: corrupt tokenizer")
	}
	rest = rest[k:]
	learned := make([][]byte, count)
	for i := range learned {
		if learned[i], err = next(); err != nil {
			return nil, err
		}
	}
	extra, err := next()
	if err != nil {
		return nil, err
	}
	switch string(family) {
	case familyBPE:
		return newBPEFromMerges(extra, learned)
	case familyWord:
		return newWordTokenizer(learned)
	}
	return nil, fmt.Errorf("lm: unknown tokenizer family %q", family)
}
