package zoo

import (
	"context"
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
