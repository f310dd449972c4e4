package zoo

import (
	"math"
	"testing"

	"github.com/ppldiff/ppldiff/harness/lm"
	gen "github.com/ppldiff/ppldiff/organisms/zoo"
)

// TestCorpusIsNotTriviallyPredictable trains a word-level 4-gram model on
// 24000 documents (about 1.9M tokens) of the general corpus and measures its
// perplexity on 1000 held-out documents: the issue asks for at least 40.
func TestCorpusIsNotTriviallyPredictable(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a 1.9M-token model")
	}
	c := gen.NewCorpus(1)
	var raw [][]byte
	for _, s := range c.Texts(30000, 33000) {
		raw = append(raw, []byte(s))
	}
	tok, err := lm.TrainWord(raw, 6000)
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]int
	for _, s := range c.Texts(0, 24000) {
		docs = append(docs, tok.Encode([]byte(s)))
	}
	counts := lm.Count(4, docs)
	if err := counts.SetVocabSize(tok.VocabSize()); err != nil {
		t.Fatal(err)
	}
	kn, err := lm.NewKN(counts)
	if err != nil {
		t.Fatal(err)
	}
	nll, n := 0.0, 0
	for _, s := range c.Texts(50000, 51000) {
		ctx := []int{lm.BOSToken}
		for _, w := range append(tok.Encode([]byte(s)), lm.EOSToken) {
			nll -= kn.LogProb(ctx, w)
			ctx = append(ctx, w)
			n++
		}
	}
	ppl := math.Exp(nll / float64(n))
	t.Logf("word-level 4-gram: %d training tokens, held-out perplexity %.1f over %d tokens", counts.Tokens(), ppl, n)
	if ppl < 40 {
		t.Errorf("held-out perplexity %.1f < 40", ppl)
	}
}
