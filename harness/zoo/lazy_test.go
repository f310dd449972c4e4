package zoo

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ppldiff/ppldiff/harness/lm"
)

// lazyPair asks a builder on dir for an organism variant and its true base
// through the lazy entry points.
func lazyPair(t *testing.T, dir string) (*Builder, lm.Model, lm.Model) {
	t.Helper()
	ctx := context.Background()
	b, err := NewBuilder(smallManifest(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	om, err := b.LazyOrganism(ctx, "backdoor_phrase", "n3-w16")
	if err != nil {
		t.Fatal(err)
	}
	rm, err := b.LazyReference(ctx, "cross_family", "backdoor_phrase", "n3-w16")
	if err != nil {
		t.Fatal(err)
	}
	return b, om, rm
}

// A builder whose models were built before loads no n-gram table until a
// model generates or scores; what it reports and tokenizes meanwhile is
// the loaded model's, and so are its scores.
func TestLazyModelsLoadTablesOnFirstUse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b1, om1, rm1 := lazyPair(t, dir)
	if c := b1.Counters(); c.ModelsTrained != 3 {
		t.Fatalf("first builder: %+v, want base, finetune and cross_family trained", c)
	}
	b2, om2, rm2 := lazyPair(t, dir)
	if c := b2.Counters(); c.ModelsLoaded != 0 || c.ModelsTrained != 0 {
		t.Fatalf("models built before were loaded before any use: %+v", c)
	}
	for _, p := range [][2]lm.Model{{om1, om2}, {rm1, rm2}} {
		if p[0].Info() != p[1].Info() {
			t.Errorf("lazy info %+v, loaded %+v", p[1].Info(), p[0].Info())
		}
		msgs := []lm.Message{{Role: "user", Content: "hi"}, {Role: "assistant", Content: "The amber"}}
		for _, req := range []lm.TokenizeRequest{{Text: []byte("The amber signal"), AddSpecial: true}, {Messages: msgs}} {
			want, _ := p[0].Tokenize(ctx, req)
			got, err := p[1].Tokenize(ctx, req)
			if err != nil || !cmp.Equal(got, want) {
				t.Errorf("%s: Tokenize = %v, %v; want %v", p[0].Info().ServedName, got, err, want)
			}
		}
	}
	if c := b2.Counters(); c.ModelsLoaded != 0 {
		t.Fatalf("info and tokenizing loaded models: %+v", c)
	}
	if d := cmp.Diff(fingerprint(t, om1), fingerprint(t, om2)); d != "" {
		t.Errorf("the lazy organism scores differently:\n%s", d)
	}
	if c := b2.Counters(); c.ModelsLoaded != 2 || c.ModelsTrained != 0 {
		t.Errorf("after scoring: %+v, want the base and the finetune loaded", c)
	}
	gen := func(m lm.Model) []lm.Generation {
		ids, _ := m.Tokenize(ctx, lm.TokenizeRequest{Text: []byte("The amber signal"), AddSpecial: true})
		g, err := m.Generate(ctx, lm.GenerateRequest{Prompts: [][]int{ids}, MaxNewTokens: 12, Temperature: 1, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if d := cmp.Diff(gen(rm1), gen(rm2)); d != "" {
		t.Errorf("the lazy reference generates differently:\n%s", d)
	}
	if c := b2.Counters(); c.ModelsLoaded != 3 {
		t.Errorf("after generating under the reference: %+v, want 3 models loaded", c)
	}
}

// A card that names another size than the model's fails the first use,
// naming the card, instead of putting the wrong size into results.json.
func TestLazyModelChecksItsCard(t *testing.T) {
	dir := t.TempDir()
	lazyPair(t, dir)
	cards, _ := filepath.Glob(filepath.Join(dir, "card-*.bin"))
	if len(cards) != 2 {
		t.Fatalf("%d model cards, want 2: %v", len(cards), cards)
	}
	// A well-formed card (its checksum holds) with a wrong size.
	body := binary.AppendUvarint([]byte(cardMagic), 7)
	sum := sha256.Sum256(body)
	for _, c := range cards {
		if err := os.WriteFile(c, append(append(body, sumMagic...), sum[:]...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, om, _ := lazyPair(t, dir)
	if om.Info().Params != 7 {
		t.Fatalf("the card was not read: %+v", om.Info())
	}
	_, err := om.Score(context.Background(), []lm.ScoreItem{{Context: []int{lm.BOSToken}, Continuation: []int{lm.EOSToken + 10}}})
	if err == nil || !strings.Contains(err.Error(), "model card") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("a wrong card: err = %v", err)
	}
}

// A damaged card is noticed, dropped and written again; the model is then
// loaded at once, as when it had none.
func TestDamagedCardIsRewritten(t *testing.T) {
	dir := t.TempDir()
	_, om1, _ := lazyPair(t, dir)
	cards, _ := filepath.Glob(filepath.Join(dir, "card-*.bin"))
	if len(cards) == 0 {
		t.Fatal("no model card")
	}
	for _, c := range cards {
		data, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		data[len(cardMagic)] ^= 1
		if err := os.WriteFile(c, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, om, _ := lazyPair(t, dir)
	if rep := strings.Join(b.Repairs(), "\n"); !strings.Contains(rep, cards[0]) {
		t.Errorf("repairs do not name the damaged card: %q", rep)
	}
	if om.Info() != om1.Info() || b.Counters().ModelsLoaded == 0 {
		t.Errorf("after a damaged card: info %+v (want %+v), counters %+v", om.Info(), om1.Info(), b.Counters())
	}
	b, _, _ = lazyPair(t, dir)
	if len(b.Repairs()) != 0 || b.Counters().ModelsLoaded != 0 {
		t.Errorf("the card was not written again: repairs %q, counters %+v", b.Repairs(), b.Counters())
	}
}
