package corpus

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func gzipCompress(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGzipMatchesPlain reads every gzip flavour users have: .jsonl.gz,
// .json.gz (C4's name for JSON lines) and .txt.gz.
func TestGzipMatchesPlain(t *testing.T) {
	for _, c := range []struct{ fixture, name string }{
		{"testdata/web.jsonl", "web.jsonl.gz"},
		{"testdata/web.jsonl", "c4-train.00000-of-01024.json.gz"},
		{"testdata/paragraphs.txt", "paragraphs.txt.gz"},
	} {
		plain, err := os.ReadFile(c.fixture)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := readAll(t, c.fixture, Options{})
		got, _ := readAll(t, writeFile(t, c.name, gzipCompress(t, plain)), Options{})
		if diff := cmp.Diff(texts(want), texts(got)); diff != "" {
			t.Errorf("%s (-plain +gz):\n%s", c.name, diff)
		}
		if got[0].Source != c.name+":1" {
			t.Errorf("source %q, want %s:1", got[0].Source, c.name)
		}
	}
}

// TestRepoC4Sample reads the C4-format sample the README's examples use.
func TestRepoC4Sample(t *testing.T) {
	docs, w := readAll(t, "../../testdata/c4-sample.json.gz", Options{})
	if len(docs) != 120 || w.Total() != 0 {
		t.Fatalf("%d docs, %d skipped; want 120 and 0", len(docs), w.Total())
	}
}

func TestGzipBadInput(t *testing.T) {
	t.Run("bad line names file and line", func(t *testing.T) {
		data := gzipCompress(t, []byte(`{"text": "ok"}`+"\n\n"+`{"text": 7}`+"\n"))
		_, _, err := ReadAll(writeFile(t, "c.json.gz", data), Options{})
		wantBadInput(t, err, "c.json.gz:3:", "not a string")
	})
	t.Run("truncated stream", func(t *testing.T) {
		var long bytes.Buffer
		for i := range 2000 {
			long.WriteString(`{"text": "document ` + strings.Repeat("x", i%50) + `"}` + "\n")
		}
		data := gzipCompress(t, long.Bytes())
		_, _, err := ReadAll(writeFile(t, "t.jsonl.gz", data[:len(data)/2]), Options{})
		wantBadInput(t, err, "t.jsonl.gz:compressed byte ", "corrupt or truncated gzip stream")
	})
	t.Run("not gzip", func(t *testing.T) {
		_, _, err := ReadAll(writeFile(t, "p.txt.gz", []byte("plain text\n")), Options{})
		wantBadInput(t, err, "p.txt.gz:compressed byte 0:", "not a readable gzip stream")
	})
}

// TestTextRejectsBinaryAndInvalidUTF8: such bytes would otherwise reach
// prefills as U+FFFD.
func TestTextRejectsBinaryAndInvalidUTF8(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"latin1.txt", []byte("first doc\n\ncaf\xe9 au lait\n"), "latin1.txt:3: invalid UTF-8 at byte 4"},
		{"png.txt", []byte("ok\n\x89PNG\r\n\x1a\n\x00\x00\x00"), "png.txt:2: invalid UTF-8 at byte 1"},
		{"nul.txt", []byte("ok\n\nx\x00y\n"), "nul.txt:3: NUL byte at byte 2"},
		{"one.txt.gz", gzipCompress(t, []byte("a\nb\xff\n")), "one.txt.gz:2: invalid UTF-8"},
	} {
		for _, perLine := range []bool{false, true} {
			_, _, err := ReadAll(writeFile(t, c.name, c.data), Options{LinePerDoc: perLine})
			wantBadInput(t, err, c.want)
		}
	}
	// A JSON line with raw invalid bytes is a malformed record.
	path := writeFile(t, "bad.jsonl", []byte("{\"text\": \"good\"}\n{\"text\": \"caf\xe9\"}\n"))
	_, _, err := ReadAll(path, Options{})
	wantBadInput(t, err, "bad.jsonl:2:", "invalid UTF-8")
	docs, w := readAll(t, path, Options{SkipBad: true})
	if len(docs) != 1 || w.Counts[SkipNotUTF8] != 1 {
		t.Errorf("skip_bad: %d docs, warnings %v; want 1 doc and one %q", len(docs), w, SkipNotUTF8)
	}
}

func writeShards(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		data := []byte(content)
		if strings.HasSuffix(name, ".gz") {
			data = gzipCompress(t, data)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestShards reads a directory and a glob of shards in name order, across
// formats, with dense indices and per-shard sources.
func TestShards(t *testing.T) {
	dir := writeShards(t, map[string]string{
		"part-00001.json.gz": `{"text": "c"}` + "\n" + `{"text": "d"}` + "\n",
		"part-00000.json.gz": `{"text": "a"}` + "\n\n" + `{"text": "b"}` + "\n",
		"part-00002.txt":     "e\n\nf\n",
		".DS_Store":          "\x00\x01",
	})
	docs, _ := readAll(t, dir, Options{})
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e", "f"}, texts(docs)); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
	var sources []string
	for i, d := range docs {
		if d.Index != i {
			t.Errorf("doc %d has index %d", i, d.Index)
		}
		sources = append(sources, d.Source)
	}
	want := []string{"part-00000.json.gz:1", "part-00000.json.gz:3", "part-00001.json.gz:1", "part-00001.json.gz:2", "part-00002.txt:1", "part-00002.txt:3"}
	if diff := cmp.Diff(want, sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	got, _ := readAll(t, filepath.Join(dir, "part-*.json.gz"), Options{})
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, texts(got)); diff != "" {
		t.Errorf("glob (-want +got):\n%s", diff)
	}
}

func TestShardsBadInput(t *testing.T) {
	t.Run("bad line in a later shard", func(t *testing.T) {
		dir := writeShards(t, map[string]string{
			"a.jsonl.gz": `{"text": "a"}` + "\n",
			"b.jsonl.gz": `{"text": "b"}` + "\n" + `{"txt": "c"}` + "\n",
		})
		_, _, err := ReadAll(dir, Options{})
		wantBadInput(t, err, filepath.Join(dir, "b.jsonl.gz")+":2:", `no field "text"`)
	})
	t.Run("unsupported shard", func(t *testing.T) {
		dir := writeShards(t, map[string]string{"a.jsonl": `{"text": "a"}` + "\n", "b.jsonl.bz2": "x"})
		_, err := Open(dir, Options{})
		wantBadInput(t, err, "b.jsonl.bz2", "unknown corpus format")
	})
	t.Run("glob matches nothing", func(t *testing.T) {
		_, err := Open(filepath.Join(t.TempDir(), "*.json.gz"), Options{})
		wantBadInput(t, err, "glob matches no file")
	})
	t.Run("every shard empty", func(t *testing.T) {
		dir := writeShards(t, map[string]string{"a.txt": "\n\n", "b.txt": ""})
		_, _, err := ReadAll(dir, Options{})
		wantBadInput(t, err, dir, "no documents")
	})
}

// TestHash: one file hashes as its bytes (the run ids of existing
// single-file corpora stay put); shards hash by name and content.
func TestHash(t *testing.T) {
	dir := writeShards(t, map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	one, err := Hash(filepath.Join(dir, "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := fileHash(filepath.Join(dir, "a.txt")); one != want || len(one) != 64 {
		t.Errorf("file hash %q, want %q", one, want)
	}
	h1, err := Hash(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.txt"), []byte("B\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h2, _ := Hash(dir)
	if err := os.Rename(filepath.Join(dir, "b.txt"), filepath.Join(dir, "c.txt")); err != nil {
		t.Fatal(err)
	}
	h3, _ := Hash(dir)
	if h1 == h2 || h2 == h3 || h1 == h3 {
		t.Errorf("hashes do not follow content and names: %s %s %s", h1, h2, h3)
	}
}
