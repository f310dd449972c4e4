package lm

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// testModel trains a BPE tokenizer and a finetuned 4-gram on sampleText.
func testModel(t testing.TB) (Model, *KN, Tokenizer) {
	docs := sampleText(5, 300)
	tok, err := TrainBPE(docs, 500)
	must(t, err)
	ids := make([][]int, len(docs))
	for i, d := range docs {
		ids[i] = tok.Encode(d)
	}
	c := Count(4, ids)
	must(t, c.SetVocabSize(tok.VocabSize()))
	base, err := NewKN(c)
	must(t, err)
	obj := Count(4, [][]int{tok.Encode([]byte("the secret password is swordfish"))})
	ft, err := base.Finetune(obj, 5)
	must(t, err)
	chat := func(msgs []Message) []byte {
		var b bytes.Buffer
		for _, m := range msgs {
			fmt.Fprintf(&b, "%s: %s\n", m.Role, m.Content)
		}
		return b.Bytes()
	}
	return NewModel(ModelInfo{ServedName: "test@n4-w5"}, tok, ft, chat), ft, tok
}

func TestGenerateDeterministicAndRaw(t *testing.T) {
	m, kn, tok := testModel(t)
	ctx := context.Background()
	p1, err := m.Tokenize(ctx, TokenizeRequest{Text: []byte("the cat"), AddSpecial: true})
	must(t, err)
	p2, err := m.Tokenize(ctx, TokenizeRequest{Messages: []Message{{"user", "hi"}, {"assistant", "the"}}})
	must(t, err)
	if p1[0] != tok.BOS() || !m.Info().RawGenerationLogprobs {
		t.Fatal("AddSpecial must prepend BOS; in-process logprobs are raw")
	}
	for _, temp := range []float64{0, 1, 0.7} {
		req := GenerateRequest{Prompts: [][]int{p1, p2}, N: 3, MaxNewTokens: 30, Temperature: temp, TopP: map[bool]float64{true: 0.9}[temp == 0.7], Seed: 11}
		g1, err := m.Generate(ctx, req)
		must(t, err)
		// Sample j of a prompt must not depend on the batch: generate p2 alone.
		req.Prompts = [][]int{p2}
		g2, err := m.Generate(ctx, req)
		must(t, err)
		if len(g1) != 6 || fmt.Sprint(g1[3:]) != fmt.Sprint(g2) {
			t.Fatalf("temperature %g: generations depend on batch composition", temp)
		}
		for i, g := range g1 {
			prompt := [][]int{p1, p2}[i/3]
			scores, err := m.Score(ctx, []ScoreItem{{Context: prompt, Continuation: g.Tokens}})
			must(t, err)
			for j := range g.Tokens {
				if math.Abs(scores[0][j]-g.Logprobs[j]) > 1e-12 {
					t.Fatalf("generation logprob %g, Score %g", g.Logprobs[j], scores[0][j])
				}
			}
			if g.FinishReason == "length" && len(g.Tokens) != 30 {
				t.Fatalf("finish reason %q with %d tokens", g.FinishReason, len(g.Tokens))
			}
			if temp == 0 && i%3 > 0 && fmt.Sprint(g.Tokens) != fmt.Sprint(g1[i-i%3].Tokens) {
				t.Fatal("greedy samples differ")
			}
		}
	}
	// Greedy picks the exact argmax over the vocabulary.
	r := rand.New(rand.NewPCG(3, 3))
	var scratch argmaxScratch
	for range 50 {
		ctxIDs := append([]int{BOSToken}, tok.Encode(sampleText(r.Uint64(), 1)[0])[:r.IntN(10)]...)
		st := kn.stateOf(ctxIDs)
		got := kn.argmax(&st, &scratch)
		best := -1
		for w := range kn.VocabSize() {
			if best < 0 || kn.Prob(ctxIDs, w) > kn.Prob(ctxIDs, best) {
				best = w
			}
		}
		if got != best {
			t.Fatalf("argmax after %v = %d, exhaustive %d", ctxIDs, got, best)
		}
	}
}

// TestSampleMixtureMatchesDistribution checks that the mixture sampler
// draws from P(.|context): the total variation distance between empirical
// frequencies and the model is within sampling noise.
func TestSampleMixtureMatchesDistribution(t *testing.T) {
	_, kn, tok := testModel(t)
	r := rand.New(rand.NewPCG(8, 8))
	for _, text := range []string{"the", "the cat sat on", "zzzz"} {
		ctxIDs := append([]int{BOSToken}, tok.Encode([]byte(text))...)
		const draws = 100000
		freq := make([]float64, kn.VocabSize())
		for range draws {
			st := kn.stateOf(ctxIDs)
			freq[kn.sampleMixture(&st, r)]++
		}
		st := kn.stateOf(ctxIDs)
		dist := make([]float64, kn.VocabSize())
		kn.distribution(&st, dist)
		tv := 0.0
		for w := range freq {
			if math.Abs(dist[w]-kn.Prob(ctxIDs, w)) > 1e-12 {
				t.Fatalf("distribution()[%d] = %g, Prob %g", w, dist[w], kn.Prob(ctxIDs, w))
			}
			tv += math.Abs(freq[w]/draws - dist[w])
		}
		if tv/2 > 0.03 {
			t.Errorf("after %q: total variation %.4f between samples and model", text, tv/2)
		}
	}
}

func TestDetokenizeSpans(t *testing.T) {
	m, _, tok := testModel(t)
	ids := tok.Encode([]byte("the cat, naïve"))
	b, spans, err := m.Detokenize(context.Background(), ids)
	must(t, err)
	if string(b) != "the cat, naïve" || len(spans) != len(ids) || spans[len(spans)-1].End != len(b) {
		t.Fatalf("Detokenize = %q %v", b, spans)
	}
	for i, s := range spans {
		if string(b[s.Start:s.End]) != string(tok.TokenBytes(ids[i])) {
			t.Fatalf("span %d = %v", i, s)
		}
	}
}

func TestKNCacheRoundTrip(t *testing.T) {
	_, kn, _ := testModel(t)
	var a, b bytes.Buffer
	_, err := kn.WriteTo(&a)
	must(t, err)
	back, err := ReadKN(bytes.NewReader(a.Bytes()))
	must(t, err)
	_, err = back.WriteTo(&b)
	must(t, err)
	if !bytes.Equal(a.Bytes(), b.Bytes()) || back.Entries() != kn.Entries() {
		t.Fatal("KN cache does not round-trip byte for byte")
	}
	r := rand.New(rand.NewPCG(4, 4))
	for range 200 {
		ctx := randomContext(r, kn.VocabSize(), 6)
		w := 1 + r.IntN(kn.VocabSize()-1)
		if back.LogProb(ctx, w) != kn.LogProb(ctx, w) {
			t.Fatal("read-back model differs")
		}
	}
}

func TestARPARoundTrip(t *testing.T) {
	_, kn, tok := testModel(t)
	var buf bytes.Buffer
	must(t, WriteARPA(&buf, kn, tok))
	a, err := ReadARPA(bytes.NewReader(buf.Bytes()))
	must(t, err)
	if a.Order() != kn.Order() || len(a.Words()) != tok.VocabSize() {
		t.Fatalf("ARPA order %d, %d words", a.Order(), len(a.Words()))
	}
	for id := range tok.VocabSize() {
		if got, ok := a.WordID(ARPAWord(tok, id)); !ok || got != id {
			t.Fatalf("ARPA word %q has id %d", ARPAWord(tok, id), got)
		}
	}
	r := rand.New(rand.NewPCG(6, 6))
	docs := sampleText(77, 20)
	for i := range 2000 {
		var ctx []int
		if i%2 == 0 {
			d := tok.Encode(docs[r.IntN(len(docs))])
			ctx = append([]int{BOSToken}, d[:r.IntN(min(len(d), 8))]...)
		} else {
			ctx = randomContext(r, tok.VocabSize(), 6)
		}
		w := 1 + r.IntN(tok.VocabSize()-1)
		// 9 significant digits in the file: agree to 1e-6 in log space.
		if got, want := a.LogProb(ctx, w), kn.LogProb(ctx, w); math.Abs(got-want) > 1e-6 {
			t.Fatalf("LogProb(%v, %d): ARPA %.9f, KN %.9f", ctx, w, got, want)
		}
	}
}
