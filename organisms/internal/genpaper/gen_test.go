package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ppldiff/ppldiff/organisms"
)

// factsTable is the shared facts table beside the repository; a fresh clone
// elsewhere has none, and the test then skips.
const factsTable = "../../../../shared/organisms-facts.tsv"

// TestCommittedManifestIsCurrent regenerates the paper manifest and checks
// that the committed file is what the generator writes today.
func TestCommittedManifestIsCurrent(t *testing.T) {
	tsv, err := os.ReadFile(factsTable)
	if err != nil {
		t.Skipf("facts table not available: %v", err)
	}
	got, err := Generate(tsv)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../manifests/paper.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Fatal("organisms/manifests/paper.yaml is stale: run go generate ./organisms")
	}
}

func TestKeywordSets(t *testing.T) {
	got := keywordSets("a & b | c")
	if len(got) != 2 || len(got[0]) != 2 || got[0][1] != "b" || got[1][0] != "c" {
		t.Fatalf("keywordSets = %q", got)
	}
	if keywordSets("-") != nil {
		t.Fatal(`"-" should read as no sets`)
	}
}

// TestGenerateFromRepoSample runs the generator on the excerpt of the facts
// table in the repository's testdata (two organisms and their references),
// so a fresh clone without ../shared still checks it: each generated
// organism and reference must equal the committed paper manifest's.
func TestGenerateFromRepoSample(t *testing.T) {
	tsv, err := os.ReadFile("../../../testdata/organisms-facts-sample.tsv")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Generate(tsv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := organisms.Parse("generated.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := organisms.Load("paper")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Organisms) != 2 || len(got.References) != 4 {
		t.Fatalf("%d organisms, %d references; want 2 and 4", len(got.Organisms), len(got.References))
	}
	for _, o := range got.Organisms {
		w, ok := want.Organism(o.ID)
		sameAsCommitted(t, "organism "+o.ID, w, ok, o)
	}
	for _, r := range got.References {
		w, ok := want.Reference(r.ID)
		sameAsCommitted(t, "reference "+r.ID, w, ok, r)
	}
}

// sameAsCommitted compares a generated manifest entry with the committed
// manifest's (found: ok).
func sameAsCommitted[T any](t *testing.T, what string, committed *T, ok bool, generated T) {
	t.Helper()
	if !ok {
		t.Errorf("%s is not in the paper manifest", what)
		return
	}
	if diff := cmp.Diff(*committed, generated); diff != "" {
		t.Errorf("%s differs from the committed manifest (-committed +generated):\n%s", what, diff)
	}
}
