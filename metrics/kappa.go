package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Agreement is a chance-corrected agreement statistic over N items.
type Agreement struct {
	// Kappa is (Observed - Expected) / (1 - Expected); NaN when Expected
	// is 1 (every rating falls in one category, so chance explains all
	// agreement and kappa is undefined).
	Kappa    float64
	Observed float64 // share of agreement observed (Fleiss: mean per-item agreement)
	Expected float64 // share expected by chance from the marginal rates
	N        int     // items rated
	Warnings []string
}

// CohenKappa is Cohen's kappa between two raters who each labelled the
// same items: a[i] and b[i] are their labels for item i. Labels are
// nominal (compared for equality); chance agreement comes from each
// rater's own label rates.
func CohenKappa(a, b []string) (Agreement, error) {
	if len(a) != len(b) {
		return Agreement{}, fmt.Errorf("cohen kappa: %d ratings against %d", len(a), len(b))
	}
	ag := Agreement{N: len(a)}
	if len(a) == 0 {
		return ag, errors.New("cohen kappa: no items")
	}
	ra, rb := map[string]float64{}, map[string]float64{}
	agree := 0
	for i := range a {
		ra[a[i]]++
		rb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	n := float64(len(a))
	ag.Observed = float64(agree) / n
	for _, l := range sortedKeys(ra) {
		ag.Expected += ra[l] / n * rb[l] / n
	}
	ag.Kappa = kappaOf(ag.Observed, ag.Expected)
	ag.Warnings = kappaWarnings(ag)
	return ag, nil
}

// FleissKappa is Fleiss' kappa of several raters per item: ratings[i]
// holds the labels item i received, the same number (at least two) for
// every item. It generalises Cohen's to more than two raters, who need not
// be the same for every item (here: an LLM judge's repeated samples).
func FleissKappa(ratings [][]string) (Agreement, error) {
	ag := Agreement{N: len(ratings)}
	if len(ratings) == 0 {
		return ag, errors.New("fleiss kappa: no items")
	}
	m := len(ratings[0])
	if m < 2 {
		return ag, errors.New("fleiss kappa: each item needs at least two ratings")
	}
	total := map[string]float64{}
	var sumP float64
	for i, r := range ratings {
		if len(r) != m {
			return ag, fmt.Errorf("fleiss kappa: item %d has %d ratings, item 1 has %d", i+1, len(r), m)
		}
		counts := map[string]float64{}
		for _, l := range r {
			counts[l]++
			total[l]++
		}
		var pairs float64
		for _, l := range sortedKeys(counts) {
			pairs += counts[l] * (counts[l] - 1)
		}
		sumP += pairs / float64(m*(m-1))
	}
	n := float64(len(ratings))
	ag.Observed = sumP / n
	for _, l := range sortedKeys(total) {
		p := total[l] / (n * float64(m))
		ag.Expected += p * p
	}
	ag.Kappa = kappaOf(ag.Observed, ag.Expected)
	ag.Warnings = kappaWarnings(ag)
	return ag, nil
}

func kappaOf(po, pe float64) float64 {
	if pe >= 1 {
		return math.NaN()
	}
	return (po - pe) / (1 - pe)
}

func kappaWarnings(ag Agreement) []string {
	var w []string
	if math.IsNaN(ag.Kappa) {
		w = append(w, "every rating is the same label: kappa is undefined (agreement is total but says nothing beyond chance)")
	}
	if ag.N < SmallGroup {
		w = append(w, fmt.Sprintf("only %d items: kappa is very uncertain", ag.N))
	}
	return w
}

// sortedKeys gives map iteration a fixed order, so float sums are
// reproducible to the last bit.
func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
