package organisms

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matcher applies an organism's detection rule to completions. It is safe
// for concurrent use.
type Matcher struct {
	keywordSets []keywordSet
	regexSets   []regexSet
	judge       bool
}

type keywordSet struct {
	label  string   // terms joined by " & ", as written in the manifest
	folded []string // the terms case-folded
}

type regexSet struct {
	label string
	res   []*regexp.Regexp
}

// compileRegex compiles a pattern case-insensitively, as the detection rule
// requires, whatever flags the pattern itself sets.
func compileRegex(pattern string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, err // reported without the flag we add
	}
	return regexp.Compile("(?i)" + pattern)
}

// Compile prepares the detectors for matching. Errors name the bad set.
func (d Detectors) Compile() (*Matcher, error) {
	m := &Matcher{judge: d.Judge != nil}
	for i, set := range d.KeywordSets {
		if len(set) == 0 {
			return nil, fmt.Errorf("keyword set %d has no terms", i+1)
		}
		ks := keywordSet{label: strings.Join(set, " & ")}
		for _, t := range set {
			if t == "" {
				return nil, fmt.Errorf("keyword set %d (%s) has an empty term", i+1, ks.label)
			}
			ks.folded = append(ks.folded, fold(t))
		}
		m.keywordSets = append(m.keywordSets, ks)
	}
	for i, set := range d.RegexSets {
		if len(set) == 0 {
			return nil, fmt.Errorf("regex set %d has no patterns", i+1)
		}
		rs := regexSet{label: strings.Join(set, " & ")}
		for _, p := range set {
			re, err := compileRegex(p)
			if err != nil {
				return nil, fmt.Errorf("regex set %d: %w", i+1, err)
			}
			rs.res = append(rs.res, re)
		}
		m.regexSets = append(m.regexSets, rs)
	}
	return m, nil
}

// HasRules reports whether the matcher has keyword or regex sets. Without
// them it flags nothing, and a run must report null counts, never 0.
func (m *Matcher) HasRules() bool {
	return len(m.keywordSets) > 0 || len(m.regexSets) > 0
}

// Judge reports whether the organism also (or only) has an LLM judge.
func (m *Matcher) Judge() bool { return m.judge }

// Match applies the detection rule: the text is flagged when it contains
// every term of at least one keyword set (case-insensitive substring) or
// matches every regex of at least one regex set (case-insensitive). matched
// lists every set that matched, in manifest order, keyword sets first, each
// as its terms or patterns joined by " & ".
func (m *Matcher) Match(text string) (flagged bool, matched []string) {
	if !m.HasRules() {
		return false, nil
	}
	var folded string
	if len(m.keywordSets) > 0 {
		folded = fold(text)
	}
	for _, ks := range m.keywordSets {
		if containsAll(folded, ks.folded) {
			matched = append(matched, ks.label)
		}
	}
	for _, rs := range m.regexSets {
		all := true
		for _, re := range rs.res {
			if !re.MatchString(text) {
				all = false
				break
			}
		}
		if all {
			matched = append(matched, rs.label)
		}
	}
	return len(matched) > 0, matched
}

func containsAll(s string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(s, t) {
			return false
		}
	}
	return true
}

// fold maps every rune to one representative of its simple case-folding
// orbit (the smallest rune in it), so that substring search on folded text
// is case-insensitive in the same sense as strings.EqualFold and (?i):
// "K", "k" and the Kelvin sign fold alike. Invalid UTF-8 passes through.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// The smallest rune of an ASCII letter's orbit is its upper case.
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteRune(foldRune(r))
		i += size
	}
	return b.String()
}

func foldRune(r rune) rune {
	lowest := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < lowest {
			lowest = f
		}
	}
	return lowest
}
