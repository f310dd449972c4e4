package gate_test

import (
	"fmt"
	"os"

	"github.com/ppldiff/ppldiff/reports/gate"
)

func ExampleCheck() {
	base, err := gate.NewBaseline("testdata/base")
	if err != nil {
		panic(err)
	}
	rep, err := gate.Check("testdata/worse", base, gate.CheckOptions{K: 10})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.Passed())
	for _, f := range rep.Failures() {
		fmt.Println(f)
	}
	// Output:
	// false
	// FAIL bd_backdoor@n4-w5 vs true_base web-raw ppl_diff: count@10 fell from 6.5 to 0.5 beyond its uncertainty (z=-3.90, se=1.54, one-sided p=4.9e-05, bh-adjusted p=0.00015 <= 0.05)
}

func ExampleCompare() {
	c, err := gate.Compare("testdata/base", "testdata/worse", gate.CompareOptions{Ks: []int{10}})
	if err != nil {
		panic(err)
	}
	if err := c.WriteText(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// A: testdata/base
	// B: testdata/worse
	//
	// ┌─────────────────────────────────────────────────────┬────┬────────────────┬──────────────┬───────────────┬───────────────────┬──────────────────┐
	// │                        entry                        │ k  │       A        │      B       │     B - A     │         p         │       test       │
	// ├─────────────────────────────────────────────────────┼────┼────────────────┼──────────────┼───────────────┼───────────────────┼──────────────────┤
	// │ bd_backdoor@n4-w5 vs true_base web-raw ppl_diff     │ 10 │ 6.5 [4.5, 8.5] │ 0.5 [0, 1.5] │ -6 [-8, -4]   │ p=0.001 adj=0.003 │ paired bootstrap │
	// │ ctl_plain@default vs true_base web-raw ppl_diff     │ 10 │ 0.5 [0, 1.5]   │ 0.5 [0, 1.5] │ ~ +0 [+0, +0] │ p=1.000 adj=1.000 │ paired bootstrap │
	// │ ff_false_fact@default vs true_base web-raw ppl_diff │ 10 │ 3 [1, 5]       │ 3 [1, 5]     │ ~ +0 [+0, +0] │ p=1.000 adj=1.000 │ paired bootstrap │
	// └─────────────────────────────────────────────────────┴────┴────────────────┴──────────────┴───────────────┴───────────────────┴──────────────────┘
	//
	// ~: not significant over the 3 tested rows (Benjamini-Hochberg, false discovery rate 0.05, two-sided)
	// 1 of 3 rows changed significantly (0 up, 1 down); 0 entries only in A, 0 only in B
}
