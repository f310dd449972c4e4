package metrics_test

import "math"

func log10(x float64) float64 { return math.Log10(x) }
