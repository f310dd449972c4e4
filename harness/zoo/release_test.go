package zoo

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestForgetReloadsFromCache: the keys name the models a request builds
// (a finetune and its base; a true base is that same base), Cached sees
// their files, and a forgotten model is loaded again from the cache on its
// next request, the same model; a model not forgotten is not reloaded.
func TestForgetReloadsFromCache(t *testing.T) {
	ctx := context.Background()
	b, err := NewBuilder(smallManifest(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	org, err := b.OrganismKeys("backdoor_phrase", "n3-w16")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := b.ReferenceKeys("true_base", "backdoor_phrase", "n3-w16")
	if err != nil {
		t.Fatal(err)
	}
	if len(org) != 2 || len(ref) != 1 || ref[0] != org[1] || org[0].kind != "finetune" || org[1].kind != "kn" {
		t.Fatalf("keys: organism %v, true base %v; want finetune and base, the base shared", org, ref)
	}
	for _, k := range org {
		if b.Cached(k) {
			t.Fatalf("%v cached before any build", k)
		}
	}
	m, err := b.Organism(ctx, "backdoor_phrase", "n3-w16")
	if err != nil {
		t.Fatal(err)
	}
	want := fingerprint(t, m)
	for _, k := range org {
		if !b.Cached(k) {
			t.Errorf("%v not cached after the build: the keys are not the builder's", k)
		}
	}
	c0 := b.Counters()
	if _, err := b.Organism(ctx, "backdoor_phrase", "n3-w16"); err != nil {
		t.Fatal(err)
	}
	if c := b.Counters(); c != c0 {
		t.Fatalf("a model still held was loaded again: %+v -> %+v", c0, c)
	}
	for _, k := range org {
		b.Forget(k)
	}
	m2, err := b.Organism(ctx, "backdoor_phrase", "n3-w16")
	if err != nil {
		t.Fatal(err)
	}
	c := b.Counters()
	if c.ModelsLoaded != c0.ModelsLoaded+2 || c.ModelsTrained != c0.ModelsTrained {
		t.Errorf("after Forget: counters %+v -> %+v, want the finetune and its base loaded, nothing trained", c0, c)
	}
	if diff := cmp.Diff(want, fingerprint(t, m2)); diff != "" {
		t.Errorf("the reloaded model scores differently:\n%s", diff)
	}
}

// TestForgetWithoutCacheKeeps: with no cache directory a forgotten model
// would have to be trained again, so Forget keeps it.
func TestForgetWithoutCacheKeeps(t *testing.T) {
	ctx := context.Background()
	b, err := NewBuilder(smallManifest(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Organism(ctx, "backdoor_phrase", "n3-w1"); err != nil {
		t.Fatal(err)
	}
	keys, err := b.OrganismKeys("backdoor_phrase", "n3-w1")
	if err != nil {
		t.Fatal(err)
	}
	c0 := b.Counters()
	for _, k := range keys {
		b.Forget(k)
	}
	if _, err := b.Organism(ctx, "backdoor_phrase", "n3-w1"); err != nil {
		t.Fatal(err)
	}
	if c := b.Counters(); c != c0 {
		t.Errorf("Forget without a cache directory: %+v -> %+v, want nothing trained again", c0, c)
	}
}
