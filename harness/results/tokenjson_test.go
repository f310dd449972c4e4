package results

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// The hand-written token encoding gives encoding/json's bytes for every
// kind of value a logprob takes: zero and -0, the exponent cut-offs, tiny
// and huge magnitudes, subnormals, and random values at every scale.
func TestTokenJSONMatchesEncodingJSON(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), -1, 1, -0.5, 1e-6, -1e-6, 9.999999e-7, 1e-7, -1.5e-7, 1e-10, 1e21, -1e21,
		9.99999e20, 1e22, 1.7976931348623157e308, -5e-324, math.SmallestNonzeroFloat64, 123456789.125, -2.302585092994046}
	r := rand.New(rand.NewPCG(15, 1))
	for range 20000 {
		exp := r.IntN(80) - 40
		vals = append(vals, (r.Float64()*2-1)*math.Pow(10, float64(exp)))
		vals = append(vals, math.Float64frombits(r.Uint64())) // any bits, NaN and Inf included
	}
	for i, v := range vals {
		tok := TokenLogprob{Start: r.IntN(1 << 20), End: r.IntN(1 << 20), Logprob: v}
		if i%7 == 0 {
			tok.Start = -tok.Start
		}
		want, wantErr := json.Marshal([3]any{tok.Start, tok.End, tok.Logprob})
		got, err := tok.MarshalJSON()
		if (err != nil) != (wantErr != nil) || string(got) != string(want) {
			t.Fatalf("%v: got %s, %v; want %s, %v", tok, got, err, want, wantErr)
		}
	}
}

// A sample's token arrays are written as encoding/json writes a plain
// slice of tokens: nil, empty and long ones.
func TestTokenArrayJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2))
	for _, n := range []int{-1, 0, 1, 2, 40, 1000} {
		var ts []TokenLogprob
		if n >= 0 {
			ts = make([]TokenLogprob, n)
		}
		for i := range ts {
			ts[i] = TokenLogprob{Start: r.IntN(5000), End: r.IntN(5000), Logprob: -r.ExpFloat64() * math.Pow(10, float64(r.IntN(12)-8))}
		}
		want, err := json.Marshal(ts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(TokenLogprobs(ts))
		if err != nil || string(got) != string(want) {
			t.Fatalf("%d tokens: got %s, %v; want %s", n, got, err, want)
		}
		var back TokenLogprobs
		if err := json.Unmarshal(got, &back); err != nil || len(back) != len(ts) || (ts == nil) != (back == nil) {
			t.Fatalf("%d tokens: read back %d, %v", n, len(back), err)
		}
	}
	if _, err := json.Marshal(TokenLogprobs{{Logprob: math.Inf(-1)}}); err == nil {
		t.Error("an infinite logprob was written")
	}
}
