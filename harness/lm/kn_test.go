package lm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomDocs draws seeded token documents from a small Markov source so that
// n-grams repeat (count-of-counts of all sizes occur).
func randomDocs(seed uint64, docs, maxLen, vocab int) [][]int {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]int, docs)
	for i := range out {
		n := 1 + r.IntN(maxLen)
		d := make([]int, n)
		prev := 0
		for j := range d {
			if r.IntN(3) > 0 {
				d[j] = firstByteToken + (prev*7+r.IntN(4))%(vocab-firstByteToken)
			} else {
				d[j] = firstByteToken + int(r.ExpFloat64()*8)%(vocab-firstByteToken)
			}
			prev = d[j]
		}
		out[i] = d
	}
	return out
}

func randomContext(r *rand.Rand, vocab, maxLen int) []int {
	ctx := make([]int, r.IntN(maxLen+1))
	for i := range ctx {
		ctx[i] = firstByteToken + r.IntN(vocab-firstByteToken)
	}
	if len(ctx) > 0 && r.IntN(2) == 0 {
		ctx[0] = BOSToken
	}
	return ctx
}

func TestKNNormalised(t *testing.T) {
	const vocab = 60
	for order := 2; order <= MaxOrder; order++ {
		c := Count(order, randomDocs(uint64(order), 200, 30, vocab))
		if err := c.SetVocabSize(vocab); err != nil {
			t.Fatal(err)
		}
		m, err := NewKN(c)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(42, uint64(order)))
		for range 50 {
			ctx := randomContext(r, vocab, 8)
			sum := 0.0
			for w := range vocab {
				p := math.Exp(m.LogProb(ctx, w))
				if w == BOSToken && p != 0 {
					t.Fatalf("order %d: P(BOS|%v) = %g, want 0", order, ctx, p)
				}
				sum += p
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Fatalf("order %d: probabilities after %v sum to %.12f", order, ctx, sum)
			}
		}
	}
}

func TestFinetuneEqualsRecount(t *testing.T) {
	const vocab = 50
	for order := 2; order <= MaxOrder; order++ {
		baseDocs := randomDocs(uint64(10+order), 150, 25, vocab)
		objDocs := randomDocs(uint64(100+order), 20, 15, vocab+5) // new tokens and n-grams
		for _, weight := range []int{1, 3} {
			base := Count(order, baseDocs)
			must(t, base.SetVocabSize(vocab+5))
			bm, err := NewKN(base)
			must(t, err)
			obj := Count(order, objDocs)
			ft, err := bm.Finetune(obj, weight)
			must(t, err)
			all := append([][]int(nil), baseDocs...)
			for range weight {
				all = append(all, objDocs...)
			}
			rc := Count(order, all)
			must(t, rc.SetVocabSize(vocab+5))
			want, err := NewKN(rc)
			must(t, err)
			if ft.Entries() != want.Entries() {
				t.Errorf("order %d w%d: entries %d, recount %d", order, weight, ft.Entries(), want.Entries())
			}
			r := rand.New(rand.NewPCG(7, uint64(order)))
			for i := range 400 {
				var ctx []int
				if i%2 == 0 { // contexts from the objective, where the overlay matters
					d := objDocs[r.IntN(len(objDocs))]
					ctx = append([]int{BOSToken}, d[:r.IntN(len(d))]...)
				} else {
					ctx = randomContext(r, vocab+5, 8)
				}
				w := 1 + r.IntN(vocab+4)
				got, exp := ft.LogProb(ctx, w), want.LogProb(ctx, w)
				if math.Abs(got-exp) > 1e-9 {
					t.Fatalf("order %d w%d: LogProb(%v, %d) = %.12f, recount %.12f", order, weight, ctx, w, got, exp)
				}
			}
			// A finetune of a finetune stacks like a recount too.
			ft2, err := ft.Finetune(obj, 1)
			must(t, err)
			all = append(all, objDocs...)
			rc2 := Count(order, all)
			must(t, rc2.SetVocabSize(vocab+5))
			want2, err := NewKN(rc2)
			must(t, err)
			for range 100 {
				ctx := randomContext(r, vocab+5, 6)
				w := 1 + r.IntN(vocab+4)
				if got, exp := ft2.LogProb(ctx, w), want2.LogProb(ctx, w); math.Abs(got-exp) > 1e-9 {
					t.Fatalf("order %d: stacked finetune LogProb %.12f, recount %.12f", order, got, exp)
				}
			}
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
