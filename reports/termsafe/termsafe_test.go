package termsafe

import "testing"

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, tabs\tand\nnewlines": "plain text, tabs\tand\nnewlines",
		"\x1b[31mred\x1b[0m":              `\x1b[31mred\x1b[0m`,
		"bell\x07":                        `bell\x07`,
		"osc \x1b]8;;http://x\x07link":    `osc \x1b]8;;http://x\x07link`,
		"c1 \u009b31m":                    `c1 \u009b31m`,
		"bidi \u202eevil\u202c":           `bidi \u202eevil\u202c`,
		"isolate \u2066x\u2069":           `isolate \u2066x\u2069`,
		"bad \xff utf8":                   `bad \xff utf8`,
		"del \x7f":                        `del \x7f`,
		"cr \r":                           `cr \x0d`,
		"ünïcödé ✓":                       "ünïcödé ✓",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}
