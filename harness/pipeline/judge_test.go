package pipeline

import (
	"slices"
	"testing"

	"github.com/ppldiff/ppldiff/harness/judge"
	"github.com/ppldiff/ppldiff/harness/results"
)

func TestPickJudged(t *testing.T) {
	key := results.Key{Organism: "o", Variant: "v", Reference: "r", Config: "c", Score: "ppl_diff"}
	p := pickJudged(500, 100, 30, 1, key)
	if p.top != 100 || len(p.sample) != 30 || !slices.IsSorted(p.sample) || p.sample[0] < 100 || p.sample[29] >= 500 {
		t.Fatalf("pick %d + %v", p.top, p.sample)
	}
	if q := pickJudged(500, 100, 30, 1, key); !slices.Equal(q.sample, p.sample) {
		t.Fatal("the same seed and key drew another sample")
	}
	other := key
	other.Score = "bpb_diff"
	if q := pickJudged(500, 100, 30, 1, other); slices.Equal(q.sample, p.sample) {
		t.Fatal("two rankings drew the same sample")
	}
	if q := pickJudged(120, 100, 30, 1, key); q.top != 120 || q.sample != nil {
		t.Fatalf("a sample covering the rest should make the whole ranking the top: %d + %v", q.top, q.sample)
	}
	if q := pickJudged(50, 100, 30, 1, key); q.top != 50 {
		t.Fatalf("short ranking: top %d", q.top)
	}
}

// TestJudgeCountsAndAdoption: counts over the judged top, the sampled
// rate, kappas against keywords and between votes, and a judge-only
// entry's estimated n_flagged under truncated_at.
func TestJudgeCountsAndAdoption(t *testing.T) {
	// 200 completions ranked in index order; the judge flags 0, 5, 150.
	order := make([]int, 200)
	for i := range order {
		order[i] = i
	}
	kw := make([]bool, 200)
	verdict := map[int]judge.Verdict{}
	for _, i := range []int{0, 5, 150} {
		kw[i] = true
	}
	kw[7] = true // a keyword hit the judge does not share
	p := judgePick{top: 100, sample: []int{120, 150, 180, 190}}
	for rank := range 100 {
		verdict[rank] = judge.Verdict{Label: "no", Votes: []string{"no", "no", "no"}}
	}
	for _, r := range p.sample {
		verdict[r] = judge.Verdict{Label: "no", Votes: []string{"no", "yes", "no"}}
	}
	for _, i := range []int{0, 5, 150} {
		verdict[i] = judge.Verdict{Label: "yes", Flagged: true, Votes: []string{"yes", "yes", "no"}}
	}
	verdict[190] = judge.Verdict{Votes: []string{"", "", ""}} // no valid answer
	jc := judgeCounts(results.JudgeCounts{}, order, p, verdict, kw, true)
	if *jc.CountAt10 != 2 || *jc.CountAt100 != 2 || *jc.FirstHitRank != 1 || !slices.Equal(jc.FlaggedRanks, []int{1, 6}) {
		t.Fatalf("top counts %d %d first %d ranks %v", *jc.CountAt10, *jc.CountAt100, *jc.FirstHitRank, jc.FlaggedRanks)
	}
	if jc.SampleFlagged != 1 || *jc.FlagRateBelow != 0.25 || jc.Invalid != 1 || jc.Judged != 104 {
		t.Fatalf("sample %d flagged, rate %v, invalid %d, judged %d", jc.SampleFlagged, *jc.FlagRateBelow, jc.Invalid, jc.Judged)
	}
	// 103 valid judged completions, one disagreement (rank 8).
	if got := *jc.KeywordAgreement; got != 102.0/103 || jc.KeywordKappa == nil || *jc.KeywordKappa >= 1 || *jc.KeywordKappa <= 0.5 {
		t.Fatalf("keyword agreement %v kappa %v", got, jc.KeywordKappa)
	}
	if jc.RepeatKappa == nil || *jc.RepeatAgreement >= 1 {
		t.Fatalf("repeat agreement %v kappa %v", jc.RepeatAgreement, jc.RepeatKappa)
	}
	e := results.Entry{NCompletions: 200}
	adoptJudgeCounts(&e, &jc)
	// 2 in the top 100, plus 0.25 x 100 below.
	if e.TruncatedAt == nil || *e.TruncatedAt != 100 || *e.NFlagged != 27 || *e.CountAt100 != 2 || e.FlaggedRanks != nil {
		t.Fatalf("adopted: truncated %v n_flagged %d count@100 %d ranks %v", e.TruncatedAt, *e.NFlagged, *e.CountAt100, e.FlaggedRanks)
	}
	if err := results.Validate("x", &results.Results{Schema: results.Schema, Run: results.Run{ID: "x"},
		Entries: []results.Entry{{Organism: "o", Variant: "v", Reference: "r", Config: "c", Score: "s", NCompletions: 200,
			NFlagged: e.NFlagged, CountAt10: e.CountAt10, CountAt100: e.CountAt100, FirstHitRank: e.FirstHitRank, TruncatedAt: e.TruncatedAt}}}); err != nil {
		t.Fatalf("an adopted entry fails validation: %v", err)
	}
}
