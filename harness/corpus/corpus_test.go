package corpus

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
)

func readAll(t *testing.T, path string, opts Options) ([]Doc, Warnings) {
	t.Helper()
	docs, w, err := ReadAll(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return docs, w
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func zstdCompress(t *testing.T, data []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

// wantBadInput checks that err wraps ErrBadInput and mentions every fragment.
func wantBadInput(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one mentioning %q", fragments)
	}
	if !errors.Is(err, ErrBadInput) {
		t.Errorf("error %q does not wrap ErrBadInput", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

func texts(docs []Doc) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = string(d.Text)
	}
	return out
}

func TestTextBlankLinesSeparateDocuments(t *testing.T) {
	docs, w := readAll(t, "testdata/paragraphs.txt", Options{})
	want := []Doc{
		{Index: 0, Text: []byte("The first document\nspans two lines."), Source: "paragraphs.txt:1"},
		{Index: 1, Text: []byte("Second document, one line."), Source: "paragraphs.txt:5"},
		{Index: 2, Text: []byte("Third\n  indented line kept as is"), Source: "paragraphs.txt:7"},
	}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("docs (-want +got):\n%s", diff)
	}
	if w.Total() != 0 {
		t.Errorf("warnings %v, want none", w)
	}
}

func TestTextLinePerDoc(t *testing.T) {
	docs, _ := readAll(t, "testdata/paragraphs.txt", Options{LinePerDoc: true})
	want := []string{"The first document", "spans two lines.", "Second document, one line.", "Third", "  indented line kept as is"}
	if diff := cmp.Diff(want, texts(docs)); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
	if docs[3].Source != "paragraphs.txt:7" || docs[3].Index != 3 {
		t.Errorf("fourth doc = %+v, want index 3 from line 7", docs[3])
	}
}

func TestTextCRLFAndByteOrderMark(t *testing.T) {
	path := writeFile(t, "win.txt", []byte("\xef\xbb\xbfFirst\r\nstill first\r\n\r\nSecond"))
	docs, _ := readAll(t, path, Options{})
	if diff := cmp.Diff([]string{"First\nstill first", "Second"}, texts(docs)); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
}

func TestJSONL(t *testing.T) {
	docs, _ := readAll(t, "testdata/web.jsonl", Options{})
	want := []Doc{
		{Index: 0, Text: []byte("Alpha document about tides."), Source: "web.jsonl:1"},
		{Index: 1, Text: []byte("Beta document\nwith an embedded newline and unicode: café."), Source: "web.jsonl:3"},
		{Index: 2, Text: []byte("Gamma document."), Source: "web.jsonl:4"},
	}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("docs (-want +got):\n%s", diff)
	}
}

func TestJSONLTextFieldOption(t *testing.T) {
	path := writeFile(t, "c.jsonl", []byte(`{"content": "one", "text": "not this"}`+"\n"+`{"content": "two"}`+"\n"))
	docs, _ := readAll(t, path, Options{TextField: "content"})
	if diff := cmp.Diff([]string{"one", "two"}, texts(docs)); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
}

// TestJSONLLinesFarBeyond64KiB: bufio.Scanner's default limit is 64 KiB.
func TestJSONLLinesFarBeyond64KiB(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	long := make([]byte, 1<<20) // 16 times the limit
	for i := range long {
		long[i] = byte('a' + r.IntN(26))
	}
	data := []byte(`{"text": "short"}` + "\n" + `{"text": "` + string(long) + `"}` + "\n" + `{"text": "after"}`)
	for _, name := range []string{"long.jsonl", "long.jsonl.zst"} {
		content := data
		if strings.HasSuffix(name, ".zst") {
			content = zstdCompress(t, data)
		}
		docs, _ := readAll(t, writeFile(t, name, content), Options{})
		if len(docs) != 3 || !bytes.Equal(docs[1].Text, long) || string(docs[2].Text) != "after" {
			t.Errorf("%s: got %d docs; the long one has %d bytes, want %d", name, len(docs), len(docs[min(1, len(docs)-1)].Text), len(long))
		}
	}
}

func TestZstdMatchesPlain(t *testing.T) {
	for _, fixture := range []string{"testdata/web.jsonl", "testdata/paragraphs.txt"} {
		plain, err := os.ReadFile(fixture)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := readAll(t, fixture, Options{})
		got, _ := readAll(t, writeFile(t, filepath.Base(fixture)+".zst", zstdCompress(t, plain)), Options{})
		if diff := cmp.Diff(texts(want), texts(got)); diff != "" {
			t.Errorf("%s compressed (-plain +zst):\n%s", fixture, diff)
		}
		if got[0].Source != filepath.Base(fixture)+".zst:1" {
			t.Errorf("source %q, want the .zst file name and line 1", got[0].Source)
		}
	}
}

type parquetRow struct {
	ID   int64   `parquet:"id"`
	Body *string `parquet:"body,optional"`
}

// writeParquet writes rows in row groups of rowsPerGroup, so reading crosses groups.
func writeParquet(t *testing.T, bodies []*string, rowsPerGroup int64) string {
	t.Helper()
	rows := make([]parquetRow, len(bodies))
	for i, b := range bodies {
		rows[i] = parquetRow{ID: int64(i), Body: b}
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(rowsPerGroup)); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "corpus.parquet", buf.Bytes())
}

func strp(s string) *string { return &s }

func TestParquet(t *testing.T) {
	bodies := []*string{strp("zero"), strp("one"), nil, strp("three"), strp(""), strp("five"), strp("six"), strp("seven")}
	path := writeParquet(t, bodies, 3)

	docs, w := readAll(t, path, Options{TextField: "body", SkipBad: true})
	want := []Doc{
		{Index: 0, Text: []byte("zero"), Source: "corpus.parquet:row=0"},
		{Index: 1, Text: []byte("one"), Source: "corpus.parquet:row=1"},
		{Index: 2, Text: []byte("three"), Source: "corpus.parquet:row=3"},
		{Index: 3, Text: []byte("five"), Source: "corpus.parquet:row=5"},
		{Index: 4, Text: []byte("six"), Source: "corpus.parquet:row=6"},
		{Index: 5, Text: []byte("seven"), Source: "corpus.parquet:row=7"},
	}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("docs (-want +got):\n%s", diff)
	}
	if w.Counts[SkipNull] != 1 || w.Counts[SkipEmpty] != 1 || w.Total() != 2 {
		t.Errorf("warnings %v, want one null and one empty", w)
	}

	_, _, err := ReadAll(path, Options{TextField: "body"})
	wantBadInput(t, err, path+":row=2:", `column "body" is null`)

	_, _, err = ReadAll(path, Options{})
	wantBadInput(t, err, path, `no column "text"`, `"body"`, `"id"`)

	_, _, err = ReadAll(path, Options{TextField: "id"})
	wantBadInput(t, err, path, `column "id" has type`, "string")
}

func TestBadInput(t *testing.T) {
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.jsonl")
		_, err := Open(path, Options{})
		wantBadInput(t, err, path, "does not exist", "check the path")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %q does not wrap fs.ErrNotExist", err)
		}
	})
	t.Run("unknown extension", func(t *testing.T) {
		_, err := Open(writeFile(t, "corpus.csv", []byte("a,b\n")), Options{})
		wantBadInput(t, err, ".csv", ".txt, .txt.gz, .txt.zst, .jsonl, .jsonl.gz, .jsonl.zst, .json, .json.gz, .json.zst, .parquet")
	})
	t.Run("directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "dir.jsonl")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir, Options{})
		wantBadInput(t, err, dir, "directory holds no corpus files")
	})
	t.Run("line not JSON", func(t *testing.T) {
		_, _, err := ReadAll("testdata/mixed.jsonl", Options{})
		wantBadInput(t, err, "testdata/mixed.jsonl:2:", "not valid JSON", "skip_bad")
	})
	t.Run("missing text field", func(t *testing.T) {
		path := writeFile(t, "m.jsonl", []byte(`{"text": "ok"}`+"\n"+`{"body": "x", "id": 3}`+"\n"))
		_, _, err := ReadAll(path, Options{})
		wantBadInput(t, err, path+":2:", `no field "text"`, `"body", "id"`)
	})
	t.Run("non-string text", func(t *testing.T) {
		for raw, kind := range map[string]string{`42`: "a number", `["a"]`: "an array", `{"a": 1}`: "an object", `true`: "a boolean", `null`: "null"} {
			path := writeFile(t, "n.jsonl", []byte(`{"text": `+raw+`}`+"\n"))
			_, _, err := ReadAll(path, Options{})
			wantBadInput(t, err, path+":1:", kind)
		}
	})
	t.Run("empty files", func(t *testing.T) {
		for name, data := range map[string][]byte{
			"e.txt":       nil,
			"blank.txt":   []byte("\n  \n\t\n"),
			"e.jsonl":     nil,
			"blank.jsonl": []byte("\n\n"),
			"e.jsonl.zst": nil,
			"z.jsonl.zst": zstdCompress(t, nil),
			"e.parquet":   nil,
		} {
			path := writeFile(t, name, data)
			_, _, err := ReadAll(path, Options{})
			wantBadInput(t, err, path, "no documents")
		}
		_, _, err := ReadAll(writeParquet(t, nil, 3), Options{TextField: "body"})
		wantBadInput(t, err, "corpus.parquet", "no documents")
	})
	t.Run("corrupt zst", func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		var plain []byte
		for i := range 20000 {
			plain = append(plain, `{"text": "document `...)
			plain = append(plain, byte('a'+r.IntN(26)), byte('a'+i%26))
			plain = append(plain, "\"}\n"...)
		}
		good := zstdCompress(t, plain)
		flipped := bytes.Clone(good)
		for i := len(flipped) / 2; i < len(flipped)/2+64; i++ {
			flipped[i] ^= 0xA5
		}
		cases := map[string][]byte{
			"truncated": good[:len(good)*2/3],
			"flipped":   flipped,
			"not zstd":  []byte(`{"text": "plain json in a .zst file"}` + "\n"),
		}
		for name, data := range cases {
			path := writeFile(t, "c.jsonl.zst", data)
			_, _, err := ReadAll(path, Options{})
			wantBadInput(t, err, path+":compressed byte ", "zstd")
			t.Logf("%s: %v", name, err)
		}
	})
	t.Run("corrupt parquet", func(t *testing.T) {
		path := writeFile(t, "c.parquet", []byte("PAR1 this is not really parquet PAR1"))
		_, _, err := ReadAll(path, Options{})
		wantBadInput(t, err, path, "not a readable parquet file")
	})
}

func TestSkipBadCountsWarnings(t *testing.T) {
	docs, w := readAll(t, "testdata/mixed.jsonl", Options{SkipBad: true})
	want := []Doc{
		{Index: 0, Text: []byte("good one"), Source: "mixed.jsonl:1"},
		{Index: 1, Text: []byte("good two"), Source: "mixed.jsonl:8"},
	}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("docs (-want +got):\n%s", diff)
	}
	wantCounts := map[SkipReason]int{SkipNotJSON: 2, SkipMissingField: 1, SkipNotString: 1, SkipNull: 1, SkipEmpty: 1}
	if diff := cmp.Diff(wantCounts, w.Counts); diff != "" {
		t.Errorf("warning counts (-want +got):\n%s", diff)
	}
	if len(w.Examples) != maxExamples || w.Examples[0] != "mixed.jsonl:2: "+string(SkipNotJSON) {
		t.Errorf("examples %q", w.Examples)
	}
	if s := w.String(); !strings.HasPrefix(s, "6 records skipped (") {
		t.Errorf("summary %q", s)
	}

	path := writeFile(t, "allbad.jsonl", []byte("nope\n{\"x\": 1}\n"))
	_, _, err := ReadAll(path, Options{SkipBad: true})
	wantBadInput(t, err, path, "no documents", "all 2 records were skipped")
}

func TestNextAfterEndAndAfterError(t *testing.T) {
	r, err := Open("testdata/web.jsonl", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for range 3 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("Next after the last doc: %v, want io.EOF", err)
		}
	}

	bad, err := Open("testdata/mixed.jsonl", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if _, err := bad.Next(); err != nil {
		t.Fatal(err)
	}
	_, first := bad.Next()
	_, again := bad.Next()
	if first == nil || first != again {
		t.Errorf("errors %v then %v; want the same error repeated", first, again)
	}
}

// TestCorruptParquetPages flips 16 bytes at a time across a real file: every
// outcome must be either the original documents (the flip hit data the
// reader does not use) or an ErrBadInput error, never a panic or wrong text.
func TestCorruptParquetPages(t *testing.T) {
	bodies := make([]*string, 30)
	for i := range bodies {
		bodies[i] = strp(strings.Repeat("document text ", 1+i%5))
	}
	good, err := os.ReadFile(writeParquet(t, bodies, 10))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := readAll(t, writeFile(t, "good.parquet", good), Options{TextField: "body"})
	detected := 0
	for start := 4; start < len(good)-8; start += 37 {
		data := bytes.Clone(good)
		for i := start; i < min(start+16, len(data)-8); i++ {
			data[i] ^= 0x5A
		}
		docs, _, err := ReadAll(writeFile(t, "c.parquet", data), Options{TextField: "body"})
		if err != nil {
			if !errors.Is(err, ErrBadInput) {
				t.Errorf("flip at %d: error %q does not wrap ErrBadInput", start, err)
			}
			detected++
			continue
		}
		if diff := cmp.Diff(texts(want), texts(docs)); diff != "" {
			t.Errorf("flip at %d: wrong documents without an error (-want +got):\n%s", start, diff)
		}
	}
	if detected == 0 {
		t.Error("no corruption was detected at any offset")
	}
}
