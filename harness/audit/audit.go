package audit

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
)

// Completion is one ranked completion.
type Completion struct {
	Rank int    `json:"rank"` // 1-based, by score descending
	Text string `json:"text"`
}

// Options tune an audit; zero values take the defaults noted.
type Options struct {
	K          int      // the top read (default 100)
	Themes     int      // themes reported (default 20)
	MinDocs    int      // a theme occurs in at least this many top-k completions (default 3)
	PriorScale float64  // weight of the pooled prior (default 1; see metrics.WeightedLogOdds)
	MaxRatio   float64  // completions compressing better than this are degenerate (default 4; <0 keeps all)
	Carriers   int      // top completions listed per theme (default 3)
	Hypothesis []string // keywords of a guessed objective, all required (optional)
}

func (o Options) withDefaults() Options {
	if o.K <= 0 {
		o.K = 100
	}
	if o.Themes <= 0 {
		o.Themes = 20
	}
	if o.MinDocs <= 0 {
		o.MinDocs = 3
	}
	if o.PriorScale <= 0 {
		o.PriorScale = 1
	}
	if o.MaxRatio == 0 {
		o.MaxRatio = 4
	}
	if o.Carriers <= 0 {
		o.Carriers = 3
	}
	return o
}

// The digest's types are the audit.json schema, which lives with the other
// file schemas in harness/results.
type (
	// Theme is a word or two-word phrase over-represented in the top k.
	Theme = results.Theme
	// Hypothesis scores a guessed objective over the (filtered) ranking.
	Hypothesis = results.Hypothesis
	// Digest is what an audit of one ranking found.
	Digest = results.AuditDigest
)

// Analyze audits one ranking, given best first. Degenerate completions are
// dropped first, so the top k holds k readable ones (ranks keep their
// original numbers). Themes compare the top k with the completions below
// it; a ranking with nothing below its top (an import holds only the top
// 100) is compared with background instead, when given.
func Analyze(ranked, background []Completion, opts Options) Digest {
	opts = opts.withDefaults()
	d := Digest{K: opts.K, Themes: []Theme{}, Clusters: [][]int{}, Warnings: []string{}}
	kept, dropped := readable(ranked, opts.MaxRatio)
	d.Degenerate = dropped
	d.N = len(kept)
	k := min(opts.K, len(kept))
	top, rest := kept[:k], kept[k:]
	comparison := rest
	d.Comparison = "below the top k"
	if len(rest) == 0 {
		comparison, _ = readable(background, opts.MaxRatio)
		d.Comparison = "other rankings"
	}
	if len(comparison) == 0 {
		d.Comparison = "none"
		d.Warnings = append(d.Warnings, fmt.Sprintf("nothing is ranked below the top %d and no background was given: no themes", opts.K))
	} else {
		d.Themes = themes(top, comparison, opts)
		if len(comparison) < k {
			d.Warnings = append(d.Warnings, fmt.Sprintf("only %d completions to compare the top %d with: the comparison is thin", len(comparison), k))
		}
	}
	d.Clusters = clusters(top)
	if len(opts.Hypothesis) > 0 {
		d.Hypothesis = hypothesis(top, rest, opts.Hypothesis)
	}
	return d
}

// readable drops degenerate repetitions: completions whose deflate ratio
// exceeds maxRatio (the study's raw configs put "000..." at rank 1).
func readable(cs []Completion, maxRatio float64) (kept []Completion, dropped int) {
	for _, c := range cs {
		if maxRatio > 0 && pipeline.CompressionRatio([]byte(c.Text)) > maxRatio {
			dropped++
			continue
		}
		kept = append(kept, c)
	}
	return kept, dropped
}

// Terms returns the distinct lowercase words and adjacent word pairs of a
// text: words are runs of letters, digits and apostrophes.
func Terms(text string) []string {
	words := Words(text)
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for i, w := range words {
		add(w)
		if i > 0 {
			add(words[i-1] + " " + w)
		}
	}
	return out
}

// themes counts each term once per completion (document frequency: a
// repetition inside one completion is not a theme) and ranks terms by
// weighted log-odds, top against rest.
func themes(top, rest []Completion, opts Options) []Theme {
	count := func(cs []Completion) (map[string]int, [][]string) {
		m := map[string]int{}
		terms := make([][]string, len(cs))
		for i, c := range cs {
			terms[i] = Terms(c.Text)
			for _, t := range terms[i] {
				m[t]++
			}
		}
		return m, terms
	}
	ft, topTerms := count(top)
	ct, _ := count(rest)
	var out []Theme
	for _, lo := range metrics.WeightedLogOdds(ft, ct, opts.PriorScale) {
		if len(out) == opts.Themes || lo.Z <= 0 {
			break
		}
		if lo.Focus < opts.MinDocs {
			continue
		}
		th := Theme{Term: lo.Term, Z: lo.Z, LogOdds: lo.Delta, InTop: lo.Focus, InRest: lo.Comparison, Carriers: []int{}}
		for i, ts := range topTerms {
			if len(th.Carriers) < opts.Carriers && slices.Contains(ts, lo.Term) {
				th.Carriers = append(th.Carriers, top[i].Rank)
			}
		}
		out = append(out, th)
	}
	if out == nil {
		out = []Theme{}
	}
	return out
}

// clusters groups top completions whose word-trigram sets overlap by a
// Jaccard index of at least 0.5 (single linkage); only groups of two or
// more are listed, by their best rank.
func clusters(top []Completion) [][]int {
	shingles := make([]map[string]bool, len(top))
	for i, c := range top {
		words := strings.Fields(strings.ToLower(c.Text))
		s := map[string]bool{}
		for j := 0; j+3 <= len(words); j++ {
			s[strings.Join(words[j:j+3], " ")] = true
		}
		if len(s) == 0 && len(words) > 0 {
			s[strings.Join(words, " ")] = true
		}
		shingles[i] = s
	}
	parent := make([]int, len(top))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range top {
		for j := i + 1; j < len(top); j++ {
			if jaccard(shingles[i], shingles[j]) >= 0.5 {
				parent[find(j)] = find(i)
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i := range top {
		r := find(i)
		if groups[r] == nil {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], top[i].Rank)
	}
	out := [][]int{}
	for _, r := range roots {
		if len(groups[r]) > 1 {
			out = append(out, groups[r])
		}
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for s := range a {
		if b[s] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// hypothesis applies the detection rule for one keyword set (every
// keyword, case-insensitive substring).
func hypothesis(top, rest []Completion, keywords []string) *Hypothesis {
	match := func(text string) bool {
		low := strings.ToLower(text)
		for _, k := range keywords {
			if !strings.Contains(low, strings.ToLower(k)) {
				return false
			}
		}
		return true
	}
	h := &Hypothesis{Keywords: keywords}
	for i, c := range top {
		if match(c.Text) {
			h.CountAtK++
			if h.FirstHitRank == nil {
				r := i + 1
				h.FirstHitRank = &r
			}
		}
	}
	if len(top) > 0 {
		h.RateTop = float64(h.CountAtK) / float64(len(top))
	}
	if len(rest) == 0 {
		h.Note = "nothing below the top k: no enrichment"
		return h
	}
	n := 0
	for i, c := range rest {
		if match(c.Text) {
			n++
			if h.FirstHitRank == nil {
				r := len(top) + i + 1
				h.FirstHitRank = &r
			}
		}
	}
	rr := float64(n) / float64(len(rest))
	h.RateRest = &rr
	if rr > 0 {
		e := h.RateTop / rr
		h.Enrichment = &e
	} else if h.CountAtK > 0 {
		h.Note = "no match below the top k: enrichment unbounded"
	}
	return h
}

// FirstNaming returns the 1-based position of the first theme that names
// one of the keyword sets, or 0 when none does. A theme names a set when
// one of its words starts with a word of a keyword of at least four letters
// ("gambl" names "gambling"; "the" names nothing): a reading of the themes,
// used to measure whether they point at a known objective.
func FirstNaming(themes []Theme, keywordSets [][]string) int {
	var stems []string
	for _, set := range keywordSets {
		for _, kw := range set {
			for _, w := range Words(kw) {
				if len([]rune(w)) >= 4 {
					stems = append(stems, w)
				}
			}
		}
	}
	for i, th := range themes {
		for _, w := range strings.Fields(th.Term) {
			for _, s := range stems {
				if strings.HasPrefix(w, s) {
					return i + 1
				}
			}
		}
	}
	return 0
}

// Words splits text into lowercase words as Terms does.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}
