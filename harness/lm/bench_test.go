package lm

import (
	"bytes"
	"context"
	"math/rand/v2"
	"sync"
	"testing"
)

// benchCorpus is ~size bytes of seeded pseudo-English: Zipf-distributed
// random-letter words with Markov structure, punctuation and paragraphs.
func benchCorpus(size int) [][]byte {
	r := rand.New(rand.NewPCG(99, 1))
	lex := make([]string, 20000)
	for i := range lex {
		b := make([]byte, 2+int(r.ExpFloat64()*4))
		for j := range b {
			b[j] = "etaoinshrdlucmfwypvbgkjqxz"[int(r.ExpFloat64()*5)%26]
		}
		lex[i] = string(b)
	}
	text := zipfMarkovText(r, size/40, len(lex), 0.3)
	var docs [][]byte
	var doc bytes.Buffer
	for _, line := range bytes.Split(text, []byte("\n")) {
		for i, f := range bytes.Fields(line) {
			if string(f) == "<s>" || string(f) == "</s>" {
				continue
			}
			if i > 1 {
				doc.WriteByte(' ')
			}
			var n int
			for _, c := range f[1:] {
				n = n*10 + int(c-'0')
			}
			doc.WriteString(lex[n])
		}
		doc.WriteString(".\n")
		if doc.Len() > 2000 {
			docs = append(docs, bytes.Clone(doc.Bytes()))
			doc.Reset()
		}
	}
	return docs
}

var benchTok *BPE

var benchData = sync.OnceValues(func() ([][]byte, [][]int) {
	docs := benchCorpus(3 << 20)
	tok, err := TrainBPE(docs[:len(docs)/4], 4096)
	if err != nil {
		panic(err)
	}
	benchTok = tok
	ids := make([][]int, len(docs))
	for i, d := range docs {
		ids[i] = tok.Encode(d)
	}
	return docs, ids
})

func corpusTokens(ids [][]int) int {
	n := 0
	for _, d := range ids {
		n += len(d) + 1
	}
	return n
}

func BenchmarkTrainBPE4k(b *testing.B) {
	docs := benchCorpus(5 << 20)
	size := 0
	for _, d := range docs {
		size += len(d)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		if _, err := TrainBPE(docs, 4096); err != nil {
			b.Fatal(err)
		}
	}
}

func benchTrain(b *testing.B, order int) {
	_, ids := benchData()
	b.ResetTimer()
	for b.Loop() {
		if _, err := NewKN(Count(order, ids)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(corpusTokens(ids))*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkTrainKN3(b *testing.B) { benchTrain(b, 3) }
func BenchmarkTrainKN5(b *testing.B) { benchTrain(b, 5) }

func BenchmarkFinetune(b *testing.B) {
	_, ids := benchData()
	m, err := NewKN(Count(5, ids[len(ids)/2:]))
	if err != nil {
		b.Fatal(err)
	}
	obj := Count(5, ids[:100])
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Finetune(obj, 5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(obj.Tokens())*float64(b.N)/b.Elapsed().Seconds(), "objective_tokens/s")
}

func benchModel(b *testing.B, order int, finetuned bool) (Model, [][]int) {
	_, ids := benchData()
	train, held := ids[len(ids)/10:], ids[:len(ids)/10]
	c := Count(order, train)
	if err := c.SetVocabSize(benchTok.VocabSize()); err != nil {
		b.Fatal(err)
	}
	kn, err := NewKN(c)
	if err != nil {
		b.Fatal(err)
	}
	if finetuned {
		if kn, err = kn.Finetune(Count(order, held[:20]), 5); err != nil {
			b.Fatal(err)
		}
	}
	return NewModel(ModelInfo{}, benchTok, kn, nil), held
}

func benchScore(b *testing.B, finetuned bool) {
	m, held := benchModel(b, 4, finetuned)
	items := make([]ScoreItem, len(held))
	tokens := 0
	for i, d := range held {
		items[i] = ScoreItem{Context: []int{BOSToken}, Continuation: d}
		tokens += len(d)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Score(context.Background(), items); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkScore4gram(b *testing.B)          { benchScore(b, false) }
func BenchmarkScore4gramFinetuned(b *testing.B) { benchScore(b, true) }

// benchGenerate measures generation; coldCache empties greedy decoding's
// candidate cache before every iteration, so that its building is counted.
func benchGenerate(b *testing.B, temperature float64, coldCache bool) {
	m, held := benchModel(b, 4, true)
	prompts := make([][]int, 50)
	for i := range prompts {
		prompts[i] = append([]int{BOSToken}, held[i][:3]...)
	}
	tokens := 0
	b.ResetTimer()
	for b.Loop() {
		if kn := m.(*inProcess).kn; coldCache {
			kn.greedy = newGreedyCache(greedyCacheEntries)
		}
		gens, err := m.Generate(context.Background(), GenerateRequest{Prompts: prompts, MaxNewTokens: 64, Temperature: temperature, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for _, g := range gens {
			tokens += len(g.Tokens)
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkGenerateSample(b *testing.B)          { benchGenerate(b, 1, false) }
func BenchmarkGenerateGreedy(b *testing.B)          { benchGenerate(b, 0, false) }
func BenchmarkGenerateGreedyColdCache(b *testing.B) { benchGenerate(b, 0, true) }
