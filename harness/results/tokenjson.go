package results

import (
	"bytes"
	"math"
	"strconv"
)

// samples.jsonl holds three numbers per token of its top completions, tens
// of thousands of tokens per run; encoding each through json.Marshal of an
// []any was most of writing the file. appendJSON writes the same bytes
// directly (TestTokenJSONMatchesEncodingJSON compares them), and a
// sample's tokens are written as one array, not one marshaler call each.

// TokenLogprobs are a completion's tokens as samples.jsonl holds them.
type TokenLogprobs []TokenLogprob

// MarshalJSON writes the tokens as encoding/json would write the slice:
// null when nil.
func (ts TokenLogprobs) MarshalJSON() ([]byte, error) {
	if ts == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 2+24*len(ts))
	b = append(b, '[')
	for i, t := range ts {
		if math.IsNaN(t.Logprob) || math.IsInf(t.Logprob, 0) {
			return t.MarshalJSON() // its error
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = t.appendJSON(b)
	}
	return append(b, ']'), nil
}
func (t TokenLogprob) appendJSON(b []byte) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(t.Start), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(t.End), 10)
	b = append(b, ',')
	b = appendJSONFloat(b, t.Logprob)
	return append(b, ']')
}

// appendJSONFloat writes a finite f as encoding/json does: the shortest
// decimal that reads back as f, in exponent form only below 1e-6 or from
// 1e21 on in magnitude, with the exponent's digits unpadded (1e-7, not
// 1e-07).
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	if abs == 0 || (abs >= 1e-6 && abs < 1e21) {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	e := start + bytes.IndexByte(b[start:], 'e')
	// b[e+1] is the sign; strconv pads the exponent to two digits.
	if len(b)-(e+2) == 2 && b[e+2] == '0' {
		b = append(b[:e+2], b[e+3])
	}
	return b
}
