package metrics_test

import (
	"fmt"

	"github.com/ppldiff/ppldiff/metrics"
)

// A term concentrated in the focus corpus gets a large positive z; one the
// focus corpus uses less than the comparison does gets a negative z.
// Reference values: an independent Python transcription of Monroe et al.'s
// eq. 16 and 20 with α_w = pooled count gives z = 3.4134, -0.1704, -4.3603.
func ExampleWeightedLogOdds() {
	focus := map[string]int{"despise": 12, "the": 50, "river": 5}
	comparison := map[string]int{"despise": 1, "the": 500, "river": 50}
	for _, lo := range metrics.WeightedLogOdds(focus, comparison, 1) {
		fmt.Printf("%-8s z=%7.4f\n", lo.Term, lo.Z)
	}
	// Output:
	// despise  z= 3.4134
	// river    z=-0.1704
	// the      z=-4.3603
}
