package reports

import (
	"bytes"
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	cases := []struct{ name, in, keep, flat string }{
		{"csi colour", "\x1b[1;31mred\x1b[0m", "red", "red"},
		{"osc hyperlink", "\x1b]8;;http://x\x07link\x1b]8;;\x1b\\", "link", "link"},
		{"clear screen", "a\x1b[2J\x1b[Hb", "ab", "ab"},
		{"c0 and c1", "a\x00b\x07c\u009bd\x7fe", "abcde", "abcde"},
		{"bidi override", "x\u202Eevil\u202Cy", "xevily", "xevily"},
		{"newlines", "a\nb\tc\r\n", "a\nb\tc\n", "a b c  "},
		{"invalid utf-8", "a\xffb", "a\uFFFDb", "a\uFFFDb"},
	}
	for _, c := range cases {
		if got := cleanText(c.in, true); got != c.keep {
			t.Errorf("%s: cleanText(keep) = %q, want %q", c.name, got, c.keep)
		}
		if got := cleanText(c.in, false); got != c.flat {
			t.Errorf("%s: cleanText(flat) = %q, want %q", c.name, got, c.flat)
		}
	}
}

func TestMarkdownText(t *testing.T) {
	got := markdownText("<b>*x*</b> [l](javascript:y) `c` a|b \"q\" it's @me\nnext")
	want := `&lt;b&gt;\*x\*&lt;/b&gt; \[l\]\(javascript\:y\) \` + "`" + `c\` + "`" + ` a\|b &quot;q&quot; it&#39;s \@me<br>next`
	if got != want {
		t.Errorf("markdownText:\n got %s\nwant %s", got, want)
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("abcdef", 3); got != "abc…" {
		t.Errorf("oneLine cut = %q", got)
	}
	if got := oneLine("héllo\nworld", 0); got != "héllo world" {
		t.Errorf("oneLine = %q", got)
	}
}

// TestRenderTable goes through the tablewriter adapter: cells are cleaned,
// the header is not reformatted, every row is there.
func TestRenderTable(t *testing.T) {
	var b bytes.Buffer
	err := renderTable(&b, []string{"count@10", "text"}, [][]string{{"1", "\x1b[31mred\x1b[0m\nline"}, {"2", strings.Repeat("x", 500)}})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "\x1b") || strings.Contains(out, "COUNT") {
		t.Errorf("table output:\n%s", out)
	}
	for _, want := range []string{"count@10", "red line", strings.Repeat("x", maxCellRunes) + "…"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
