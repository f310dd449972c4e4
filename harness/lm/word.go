package lm

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// WordTokenizer is a word-level tokenizer: its pieces are the
// pre-tokenizer's words (with their leading space), punctuation runs and
// newline runs. The most frequent pieces of the training data are tokens;
// any other piece falls back to byte tokens, so decoding round-trips.
type WordTokenizer struct {
	tokenTable
	index map[string]int
}

// TrainWord keeps the vocabSize-258 most frequent multi-byte pieces of docs
// (ties in byte order) as tokens.
func TrainWord(docs [][]byte, vocabSize int) (*WordTokenizer, error) {
	if vocabSize < firstLearned {
		return nil, fmt.Errorf("lm: word vocab size %d below the %d specials and bytes", vocabSize, firstLearned)
	}
	freq := map[string]int{}
	for _, d := range docs {
		splitPieces(d, func(p []byte) {
			if len(p) > 1 { // single bytes are byte tokens already
				freq[string(p)]++
			}
		})
	}
	type pc struct {
		piece string
		n     int
	}
	all := make([]pc, 0, len(freq))
	for p, n := range freq {
		all = append(all, pc{p, n})
	}
	slices.SortFunc(all, func(a, b pc) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.piece, b.piece)
	})
	all = all[:min(len(all), vocabSize-firstLearned)]
	learned := make([][]byte, len(all))
	for i, p := range all {
		learned[i] = []byte(p.piece)
	}
	return newWordTokenizer(learned)
}

func newWordTokenizer(learned [][]byte) (*WordTokenizer, error) {
	t := &WordTokenizer{tokenTable: tokenTable{learned: learned}, index: make(map[string]int, len(learned))}
	for i, p := range learned {
		if len(p) < 2 {
			return nil, errors.New("lm: word piece shorter than two bytes")
		}
		if _, dup := t.index[string(p)]; dup {
			return nil, fmt.Errorf("lm: duplicate word piece %q", p)
		}
		t.index[string(p)] = firstLearned + i
	}
	t.id = tokenizerID(familyWord, t.VocabSize(), t.body())
	return t, nil
}

// Encode maps each piece to its token, or to its bytes when out of vocabulary.
func (t *WordTokenizer) Encode(text []byte) []int {
	ids := make([]int, 0, len(text)/4+1)
	splitPieces(text, func(p []byte) {
		if id, ok := t.index[string(p)]; ok {
			ids = append(ids, id)
			return
		}
		ids = appendBytes(ids, p)
	})
	return ids
}

func (t *WordTokenizer) body() []byte { return encodeBody(familyWord, t.learned, nil) }
