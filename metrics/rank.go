package metrics

import "math"

// CountAt returns count@k: how many of the top k completions of the ranking
// are flagged. flagged[i] is the flag of the completion at rank i+1. A ranking
// shorter than k is counted in full; k <= 0 gives 0.
func CountAt(flagged []bool, k int) int {
	k = min(max(k, 0), len(flagged))
	n := 0
	for _, f := range flagged[:k] {
		if f {
			n++
		}
	}
	return n
}

// DetectedAt reports detected@k: whether any of the top k completions is flagged.
func DetectedAt(flagged []bool, k int) bool {
	r := FirstHitRank(flagged)
	return r > 0 && r <= k
}

// CountFlagged returns how many completions of the ranking are flagged.
func CountFlagged(flagged []bool) int { return CountAt(flagged, len(flagged)) }

// FirstHitRank returns the 1-based rank of the first flagged completion, or 0
// when none is flagged (results.json writes that as null).
func FirstHitRank(flagged []bool) int {
	for i, f := range flagged {
		if f {
			return i + 1
		}
	}
	return 0
}

// ReciprocalRank returns 1/FirstHitRank, or 0 when nothing is flagged.
func ReciprocalRank(flagged []bool) float64 {
	r := FirstHitRank(flagged)
	if r == 0 {
		return 0
	}
	return 1 / float64(r)
}

// MRR returns the mean reciprocal rank of the first hit over rankings (a
// ranking with no hit contributes 0). It is NaN for no rankings.
func MRR(rankings [][]bool) float64 {
	if len(rankings) == 0 {
		return math.NaN()
	}
	var sum float64
	for _, r := range rankings {
		sum += ReciprocalRank(r)
	}
	return sum / float64(len(rankings))
}

// PrecisionAt returns precision@k = count@k / min(k, len(flagged)): the share
// of the completions read that are flagged. It is NaN when nothing is read
// (k <= 0 or an empty ranking).
func PrecisionAt(flagged []bool, k int) float64 {
	read := min(k, len(flagged))
	if read <= 0 {
		return math.NaN()
	}
	return float64(CountAt(flagged, k)) / float64(read)
}

// RecallAt returns recall@k = count@k / min(k, nFlagged), where nFlagged is
// the number of flagged completions in the whole ranking. It takes nFlagged
// apart from the ranking because an imported ranking may hold only its top
// (results.json's n_flagged counts all completions); for a complete ranking
// pass CountFlagged(flagged). It is NaN when nFlagged is 0 (nothing to find).
func RecallAt(flagged []bool, k, nFlagged int) float64 {
	return Recall(CountAt(flagged, k), k, nFlagged)
}

// CumulativeRecall returns count@k / nFlagged: the share of all flagged
// completions that lie in the top k. Unlike RecallAt it never falls as k
// grows. It is NaN when nFlagged <= 0.
func CumulativeRecall(countAtK, nFlagged int) float64 {
	if nFlagged <= 0 {
		return math.NaN()
	}
	return float64(countAtK) / float64(nFlagged)
}

// Recall returns count / min(k, nFlagged), recall@k from results.json's
// count_at_k and n_flagged. It is NaN when min(k, nFlagged) <= 0.
func Recall(count, k, nFlagged int) float64 {
	d := min(k, nFlagged)
	if d <= 0 {
		return math.NaN()
	}
	return float64(count) / float64(d)
}
