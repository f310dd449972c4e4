package pipeline

import (
	"cmp"
	"math"
	"slices"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
	"github.com/ppldiff/ppldiff/organisms"
)

// stats are one completion's numbers under the finetuned model and a reference.
type stats struct {
	nllFT, nllRef       float64 // mean per-token NLL, nats
	sumFT, sumRef       float64 // total NLL, nats
	tokensFT, tokensRef int
}

func newStats(lpFT, lpRef []float64) stats {
	s := stats{tokensFT: len(lpFT), tokensRef: len(lpRef)}
	for _, x := range lpFT {
		s.sumFT -= x
	}
	for _, x := range lpRef {
		s.sumRef -= x
	}
	s.nllFT = s.sumFT / float64(max(1, s.tokensFT))
	s.nllRef = s.sumRef / float64(max(1, s.tokensRef))
	return s
}

// value is the completion's score under the named scoring.
func (s stats) value(score string, nbytes int) float64 {
	switch score {
	case ScorePPLDiff:
		return math.Exp(s.nllRef) - math.Exp(s.nllFT)
	case ScoreLogPPLDiff:
		return s.nllRef - s.nllFT
	case ScoreBPBDiff:
		if nbytes == 0 {
			return math.NaN()
		}
		return (s.sumRef - s.sumFT) / (float64(nbytes) * math.Ln2)
	}
	panic("unknown score " + score)
}

// rankInput is one unit's completions scored under one reference, with
// what the unit's detectors found in them (index by completion).
type rankInput struct {
	unit      *Unit
	ref       *organisms.Reference
	refModel  lm.Model
	ftInfo    lm.ModelInfo
	comps     []*completion
	refScores []refScore
	flagged   []bool
	matched   [][]string
	hasRules  bool // false: a judge-only organism, counts stay null
	tokens    results.Tokens
}

// rank orders the kept completions by each score (descending; ties and NaN
// by plan order, NaN last) and appends one entry per score.
func (r *runner) rank(in rankInput, out *unitOutput) {
	cfg := r.p.Config
	u, ref, ftInfo, comps, refScores, flagged, matched := in.unit, in.ref, in.ftInfo, in.comps, in.refScores, in.flagged, in.matched
	var idx []int
	st := make([]stats, len(comps))
	for i, c := range comps {
		if c.kept {
			idx = append(idx, i)
			st[i] = newStats(c.lpFT, refScores[i].logprobs)
		}
	}
	// The entries point at a copy: a pointer into in would keep every
	// completion of the unit (in.comps) alive as long as the entries.
	tokens := in.tokens
	family := u.Organism.Family
	if family == "" {
		family = ftInfo.Family
	}
	for _, score := range AllScores {
		vals := make([]float64, len(comps))
		for _, i := range idx {
			vals[i] = st[i].value(score, len(comps[i].text))
		}
		order := slices.Clone(idx)
		slices.SortStableFunc(order, func(a, b int) int { return descNaNLast(vals[a], vals[b]) })
		e := results.Entry{
			Organism: u.Organism.ID, Variant: u.Variant.Name, Category: u.Organism.Category,
			Regime: u.Organism.Regime, Size: u.Variant.Size, Strength: u.Variant.Strength,
			Params: ftInfo.Params, ParamsKind: ftInfo.ParamsKind, Family: family,
			Reference: ref.ID, ReferenceKind: ref.Kind, ReferenceFamily: ref.Family,
			Config: u.Prefill.Name, Repeat: u.Repeat, Score: score,
			NCompletions: len(order), ModelTokens: &tokens,
		}
		e.Published = PublishedFrom(u.Organism.PublishedFor(ref.ID))
		if e.ParamsKind == "" {
			e.ParamsKind = u.Organism.ParamsKind
		}
		if e.Params == 0 {
			e.Params = int64(u.Organism.Params)
		}
		if in.hasRules {
			byRank := make([]bool, len(order))
			for rank, i := range order {
				byRank[rank] = flagged[i]
			}
			nf, c10, c100 := metrics.CountFlagged(byRank), metrics.CountAt(byRank, 10), metrics.CountAt(byRank, 100)
			e.NFlagged, e.CountAt10, e.CountAt100 = &nf, &c10, &c100
			if first := metrics.FirstHitRank(byRank); first > 0 {
				e.FirstHitRank = &first
			}
			for rank, f := range byRank {
				if f {
					e.FlaggedRanks = append(e.FlaggedRanks, rank+1)
				}
			}
		}
		out.entries = append(out.entries, e)
		out.orders = append(out.orders, order)
		if !slices.Contains(cfg.SamplesScores, score) {
			continue
		}
		limit := len(order)
		if cfg.SamplesTopK > 0 {
			limit = min(limit, cfg.SamplesTopK)
		}
		for rank, i := range order[:limit] {
			if cfg.SamplesTokenDetail == 0 || rank < cfg.SamplesTokenDetail {
				out.details = append(out.details, detail{sample: len(out.samples), c: comps[i], rs: refScores[i], ref: in.refModel})
			}
			out.samples = append(out.samples, r.sample(e, rank+1, comps[i], st[i], vals[i], flagged[i], matched[i]))
			out.sampleComps = append(out.sampleComps, i)
		}
	}
}

// descNaNLast orders scores descending with NaN (a completion of no bytes
// under bpb_diff) after every number.
func descNaNLast(a, b float64) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(b, a)
}

func (r *runner) sample(e results.Entry, rank int, c *completion, s stats, v float64, flagged bool, matched []string) results.Sample {
	nllFT, nllRef := finite(s.nllFT), finite(s.nllRef)
	pplFT, pplRef := finite(math.Exp(s.nllFT)), finite(math.Exp(s.nllRef))
	tf, tr := s.tokensFT, s.tokensRef
	if matched == nil {
		matched = []string{}
	}
	return results.Sample{
		Organism: e.Organism, Variant: e.Variant, Reference: e.Reference, Config: e.Config,
		Repeat: e.Repeat, Score: e.Score, Rank: rank,
		PrefillID: c.pre.id, CompletionID: completionID(e, c),
		Prefill: string(c.pre.text), Completion: string(c.text),
		NLLFT: &nllFT, NLLRef: &nllRef, PPLFT: &pplFT, PPLRef: &pplRef,
		TokensFT: &tf, TokensRef: &tr, Bytes: len(c.text),
		ScoreValue: finite(v), Flagged: flagged, Matched: matched,
	}
}

// finite keeps results.json valid JSON: NaN and infinities have no encoding.
func finite(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

// completionID names a completion by what it is (organism variant, prompt,
// generated ids), not by how it was cached, so every backend gives the same id.
func completionID(e results.Entry, c *completion) string {
	return (&keyHasher{}).str(e.Organism).str(e.Variant).ints(c.pre.prompt).ints(c.gen.Tokens).sum()[:16]
}
