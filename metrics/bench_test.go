package metrics

import (
	"math/rand/v2"
	"testing"
)

// A run of the study's size: 1000 prefills with one completion each, two
// k, the default 2000 replicates.
func BenchmarkBootstrapCountsAt1000(b *testing.B) {
	r := syntheticRun(rand.New(rand.NewPCG(1, 1)), 1000, 1)
	for b.Loop() {
		if _, err := BootstrapCountsAt([]Ranking{r}, []int{10, 100}, BootstrapOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
