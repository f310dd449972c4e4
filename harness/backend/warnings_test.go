package backend

import (
	"slices"
	"testing"
)

func TestCollapseWarnings(t *testing.T) {
	a := `zoo-raw-greedy: corpus "zoo" gave 7753 prefills of the 10000 asked`
	b := `zoo-chat-greedy: corpus "zoo" gave 7753 prefills of the 10000 asked`
	in := []string{a, b, a, "store repaired 1 row", a, b}
	got := CollapseWarnings(in)
	want := []string{a + " (3 times)", b + " (2 times)", "store repaired 1 row"}
	if !slices.Equal(got, want) {
		t.Errorf("CollapseWarnings = %q\nwant %q", got, want)
	}
	if got := CollapseWarnings([]string{"x", "y"}); !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("distinct warnings changed: %q", got)
	}
	if got := CollapseWarnings(nil); got != nil {
		t.Errorf("CollapseWarnings(nil) = %q", got)
	}
}
