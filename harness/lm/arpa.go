package lm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ARPA word strings of the special tokens.
const (
	arpaBOS = "<s>"
	arpaEOS = "</s>"
	arpaUnk = "<unk>"
)

// ARPAWord is the ARPA word string of a token: <s> and </s> for BOS and
// EOS; otherwise the token's bytes with every byte outside printable ASCII
// (0x21-0x7e), every backslash and a leading '<' written as \xHH. The
// escape is reversible and keeps word pieces readable (" the" is
// "\x20the").
func ARPAWord(tok Tokenizer, id int) string {
	switch id {
	case tok.BOS():
		return arpaBOS
	case tok.EOS():
		return arpaEOS
	}
	var sb strings.Builder
	for i, b := range tok.TokenBytes(id) {
		if b <= 0x20 || b >= 0x7f || b == '\\' || (i == 0 && b == '<') {
			fmt.Fprintf(&sb, `\x%02x`, b)
			continue
		}
		sb.WriteByte(b)
	}
	return sb.String()
}

// WriteARPA writes m as an equivalent backoff model: each stored n-gram
// (h, w) gets log10 of its interpolated probability P(w|h), and each
// context h its backoff weight gamma(h), the mass its discounts leave to
// the lower order, so that backoff reproduces the interpolation exactly
// (up to the printed precision). Unigrams list the whole vocabulary in id
// order, so the ARPA word ids equal the token ids. The BOS padding contexts
// (<s> <s> ...) are written with probability -99, like <s>.
func WriteARPA(w io.Writer, m *KN, tok Tokenizer) error {
	if tok.VocabSize() != m.vocab {
		return fmt.Errorf("lm: tokenizer has %d ids, model %d", tok.VocabSize(), m.vocab)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	words := make([]string, m.vocab)
	for id := range words {
		words[id] = ARPAWord(tok, id)
	}
	counts := make([]int, m.order+1)
	counts[1] = m.vocab
	for k := 1; k < m.order; k++ {
		m.walk(k, func([]int, uint32) { counts[k+1]++ })
	}
	fmt.Fprintf(bw, "\n\\data\\\n")
	for n := 1; n <= m.order; n++ {
		fmt.Fprintf(bw, "ngram %d=%d\n", n, counts[n])
	}
	for k := 0; k < m.order; k++ {
		fmt.Fprintf(bw, "\n\\%d-grams:\n", k+1)
		m.walk(k, func(toks []int, id uint32) {
			w := toks[len(toks)-1]
			p := m.probNoPad(toks[:len(toks)-1], w)
			lp := -99.0
			if p > 0 {
				lp = math.Log10(p)
			}
			bw.WriteString(strconv.FormatFloat(lp, 'g', 9, 64))
			for i, t := range toks {
				if i == 0 {
					bw.WriteByte('\t')
				} else {
					bw.WriteByte(' ')
				}
				bw.WriteString(words[t])
			}
			if k < m.order-1 {
				if s := m.stats(k, id); s.sum > 0 {
					bw.WriteByte('\t')
					bw.WriteString(strconv.FormatFloat(math.Log10(m.gammaNum(k+2, s)/float64(s.sum)), 'g', 9, 64))
				}
			}
			bw.WriteByte('\n')
		})
	}
	bw.WriteString("\n\\end\\\n")
	return bw.Flush()
}

// walk calls fn with the tokens and id of every n-gram stored at level k
// (unigrams: the whole vocabulary), in depth-first order.
func (m *KN) walk(k int, fn func(toks []int, id uint32)) {
	toks := make([]int, 0, k+1)
	var rec func(level int, id uint32)
	rec = func(level int, id uint32) {
		toks = append(toks, m.word(level, id))
		if level == k {
			fn(toks, id)
		} else {
			m.eachChild(level, id, func(c uint32) bool {
				rec(level+1, c)
				return true
			})
		}
		toks = toks[:len(toks)-1]
	}
	for w := range m.vocab {
		rec(0, uint32(w))
	}
}

// probNoPad is P(w | context) with context taken as it is (no BOS padding).
func (m *KN) probNoPad(context []int, w int) float64 {
	var st knState
	for _, t := range context[max(0, len(context)-(m.order-1)):] {
		m.advance(&st, t)
	}
	return m.step(&st, w)
}

// ARPAModel is a backoff n-gram model read from an ARPA file. Word ids are
// the order of the words in the \1-grams: section.
type ARPAModel struct {
	order int
	words []string
	index map[string]int
	lv    []arpaLevel // lv[n-1]: n-grams of order n
	bos   int
}

type arpaLevel struct {
	tab  idTable // (prefix id, word) -> id; unigram ids are word ids
	prob []float64
	bow  []float64
}

// ReadARPA parses an ARPA file (\data\, \N-grams: sections with log10
// probability, words and optional log10 backoff weight).
func ReadARPA(r io.Reader) (*ARPAModel, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	m := &ARPAModel{index: map[string]int{}, bos: -1}
	var declared []int
	section := -1 // -1: before \data\; 0: \data\; n: n-grams
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		switch {
		case s == "":
			continue
		case s == `\data\`:
			section = 0
			continue
		case s == `\end\`:
			return m.finishRead(declared)
		case strings.HasPrefix(s, `\`) && strings.HasSuffix(s, "-grams:"):
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(s, `\`), "-grams:"))
			if err != nil || n != section+1 || n > len(declared) {
				return nil, fmt.Errorf("lm: ARPA line %d: unexpected section %q", line, s)
			}
			section = n
			m.order = n
			m.lv = append(m.lv, arpaLevel{tab: newIDTable(declared[n-1])})
			continue
		}
		switch {
		case section == 0:
			if rest, ok := strings.CutPrefix(s, "ngram "); ok {
				a, b, ok := strings.Cut(rest, "=")
				n, err1 := strconv.Atoi(strings.TrimSpace(a))
				c, err2 := strconv.Atoi(strings.TrimSpace(b))
				if !ok || err1 != nil || err2 != nil || n != len(declared)+1 {
					return nil, fmt.Errorf("lm: ARPA line %d: bad count %q", line, s)
				}
				declared = append(declared, c)
			}
		case section > 0:
			if err := m.addLine(section, strings.Fields(s)); err != nil {
				return nil, fmt.Errorf("lm: ARPA line %d: %w", line, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New(`lm: ARPA file has no \end\`)
}

func (m *ARPAModel) finishRead(declared []int) (*ARPAModel, error) {
	if m.order == 0 {
		return nil, errors.New("lm: ARPA file has no n-grams")
	}
	if m.order > MaxOrder+1 || m.order > len(declared) {
		return nil, fmt.Errorf("lm: ARPA order %d not supported", m.order)
	}
	if id, ok := m.index[arpaBOS]; ok {
		m.bos = id
	}
	return m, nil
}

func (m *ARPAModel) addLine(n int, f []string) error {
	if len(f) != n+1 && len(f) != n+2 {
		return fmt.Errorf("want %d words", n)
	}
	p, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return err
	}
	bow := 0.0
	if len(f) == n+2 {
		if bow, err = strconv.ParseFloat(f[n+1], 64); err != nil {
			return err
		}
	}
	var id uint32
	for i := 1; i <= n; i++ {
		wid, ok := m.index[f[i]]
		if !ok {
			if n > 1 {
				return fmt.Errorf("word %q missing from the unigrams", f[i])
			}
			wid = len(m.words)
			m.words = append(m.words, f[i])
			m.index[f[i]] = wid
		}
		l := &m.lv[i-1]
		if i == 1 {
			id = uint32(wid)
		} else {
			nid, found := l.tab.getOrAdd(ngramKey(id, wid), uint32(len(l.prob)))
			id = nid
			if !found { // a missing prefix gets a neutral entry; overwritten if listed later
				l.prob = append(l.prob, -99)
				l.bow = append(l.bow, 0)
			}
		}
		for i == 1 && int(id) >= len(l.prob) {
			l.prob = append(l.prob, -99)
			l.bow = append(l.bow, 0)
		}
	}
	l := &m.lv[n-1]
	l.prob[id], l.bow[id] = p, bow
	return nil
}

// Order is the highest order in the file.
func (m *ARPAModel) Order() int { return m.order }

// WordID returns the id of an ARPA word string.
func (m *ARPAModel) WordID(w string) (int, bool) {
	id, ok := m.index[w]
	return id, ok
}

// Words returns the vocabulary in id order.
func (m *ARPAModel) Words() []string { return m.words }

// lookup returns the id of the n-gram toks (nil context = unigram).
func (m *ARPAModel) lookup(toks []int) (uint32, bool) {
	if len(toks) == 0 || len(toks) > m.order {
		return 0, false
	}
	if toks[0] < 0 || toks[0] >= len(m.words) {
		return 0, false
	}
	id := uint32(toks[0])
	for i := 1; i < len(toks); i++ {
		var ok bool
		if id, ok = m.lv[i].tab.get(ngramKey(id, toks[i])); !ok {
			return 0, false
		}
	}
	return id, true
}

// lookupThen is lookup(append(toks, w)) without building the n-gram: the
// scoring loop calls it for every word and context length.
func (m *ARPAModel) lookupThen(toks []int, w int) (uint32, bool) {
	if len(toks) == 0 {
		if w < 0 || w >= len(m.words) {
			return 0, false
		}
		return uint32(w), true
	}
	if len(toks)+1 > m.order {
		return 0, false
	}
	id, ok := m.lookup(toks)
	if !ok {
		return 0, false
	}
	return m.lv[len(toks)].tab.get(ngramKey(id, w))
}

// log10Prob returns log10 P(w | context) by backoff and the order of the
// n-gram that supplied the probability (0 when w is not in the vocabulary).
func (m *ARPAModel) log10Prob(context []int, w int) (float64, int) {
	if len(context) > m.order-1 {
		context = context[len(context)-(m.order-1):]
	}
	bo := 0.0
	for i := 0; i <= len(context); i++ {
		h := context[i:]
		if id, ok := m.lookupThen(h, w); ok {
			return bo + m.lv[len(h)].prob[id], len(h) + 1
		}
		if len(h) > 0 {
			if id, ok := m.lookup(h); ok {
				bo += m.lv[len(h)-1].bow[id]
			}
		}
	}
	return math.Inf(-1), 0
}

// LogProb is the natural-log backoff probability of w after context (a
// context starting with <s> is padded with <s>, as for KN).
func (m *ARPAModel) LogProb(context []int, w int) float64 {
	if len(context) > 0 && context[0] == m.bos && m.bos >= 0 && len(context) < m.order-1 {
		pad := make([]int, m.order-1-len(context), m.order-1)
		for i := range pad {
			pad[i] = m.bos
		}
		context = append(pad, context...)
	}
	lp, _ := m.log10Prob(context, w)
	return lp * math.Ln10
}
