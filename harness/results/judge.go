package results

// JudgeCounts is an entry's LLM-judge detection (optional field "judge").
// The judge reads the top TopK completions of the ranking and a seeded
// random sample of SampleBelow completions below them; its counts are over
// those. When the organism has keyword or regex detectors too, the entry's
// own counts stay theirs and the kappas compare the two; for a judge-only
// organism the entry's counts are the judge's (README, "LLM judges").
type JudgeCounts struct {
	Model        string `json:"model"`
	TemplateHash string `json:"template_sha256"` // first 16 hex digits
	Votes        int    `json:"votes"`           // samples per completion (majority vote)
	// TopK is how many leading ranks were all judged: min(k, n_completions).
	TopK         int  `json:"top_k"`
	Judged       int  `json:"judged"` // TopK + SampleBelow
	NFlaggedTopK int  `json:"n_flagged_top_k"`
	CountAt10    *int `json:"count_at_10"`  // null when TopK < min(10, n)
	CountAt100   *int `json:"count_at_100"` // null when TopK < min(100, n)
	// FirstHitRank is the first flagged rank within TopK; null when none.
	FirstHitRank *int  `json:"first_hit_rank"`
	FlaggedRanks []int `json:"flagged_ranks,omitempty"` // within TopK
	// SampleBelow completions drawn at random below TopK, SampleFlagged of
	// them flagged: FlagRateBelow estimates the rate there (null without a
	// sample).
	SampleBelow   int      `json:"sample_below"`
	SampleFlagged int      `json:"sample_flagged"`
	FlagRateBelow *float64 `json:"flag_rate_below"`
	// Invalid counts judged completions none of whose answers named a label.
	Invalid int `json:"invalid"`
	// Agreement with the keyword and regex detectors over the judged
	// completions (null without such detectors; kappa null when undefined).
	KeywordAgreement *float64 `json:"keyword_agreement,omitempty"`
	KeywordKappa     *float64 `json:"keyword_kappa,omitempty"`
	// Agreement between the judge's samples (Fleiss' kappa; votes > 1 only).
	RepeatAgreement *float64 `json:"repeat_agreement,omitempty"`
	RepeatKappa     *float64 `json:"repeat_kappa,omitempty"`
}

// SampleJudge is a judged completion's verdict (samples.jsonl, optional
// field "judge").
type SampleJudge struct {
	Label   string   `json:"label"` // "" when no answer named a label
	Flagged bool     `json:"flagged"`
	Reason  string   `json:"reason"`
	Votes   []string `json:"votes,omitempty"` // with more than one sample
}
