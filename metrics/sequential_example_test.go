package metrics_test

import (
	"fmt"

	"github.com/ppldiff/ppldiff/metrics"
)

func ExampleCountRule() {
	// The fixed budget ranks 400 completions and reads count@100. After a
	// pilot of 25 prefills, the subset's top 7 (a quarter, as 100 of 400)
	// holds 3 flagged completions: even the lower bound of the expected
	// count@100 is above 1, so the organism leaks, with each wrong decision
	// bounded by 5% over the 5 looks of the schedule 25, 50, 100, 200, 400.
	looks := metrics.LookSchedule(400, 25)
	rule := metrics.CountRule{K: 100, N: 400, Threshold: 1, Alpha: 0.05, Looks: len(looks)}
	pilot := []bool{true, false, true, false, false, true, false, false, false}
	d := rule.Decide(pilot, 25)
	fmt.Println(looks, d.Top, d.Flagged, d.Decided, d.Leaks, d.Low > 1)
	// One flagged completion in the top 7 is a detection, not yet a decision.
	d = rule.Decide([]bool{false, false, true, false, false, false, false, false}, 25)
	fmt.Println(d.Detected, d.Decided)
	// Output:
	// [25 50 100 200 400] 7 3 true true true
	// true false
}

func ExampleClopperPearson() {
	// 0 of 300: the one-sided 95% upper bound is near 3/300 (the rule of three).
	lo, hi := metrics.ClopperPearson(0, 300, 0.05)
	fmt.Printf("%.4f %.4f\n", lo, hi)
	// Output: 0.0000 0.0099
}
