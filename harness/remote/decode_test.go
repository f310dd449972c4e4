package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// stdDecode is the reference: what encoding/json makes of a body.
func stdDecode(data []byte) (vllmCompletion, error) {
	var v vllmCompletion
	err := json.Unmarshal(data, &v)
	return v, err
}

// checkFastDecode asserts the fast decoder's contract on one body: when it
// accepts, encoding/json accepts too and decodes to the same value; when it
// declines, it leaves its target untouched.
func checkFastDecode(t *testing.T, data []byte) (accepted bool) {
	t.Helper()
	sentinel := vllmCompletion{Choices: []vllmChoice{{Index: 99}}}
	got := sentinel
	if !got.decodeFast(data) {
		if d := cmp.Diff(sentinel, got); d != "" {
			t.Fatalf("declined but changed its target (-before +after):\n%s", d)
		}
		return false
	}
	if !json.Valid(data) {
		t.Fatalf("accepted invalid JSON %q", data)
	}
	want, err := stdDecode(data)
	if err != nil {
		t.Fatalf("accepted %q, which encoding/json rejects: %v", data, err)
	}
	if d := cmp.Diff(want, got, cmpopts.EquateNaNs()); d != "" { // NaN marks null
		t.Fatalf("fast and encoding/json decodes differ on %q (-std +fast):\n%s", data, d)
	}
	return true
}

func TestFastDecodeFixturesAndBatch(t *testing.T) {
	bodies := map[string][]byte{"simulated batch": SimGenerationBody(32, 64, 40, 151643)}
	for _, name := range []string{"vllm_generate.json", "vllm_echo.json", "vllm_prompt_logprobs.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		bodies[name] = b
	}
	for name, b := range bodies {
		if !checkFastDecode(t, b) {
			t.Errorf("%s: the fast decoder declined a well-formed vLLM answer", name)
		}
	}
}

// Bodies at the edges of the grammar and of encoding/json's leniency: each
// must be either decoded identically or left to encoding/json.
var fastDecodeEdgeCases = []string{
	`{"choices":[]}`,
	`{"choices":null}`,
	` {"choices" : [ {"index" : 0 , "token_ids" : [ ] , "logprobs" : { "token_logprobs" : [ ] , "tokens" : [ ] } } ] } `,
	`{"choices":[{"index":0,"finish_reason":null,"stop_reason":"</s>","logprobs":null,"token_ids":null}]}`,
	`{"choices":[{"index":1,"stop_reason":7,"logprobs":{"token_logprobs":[null,-0.5,-9999.0,-1e-3,0],"tokens":["token_id:1","x\"y","\u0041"]}}]}`,
	`{"choices":[{"prompt_logprobs":[null,{"12":{"logprob":-1.5,"rank":1,"decoded_token":"a"}}]}]}`,
	`{"Choices":[{"index":1}]}`,                    // case-insensitive match: encoding/json's business
	`{"choices":[{"INDEX":1}]}`,                    // likewise
	`{"choices":[{"index":1,"index":2}]}`,          // duplicate key
	`{"choices":[{"index":1.0}]}`,                  // not an int
	`{"choices":[{"index":99999999999999999999}]}`, // overflows
	`{"choices":[{"token_ids":[1,null]}]}`,         // null element
	`{"choices":[{"logprobs":{"token_logprobs":[1e400]}}]}`,
	`{"choices":[{"finish_reason":"st\u006fp"}]}`, // escaped value
	`{"choices":[{"finish_reason":"\xff"}]}`,      // invalid UTF-8
	`{"ch\u006fices":[]}`,                         // escaped key
	`{"choices":[{"index":0}]`,                    // truncated
	`{"choices":[{"index":0}]} x`,                 // trailing garbage
	`{"choices":[{"index":01}]}`,                  // leading zero
	`{"choices":[{"index":-}]}`,
	`{"choices":[{"text":"a` + "\n" + `b"}]}`, // control character in a string
	`{"choices":[{"extra":[1,{"a":[true,false,null]},"s\\"]}],"usage":{"x":1.5e+3}}`,
	`{"choices":[{"extra":[1,]}]}`,
	`{"choices":[{"extra":tru}]}`,
	`{"choices":[{"logprobs":{"tokens":[1]}}]}`,
	`null`,
	`[]`,
	``,
	nestedExtra(maxScanDepth), // the deepest the fast decoder skips
	nestedExtra(maxScanDepth + 1),
	nestedExtra(maxScanDepth)[:40], // truncated inside the nesting
}

// nestedExtra is a choice with an unknown field nested depth levels deep.
func nestedExtra(depth int) string {
	inner := strings.Repeat(`[{"k":`, depth/2) + strings.Repeat("[", depth%2) + "1" + strings.Repeat("]", depth%2) + strings.Repeat("}]", depth/2)
	return `{"choices":[{"extra":` + inner + `,"index":3}]}`
}

func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	for _, c := range fastDecodeEdgeCases {
		checkFastDecode(t, []byte(c))
	}
}

func FuzzFastDecode(f *testing.F) {
	for _, c := range fastDecodeEdgeCases {
		f.Add([]byte(c))
	}
	f.Add(SimGenerationBody(2, 3, 2, 7))
	f.Fuzz(func(t *testing.T, data []byte) { checkFastDecode(t, data) })
}

func TestTokenStringsIDs(t *testing.T) {
	const body = `{"tokens":["token_id:12","hello","token_id:x","token_\u0069d:7","token_id:+3"]}`
	var std vllmLogprobs
	if err := json.Unmarshal([]byte(body), &std); err != nil {
		t.Fatal(err)
	}
	var fast vllmLogprobs
	d := &vllmDecoder{jsonScanner: jsonScanner{data: []byte(body)}}
	if !d.logprobs(&fast) {
		t.Fatal("the fast decoder declined")
	}
	for name, lp := range map[string]vllmLogprobs{"encoding/json": std, "fast": fast} {
		ids, other, ok := lp.Tokens.idList()
		if ok || other != "hello" {
			t.Errorf("%s: idList reports %q, %v; want the first non-id, hello", name, other, ok)
		}
		var isID []bool
		for i := range lp.Tokens.len() {
			isID = append(isID, lp.Tokens.isID(i))
		}
		if d := cmp.Diff([]bool{true, false, false, true, true}, isID); d != "" {
			t.Errorf("%s: isID (-want +got):\n%s", name, d)
		}
		if d := cmp.Diff([]int{12, 0, 0, 7, 3}, ids); d != "" {
			t.Errorf("%s: ids (-want +got):\n%s", name, d)
		}
	}
	if err := json.Unmarshal([]byte(`{"tokens":[1]}`), &std); err == nil {
		t.Fatal("tokens that are not strings must fail to decode")
	}
}

// BenchmarkDecodeGenerationBatch decodes one simulated batch answer (32
// prompts, 32 or 64 new tokens each) and turns it into generations, as
// generateVLLM does; the Stdlib variant does the same with encoding/json
// (json.Valid, then Unmarshal), as the client did before it had its own
// decoder.
func BenchmarkDecodeGenerationBatch(b *testing.B) {
	for _, tokens := range []int{32, 64} {
		body := SimGenerationBody(32, tokens, 40, 151643)
		b.Run(fmt.Sprintf("tokens=%d", tokens), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var resp vllmCompletion
				if !resp.decodeFast(body) {
					b.Fatal("declined")
				}
				if _, err := parseVLLMGenerations(&resp, 32); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("tokens=%d/stdlib", tokens), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(body) {
					b.Fatal("invalid")
				}
				resp, err := stdDecode(body)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := parseVLLMGenerations(&resp, 32); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The scanner's float conversion must give strconv.ParseFloat's bits for
// every number, so served logprobs never depend on which decoder read them.
func TestScannerFloatMatchesParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []string{"0", "-0", "0.0", "-0.000", "1", "-9999.0", "0.1", "123456789012345.6", "9007199254740993",
		"9007199254740995", "9007199254740993.0", "18014398509481985", "0.13492701058033144", "-1.054176838711606",
		"1.0000000000000000000000001", "0.0000000000000000000001234", "1e-7", "-2.5E+3", "1234567890123456789",
		"12345678901234567890", "0.9999999999999999999", "-0.10000000149011612", "4503599627370497.5"}
	for range 200000 {
		x := -rng.ExpFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
		f32 := float64(float32(x)) // what a server computing in float32 prints
		digits := make([]byte, 16+rng.IntN(4))
		for i := range digits {
			digits[i] = byte('0' + rng.IntN(10))
		}
		digits[0] = byte('1' + rng.IntN(9))
		point := rng.IntN(len(digits) - 1)
		cases = append(cases,
			strconv.FormatFloat(x, 'f', -1, 64),
			strconv.FormatFloat(x, 'f', rng.IntN(20), 64),
			strconv.FormatFloat(f32, 'f', -1, 64),
			string(digits[:point+1])+"."+string(digits[point+1:]))
	}
	for _, c := range cases {
		want, err := strconv.ParseFloat(c, 64)
		if err != nil {
			t.Fatal(err)
		}
		s := jsonScanner{data: []byte(c)}
		got, ok := s.float()
		if !ok || !s.atEnd() {
			t.Fatalf("%s: not read as one number", c)
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%s: scanner %v, ParseFloat %v", c, got, want)
		}
	}
	for _, c := range []string{"-", "1.", ".5", "1e", "+1", "-x", ""} {
		s := jsonScanner{data: []byte(c)}
		if _, ok := s.float(); ok && s.atEnd() {
			t.Errorf("%q read as a number", c)
		}
	}
}

// decimalToFloat's exact check must hold on halfway cases, where rounding
// to even decides: integers just above 2^53 are the ones with few digits.
func TestDecimalToFloatHalfway(t *testing.T) {
	for m := uint64(1 << 53); m < 1<<53+64; m++ {
		for k := range 4 {
			mant := m * pow10Int[k]
			got, ok := decimalToFloat(mant, k)
			want, _ := strconv.ParseFloat(strconv.FormatUint(mant, 10)+"e-"+strconv.Itoa(k), 64)
			if !ok || got != want {
				t.Fatalf("%d/10^%d: got %v (ok %v), want %v", mant, k, got, ok, want)
			}
		}
	}
}

// The fast decoder skips nesting up to maxScanDepth itself and leaves
// deeper documents to encoding/json.
func TestFastDecodeNestingLimit(t *testing.T) {
	if !checkFastDecode(t, []byte(nestedExtra(maxScanDepth))) {
		t.Errorf("declined nesting of depth %d", maxScanDepth)
	}
	if checkFastDecode(t, []byte(nestedExtra(maxScanDepth+1))) {
		t.Errorf("accepted nesting of depth %d", maxScanDepth+1)
	}
}

// FuzzScannerFloat: whatever the scanner reads as a whole number must be
// exactly what strconv.ParseFloat reads, and it must read every plain
// decimal that ParseFloat does.
func FuzzScannerFloat(f *testing.F) {
	for _, c := range []string{"0", "-0.10000000149011612", "9007199254740993", "1e-7", "12345678901234567.89", "-9999.0"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		s := jsonScanner{data: []byte(c)}
		got, ok := s.float()
		whole := ok && s.pos == len(c)
		trimmed := strings.TrimLeft(c, " \t\n\r") // JSON space before a value
		want, err := strconv.ParseFloat(trimmed, 64)
		isJSONNumber := json.Valid([]byte(trimmed)) && trimmed != "" && (trimmed[0] == '-' || isDigit(trimmed[0]))
		if isJSONNumber && err == nil && !whole {
			t.Fatalf("%q is a JSON number ParseFloat reads, but the scanner did not read it whole", c)
		}
		if whole {
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				t.Fatalf("%q read as %v; ParseFloat: %v", c, got, err)
			}
			if err == nil && math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("%q: scanner %v, ParseFloat %v", c, got, want)
			}
		}
	})
}
