package reports

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ppldiff/ppldiff/harness/results"
)

// listing is the top-k of one organism x variant x reference, taken from
// its best config (see bestConfigs) and lowest repeat.
type listing struct {
	Row     summaryRow
	Repeat  int
	Samples []results.Sample // at most top-k, by rank
}

// listings builds one listing per pair, in pair order.
func listings(rn *run, best []summaryRow, topK int) []listing {
	var out []listing
	for _, r := range best {
		rep, ok := lowestRepeat(rn, r.Key)
		l := listing{Row: r, Repeat: rep}
		if ok {
			rk := rn.rankings[rankingKey{r.Key.Organism, r.Key.Variant, r.Key.Reference, r.Key.Config, rep}]
			l.Samples = rk[:min(topK, len(rk))]
		}
		out = append(out, l)
	}
	return out
}

func lowestRepeat(rn *run, g groupKey) (int, bool) {
	best, found := 0, false
	for k := range rn.rankings {
		if (groupKey{k.Organism, k.Variant, k.Reference, k.Config}) == g && (!found || k.Repeat < best) {
			best, found = k.Repeat, true
		}
	}
	return best, found
}

// segment is a run of completion bytes that share one token and one keyword
// state, ready to be shown: Text still needs escaping by the output format.
type segment struct {
	Text    string
	Keyword bool
	Shade   string // CSS class "p1".."p5" / "n1".."n5", or "" when unshaded
	Title   string // per-token detail of a shaded token, or ""
}

// contributionLevels are the |logprob_ft - logprob_ref| thresholds (nats)
// of the five shading levels. Fixed, so shades compare across completions.
var contributionLevels = []float64{0.25, 0.5, 1, 2, 4}

func shadeClass(c float64) string {
	level := 0
	for i, t := range contributionLevels {
		if math.Abs(c) >= t {
			level = i + 1
		}
	}
	switch {
	case level == 0:
		return ""
	case c > 0:
		return "p" + strconv.Itoa(level)
	}
	return "n" + strconv.Itoa(level)
}

// validTokens keeps the spans that lie inside a text of n bytes, in order.
func validTokens(toks []results.TokenLogprob, n int) []results.TokenLogprob {
	var out []results.TokenLogprob
	for _, t := range toks {
		if t.Start >= 0 && t.End > t.Start && t.End <= n && !math.IsNaN(t.Logprob) && !math.IsInf(t.Logprob, 0) {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b results.TokenLogprob) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// refLogprobOver is the reference logprob attributed to bytes [start, end):
// each reference token contributes in proportion to its bytes inside.
func refLogprobOver(ref []results.TokenLogprob, start, end int) float64 {
	sum := 0.0
	for _, r := range ref {
		lo, hi := max(start, r.Start), min(end, r.End)
		if hi > lo {
			sum += r.Logprob * float64(hi-lo) / float64(r.End-r.Start)
		}
	}
	return sum
}

// matchedSetSeparator joins the terms of one matched set (organisms.Matcher
// reports each matched keyword or regex set as its terms joined by it).
const matchedSetSeparator = " & "

// keywordSpans finds case-insensitive occurrences of the matched terms. Each
// matched set is split into its terms; a term is taken literally, and a term
// with no literal occurrence is tried as a case-insensitive regular
// expression (regex sets report their patterns).
func keywordSpans(text string, matched []string) [][2]int {
	var terms []string
	for _, set := range matched {
		terms = append(terms, strings.Split(set, matchedSetSeparator)...)
	}
	var spans [][2]int
	for _, term := range terms {
		if term == "" {
			continue
		}
		re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(term))
		locs := re.FindAllStringIndex(text, -1)
		if len(locs) == 0 {
			if rx, err := regexp.Compile("(?i)" + term); err == nil {
				locs = rx.FindAllStringIndex(text, -1)
			}
		}
		for _, l := range locs {
			if l[1] > l[0] {
				spans = append(spans, [2]int{l[0], l[1]})
			}
		}
	}
	return spans
}

// segments splits a completion at token and keyword boundaries. Boundaries
// that fall inside a UTF-8 sequence move to the next rune start, so no
// segment holds half a character. Shading needs both per-token arrays.
func segments(text string, ftLP, refLP []results.TokenLogprob, matched []string) []segment {
	n := len(text)
	ft := validTokens(ftLP, n)
	ref := validTokens(refLP, n)
	shaded := len(ft) > 0 && len(ref) > 0
	tokenAt := make([]int, n) // index into ft, or -1
	for i := range tokenAt {
		tokenAt[i] = -1
	}
	cuts := map[int]bool{0: true, n: true}
	if shaded {
		for i, t := range ft {
			for b := t.Start; b < t.End; b++ {
				if tokenAt[b] == -1 {
					tokenAt[b] = i
				}
			}
			cuts[t.Start], cuts[t.End] = true, true
		}
	}
	inKeyword := make([]bool, n)
	for _, sp := range keywordSpans(text, matched) {
		for b := sp[0]; b < sp[1]; b++ {
			inKeyword[b] = true
		}
		cuts[sp[0]], cuts[sp[1]] = true, true
	}
	var bounds []int
	for c := range cuts {
		for c < n && !utf8.RuneStart(text[c]) {
			c++
		}
		bounds = append(bounds, c)
	}
	slices.Sort(bounds)
	var out []segment
	for i := 0; i+1 < len(bounds); i++ {
		a, b := bounds[i], bounds[i+1]
		if a == b {
			continue
		}
		seg := segment{Text: text[a:b], Keyword: inKeyword[a]}
		if t := tokenAt[a]; t >= 0 {
			tok := ft[t]
			lr := refLogprobOver(ref, tok.Start, tok.End)
			c := tok.Logprob - lr
			seg.Shade = shadeClass(c)
			if seg.Shade != "" {
				// No '+' sign: html/template writes it as an entity in attributes.
				seg.Title = fmt.Sprintf("%.3f nats (ft %.2f, ref %.2f)", c, tok.Logprob, lr)
			}
		}
		// Adjacent unshaded text of one keyword state needs no span of its
		// own: merging keeps a full run's report.html small.
		if last := len(out) - 1; last >= 0 && seg.Shade == "" && out[last].Shade == "" && seg.Keyword == out[last].Keyword {
			out[last].Text += seg.Text
			continue
		}
		out = append(out, seg)
	}
	return out
}

// formatFloat prints a nullable float compactly.
func formatFloat(v *float64) string {
	if v == nil {
		return "-"
	}
	return formatNumber(*v)
}

func formatNumber(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case math.Abs(v) >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}
