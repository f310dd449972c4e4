package remote

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
)

// fastDecoder is implemented by response types with a hand-written decoder
// for their hot path. decodeFast reports false, leaving the value
// untouched, whenever it cannot decode exactly as encoding/json would;
// the caller then uses encoding/json, so results and errors never depend
// on which path decoded. True implies data is valid JSON.
type fastDecoder interface {
	decodeFast(data []byte) bool
}

// nullableFloats is a JSON list of numbers and nulls; NaN (which JSON
// cannot carry) marks a null, so no pointer per element is needed.
type nullableFloats []float64

// at returns element i and false when it is null.
func (f nullableFloats) at(i int) (float64, bool) {
	return f[i], !math.IsNaN(f[i])
}

func (f *nullableFloats) UnmarshalJSON(b []byte) error {
	var ps []*float64
	if err := json.Unmarshal(b, &ps); err != nil {
		return err
	}
	if ps == nil {
		*f = nil
		return nil
	}
	out := make(nullableFloats, len(ps))
	for i, p := range ps {
		out[i] = math.NaN()
		if p != nil {
			out[i] = *p
		}
	}
	*f = out
	return nil
}

// tokenStrings is CompletionLogProbs.tokens read as token ids: with
// return_tokens_as_token_ids every token is "token_id:N". A token that is
// not is kept as text in others, by position (its id reads 0), for the
// error that reports it. A JSON null leaves ids nil.
type tokenStrings struct {
	ids    []int
	others map[int]string
}

// Equal compares decoded contents (cmp uses it in tests).
func (t tokenStrings) Equal(u tokenStrings) bool {
	return (t.ids == nil) == (u.ids == nil) && slices.Equal(t.ids, u.ids) && maps.Equal(t.others, u.others)
}

func (t *tokenStrings) UnmarshalJSON(b []byte) error {
	var strs []string
	if err := json.Unmarshal(b, &strs); err != nil {
		return errors.New("logprobs.tokens is not a list of strings")
	}
	*t = tokenStrings{}
	if strs != nil {
		t.ids = make([]int, 0, len(strs))
	}
	for _, str := range strs {
		t.add(str)
	}
	return nil
}

// add appends one token string.
func (t *tokenStrings) add(str string) {
	id, ok := tokenIDFromString(str)
	if !ok {
		if t.others == nil {
			t.others = map[int]string{}
		}
		t.others[len(t.ids)] = str
	}
	t.ids = append(t.ids, id)
}

// len returns the number of tokens.
func (t tokenStrings) len() int { return len(t.ids) }

// idList returns every token's id and, where a token is not an id, its
// text: ok is false then.
func (t tokenStrings) idList() (ids []int, firstOther string, ok bool) {
	for i := range t.ids {
		if s, isOther := t.others[i]; isOther {
			return t.ids, s, false
		}
	}
	return t.ids, "", true
}

// isID reports whether token i was "token_id:N".
func (t tokenStrings) isID(i int) bool {
	_, other := t.others[i]
	return !other
}

// Known keys, by position in the fieldSet lists below.
var (
	completionFields = []string{"choices"}
	choiceFields     = []string{"index", "finish_reason", "stop_reason", "logprobs", "token_ids", "prompt_logprobs"}
	logprobsFields   = []string{"token_logprobs", "tokens"}
)

// vllmDecoder decodes a vLLM completion body; ints and floats are scratch
// space reused across choices so each list costs one exact allocation.
type vllmDecoder struct {
	jsonScanner
	ints     []int
	floats   []float64
	tokenIDs tokenStrings
}

// decodeFast implements fastDecoder: a generation batch answer is some
// 190 kB, mostly text_offset and top_logprobs that are validated and
// skipped without building values.
func (resp *vllmCompletion) decodeFast(data []byte) bool {
	d := &vllmDecoder{jsonScanner: jsonScanner{data: data}}
	var out vllmCompletion
	ok := d.knownFields(completionFields, func(string) bool {
		out.Choices = []vllmChoice{}
		return d.array(func() bool {
			var c vllmChoice
			if !d.choice(&c) {
				return false
			}
			out.Choices = append(out.Choices, c)
			return true
		})
	})
	if !ok || !d.atEnd() {
		return false
	}
	*resp = out
	return true
}

func (d *vllmDecoder) choice(c *vllmChoice) bool {
	ok := d.knownFields(choiceFields, func(name string) bool {
		var ok bool
		switch name {
		case "index":
			c.Index, ok = d.int()
			return ok
		case "finish_reason":
			s, ok := d.plainString()
			c.FinishReason = string(s)
			return ok
		case "stop_reason":
			raw, ok := d.raw()
			return ok && json.Unmarshal(raw, &c.StopReason) == nil
		case "logprobs":
			c.Logprobs = &vllmLogprobs{}
			return d.logprobs(c.Logprobs)
		case "token_ids":
			c.TokenIDs, ok = d.intList()
			return ok
		default: // prompt_logprobs: rare (ScorePromptLogprobs) and small
			raw, ok := d.raw()
			return ok && json.Unmarshal(raw, &c.PromptLogprobs) == nil
		}
	})
	if ok && c.Logprobs != nil && c.Logprobs.Tokens.ids != nil {
		// The token ids read from tokens are scratch space: share
		// token_ids when it holds the same, else copy them out.
		t := &c.Logprobs.Tokens
		if t.others == nil && c.TokenIDs != nil && slices.Equal(t.ids, c.TokenIDs) {
			t.ids = c.TokenIDs
		} else {
			t.ids = slices.Clone(t.ids)
		}
	}
	return ok
}

func (d *vllmDecoder) logprobs(lp *vllmLogprobs) bool {
	return d.knownFields(logprobsFields, func(name string) bool {
		if name == "tokens" {
			return d.tokens(&lp.Tokens)
		}
		d.floats = d.floats[:0]
		if !d.array(func() bool {
			if d.null() {
				d.floats = append(d.floats, math.NaN())
				return true
			}
			v, ok := d.float()
			d.floats = append(d.floats, v)
			return ok
		}) {
			return false
		}
		lp.TokenLogprobs = append(make(nullableFloats, 0, len(d.floats)), d.floats...)
		return true
	})
}

// tokens reads a list of token strings into d.tokenIDs, scratch space that
// choice copies only when token_ids does not already hold the same ids.
func (d *vllmDecoder) tokens(t *tokenStrings) bool {
	if d.tokenIDs.ids == nil {
		d.tokenIDs.ids = make([]int, 0, 64) // non-nil: [] is not null
	}
	d.tokenIDs.ids = d.tokenIDs.ids[:0]
	d.tokenIDs.others = nil
	ok := d.array(func() bool {
		start := d.pos
		raw, escaped, ok := d.stringBytes()
		if !ok {
			return false
		}
		if !escaped {
			if id, ok := plainTokenID(raw); ok {
				d.tokenIDs.ids = append(d.tokenIDs.ids, id)
				return true
			}
		}
		var str string
		if json.Unmarshal(d.data[start:d.pos], &str) != nil {
			return false
		}
		d.tokenIDs.add(str)
		return true
	})
	*t = tokenStrings{ids: d.tokenIDs.ids, others: d.tokenIDs.others} // scratch; see choice
	return ok
}

// plainTokenID reads "token_id:N" with N plain digits, the form vLLM
// writes; anything else is left to tokenIDFromString.
func plainTokenID(raw []byte) (int, bool) {
	const prefix = "token_id:"
	if len(raw) <= len(prefix) || len(raw) > len(prefix)+18 || string(raw[:len(prefix)]) != prefix {
		return 0, false
	}
	id := 0
	for _, c := range raw[len(prefix):] {
		if !isDigit(c) {
			return 0, false
		}
		id = id*10 + int(c-'0')
	}
	return id, true
}

func (d *vllmDecoder) intList() ([]int, bool) {
	d.ints = d.ints[:0]
	if !d.array(func() bool {
		v, ok := d.int()
		d.ints = append(d.ints, v)
		return ok
	}) {
		return nil, false
	}
	return append(make([]int, 0, len(d.ints)), d.ints...), true
}
