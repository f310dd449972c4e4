package zoo

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// One flipped bit anywhere in a cached model file is noticed on load: the
// file is rebuilt (and said so) and the model scores exactly as the clean
// one, never as a slightly different model.
func TestDamagedCacheFileIsRebuilt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	build := func() (*Builder, [][]float64) {
		b, err := NewBuilder(smallManifest(t), dir)
		if err != nil {
			t.Fatal(err)
		}
		m, err := b.Organism(ctx, "backdoor_phrase", "n3-w16")
		if err != nil {
			t.Fatal(err)
		}
		return b, fingerprint(t, m)
	}
	_, clean := build()
	files, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
	if len(files) != 3 { // tokenizer, base, finetune
		t.Fatalf("cache holds %d files, want 3: %v", len(files), files)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	trials := 6
	if testing.Short() {
		trials = 3
	}
	for trial := range trials {
		f := files[trial%len(files)]
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		off := rng.IntN(len(data))
		data[off] ^= 1 << rng.IntN(8)
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
		b, got := build()
		if d := cmp.Diff(clean, got); d != "" {
			t.Errorf("trial %d, %s byte %d: the model scores differently:\n%s", trial, filepath.Base(f), off, d)
		}
		rep := strings.Join(b.Repairs(), "\n")
		if !strings.Contains(rep, f) || !strings.Contains(rep, "rebuilt") {
			t.Errorf("trial %d, %s byte %d: repairs do not name the file: %q", trial, filepath.Base(f), off, rep)
		}
		if c := b.Counters(); c.ModelsTrained+c.TokenizersTrained == 0 {
			t.Errorf("trial %d: nothing was rebuilt: %+v", trial, c)
		}
	}
	// The rebuilt files are intact again: a further build loads them all.
	b, _ := build()
	if len(b.Repairs()) != 0 || b.Counters().ModelsTrained != 0 {
		t.Errorf("after the rebuilds: repairs %q, counters %+v", b.Repairs(), b.Counters())
	}
}

// The held-out corpus comes back from the cache as generated, and a damaged
// corpus file is generated again, never read as another corpus.
func TestCorpusIsCachedAndChecked(t *testing.T) {
	dir := t.TempDir()
	corpus := func() ([]string, *Builder) {
		b, err := NewBuilder(smallManifest(t), dir)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := b.Corpus()
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, d := range docs {
			texts = append(texts, string(d.Genre)+"|"+d.Text)
		}
		return texts, b
	}
	first, _ := corpus()
	files, _ := filepath.Glob(filepath.Join(dir, "corpus-*.bin"))
	if len(first) == 0 || len(files) != 1 {
		t.Fatalf("%d documents, %d corpus files in the cache; want some and 1", len(first), len(files))
	}
	// The cached documents are the generator's: a builder without a cache
	// generates them afresh.
	b, err := NewBuilder(smallManifest(t), "")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := b.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	second, _ := corpus()
	if d := cmp.Diff(first, second); d != "" {
		t.Fatalf("the cached corpus differs from the one stored:\n%s", d)
	}
	for i, d := range fresh {
		if second[i] != string(d.Genre)+"|"+d.Text {
			t.Fatalf("document %d read from the cache differs from the generated one", i)
		}
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x10
	if err := os.WriteFile(files[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	third, b3 := corpus()
	if d := cmp.Diff(first, third); d != "" {
		t.Fatalf("after damage the corpus differs:\n%s", d)
	}
	if rep := strings.Join(b3.Repairs(), "\n"); !strings.Contains(rep, files[0]) {
		t.Errorf("repairs do not name the damaged corpus file: %q", rep)
	}
}

// A finished cache file is readable by every user (0644), as the other
// users of a shared model cache need, not 0600 as its temporary file was
// created.
func TestCacheFilesAreWorldReadable(t *testing.T) {
	c := newCache(t.TempDir())
	key := strings.Repeat("ab", 32)
	if err := c.store("card", key, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(c.path("card", key))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("cache file mode %v, want -rw-r--r--", st.Mode().Perm())
	}
}
