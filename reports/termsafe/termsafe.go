// Package termsafe makes text from files and models safe to print to a
// terminal or a CI log.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String makes text from results and baseline files safe to print to
// a terminal or a CI log: control characters other than newline and tab
// (ESC and BEL of escape sequences, C1 controls), bidirectional controls
// (U+202E and the like, which make a line read differently from its bytes)
// and invalid UTF-8 are written as visible Go-style escapes, so the log
// shows what the file holds without a terminal acting on it.
func String(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x80 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if (r != '\n' && r != '\t' && unicode.IsControl(r)) || unicode.Is(unicode.Bidi_Control, r) {
			return true
		}
	}
	return false
}
