package main

import (
	"bytes"
	"os"
	"testing"
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
