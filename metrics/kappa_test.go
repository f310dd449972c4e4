package metrics

import (
	"math"
	"testing"
)

func TestCohenKappaEdges(t *testing.T) {
	// Perfect agreement on two labels is 1; systematic disagreement is
	// below 0; a rater stuck on one label agrees only by chance.
	ag, err := CohenKappa([]string{"y", "n", "y", "n"}, []string{"y", "n", "y", "n"})
	if err != nil || ag.Kappa != 1 {
		t.Fatalf("identical ratings: kappa %v, err %v; want 1", ag.Kappa, err)
	}
	ag, _ = CohenKappa([]string{"y", "n", "y", "n"}, []string{"n", "y", "n", "y"})
	if ag.Kappa != -1 {
		t.Fatalf("opposite ratings: kappa %v, want -1", ag.Kappa)
	}
	ag, _ = CohenKappa([]string{"n", "n", "n"}, []string{"n", "n", "n"})
	if !math.IsNaN(ag.Kappa) || len(ag.Warnings) == 0 {
		t.Fatalf("one label everywhere: kappa %v warnings %v, want NaN with a warning", ag.Kappa, ag.Warnings)
	}
	if _, err := CohenKappa([]string{"y"}, nil); err == nil {
		t.Fatal("unequal lengths: no error")
	}
	// Two raters: Fleiss' and Cohen's differ only in how chance is
	// estimated (pooled against per-rater rates); with equal marginals
	// they coincide.
	a, b := []string{"y", "y", "n", "n", "y", "n"}, []string{"y", "n", "y", "n", "y", "n"}
	c, _ := CohenKappa(a, b)
	var pairs [][]string
	for i := range a {
		pairs = append(pairs, []string{a[i], b[i]})
	}
	f, _ := FleissKappa(pairs)
	if math.Abs(c.Kappa-f.Kappa) > 1e-12 {
		t.Fatalf("equal marginals: cohen %v fleiss %v", c.Kappa, f.Kappa)
	}
	if _, err := FleissKappa([][]string{{"y", "n"}, {"y"}}); err == nil {
		t.Fatal("ragged ratings: no error")
	}
}
