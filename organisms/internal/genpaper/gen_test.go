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
		if !ok {
			t.Errorf("organism %s is not in the paper manifest", o.ID)
			continue
		}
		if diff := cmp.Diff(*w, o); diff != "" {
			t.Errorf("organism %s differs from the committed manifest (-committed +generated):\n%s", o.ID, diff)
		}
	}
	for _, r := range got.References {
		w, ok := want.Reference(r.ID)
		if !ok {
			t.Errorf("reference %s is not in the paper manifest", r.ID)
			continue
		}
		if diff := cmp.Diff(*w, r); diff != "" {
			t.Errorf("reference %s differs (-committed +generated):\n%s", r.ID, diff)
		}
	}
}
