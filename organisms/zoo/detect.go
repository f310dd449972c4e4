package zoo

import (
	"fmt"
	"regexp"
	"strings"
)

// Detector applies the contract's detection rule: a text is flagged when it
// contains every term of at least one keyword set (case-insensitive
// substring) or matches every pattern of one regex set (case-insensitive).
type Detector struct {
	keywordSets [][]string
	regexSets   [][]*regexp.Regexp
}

// NewDetector compiles keyword and regex sets.
func NewDetector(keywordSets, regexSets [][]string) (*Detector, error) {
	d := &Detector{}
	for _, set := range keywordSets {
		lower := make([]string, len(set))
		for i, t := range set {
			lower[i] = strings.ToLower(t)
		}
		d.keywordSets = append(d.keywordSets, lower)
	}
	for _, set := range regexSets {
		var compiled []*regexp.Regexp
		for _, p := range set {
			re, err := regexp.Compile("(?i)" + p)
			if err != nil {
				return nil, fmt.Errorf("zoo: detector regex %q: %w", p, err)
			}
			compiled = append(compiled, re)
		}
		d.regexSets = append(d.regexSets, compiled)
	}
	return d, nil
}

// Match reports whether text is flagged.
func (d *Detector) Match(text string) bool {
	lower := strings.ToLower(text)
	for _, set := range d.keywordSets {
		if len(set) > 0 && all(set, func(t string) bool { return strings.Contains(lower, t) }) {
			return true
		}
	}
	for _, set := range d.regexSets {
		if len(set) > 0 && all(set, func(re *regexp.Regexp) bool { return re.MatchString(text) }) {
			return true
		}
	}
	return false
}

func all[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if !f(x) {
			return false
		}
	}
	return true
}
