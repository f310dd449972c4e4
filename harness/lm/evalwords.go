package lm

import (
	"bufio"
	"errors"
	"io"
	"math"
	"strings"
)

// WordEval is one scored word of EvalWords.
type WordEval struct {
	// NGram is the context and the word (as IRSTLM prints it at --debug=2).
	NGram []string
	// Order is the order of the n-gram that supplied the probability.
	Order int
	// Log10 is log10 P(word | context), OOV penalty included.
	Log10 float64
	OOV   bool
}

// EvalResult sums up EvalWords, in the terms of IRSTLM's compile-lm --eval.
type EvalResult struct {
	Words   []WordEval
	Nw      int     // scored words (</s> included, <s> excluded)
	Noov    int     // words outside the vocabulary, scored as <unk>
	LogPr   float64 // total log10 probability
	Penalty float64 // log10 OOV penalty subtracted per OOV word
}

// PP is the perplexity 10^(-LogPr/Nw).
func (r EvalResult) PP() float64 { return math.Pow(10, -r.LogPr/float64(r.Nw)) }

// DefaultDictUpperBound is IRSTLM's default dictionary upper bound (dub).
const DefaultDictUpperBound = 1e7

// EvalWords scores whitespace-separated words the way IRSTLM's compile-lm
// --eval does. The text is one stream: <s> resets the context and is not
// scored; every other word, </s> included, is scored given up to Order-1
// previous words. A word outside the vocabulary is scored as <unk> and, as
// found by experiment with compile-lm --dub (IRSTLM 6.00.05), penalised by
// log10(dub - V), V being the number of unigrams in the model (<s>, </s> and
// <unk> included): log10 P = log10 P(<unk> | context) - log10(dub - V).
// The model must contain <unk>.
func EvalWords(m *ARPAModel, text io.Reader, dub float64) (EvalResult, error) {
	return evalWords(m, text, dub, true)
}

// EvalTotals is EvalWords without the per-word records (Words is nil), as
// compile-lm --eval prints only totals.
func EvalTotals(m *ARPAModel, text io.Reader, dub float64) (EvalResult, error) {
	return evalWords(m, text, dub, false)
}

func evalWords(m *ARPAModel, text io.Reader, dub float64, perWord bool) (EvalResult, error) {
	unk, ok := m.index[arpaUnk]
	if !ok {
		return EvalResult{}, errors.New("lm: ARPA model has no <unk>")
	}
	res := EvalResult{}
	if v := float64(len(m.words)); dub > v {
		res.Penalty = math.Log10(dub - v)
	}
	sc := bufio.NewScanner(text)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	sc.Split(bufio.ScanWords)
	var ctx []int
	var ctxWords []string
	for sc.Scan() {
		word := sc.Text()
		if word == arpaBOS && m.bos >= 0 {
			ctx, ctxWords = append(ctx[:0], m.bos), append(ctxWords[:0], word)
			continue
		}
		id, known := m.index[word]
		oov := !known
		if oov {
			id, word = unk, arpaUnk
		}
		if len(ctx) > m.order-1 {
			ctx, ctxWords = ctx[len(ctx)-(m.order-1):], ctxWords[len(ctxWords)-(m.order-1):]
		}
		lp, order := m.log10Prob(ctx, id)
		if oov {
			lp -= res.Penalty
			res.Noov++
		}
		if perWord {
			ngram := append(append([]string(nil), ctxWords...), word)
			res.Words = append(res.Words, WordEval{NGram: ngram, Order: order, Log10: lp, OOV: oov})
		}
		res.Nw++
		res.LogPr += lp
		ctx, ctxWords = append(ctx, id), append(ctxWords, word)
	}
	return res, sc.Err()
}

// String renders an n-gram as IRSTLM prints it.
func (w WordEval) String() string { return strings.Join(w.NGram, " ") }
