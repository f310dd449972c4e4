package reports

import (
	"slices"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

func TestNaturalOrder(t *testing.T) {
	got := []string{"n4-w16", "n3-w16", "n3-w4", "n10-w1", "n3-w1", "n4-w2", "default", "n3-w04"}
	slices.SortFunc(got, naturalCompare)
	want := "default n3-w1 n3-w4 n3-w04 n3-w16 n4-w2 n4-w16 n10-w1"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("sorted %q, want %q", s, want)
	}
	kinds := []string{"weak", "zz", "cross_family", "other", "true_base", "aa"}
	slices.SortFunc(kinds, compareKinds)
	if s := strings.Join(kinds, " "); s != "true_base cross_family weak other aa zz" {
		t.Errorf("kinds sorted %q", s)
	}
}

// TestVariantsSortNumerically: the summary, leak map and count chart list
// variants w1 < w4 < w16, so a strength trend reads down the page.
func TestVariantsSortNumerically(t *testing.T) {
	var entries []results.Entry
	for _, v := range []string{"n3-w16", "n10-w1", "n3-w1", "n3-w4"} {
		entries = append(entries, results.Entry{Organism: "o", Variant: v, Reference: "r", Config: "c", Score: DefaultScore, CountAt100: ptr(1)})
	}
	var got []string
	for _, r := range bestConfigs(summarize(entries)) {
		got = append(got, r.Key.Variant)
	}
	if s := strings.Join(got, " "); s != "n3-w1 n3-w4 n3-w16 n10-w1" {
		t.Errorf("variants in order %q", s)
	}
}
