package remote

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// jsonScanner walks a JSON document without reflection or allocation. It
// validates everything it passes over with the grammar encoding/json's
// json.Valid applies, so a document a hand-written decoder accepted in
// full is one encoding/json would accept too. Every method reports false
// at the first byte it does not expect; the decoders built on it then
// give up and leave the document to encoding/json.
type jsonScanner struct {
	data []byte
	pos  int
}

// maxScanDepth bounds nesting in skipped values; deeper documents go to
// encoding/json, which has its own (larger) limit.
const maxScanDepth = 512

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, 0 at the end.
func (s *jsonScanner) peek() byte {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return s.data[s.pos] // no space: the common case in machine-written JSON
	}
	s.skipSpace()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// consume eats c (after spaces) when it is next.
func (s *jsonScanner) consume(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

// atEnd reports whether only spaces remain.
func (s *jsonScanner) atEnd() bool { return s.peek() == 0 && s.pos == len(s.data) }

func (s *jsonScanner) literal(lit string) bool {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		return false
	}
	s.pos += len(lit)
	return true
}

// null eats a null literal when one is next.
func (s *jsonScanner) null() bool { return s.peek() == 'n' && s.literal("null") }

// stringBytes scans a string and returns its raw contents between the
// quotes, and whether they hold escapes (then they are not the value).
func (s *jsonScanner) stringBytes() (raw []byte, escaped, ok bool) {
	if !s.consume('"') {
		return nil, false, false
	}
	start := s.pos
	d := s.data
	for i := start; i < len(d); i++ {
		if i = skipPlain(d, i); i == len(d) {
			break
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return d[start:i], escaped, true
		case c == '\\':
			escaped = true
			i++
			if i >= len(d) {
				return nil, false, false
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(d) {
					return nil, false, false
				}
				for _, h := range d[i+1 : i+5] {
					if !isHex(h) {
						return nil, false, false
					}
				}
				i += 4
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		}
	}
	return nil, false, false
}

// plainString scans a string that must be its own value: no escapes and
// valid UTF-8 (encoding/json rewrites both, so those go to it instead).
func (s *jsonScanner) plainString() ([]byte, bool) {
	raw, escaped, ok := s.stringBytes()
	if !ok || escaped || !utf8.Valid(raw) {
		return nil, false
	}
	return raw, true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number scans a JSON number and returns its text.
func (s *jsonScanner) number() ([]byte, bool) {
	s.skipSpace()
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = skipDigits(d, i)
	default:
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		if i = skipDigits(d, i); i == j {
			return nil, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		if i = skipDigits(d, i); i == j {
			return nil, false
		}
	}
	num := d[s.pos:i]
	s.pos = i
	return num, true
}

// int scans an integer that fits an int without rounding; fractions,
// exponents and huge values are left to encoding/json.
func (s *jsonScanner) int() (int, bool) {
	num, ok := s.number()
	if !ok || len(num) > 18 {
		return 0, false
	}
	neg := num[0] == '-'
	if neg {
		num = num[1:]
	}
	v := 0
	for _, c := range num {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// float scans a number as encoding/json reads it into a float64: the
// value strconv.ParseFloat gives, correctly rounded. Plain decimals of up to
// 19 significant digits, which is what servers print for logprobs, are
// converted in the same pass that validates them; anything else goes to
// strconv.
func (s *jsonScanner) float() (float64, bool) {
	s.skipSpace()
	d, i := s.data, s.pos
	neg := i < len(d) && d[i] == '-'
	if neg {
		i++
	}
	var mant uint64
	overflow := false // mant would pass 10^19; leading zeros never do
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		mant, i, overflow = accumulateDigits(d, i, 0)
	default:
		return 0, false
	}
	fracDigits := 0
	if i < len(d) && d[i] == '.' {
		j := i + 1
		var over bool
		mant, i, over = accumulateDigits(d, j, mant)
		overflow = overflow || over
		if fracDigits = i - j; fracDigits == 0 {
			return 0, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') || overflow || fracDigits > 19 {
		num, ok := s.number()
		if !ok {
			return 0, false
		}
		v, err := strconv.ParseFloat(string(num), 64)
		return v, err == nil
	}
	v, ok := decimalToFloat(mant, fracDigits)
	if !ok {
		var err error
		if v, err = strconv.ParseFloat(string(d[s.pos:i]), 64); err != nil {
			return 0, false
		}
	} else if neg {
		v = -v
	}
	s.pos = i
	return v, true
}

// accumulateDigits appends the run of digits starting at i to mant,
// eight at a time where it can, and returns the new mantissa, the run's
// end, and whether the mantissa would have passed 10^19 (it is then
// meaningless).
func accumulateDigits(d []byte, i int, mant uint64) (uint64, int, bool) {
	overflow := false
	for ; i+8 <= len(d); i += 8 {
		v := binary.LittleEndian.Uint64(d[i:])
		if nonDigits(v) != 0 {
			break
		}
		overflow = overflow || mant >= 1e11
		mant = mant*1e8 + eightDigits(v)
	}
	for ; i < len(d) && isDigit(d[i]); i++ {
		overflow = overflow || mant >= 1e18
		mant = mant*10 + uint64(d[i]-'0')
	}
	return mant, i, overflow
}

// object scans an object, calling field with each key (escape-free ASCII,
// else the scan fails) with the cursor on its value; field must consume
// the value.
func (s *jsonScanner) object(field func(key []byte) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		key, ok := s.plainString()
		if !ok || !isASCII(key) || !s.consume(':') || !field(key) {
			return false
		}
		if !s.consume(',') {
			return s.consume('}')
		}
	}
}

// array scans an array, calling elem with the cursor on each element.
func (s *jsonScanner) array(elem func() bool) bool {
	if !s.consume('[') {
		return false
	}
	if s.consume(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if !s.consume(',') {
			return s.consume(']')
		}
	}
}

// skip scans one value of any kind, validating it. It walks nested values
// with a stack of open brackets instead of recursion: skipped values
// (top_logprobs, text_offset) are most of a generation answer.
func (s *jsonScanner) skip() bool {
	var open [maxScanDepth]byte // '{' or '[' per level
	depth := 0
value:
	switch c := s.peek(); c {
	case '{', '[':
		if depth == len(open) {
			return false
		}
		s.pos++
		open[depth] = c
		depth++
		if s.consume(c + 2) { // '}' is '{'+2, ']' is '['+2
			depth--
			goto after
		}
		if c == '{' {
			goto key
		}
		goto value
	case '"':
		if _, _, ok := s.stringBytes(); !ok {
			return false
		}
	case 't':
		if !s.literal("true") {
			return false
		}
	case 'f':
		if !s.literal("false") {
			return false
		}
	case 'n':
		if !s.literal("null") {
			return false
		}
	default:
		if !s.skipNumber() {
			return false
		}
	}
after:
	if depth == 0 {
		return true
	}
	switch c := s.peek(); {
	case c == ',':
		s.pos++
		if open[depth-1] == '{' {
			goto key
		}
		goto value
	case c == open[depth-1]+2:
		s.pos++
		depth--
		goto after
	}
	return false
key:
	if _, _, ok := s.stringBytes(); !ok || !s.consume(':') {
		return false
	}
	goto value
}

// skipNumber scans a number without reading its value.
func (s *jsonScanner) skipNumber() bool {
	_, ok := s.number()
	return ok
}

// raw skips one value and returns its bytes.
func (s *jsonScanner) raw() ([]byte, bool) {
	s.skipSpace()
	start := s.pos
	if !s.skip() {
		return nil, false
	}
	return s.data[start:s.pos], true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// knownFields decodes an object whose keys of interest are names: unknown
// keys are skipped, null values leave the zero value, and field decodes the
// rest. A duplicate or case-folded known key sends the document to
// encoding/json (false).
func (s *jsonScanner) knownFields(names []string, field func(name string) bool) bool {
	fields := fieldSet{names: names}
	return s.object(func(key []byte) bool {
		i, ok := fields.match(key)
		switch {
		case !ok:
			return false
		case i < 0:
			return s.skip()
		case s.null():
			return true // every field's zero value is what null gives
		}
		return field(names[i])
	})
}

// fieldSet tracks which known keys an object has had, so a duplicate (which
// encoding/json merges in ways not worth imitating) sends the document to
// encoding/json; it also catches keys encoding/json would match
// case-insensitively to a known field.
type fieldSet struct {
	names []string
	seen  uint64
}

// match returns the index of key among names, -1 for an unrelated key, and
// false when the document must go to encoding/json.
func (f *fieldSet) match(key []byte) (int, bool) {
	for i, n := range f.names {
		if string(key) == n {
			if f.seen&(1<<i) != 0 {
				return 0, false
			}
			f.seen |= 1 << i
			return i, true
		}
	}
	for _, n := range f.names {
		if bytes.EqualFold(key, []byte(n)) {
			return 0, false
		}
	}
	return -1, true
}
