package metrics

import (
	"math"
	"testing"
)

func TestCumulativeRecall(t *testing.T) {
	flags := []bool{false, true, false, true, true}
	prev := 0.0
	for k := 1; k <= len(flags); k++ {
		r := CumulativeRecall(CountAt(flags, k), 4)
		if r < prev {
			t.Errorf("k=%d: %.2f after %.2f", k, r, prev)
		}
		prev = r
	}
	if prev != 0.75 || !math.IsNaN(CumulativeRecall(0, 0)) {
		t.Errorf("recall %.2f of 4 flagged with 3 listed; NaN for none: %v", prev, CumulativeRecall(0, 0))
	}
}
