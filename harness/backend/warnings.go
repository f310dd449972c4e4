package backend

import "fmt"

// CollapseWarnings folds repeated identical warnings into one, in the order
// each first appeared, with how many times it was given: a run of the
// study matrix on a short corpus said the same thing once per unit (52
// times), burying any other warning of the run.
func CollapseWarnings(ws []string) []string {
	if len(ws) == 0 {
		return ws
	}
	counts := make(map[string]int, len(ws))
	var order []string
	for _, w := range ws {
		if counts[w] == 0 {
			order = append(order, w)
		}
		counts[w]++
	}
	out := make([]string, len(order))
	for i, w := range order {
		out[i] = w
		if n := counts[w]; n > 1 {
			out[i] = fmt.Sprintf("%s (%d times)", w, n)
		}
	}
	return out
}
