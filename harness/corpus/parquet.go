package corpus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// parquetSource streams one string column of a parquet file, row group by
// row group and page by page, so memory stays at about one page.
type parquetSource struct {
	f       *os.File
	path    string
	name    string
	opts    Options
	column  int // leaf column index
	groups  []parquet.RowGroup
	group   int // next row group to open
	pages   parquet.Pages
	values  parquet.ValueReader
	buf     []parquet.Value
	pending []parquet.Value // values read but not yet yielded
	row     int64           // row number of the next value, 0-based
}

// recoverCorrupt turns a panic inside parquet-go, which decodes hostile
// bytes, into an InputError for the row being read.
func recoverCorrupt(path string, row int64, err *error) {
	if r := recover(); r != nil {
		*err = &InputError{Path: path, Where: "row=" + strconv.FormatInt(row, 10), Msg: "corrupt parquet data", Err: fmt.Errorf("decoder panic: %v", r)}
	}
}

func newParquetSource(f *os.File, path, name string, opts Options) (src *parquetSource, err error) {
	defer recoverCorrupt(path, 0, &err)
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read corpus %s: %w", path, err)
	}
	if st.Size() == 0 {
		return nil, &InputError{Path: path, Msg: "no documents: the file is empty"}
	}
	if err := checkParquetFraming(f, st.Size()); err != nil {
		return nil, &InputError{Path: path, Msg: "not a readable parquet file", Err: err}
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, &InputError{Path: path, Msg: "not a readable parquet file", Err: err}
	}
	field := opts.textField()
	leaf, ok := pf.Schema().Lookup(field)
	if !ok {
		var cols []string
		for _, c := range pf.Schema().Columns() {
			cols = append(cols, strconv.Quote(strings.Join(c, ".")))
		}
		return nil, &InputError{Path: path, Msg: fmt.Sprintf("no column %q (columns: %s); set text_field for this corpus", field, strings.Join(cols, ", "))}
	}
	if leaf.MaxRepetitionLevel > 0 {
		return nil, &InputError{Path: path, Msg: fmt.Sprintf("column %q is repeated (a list); it must hold one string per row", field)}
	}
	if kind := leaf.Node.Type().Kind(); kind != parquet.ByteArray {
		return nil, &InputError{Path: path, Msg: fmt.Sprintf("column %q has type %s; it must be a string (BYTE_ARRAY) column", field, kind)}
	}
	return &parquetSource{
		f: f, path: path, name: name, opts: opts,
		column: leaf.ColumnIndex,
		groups: pf.RowGroups(),
		buf:    make([]parquet.Value, 256),
	}, nil
}

func (s *parquetSource) close() error {
	if s.pages != nil {
		s.pages.Close()
	}
	return s.f.Close()
}

func (s *parquetSource) readError(err error) error {
	return &InputError{Path: s.path, Where: "row=" + strconv.FormatInt(s.row, 10), Msg: "corrupt parquet data", Err: err}
}

// nextValue returns the column's value for the next row, or io.EOF.
func (s *parquetSource) nextValue() (parquet.Value, error) {
	for len(s.pending) == 0 {
		if s.values != nil {
			n, err := s.values.ReadValues(s.buf)
			s.pending = s.buf[:n]
			if err == io.EOF {
				s.values = nil
			} else if err != nil {
				return parquet.Value{}, s.readError(err)
			}
			continue
		}
		if s.pages != nil {
			page, err := s.pages.ReadPage()
			if err == io.EOF {
				s.pages.Close()
				s.pages = nil
				continue
			}
			if err != nil {
				return parquet.Value{}, s.readError(err)
			}
			s.values = page.Values()
			continue
		}
		if s.group >= len(s.groups) {
			return parquet.Value{}, io.EOF
		}
		s.pages = s.groups[s.group].ColumnChunks()[s.column].Pages()
		s.group++
	}
	v := s.pending[0]
	s.pending = s.pending[1:]
	return v, nil
}

func (s *parquetSource) next(w *Warnings) (text []byte, where string, err error) {
	defer recoverCorrupt(s.path, s.row, &err)
	for {
		v, err := s.nextValue()
		if err != nil {
			return nil, "", err
		}
		row := s.row
		s.row++
		where = s.name + ":row=" + strconv.FormatInt(row, 10)
		if v.IsNull() {
			if s.opts.SkipBad {
				w.add(SkipNull, where)
				continue
			}
			return nil, "", &InputError{Path: s.path, Where: "row=" + strconv.FormatInt(row, 10),
				Msg: fmt.Sprintf("column %q is null (set skip_bad: true for this corpus to skip such rows)", s.opts.textField())}
		}
		// Copy: the value may point into a page buffer that is reused.
		text = bytes.Clone(v.ByteArray())
		if isBlank(text) {
			w.add(SkipEmpty, where)
			continue
		}
		return text, where, nil
	}
}

// checkParquetFraming checks the magic bytes and the footer length before
// parquet-go sees the file: a garbage length would otherwise make it
// allocate and parse for seconds before failing.
func checkParquetFraming(f io.ReaderAt, size int64) error {
	const magic = "PAR1"
	if size < 12 {
		return fmt.Errorf("%d bytes is too short for a parquet file", size)
	}
	var head, tail [8]byte
	if _, err := f.ReadAt(head[:4], 0); err != nil {
		return err
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(head[:4]) != magic || string(tail[4:]) != magic {
		return errors.New("missing PAR1 magic bytes")
	}
	if footer := int64(binary.LittleEndian.Uint32(tail[:4])); footer > size-12 {
		return fmt.Errorf("footer length %d exceeds the file size %d", footer, size)
	}
	return nil
}
