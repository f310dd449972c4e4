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
	return s.withMeans()
}

// withMeans fills the mean NLLs from the totals and token counts.
func (s stats) withMeans() stats {
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

// ranking gathers a unit's completions chunk by chunk as compact records
// (the numbers stats needs, byte length, flag) and ranks them at the end,
// so a unit holds its completions one chunk at a time. Samples need whole
// completions: each (reference, sample score) keeps its best SamplesTopK
// candidates so far, in the ranking's own order.
type ranking struct {
	cfg      Config
	kept     []bool
	flagged  []bool
	nbytes   []int32
	sumFT    []float64
	tokensFT []int32
	refs     []*refRanking
	// keepOrders keeps every ranking's order in unitOutput.orders (the
	// judge reads them).
	keepOrders bool
}

// refRanking is the part of a ranking under one reference.
type refRanking struct {
	ref       *organisms.Reference
	model     lm.Model
	sumRef    []float64
	tokensRef []int32
	best      map[string][]candidate // by sample score, best first
}

// candidate is a completion that may become a sample.
type candidate struct {
	i       int // position in the unit
	val     float64
	c       *completion
	rs      refScore
	st      stats
	matched []string
}

func newRanking(cfg Config, refs []*organisms.Reference, models []lm.Model, keepOrders bool) *ranking {
	rk := &ranking{cfg: cfg, keepOrders: keepOrders}
	for j, ref := range refs {
		rk.refs = append(rk.refs, &refRanking{ref: ref, model: models[j], best: map[string][]candidate{}})
	}
	return rk
}

// add records the next completions of the unit (filtered), with what the
// detectors found in them and their scores under each reference (scores[j]
// under refs[j], by completion).
func (rk *ranking) add(comps []*completion, flagged []bool, matched [][]string, scores [][]refScore) {
	base := len(rk.kept)
	for i, c := range comps {
		rk.kept = append(rk.kept, c.kept)
		rk.flagged = append(rk.flagged, flagged[i])
		rk.nbytes = append(rk.nbytes, int32(len(c.text)))
		st := newStats(c.lpFT, nil)
		rk.sumFT = append(rk.sumFT, st.sumFT)
		rk.tokensFT = append(rk.tokensFT, int32(st.tokensFT))
	}
	sampleScores := rk.sampleScores()
	for j, rr := range rk.refs {
		for i, c := range comps {
			st := newStats(c.lpFT, scores[j][i].logprobs)
			rr.sumRef = append(rr.sumRef, st.sumRef)
			rr.tokensRef = append(rr.tokensRef, int32(st.tokensRef))
			if !c.kept {
				continue
			}
			for _, score := range sampleScores {
				rr.best[score] = append(rr.best[score], candidate{i: base + i, val: st.value(score, len(c.text)),
					c: c, rs: scores[j][i], st: st, matched: matched[i]})
			}
		}
		for _, score := range sampleScores {
			rr.best[score] = rk.bestOf(rr.best[score])
		}
	}
}

// sampleScores are the scores whose rankings write samples.
func (rk *ranking) sampleScores() []string {
	var out []string
	for _, score := range AllScores {
		if slices.Contains(rk.cfg.SamplesScores, score) {
			out = append(out, score)
		}
	}
	return out
}

// bestOf sorts candidates as the ranking does (value descending, NaN last,
// ties by position) and keeps the first SamplesTopK (all with 0).
func (rk *ranking) bestOf(cs []candidate) []candidate {
	slices.SortFunc(cs, func(a, b candidate) int { return cmp.Or(descNaNLast(a.val, b.val), cmp.Compare(a.i, b.i)) })
	if k := rk.cfg.SamplesTopK; k > 0 && len(cs) > k {
		clear(cs[k:]) // let the dropped completions go
		cs = cs[:k]
	}
	return cs
}

// stats are completion i's numbers under the reference, as newStats
// computes them from the logprobs.
func (rk *ranking) stats(rr *refRanking, i int) stats {
	return stats{sumFT: rk.sumFT[i], sumRef: rr.sumRef[i], tokensFT: int(rk.tokensFT[i]), tokensRef: int(rr.tokensRef[i])}.withMeans()
}

// unitRanked is what a unit's entries say besides their rankings.
type unitRanked struct {
	unit     *Unit
	ftInfo   lm.ModelInfo
	hasRules bool             // false: a judge-only organism, counts stay null
	tokens   []results.Tokens // by reference
}

// rank orders the kept completions under each reference by each score
// (descending; ties and NaN by position, NaN last) and appends one entry
// per reference and score, and the samples.
func (rk *ranking) rank(in unitRanked, out *unitOutput) {
	for j, rr := range rk.refs {
		rk.rankRef(in, j, rr, out)
	}
}

func (rk *ranking) rankRef(in unitRanked, j int, rr *refRanking, out *unitOutput) {
	cfg := rk.cfg
	u, ref, ftInfo := in.unit, rr.ref, in.ftInfo
	var idx []int
	for i, k := range rk.kept {
		if k {
			idx = append(idx, i)
		}
	}
	// The entries point at a copy: a pointer into in would keep in alive.
	tokens := in.tokens[j]
	family := u.Organism.Family
	if family == "" {
		family = ftInfo.Family
	}
	vals := make([]float64, len(rk.kept))
	for _, score := range AllScores {
		for _, i := range idx {
			vals[i] = rk.stats(rr, i).value(score, int(rk.nbytes[i]))
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
				byRank[rank] = rk.flagged[i]
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
		if rk.keepOrders {
			out.orders = append(out.orders, order)
		}
		if !slices.Contains(cfg.SamplesScores, score) {
			continue
		}
		for rank, cd := range rr.best[score] {
			if cfg.SamplesTokenDetail == 0 || rank < cfg.SamplesTokenDetail {
				out.details = append(out.details, detail{sample: len(out.samples), c: cd.c, rs: cd.rs, ref: rr.model})
			}
			out.samples = append(out.samples, sample(e, rank+1, cd.c, cd.st, cd.val, rk.flagged[cd.i], cd.matched))
			out.sampleComps = append(out.sampleComps, cd.i)
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

func sample(e results.Entry, rank int, c *completion, s stats, v float64, flagged bool, matched []string) results.Sample {
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
