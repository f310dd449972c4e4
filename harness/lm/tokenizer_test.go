package lm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// sampleText is seeded English-like text with punctuation, digits, newlines
// and some UTF-8, for tokenizer tests.
func sampleText(seed uint64, docs int) [][]byte {
	r := rand.New(rand.NewPCG(seed, 3))
	words := []string{"the", "cat", "sat", "on", "a", "mat", "and", "then", "ran", "away", "from", "dog",
		"naïve", "café", "über", "while", "it", "was", "raining", "outside", "today", "tomorrow"}
	out := make([][]byte, docs)
	for i := range out {
		var b bytes.Buffer
		for j := range 20 + r.IntN(60) {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[int(r.ExpFloat64()*5)%len(words)])
			switch r.IntN(12) {
			case 0:
				b.WriteString(".")
			case 1:
				b.WriteString(",")
			case 2:
				fmt.Fprintf(&b, " %d", r.IntN(2000))
			case 3:
				b.WriteString("\n\n")
			}
		}
		out[i] = b.Bytes()
	}
	return out
}

func trainBoth(t testing.TB) (*BPE, *WordTokenizer) {
	docs := sampleText(1, 200)
	bpe, err := TrainBPE(docs, 400)
	must(t, err)
	word, err := TrainWord(docs, 300)
	must(t, err)
	return bpe, word
}

func TestTokenizersRoundTripAndDiffer(t *testing.T) {
	bpe, word := trainBoth(t)
	if bpe.VocabSize() != 400 || word.VocabSize() > 300 {
		t.Fatalf("vocab sizes %d, %d", bpe.VocabSize(), word.VocabSize())
	}
	text := []byte("the cat sat on the mat, naïve café 1234\n\nunseenword \x00\xff")
	for _, tok := range []Tokenizer{bpe, word} {
		ids := tok.Encode(text)
		if got := tok.Decode(ids); !bytes.Equal(got, text) {
			t.Errorf("%s: Decode(Encode(x)) = %q", tok.ID(), got)
		}
		for _, id := range ids {
			if id == tok.BOS() || id == tok.EOS() || id >= tok.VocabSize() {
				t.Errorf("%s: Encode produced id %d", tok.ID(), id)
			}
		}
	}
	if fmt.Sprint(bpe.Encode(text)) == fmt.Sprint(word.Encode(text)) {
		t.Error("BPE and word tokenizers split the text identically")
	}
	if len(bpe.Encode([]byte("the cat"))) >= len("the cat") {
		t.Error("BPE learned no merges for frequent words")
	}
}

func TestTokenizersDeterministicAndSerialised(t *testing.T) {
	a1, w1 := trainBoth(t)
	a2, w2 := trainBoth(t)
	if a1.ID() != a2.ID() || w1.ID() != w2.ID() {
		t.Fatalf("training is not deterministic: %s/%s, %s/%s", a1.ID(), a2.ID(), w1.ID(), w2.ID())
	}
	for _, tok := range []Tokenizer{a1, w1} {
		var buf bytes.Buffer
		must(t, WriteTokenizer(&buf, tok))
		back, err := ReadTokenizer(&buf)
		must(t, err)
		if back.ID() != tok.ID() {
			t.Errorf("read back %s as %s", tok.ID(), back.ID())
		}
		text := sampleText(9, 3)[2]
		if fmt.Sprint(back.Encode(text)) != fmt.Sprint(tok.Encode(text)) {
			t.Errorf("%s: read-back tokenizer encodes differently", tok.ID())
		}
	}
}

func FuzzTokenizersRoundTrip(f *testing.F) {
	bpe, word := trainBoth(f)
	f.Add([]byte("the cat sat"))
	f.Add([]byte("  \n\t\r\x00\xff\xfe naïve"))
	f.Add(bytes.Repeat([]byte("a"), 200))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, tok := range []Tokenizer{bpe, word} {
			if got := tok.Decode(tok.Encode(b)); !bytes.Equal(got, b) {
				t.Fatalf("%s: Decode(Encode(%q)) = %q", tok.ID(), b, got)
			}
		}
	})
}
