package metrics

import "testing"

// neuhaus are the 15 p-values of the example in Benjamini & Hochberg (1995,
// section 4.1; from Neuhaus et al. 1992). The paper reports that at level
// 0.05 the FDR procedure rejects the four smallest, while Bonferroni-type
// (Holm) procedures reject only the three smallest.
var neuhaus = []float64{0.0201, 0.0001, 0.0004, 0.0019, 0.0095, 0.0278, 0.0298, 0.0344,
	0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000}

func rejected(adj []float64, alpha float64) int {
	n := 0
	for _, a := range adj {
		if a <= alpha {
			n++
		}
	}
	return n
}

func TestAdjustNeuhausExample(t *testing.T) {
	if n := rejected(BenjaminiHochbergAdjust(neuhaus), 0.05); n != 4 {
		t.Errorf("Benjamini-Hochberg rejects %d, the paper 4", n)
	}
	if n := rejected(HolmAdjust(neuhaus), 0.05); n != 3 {
		t.Errorf("Holm rejects %d, the paper 3", n)
	}
}

// TestAdjustHandComputed checks adjusted values computed by hand from the
// definitions on the Neuhaus p-values (sorted: 0.0001, 0.0004, 0.0019,
// 0.0095, 0.0201, ..., m = 15).
//
//	Holm: 15*0.0001 = 0.0015, 14*0.0004 = 0.0056, 13*0.0019 = 0.0247,
//	      12*0.0095 = 0.114, 11*0.0201 = 0.2211
//	BH:   p(4): min over j >= 4 of 15 p(j)/j; 15*0.0095/4 = 0.035625 and
//	      15*0.0201/5 = 0.0603, 15*0.0459/9 = 0.0765 are larger, so 0.035625;
//	      p(5): min(0.0603, 15*0.0278/6 = 0.0695, 15*0.0298/7 = 0.06386,
//	      15*0.0344/8 = 0.0645, 0.0765, ...) = 0.0603
func TestAdjustHandComputed(t *testing.T) {
	holm, bh := HolmAdjust(neuhaus), BenjaminiHochbergAdjust(neuhaus)
	// Input positions: 0.0201 is index 0, 0.0001 index 1, 0.0004 index 2,
	// 0.0019 index 3, 0.0095 index 4.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"holm 0.0001", holm[1], 0.0015}, {"holm 0.0004", holm[2], 0.0056}, {"holm 0.0019", holm[3], 0.0247},
		{"holm 0.0095", holm[4], 0.114}, {"holm 0.0201", holm[0], 0.2211}, {"holm 1", holm[14], 1},
		{"bh 0.0095", bh[4], 0.035625}, {"bh 0.0201", bh[0], 0.0603}, {"bh 1", bh[14], 1},
	} {
		if !near(c.got, c.want, 1e-12) {
			t.Errorf("%s: got %.6g, want %.6g", c.name, c.got, c.want)
		}
	}
}

func TestAdjustEdges(t *testing.T) {
	if len(HolmAdjust(nil)) != 0 || len(BenjaminiHochbergAdjust(nil)) != 0 {
		t.Error("empty input")
	}
	// One test: no adjustment. Ties: equal p-values get equal adjusted values.
	if got := BenjaminiHochbergAdjust([]float64{0.03}); got[0] != 0.03 {
		t.Errorf("single BH %v", got)
	}
	got := BenjaminiHochbergAdjust([]float64{0.01, 0.01})
	if got[0] != got[1] || got[0] != 0.01 {
		t.Errorf("tied BH %v, want [0.01 0.01]", got)
	}
	// Holm with ties: sorted 0.01, 0.01 -> 2*0.01, max(0.02, 1*0.01) = 0.02.
	if got := HolmAdjust([]float64{0.01, 0.01}); got[0] != 0.02 || got[1] != 0.02 {
		t.Errorf("tied Holm %v, want [0.02 0.02]", got)
	}
}
