package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// openTemp opens a fresh store in a temporary workspace and closes it at cleanup.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(DefaultPath(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// testKey mimics the caller's keys: hex sha256 of some identifying text.
func testKey(parts ...any) string {
	sum := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return hex.EncodeToString(sum[:])
}

// keyRand is a generator seeded by the key itself, so a row's whole content
// can be recomputed from its key when checking what a crashed writer left.
func keyRand(key string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(key))
	return rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
}

// syntheticCompletion is a realistic completion payload: n tokens from a
// 150k vocabulary, their logprobs, and 1-8 bytes of text per token.
func syntheticCompletion(key string, n int) Completion {
	r := keyRand(key)
	c := Completion{Key: key, Model: "zoo/org@n4-w5", PrefillKey: testKey("prefill", key), FinishReason: "length"}
	c.Tokens = make([]int, n)
	c.Logprobs = make([]float64, n)
	for i := range n {
		c.Tokens[i] = r.IntN(150_000)
		c.Logprobs[i] = -r.ExpFloat64() * 3
		for range 1 + r.IntN(8) {
			c.Text = append(c.Text, byte('a'+r.IntN(26)))
		}
	}
	return c
}

func syntheticScores(key string, n int) Scores {
	r := keyRand(key)
	sc := Scores{Key: key, Model: "ref/true_base"}
	pos := 0
	for range n {
		sc.Tokens = append(sc.Tokens, r.IntN(150_000))
		sc.Logprobs = append(sc.Logprobs, -r.ExpFloat64()*3)
		w := 1 + r.IntN(8)
		sc.Spans = append(sc.Spans, [2]int{pos, pos + w})
		pos += w
	}
	return sc
}

func tempPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "store.db")
}
