package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrBadInput is wrapped by every error caused by the corpus file itself
// (missing, unreadable format, malformed record), as opposed to a bug or an
// I/O failure of the machine. The CLI maps it to its bad-input exit code.
var ErrBadInput = errors.New("bad corpus input")

// InputError locates a problem in a corpus file. errors.Is(err, ErrBadInput)
// holds for it, and Unwrap exposes the underlying cause when there is one
// (for example fs.ErrNotExist).
type InputError struct {
	Path  string // the file as given to Open
	Where string // "12" (a line), "row=3", "compressed byte 4096", or "" for the whole file
	Msg   string
	Err   error
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Where != "" {
		b.WriteString(":")
		b.WriteString(e.Where)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is makes every InputError match ErrBadInput.
func (e *InputError) Is(target error) bool { return target == ErrBadInput }

func (e *InputError) Unwrap() error { return e.Err }

// Options configure how a corpus file is read.
type Options struct {
	// TextField is the JSON field (.jsonl, .jsonl.zst) or the column
	// (.parquet) that holds a document's text. Empty means "text".
	TextField string
	// LinePerDoc makes a .txt file hold one document per non-blank line
	// instead of documents separated by blank lines.
	LinePerDoc bool
	// SkipBad turns malformed records (a line that is not a JSON object, a
	// missing, null or non-string text field) into counted warnings instead
	// of errors. Damage to the file as a whole (missing file, corrupt
	// compression, unreadable parquet) is always an error.
	SkipBad bool
}

func (o Options) textField() string {
	if o.TextField == "" {
		return "text"
	}
	return o.TextField
}

// Doc is one document of a corpus.
type Doc struct {
	// Index counts the documents a Reader yields, from 0. Skipped records
	// do not take an index, so indices are dense and stable for a given
	// file and Options.
	Index int
	Text  []byte
	// Source locates the document as "<file name>:<line>" (1-based line
	// where the document starts) or "<file name>:row=<row>" (0-based parquet
	// row). Only the base name is used, so no host path leaks into results.
	Source string
}

// Reader yields the documents of one corpus file in file order.
type Reader interface {
	// Next returns the next document, or io.EOF after the last one. A file
	// that yields no document at all fails with an InputError instead of a
	// bare io.EOF. After an error Next keeps returning it.
	Next() (Doc, error)
	// Warnings reports the records skipped so far.
	Warnings() Warnings
	Close() error
}

// SkipReason says why a record was skipped.
type SkipReason string

const (
	SkipNotJSON      SkipReason = "not a JSON object"
	SkipMissingField SkipReason = "text field missing"
	SkipNotString    SkipReason = "text field not a string"
	SkipNull         SkipReason = "text is null"
	SkipNotUTF8      SkipReason = "line is not valid UTF-8"
	SkipEmpty        SkipReason = "text is empty" // counted even without SkipBad: it is not malformed, just useless
)

// maxExamples bounds how many skipped records Warnings quotes.
const maxExamples = 5

// Warnings counts skipped records by reason and quotes the first few.
type Warnings struct {
	Counts   map[SkipReason]int
	Examples []string // "<file>:<line>: <reason>", at most 5
}

// Total is the number of skipped records.
func (w Warnings) Total() int {
	n := 0
	for _, c := range w.Counts {
		n += c
	}
	return n
}

// String summarizes the warnings in one line, "" when there are none.
func (w Warnings) String() string {
	if w.Total() == 0 {
		return ""
	}
	reasons := make([]string, 0, len(w.Counts))
	for r, c := range w.Counts {
		reasons = append(reasons, fmt.Sprintf("%d %s", c, r))
	}
	slices.Sort(reasons)
	s := fmt.Sprintf("%d records skipped (%s)", w.Total(), strings.Join(reasons, ", "))
	if len(w.Examples) > 0 {
		s += "; first: " + strings.Join(w.Examples, "; ")
	}
	return s
}

func (w *Warnings) add(reason SkipReason, source string) {
	if w.Counts == nil {
		w.Counts = map[SkipReason]int{}
	}
	w.Counts[reason]++
	if len(w.Examples) < maxExamples {
		w.Examples = append(w.Examples, source+": "+string(reason))
	}
}

func (w Warnings) clone() Warnings {
	c := Warnings{Examples: append([]string(nil), w.Examples...)}
	if w.Counts != nil {
		c.Counts = make(map[SkipReason]int, len(w.Counts))
		for r, n := range w.Counts {
			c.Counts[r] = n
		}
	}
	return c
}

// Extensions are the supported file name endings, matched case-insensitively.
// ".json" is JSON lines, as C4 names its shards (c4-train.00000-of-01024.json.gz).
var Extensions = []string{
	".txt", ".txt.gz", ".txt.zst",
	".jsonl", ".jsonl.gz", ".jsonl.zst", ".json", ".json.gz", ".json.zst",
	".parquet",
}

// extension returns the longest supported ending of path, or "".
func extension(path string) string {
	lower := strings.ToLower(path)
	ext := ""
	for _, e := range Extensions {
		if strings.HasSuffix(lower, e) && len(e) > len(ext) {
			ext = e
		}
	}
	return ext
}

// Open opens a corpus: a file, chosen by its extension; a directory, whose
// files (dot files left out) are its shards in name order; or a glob
// pattern (path/*.json.gz), whose matches are the shards in name order.
// Shards are read one after another as one corpus.
func Open(path string, opts Options) (Reader, error) {
	files, err := Shards(path)
	if err != nil {
		return nil, err
	}
	if len(files) == 1 && files[0] == path {
		src, err := openFile(path, opts)
		if err != nil {
			return nil, err
		}
		return &reader{src: src, path: path}, nil
	}
	return &reader{src: &shardSource{files: files, opts: opts}, path: path}, nil
}

// isGlob reports whether path holds glob metacharacters.
func isGlob(path string) bool { return strings.ContainsAny(path, "*?[") }

// Shards lists the files a corpus path stands for, in reading order: the
// path itself for a file; a directory's files (dot files left out), or a
// glob's matches, sorted by name. Every shard must have a supported
// extension: a shard silently left out would change the corpus unseen.
func Shards(path string) ([]string, error) {
	var files []string
	switch st, err := os.Stat(path); {
	case err == nil && st.IsDir():
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, openError(path, err)
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
				continue
			}
			files = append(files, filepath.Join(path, e.Name()))
		}
		if len(files) == 0 {
			return nil, &InputError{Path: path, Msg: "directory holds no corpus files (" + strings.Join(Extensions, ", ") + ")"}
		}
	case err != nil && isGlob(path):
		m, gerr := filepath.Glob(path)
		if gerr != nil {
			return nil, &InputError{Path: path, Msg: "bad glob pattern", Err: gerr}
		}
		for _, f := range m {
			if st, err := os.Stat(f); err == nil && !st.IsDir() {
				files = append(files, f)
			}
		}
		if len(files) == 0 {
			return nil, &InputError{Path: path, Msg: "glob matches no file; check the pattern (quote it so the shell leaves it to ppldiff)", Err: fs.ErrNotExist}
		}
	default:
		files = []string{path}
	}
	slices.Sort(files)
	for _, f := range files {
		if extension(f) == "" {
			return nil, &InputError{Path: f, Msg: fmt.Sprintf("unknown corpus format %q; supported extensions: %s",
				filepath.Ext(f), strings.Join(Extensions, ", "))}
		}
	}
	return files, nil
}

// openFile opens one corpus file as a source.
func openFile(path string, opts Options) (source, error) {
	ext := extension(path)
	if ext == "" {
		return nil, &InputError{Path: path, Msg: fmt.Sprintf("unknown corpus format %q; supported extensions: %s",
			filepath.Ext(path), strings.Join(Extensions, ", "))}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if st, err := f.Stat(); err != nil {
		f.Close()
		return nil, openError(path, err)
	} else if st.IsDir() {
		f.Close()
		return nil, &InputError{Path: path, Msg: "is a directory; give a corpus file (" + strings.Join(Extensions, ", ") + ")"}
	}
	name := filepath.Base(path)
	var src source
	if ext == ".parquet" {
		src, err = newParquetSource(f, path, name, opts)
	} else {
		format, comp, _ := strings.Cut(ext[1:], ".")
		if format == "json" {
			format = "jsonl"
		}
		src, err = newLineSource(f, path, name, "."+format, opts, comp)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return src, nil
}

// shardSource reads shards one after another, opening each when the one
// before it is done, so a thousand shards hold one file open at a time.
type shardSource struct {
	files []string
	opts  Options
	cur   source
	i     int
}

func (s *shardSource) next(w *Warnings) ([]byte, string, error) {
	for {
		if s.cur == nil {
			if s.i == len(s.files) {
				return nil, "", io.EOF
			}
			src, err := openFile(s.files[s.i], s.opts)
			if err != nil {
				return nil, "", err
			}
			s.cur = src
			s.i++
		}
		text, where, err := s.cur.next(w)
		if err != io.EOF {
			return text, where, err
		}
		if err := s.cur.close(); err != nil {
			return nil, "", err
		}
		s.cur = nil
	}
}

func (s *shardSource) close() error {
	if s.cur == nil {
		return nil
	}
	err := s.cur.close()
	s.cur = nil
	return err
}

// Hash is the SHA-256 of a corpus's content: of the file itself for one
// file; for shards, of each shard's base name and content hash in order, so
// renaming, adding or changing a shard changes it.
func Hash(path string) (string, error) {
	files, err := Shards(path)
	if err != nil {
		return "", err
	}
	if len(files) == 1 && files[0] == path {
		return fileHash(path)
	}
	h := sha256.New()
	for _, f := range files {
		fh, err := fileHash(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%s\n", filepath.Base(f), fh)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", openError(path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read corpus %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &InputError{Path: path, Msg: "corpus file does not exist; check the path (relative paths start at the current directory)", Err: fs.ErrNotExist}
	case errors.Is(err, fs.ErrPermission):
		return &InputError{Path: path, Msg: "corpus file is not readable; check its permissions", Err: fs.ErrPermission}
	}
	return fmt.Errorf("open corpus %s: %w", path, err)
}

// ReadAll reads every document of a corpus file.
func ReadAll(path string, opts Options) ([]Doc, Warnings, error) {
	r, err := Open(path, opts)
	if err != nil {
		return nil, Warnings{}, err
	}
	defer r.Close()
	var docs []Doc
	for {
		d, err := r.Next()
		if err == io.EOF {
			return docs, r.Warnings(), nil
		}
		if err != nil {
			return nil, r.Warnings(), err
		}
		docs = append(docs, d)
	}
}

// source is one file format: next returns the next non-skipped document's
// text and source, or io.EOF; skips go to warnings.
type source interface {
	next(w *Warnings) (text []byte, where string, err error)
	close() error
}

// reader numbers documents, turns an empty corpus into an error and makes
// errors sticky.
type reader struct {
	src      source
	path     string
	yielded  int
	warnings Warnings
	err      error
}

func (r *reader) Next() (Doc, error) {
	if r.err != nil {
		return Doc{}, r.err
	}
	text, where, err := r.src.next(&r.warnings)
	if err == io.EOF && r.yielded == 0 {
		msg := "no documents: the file is empty"
		if n := r.warnings.Total(); n > 0 {
			msg = fmt.Sprintf("no documents: all %d records were skipped (%s)", n, r.warnings)
		}
		err = &InputError{Path: r.path, Msg: msg}
	}
	if err != nil {
		r.err = err
		return Doc{}, err
	}
	d := Doc{Index: r.yielded, Text: text, Source: where}
	r.yielded++
	return d, nil
}

func (r *reader) Warnings() Warnings { return r.warnings.clone() }

func (r *reader) Close() error { return r.src.close() }
