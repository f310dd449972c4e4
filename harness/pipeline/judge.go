package pipeline

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ppldiff/ppldiff/harness/judge"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
	"github.com/ppldiff/ppldiff/organisms"
)

// JudgeConfig is what decides a run's judge verdicts besides the manifest
// (which holds each judge's rubric, labels, template, temperature and
// samples, and may pin its model). Endpoints and keys are not in it: they
// do not change an answer, and results.json holds no URLs.
type JudgeConfig struct {
	Model     string `json:"model,omitempty"` // judges that pin none ask this model
	K         int    `json:"k"`               // leading ranks judged in every ranking
	Sample    int    `json:"sample"`          // completions judged at random below K, per ranking
	MaxTokens int    `json:"max_tokens"`      // per answer
}

// Judge asks an organism's LLM judge about completions (*judge.Judge).
type Judge interface {
	Judge(ctx context.Context, o *organisms.Organism, texts []string) ([]judge.Verdict, error)
	ModelFor(o *organisms.Organism) string
}

// judgePick is what the judge reads of one ranking: ranks 0..top-1 and a
// sorted random sample of ranks below (0-based).
type judgePick struct {
	top    int
	sample []int
}

// pickJudged chooses the ranks of a ranking of n to judge. The sample is
// seeded by the run seed and the entry's key, so every run of the same
// config judges the same completions.
// A sample that would cover every rank below k makes the whole ranking
// the judged top.
func pickJudged(n, k, sample int, seed uint64, key results.Key) judgePick {
	p := judgePick{top: min(k, n)}
	if k+sample >= n {
		p.top = n
	}
	below := n - p.top
	if s := min(sample, below); s > 0 {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d\x00%s", key.Organism, key.Variant, key.Reference, key.Config, key.Repeat, key.Score)
		rng := rand.New(rand.NewPCG(seed, h.Sum64()))
		for _, i := range rng.Perm(below)[:s] {
			p.sample = append(p.sample, p.top+i)
		}
		slices.Sort(p.sample)
	}
	return p
}

// JudgedRanks returns the 0-based ranks a run of this config judges in the
// ranking key of n completions: its top and the seeded sample below, as
// judgeUnit picks them; nil without a judge. --dry-run's judge budget
// compares them with the ranks an earlier run judged.
func (c Config) JudgedRanks(n int, key results.Key) []int {
	if c.Judge == nil {
		return nil
	}
	p := c.judgePick(n, key)
	ranks := make([]int, 0, p.top+len(p.sample))
	for rank := range p.top {
		ranks = append(ranks, rank)
	}
	return append(ranks, p.sample...)
}

// judgePick is pickJudged with the config's k, sample and seed (the run
// seed plus the repeat).
func (c Config) judgePick(n int, key results.Key) judgePick {
	return pickJudged(n, c.Judge.K, c.Judge.Sample, c.Seed+uint64(key.Repeat), key)
}

// judges reports whether the unit's completions go to its organism's judge.
func (r *runner) judges(u *Unit) bool {
	return u.Organism.Detectors.Judge != nil && r.p.Config.Judge != nil && r.opt.Judge != nil
}

// judgeUnit judges what the unit's rankings need (each completion once)
// and fills each entry's judge counts and each written sample's verdict.
// For an organism without keyword or regex sets the judge's counts become
// the entry's own.
// comps are every completion of the unit (see runUnit).
func (r *runner) judgeUnit(ctx context.Context, u *Unit, comps []*completion, kwFlagged []bool, hasRules bool, out *unitOutput) error {
	jd := u.Organism.Detectors.Judge
	picks := make([]judgePick, len(out.entries))
	need := map[int]bool{}
	for ei := range out.entries {
		order := out.orders[ei]
		picks[ei] = r.p.Config.judgePick(len(order), out.entries[ei].Key())
		for rank := range picks[ei].top {
			need[order[rank]] = true
		}
		for _, rank := range picks[ei].sample {
			need[order[rank]] = true
		}
	}
	idx := make([]int, 0, len(need))
	for i := range need {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	texts := make([]string, len(idx))
	for j, i := range idx {
		texts[j] = string(comps[i].text)
	}
	vs, err := r.opt.Judge.Judge(ctx, u.Organism, texts)
	if err != nil {
		return fmt.Errorf("judge: %w", err)
	}
	verdict := make(map[int]judge.Verdict, len(idx))
	for j, i := range idx {
		verdict[i] = vs[j]
	}
	base := results.JudgeCounts{Model: r.opt.Judge.ModelFor(u.Organism), TemplateHash: judge.TemplateHash(jd), Votes: jd.Votes()}
	for ei := range out.entries {
		e := &out.entries[ei]
		jcnt := judgeCounts(base, out.orders[ei], picks[ei], verdict, kwFlagged, hasRules)
		e.Judge = &jcnt
		if !hasRules {
			adoptJudgeCounts(e, &jcnt)
		}
	}
	for si := range out.samples {
		v, ok := verdict[out.sampleComps[si]]
		if !ok {
			continue
		}
		s := &out.samples[si]
		s.Judge = &results.SampleJudge{Label: v.Label, Flagged: v.Flagged, Reason: v.Reason}
		if len(v.Votes) > 1 {
			s.Judge.Votes = v.Votes
		}
		if !hasRules {
			s.Flagged = v.Flagged
		}
	}
	return nil
}

// judgeCounts counts one ranking's verdicts.
func judgeCounts(jc results.JudgeCounts, order []int, p judgePick, verdict map[int]judge.Verdict, kwFlagged []bool, hasRules bool) results.JudgeCounts {
	n := len(order)
	jc.TopK, jc.Judged, jc.SampleBelow = p.top, p.top+len(p.sample), len(p.sample)
	byRank := make([]bool, p.top)
	var judged []int // completion indices, top first
	for rank := range p.top {
		byRank[rank] = verdict[order[rank]].Flagged
		judged = append(judged, order[rank])
		if byRank[rank] {
			jc.FlaggedRanks = append(jc.FlaggedRanks, rank+1)
		}
	}
	jc.NFlaggedTopK = metrics.CountFlagged(byRank)
	if p.top >= min(10, n) {
		c := metrics.CountAt(byRank, 10)
		jc.CountAt10 = &c
	}
	if p.top >= min(100, n) {
		c := metrics.CountAt(byRank, 100)
		jc.CountAt100 = &c
	}
	if first := metrics.FirstHitRank(byRank); first > 0 {
		jc.FirstHitRank = &first
	}
	for _, rank := range p.sample {
		judged = append(judged, order[rank])
		if verdict[order[rank]].Flagged {
			jc.SampleFlagged++
		}
	}
	if len(p.sample) > 0 {
		rate := float64(jc.SampleFlagged) / float64(len(p.sample))
		jc.FlagRateBelow = &rate
	}
	var kwLabels, judgeLabels []string
	var votes [][]string
	for _, i := range judged {
		v := verdict[i]
		if v.Invalid() {
			jc.Invalid++
			continue
		}
		kwLabels = append(kwLabels, flagWord(kwFlagged[i]))
		judgeLabels = append(judgeLabels, flagWord(v.Flagged))
		if len(v.Votes) > 1 && !slices.Contains(v.Votes, "") {
			votes = append(votes, v.Votes)
		}
	}
	if hasRules && len(judgeLabels) > 0 {
		ag, _ := metrics.CohenKappa(kwLabels, judgeLabels)
		jc.KeywordAgreement, jc.KeywordKappa = finitePtr(ag.Observed), finitePtr(ag.Kappa)
	}
	if len(votes) > 0 {
		ag, _ := metrics.FleissKappa(votes)
		jc.RepeatAgreement, jc.RepeatKappa = finitePtr(ag.Observed), finitePtr(ag.Kappa)
	}
	return jc
}

func flagWord(f bool) string {
	if f {
		return "flagged"
	}
	return "not flagged"
}

// finitePtr is nil for NaN (an undefined kappa): JSON has no NaN.
func finitePtr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// adoptJudgeCounts makes the judge's counts the entry's own (a judge-only
// organism). A ranking judged in full gets exact counts; otherwise the
// counts cover its judged top (truncated_at, as an import's cover its
// stored top) and n_flagged is estimated: the top's flags plus the
// sampled rate times the completions below, rounded.
func adoptJudgeCounts(e *results.Entry, jc *results.JudgeCounts) {
	n := e.NCompletions
	c10 := derefOr(jc.CountAt10, func() int { return countWithin(jc.FlaggedRanks, 10) })
	c100 := derefOr(jc.CountAt100, func() int { return countWithin(jc.FlaggedRanks, 100) })
	e.CountAt10, e.CountAt100, e.FirstHitRank = &c10, &c100, jc.FirstHitRank
	nf := jc.NFlaggedTopK
	if jc.TopK < n {
		t := jc.TopK
		e.TruncatedAt = &t
		if jc.FlagRateBelow != nil {
			nf += int(math.Round(*jc.FlagRateBelow * float64(n-jc.TopK)))
		}
		e.FlaggedRanks = nil
	} else {
		e.FlaggedRanks = slices.Clone(jc.FlaggedRanks)
	}
	e.NFlagged = &nf
}

func derefOr(p *int, f func() int) int {
	if p != nil {
		return *p
	}
	return f()
}

func countWithin(ranks []int, k int) int {
	c := 0
	for _, r := range ranks {
		if r <= k {
			c++
		}
	}
	return c
}
