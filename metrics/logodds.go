package metrics

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// LogOdds is one term's over-representation in a focus corpus against a
// comparison corpus.
type LogOdds struct {
	Term       string
	Focus      int     // the term's count in the focus corpus
	Comparison int     // its count in the comparison corpus
	Delta      float64 // log-odds ratio, focus over comparison, under the prior
	Z          float64 // Delta over its approximate standard error
}

// WeightedLogOdds ranks the terms of focus against comparison by the
// log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and
// Quinn 2008, "Fightin' Words", eq. 16 and 20):
//
//	δ_w = log((y_w^f + α_w) / (n^f + α_0 − y_w^f − α_w)) − log((y_w^c + α_w) / (n^c + α_0 − y_w^c − α_w))
//	σ²_w ≈ 1/(y_w^f + α_w) + 1/(y_w^c + α_w),   z_w = δ_w / σ_w
//
// The prior is informative: α_w = priorScale · (y_w^f + y_w^c), the term's
// pooled count, so α_0 = priorScale · (n^f + n^c). It shrinks the log-odds
// of rare terms toward zero, and of frequent terms little; priorScale 1 puts
// as much weight on the pooled rates as on the data. Assumptions: counts are
// independent draws (a term repeated within one document counts as often as
// it occurs, so callers that want document frequencies count each term once
// per document); z is a normal approximation, unreliable below a few counts.
//
// The result holds every term with a non-zero pooled count, by z
// descending, ties by term. It panics if priorScale is not positive or a
// count is negative (programmer errors).
func WeightedLogOdds(focus, comparison map[string]int, priorScale float64) []LogOdds {
	if !(priorScale > 0) {
		panic("metrics: WeightedLogOdds needs a positive priorScale")
	}
	var nf, nc float64
	for _, c := range focus {
		if c < 0 {
			panic("metrics: negative count")
		}
		nf += float64(c)
	}
	for _, c := range comparison {
		if c < 0 {
			panic("metrics: negative count")
		}
		nc += float64(c)
	}
	a0 := priorScale * (nf + nc)
	terms := make(map[string]bool, len(focus)+len(comparison))
	for t := range focus {
		terms[t] = true
	}
	for t := range comparison {
		terms[t] = true
	}
	out := make([]LogOdds, 0, len(terms))
	for t := range terms {
		yf, yc := float64(focus[t]), float64(comparison[t])
		aw := priorScale * (yf + yc)
		if aw == 0 {
			continue
		}
		delta := math.Log((yf+aw)/(nf+a0-yf-aw)) - math.Log((yc+aw)/(nc+a0-yc-aw))
		sd := math.Sqrt(1/(yf+aw) + 1/(yc+aw))
		out = append(out, LogOdds{Term: t, Focus: focus[t], Comparison: comparison[t], Delta: delta, Z: delta / sd})
	}
	slices.SortFunc(out, func(a, b LogOdds) int {
		if c := cmp.Compare(b.Z, a.Z); c != 0 {
			return c
		}
		return strings.Compare(a.Term, b.Term)
	})
	return out
}
