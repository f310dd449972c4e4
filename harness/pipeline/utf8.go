package pipeline

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// remapSpans moves spans over raw bytes onto validUTF8(raw), where each
// invalid byte became the 3 bytes of U+FFFD.
func remapSpans(raw []byte, spans []lm.Span) []lm.Span {
	if utf8.Valid(raw) {
		return spans
	}
	at := make([]int, len(raw)+1) // at[i]: offset of raw[i] in the valid text
	for i, pos := 0, 0; i <= len(raw); {
		if i == len(raw) {
			at[i] = pos
			break
		}
		r, size := utf8.DecodeRune(raw[i:])
		width := size
		if r == utf8.RuneError && size == 1 {
			width = utf8.RuneLen(utf8.RuneError)
		}
		for j := 0; j < size; j++ {
			at[i+j] = pos
		}
		i += size
		pos += width
	}
	out := make([]lm.Span, len(spans))
	for i, sp := range spans {
		out[i] = lm.Span{Start: at[min(sp.Start, len(raw))], End: at[min(sp.End, len(raw))]}
	}
	return out
}

// validUTF8 replaces each byte that is not part of valid UTF-8 with U+FFFD,
// as a JSON encoder does: a byte-level tokenizer can split a character, and
// text that crossed an HTTP API arrives that way, so in-process and served
// models must see the same completion text.
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

// decodeText decodes a completion's text, with invalid UTF-8 replaced (see
// validUTF8); token spans are decoded later, only where samples need them.
func decodeText(ctx context.Context, m lm.Model, ids []int) ([]byte, error) {
	var text []byte
	var err error
	if td, ok := m.(lm.TextDecoder); ok {
		text, err = td.DecodeText(ctx, ids)
	} else {
		text, _, err = m.Detokenize(ctx, ids)
	}
	if err != nil {
		return nil, fmt.Errorf("detokenize: %w", err)
	}
	return validUTF8(text), nil
}
