package remote

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
)

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
