package remote

import (
	"encoding/json"
	"errors"
	"math"
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

// tokenStrings holds CompletionLogProbs.tokens as raw JSON (a list of
// strings, or nil), decoded only when read: generation takes ids from
// token_ids and never needs them.
type tokenStrings []byte

func (t *tokenStrings) UnmarshalJSON(b []byte) error {
	s := jsonScanner{data: b}
	if s.null() && s.atEnd() {
		*t = nil
		return nil
	}
	s.pos = 0
	if !s.array(s.skipString) || !s.atEnd() {
		return errors.New("logprobs.tokens is not a list of strings")
	}
	*t = append(tokenStrings{}, b...)
	return nil
}

// skipString scans one string value.
func (s *jsonScanner) skipString() bool {
	_, _, ok := s.stringBytes()
	return ok
}

// len returns the number of tokens.
func (t tokenStrings) len() int {
	n := 0
	if t != nil {
		s := jsonScanner{data: t}
		s.array(func() bool { n++; return s.skipString() })
	}
	return n
}

// ids reads every token as "token_id:N" (return_tokens_as_token_ids);
// isID[i] is false where token i is something else.
func (t tokenStrings) ids() (ids []int, isID []bool, err error) {
	if t == nil {
		return nil, nil, nil
	}
	s := jsonScanner{data: t}
	ok := s.array(func() bool {
		start := s.pos
		raw, escaped, ok := s.stringBytes()
		if !ok {
			return false
		}
		str := string(raw)
		if escaped {
			if json.Unmarshal(s.data[start:s.pos], &str) != nil {
				return false
			}
		}
		id, is := tokenIDFromString(str)
		ids, isID = append(ids, id), append(isID, is)
		return true
	})
	if !ok {
		return nil, nil, errors.New("logprobs.tokens is not a list of strings")
	}
	return ids, isID, nil
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
	ints   []int
	floats []float64
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
	return d.knownFields(choiceFields, func(name string) bool {
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
}

func (d *vllmDecoder) logprobs(lp *vllmLogprobs) bool {
	return d.knownFields(logprobsFields, func(name string) bool {
		if name == "tokens" {
			d.skipSpace()
			start := d.pos
			if !d.array(d.skipString) {
				return false
			}
			lp.Tokens = append(tokenStrings{}, d.data[start:d.pos]...) // the body buffer is reused
			return true
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
