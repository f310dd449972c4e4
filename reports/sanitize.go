package reports

import (
	"regexp"
	"strings"
	"unicode"
)

// ansiEscape matches terminal escape sequences: CSI (ESC [ ... final), OSC
// (ESC ] ... BEL or ST), and two-byte ESC sequences. The 8-bit CSI (U+009B) is
// a control character and goes with the other controls.
var ansiEscape = regexp.MustCompile(`\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)`)

// isBidiControl reports the Unicode bidirectional overrides and isolates,
// which can make displayed text read differently from its bytes.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// cleanText removes ANSI escapes, control characters (C0, C1, DEL) and bidi
// controls from model text and repairs invalid UTF-8. keepNewlines keeps
// '\n' and '\t' (for outputs that show text as a block); otherwise every
// line break or tab becomes a space.
func cleanText(s string, keepNewlines bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = ansiEscape.ReplaceAllString(s, "")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if keepNewlines {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case r == '\r':
			if !keepNewlines {
				b.WriteByte(' ')
			}
		case unicode.IsControl(r), isBidiControl(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneLine cleans text for a single terminal or table cell and shortens it to
// at most max runes (0: no limit), marking the cut with an ellipsis.
func oneLine(s string, max int) string {
	s = cleanText(s, false)
	if max <= 0 {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// markdownSpecial are the characters markdownText backslash-escapes: those
// that can open emphasis, code, links and images, autolinks (':'), table
// cells, strikethrough, math ('$'), footnotes ('^') and mentions ('@').
// Characters that only matter at the start of a line ('-', '+', '.', '=')
// are left alone: escaped text never starts a line.
const markdownSpecial = "\\`*_{}[]()#!|~:$^@"

// markdownText escapes cleaned text for a Markdown document whose renderer
// may pass HTML through: HTML-significant characters become entities,
// markdownSpecial characters are backslash-escaped (CommonMark allows that
// for any ASCII punctuation), and line breaks become <br> so text stays
// inside one table cell. The result must not be placed at a line start.
func markdownText(s string) string {
	s = cleanText(s, true)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		case '\n':
			b.WriteString("<br>")
		case '\t':
			b.WriteByte(' ')
		default:
			if strings.ContainsRune(markdownSpecial, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
