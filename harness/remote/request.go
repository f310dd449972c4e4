package remote

import (
	"encoding/json"
	"slices"
	"strconv"
)

// encodeRequest writes a request body. Token id lists, the bulk of every
// generation and scoring request, are written directly; encoding/json's
// reflection over [][]int cost more CPU than the rest of a request. Keys are
// sorted, as encoding/json sorts map keys, so the bytes are the same.
func encodeRequest(body map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]byte, 0, 64+requestSizeHint(body))
	out = append(out, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		key, err := json.Marshal(k) // escapes as encoding/json does (<, >, &, controls)
		if err != nil {
			return nil, err
		}
		out = append(append(out, key...), ':')
		switch v := body[k].(type) {
		case []int:
			out = appendInts(out, v)
		case [][]int:
			if v == nil {
				out = append(out, "null"...)
				continue
			}
			out = append(out, '[')
			for j, ids := range v {
				if j > 0 {
					out = append(out, ',')
				}
				out = appendInts(out, ids)
			}
			out = append(out, ']')
		default:
			enc, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			out = append(out, enc...)
		}
	}
	return append(out, '}'), nil
}

// appendInts writes ids as a JSON list; nil is null, as encoding/json has it.
func appendInts(out []byte, ids []int) []byte {
	if ids == nil {
		return append(out, "null"...)
	}
	out = append(out, '[')
	for i, id := range ids {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendInt(out, int64(id), 10)
	}
	return append(out, ']')
}

// requestSizeHint guesses the encoded size of the token lists in body.
func requestSizeHint(body map[string]any) int {
	n := 0
	for _, v := range body {
		switch v := v.(type) {
		case []int:
			n += 8 * len(v)
		case [][]int:
			for _, ids := range v {
				n += 8*len(ids) + 2
			}
		}
	}
	return n
}
