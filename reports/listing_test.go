package reports

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

func tok(start, end int, lp float64) results.TokenLogprob {
	return results.TokenLogprob{Start: start, End: end, Logprob: lp}
}

func TestSegmentsSameTokenizer(t *testing.T) {
	text := " won't answer fruit"
	ft := []results.TokenLogprob{tok(0, 6, -0.1), tok(6, 13, -0.2), tok(13, 19, -3)}
	ref := []results.TokenLogprob{tok(0, 6, -5), tok(6, 13, -0.4), tok(13, 19, -3.1)}
	segs := segments(text, ft, ref, []string{"WON'T ANSWER"})
	var got []string
	for _, s := range segs {
		got = append(got, s.Text+"|"+s.Shade+"|"+map[bool]string{true: "kw", false: ""}[s.Keyword])
	}
	// Contributions: -0.1-(-5)=4.9 -> p5; -0.2-(-0.4)=0.2 -> none; -3-(-3.1)=0.1 -> none.
	want := []string{" |p5|", "won't|p5|kw", " answer||kw", " fruit||"}
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("segments\n got %q\nwant %q", got, want)
	}
	if !strings.Contains(segs[0].Title, "4.900 nats") {
		t.Errorf("title %q lacks the contribution", segs[0].Title)
	}
}

// TestSegmentsOtherTokenizer: reference tokens straddling an ft token count
// in proportion to their overlapping bytes.
func TestSegmentsOtherTokenizer(t *testing.T) {
	ft := []results.TokenLogprob{tok(0, 2, -1), tok(2, 4, -1)}
	ref := []results.TokenLogprob{tok(0, 1, -1), tok(1, 4, -3)} // -3 over 3 bytes: -1 per byte
	if got := refLogprobOver(ref, 0, 2); math.Abs(got-(-2)) > 1e-12 {
		t.Errorf("ref over [0,2) = %v, want -2", got)
	}
	if got := refLogprobOver(ref, 2, 4); math.Abs(got-(-2)) > 1e-12 {
		t.Errorf("ref over [2,4) = %v, want -2", got)
	}
	segs := segments("abcd", ft, ref, nil)
	if len(segs) != 2 || segs[0].Shade != "p3" || segs[1].Shade != "p3" { // contribution +1 each: level 3 (>= 1 nat)
		t.Errorf("segments %+v", segs)
	}
}

func TestSegmentsWithoutTokens(t *testing.T) {
	segs := segments("plain Fruit text", nil, nil, []string{"fruit"})
	if len(segs) != 3 || segs[1].Text != "Fruit" || !segs[1].Keyword || segs[0].Shade != "" || segs[0].Title != "" {
		t.Errorf("segments %+v", segs)
	}
	// A matched set is its terms joined by " & "; a regex set its patterns.
	segs = segments("I won't answer about FRUIT, 1999", nil, nil, []string{"won't answer & fruit", `\d{4}`})
	var kws []string
	for _, s := range segs {
		if s.Keyword {
			kws = append(kws, s.Text)
		}
	}
	if got := strings.Join(kws, "|"); got != "won't answer|FRUIT|1999" {
		t.Errorf("highlighted %q", got)
	}
}

// TestSegmentsUTF8: token spans may split a multi-byte character (byte-level
// BPE); no segment may hold half of one, and no byte may be lost.
func TestSegmentsUTF8(t *testing.T) {
	text := "héé€x"
	var ft, ref []results.TokenLogprob
	for b := 0; b < len(text); b++ {
		ft = append(ft, results.TokenLogprob{Start: b, End: b + 1, Logprob: -1})
		ref = append(ref, results.TokenLogprob{Start: b, End: b + 1, Logprob: -2})
	}
	ft = append(ft, results.TokenLogprob{Start: 5, End: 99, Logprob: -1}) // out of range: ignored
	var joined strings.Builder
	for _, s := range segments(text, ft, ref, []string{"É"}) {
		if !strings.ContainsRune(s.Text, '\uFFFD') && !isValidUTF8(s.Text) {
			t.Errorf("segment %q is not valid UTF-8", s.Text)
		}
		joined.WriteString(s.Text)
	}
	if joined.String() != text {
		t.Errorf("segments join to %q, want %q", joined.String(), text)
	}
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestShadeClass(t *testing.T) {
	for c, want := range map[float64]string{0: "", 0.2: "", 0.3: "p1", -0.6: "n2", 1.5: "p3", -3: "n4", 10: "p5"} {
		if got := shadeClass(c); got != want {
			t.Errorf("shadeClass(%v) = %q, want %q", c, got, want)
		}
	}
}

// TestKeywordOneBoxAcrossTokens: a match that token shading cuts into
// pieces ("sec|re|t word") is one kw element holding the pieces, so its box
// is drawn once around the exact characters matched.
func TestKeywordOneBoxAcrossTokens(t *testing.T) {
	text := "My secret word is"
	ft := []results.TokenLogprob{tok(0, 5, -0.1), tok(5, 7, -4), tok(7, 14, -0.1), tok(14, 17, -0.1)}
	ref := []results.TokenLogprob{tok(0, 5, -3), tok(5, 7, -4), tok(7, 14, -3), tok(14, 17, -0.1)}
	groups := htmlSegments(segments(text, ft, ref, []string{"secret word"}))
	var kw []htmlSegment
	for _, g := range groups {
		if g.Keyword {
			kw = append(kw, g)
		}
	}
	if len(kw) != 1 {
		t.Fatalf("%d keyword groups, want 1: %+v", len(kw), groups)
	}
	var inside strings.Builder
	for _, p := range kw[0].Parts {
		inside.WriteString(p.Text)
	}
	if inside.String() != "secret word" || len(kw[0].Parts) < 2 {
		t.Errorf("keyword group holds %q in %d parts, want \"secret word\" in several", inside.String(), len(kw[0].Parts))
	}
	var b bytes.Buffer
	if err := reportTemplate.ExecuteTemplate(&b, "pairs", []htmlPair{{ID: "p", Rows: []htmlRow{{Segments: groups}}}}); err != nil {
		t.Fatal(err)
	}
	_, cell, _ := strings.Cut(b.String(), `<td class="text">`)
	cell, _, _ = strings.Cut(cell, "</td>")
	if n := strings.Count(cell, `class="kw"`); n != 1 {
		t.Errorf("%d kw elements in the completion, want 1:\n%s", n, cell)
	}
}
