package metrics

import (
	"math"
	"testing"
)

func TestAverageRanksSharesTies(t *testing.T) {
	got := AverageRanks([]float64{10, 30, 20, 30})
	want := []float64{1, 3.5, 2, 3.5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ranks = %v, want %v", got, want)
		}
	}
}

func TestSpearman(t *testing.T) {
	for _, c := range []struct {
		name string
		x, y []float64
		want float64
	}{
		{"same order", []float64{1, 2, 3, 4, 5}, []float64{10, 20, 30, 40, 500}, 1},
		{"reversed", []float64{1, 2, 3, 4}, []float64{9, 7, 5, 1}, -1},
		// One adjacent swap of five: 1 - 6*2/(5*24) = 0.9.
		{"one swap", []float64{1, 2, 3, 4, 5}, []float64{1, 3, 2, 4, 5}, 0.9},
		// Ties: ranks (1.5, 1.5, 3) against (1, 2, 3): r = 0.866...
		{"tie", []float64{1, 1, 2}, []float64{1, 2, 3}, math.Sqrt(3) / 2},
	} {
		if got := Spearman(c.x, c.y); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: Spearman = %v, want %v", c.name, got, c.want)
		}
	}
	for _, c := range [][2][]float64{
		{{1}, {1}},
		{{1, 2}, {1}},
		{{1, 1, 1}, {1, 2, 3}},
		{{1, math.NaN()}, {1, 2}},
	} {
		if got := Spearman(c[0], c[1]); !math.IsNaN(got) {
			t.Errorf("Spearman(%v, %v) = %v, want NaN", c[0], c[1], got)
		}
	}
}
