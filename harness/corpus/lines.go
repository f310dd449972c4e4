package corpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// countingReader counts the compressed bytes the decoder has consumed, to
// say roughly where a corrupt stream went wrong.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// lineSource reads .txt and .jsonl files, plain, gzip- or zstd-compressed,
// one line at a time with no limit on line length.
type lineSource struct {
	f        *os.File
	path     string
	name     string
	format   string // ".txt" or ".jsonl"
	opts     Options
	br       *bufio.Reader
	zr       *zstd.Decoder   // nil unless zstd
	gz       *gzip.Reader    // nil unless gzip
	codec    string          // "zstd", "gzip", or "" for plain files
	counter  *countingReader // compressed bytes consumed, nil for plain files
	line     int             // number of the last line read, 1-based
	finished bool
}

func newLineSource(f *os.File, path, name, format string, opts Options, compression string) (*lineSource, error) {
	s := &lineSource{f: f, path: path, name: name, format: format, opts: opts}
	var r io.Reader = f
	switch compression {
	case "zst":
		s.counter, s.codec = &countingReader{r: f}, "zstd"
		// One decoder goroutine-free: with concurrency 1 the stream is decoded
		// synchronously, so the byte count is close to where an error arose.
		zr, err := zstd.NewReader(s.counter, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, &InputError{Path: path, Msg: "not a readable zstd stream", Err: err}
		}
		s.zr, r = zr, zr
	case "gz":
		s.counter, s.codec = &countingReader{r: f}, "gzip"
		// gzip.Reader reads through its own bufio.Reader unless given an
		// io.ByteReader; the small one here keeps the count close.
		zr, err := gzip.NewReader(bufio.NewReaderSize(s.counter, 4096))
		if err != nil {
			return nil, &InputError{Path: path, Where: "compressed byte 0", Msg: "not a readable gzip stream", Err: err}
		}
		s.gz, r = zr, zr
	}
	s.br = bufio.NewReaderSize(r, 64<<10)
	return s, nil
}

func (s *lineSource) close() error {
	if s.zr != nil {
		s.zr.Close()
	}
	if s.gz != nil {
		s.gz.Close()
	}
	return s.f.Close()
}

// readLine returns the next line without its line ending ("\n" or "\r\n"),
// or io.EOF after the last. The last line may lack a newline.
func (s *lineSource) readLine() ([]byte, error) {
	if s.finished {
		return nil, io.EOF
	}
	line, err := s.br.ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, s.readError(err)
	}
	if err == io.EOF {
		s.finished = true
		if len(line) == 0 {
			return nil, io.EOF
		}
	}
	s.line++
	if s.line == 1 {
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}

func (s *lineSource) readError(err error) error {
	if s.codec == "" {
		return fmt.Errorf("read corpus %s after line %d: %w", s.path, s.line, err)
	}
	// Every failure inside a compressed stream is damage to the file (a
	// truncated file surfaces as io.ErrUnexpectedEOF).
	return &InputError{
		Path:  s.path,
		Where: "compressed byte " + strconv.FormatInt(s.counter.n, 10),
		Msg:   fmt.Sprintf("corrupt or truncated %s stream (failed at or before this offset, after line %d of the decompressed text)", s.codec, s.line),
		Err:   err,
	}
}

func (s *lineSource) where(line int) string { return s.name + ":" + strconv.Itoa(line) }

// textLine reads the next line of a .txt corpus and rejects binary data
// and invalid UTF-8: decoded downstream they would become U+FFFD prefills
// that no reader of the report could trace back to the file.
func (s *lineSource) textLine() ([]byte, error) {
	line, err := s.readLine()
	if err != nil {
		return nil, err
	}
	if msg := notText(line); msg != "" {
		return nil, &InputError{Path: s.path, Where: strconv.Itoa(s.line), Msg: msg}
	}
	return line, nil
}

// notText says why a line is not UTF-8 text, or "" when it is.
func notText(line []byte) string {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		return fmt.Sprintf("NUL byte at byte %d of the line: a binary file, not text; give a text corpus (%s)", i+1, strings.Join(Extensions, ", "))
	}
	if !utf8.Valid(line) {
		i := 0
		for i < len(line) {
			r, n := utf8.DecodeRune(line[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Sprintf("invalid UTF-8 at byte %d of the line; convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)", i+1)
	}
	return ""
}

func (s *lineSource) next(w *Warnings) ([]byte, string, error) {
	if s.format == ".jsonl" {
		return s.nextJSON(w)
	}
	if s.opts.LinePerDoc {
		return s.nextLine()
	}
	return s.nextParagraph()
}

func isBlank(line []byte) bool { return len(bytes.TrimSpace(line)) == 0 }

// nextLine yields each non-blank line as a document.
func (s *lineSource) nextLine() ([]byte, string, error) {
	for {
		line, err := s.textLine()
		if err != nil {
			return nil, "", err
		}
		if !isBlank(line) {
			return line, s.where(s.line), nil
		}
	}
}

// nextParagraph yields runs of non-blank lines, joined with "\n"; one or
// more blank (whitespace-only) lines separate documents.
func (s *lineSource) nextParagraph() ([]byte, string, error) {
	var doc []byte
	start := 0
	for {
		line, err := s.textLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		if isBlank(line) {
			if doc != nil {
				break
			}
			continue
		}
		if doc == nil {
			start = s.line
			doc = append([]byte{}, line...)
		} else {
			doc = append(append(doc, '\n'), line...)
		}
	}
	if doc == nil {
		return nil, "", io.EOF
	}
	return doc, s.where(start), nil
}

// nextJSON yields the text field of each JSON object line. Blank lines are
// ignored; bad lines fail or, with SkipBad, are counted.
func (s *lineSource) nextJSON(w *Warnings) ([]byte, string, error) {
	field := s.opts.textField()
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, "", err
		}
		if isBlank(line) {
			continue
		}
		text, reason, detail := jsonText(line, field)
		if reason == "" && !utf8.Valid(line) {
			// encoding/json would turn the bad bytes into U+FFFD unseen.
			reason, detail = SkipNotUTF8, notText(line)
		}
		if reason == "" {
			if isBlank(text) {
				w.add(SkipEmpty, s.where(s.line))
				continue
			}
			return text, s.where(s.line), nil
		}
		if s.opts.SkipBad {
			w.add(reason, s.where(s.line))
			continue
		}
		return nil, "", &InputError{Path: s.path, Where: strconv.Itoa(s.line), Msg: detail + " (fix the line, or set skip_bad: true for this corpus to skip such lines)"}
	}
}

// jsonText extracts field from a JSON object line. On failure it returns
// the skip reason and a message for the error.
func jsonText(line []byte, field string) (text []byte, reason SkipReason, detail string) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, SkipNotJSON, "line is JSON but not an object"
		}
		return nil, SkipNotJSON, "line is not valid JSON: " + err.Error()
	}
	if obj == nil {
		return nil, SkipNotJSON, "line is JSON null, not an object"
	}
	raw, ok := obj[field]
	if !ok {
		fields := make([]string, 0, len(obj))
		for k := range obj {
			fields = append(fields, strconv.Quote(k))
		}
		slices.Sort(fields)
		return nil, SkipMissingField, fmt.Sprintf("no field %q (fields present: %s); set text_field for this corpus", field, strings.Join(fields, ", "))
	}
	var str *string
	if err := json.Unmarshal(raw, &str); err != nil {
		return nil, SkipNotString, fmt.Sprintf("field %q is %s, not a string", field, jsonKind(raw))
	}
	if str == nil {
		return nil, SkipNull, fmt.Sprintf("field %q is null", field)
	}
	return []byte(*str), "", ""
}

func jsonKind(raw json.RawMessage) string {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return "empty"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}
