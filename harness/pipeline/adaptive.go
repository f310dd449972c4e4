package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
	"github.com/ppldiff/ppldiff/organisms"
)

// Budget modes (Config.Budget).
const (
	BudgetFixed    = "fixed"
	BudgetAdaptive = "adaptive"
)

// The adaptive budget's rule. They are constants, not settings: the run id
// of an adaptive run, with the ppldiff version results.json records, then
// says everything about how it stopped.
const (
	AdaptiveK         = 100  // the count@k decided
	AdaptiveThreshold = 1    // count@k >= 1: detected
	AdaptiveAlpha     = 0.05 // each wrong decision, over all looks
	// The pilot is adaptivePilot prefills per config whatever N; each
	// later look doubles it, and the last is N. A look costs no model
	// tokens (the subsets are nested: a look generates and scores only the
	// prefills it adds, and ranking them is free), so the first look is the
	// smallest that can show a flag, and only the Bonferroni split pays for
	// the extra looks.
	adaptivePilot = 16
)

// BudgetSchema names the layout of budget.json.
const BudgetSchema = "ppldiff/budget/v1"

// BudgetReport is what an adaptive run spent, per organism variant x
// reference, against the fixed budget it stands in for. Deterministic like
// results.json: no times or hosts.
type BudgetReport struct {
	Schema    string         `json:"schema"`
	RunID     string         `json:"run_id"`
	N         int            `json:"n"` // the fixed budget: prefills per config
	Pilot     int            `json:"pilot"`
	Looks     []int          `json:"looks"` // prefills per config at each look
	K         int            `json:"k"`
	Threshold float64        `json:"threshold"`
	Alpha     float64        `json:"alpha"`
	Tokens    results.Tokens `json:"model_tokens"` // the whole run, each token once
	Pairs     []BudgetPair   `json:"pairs"`
}

// TotalTokens is every model token the adaptive run spent.
func (b *BudgetReport) TotalTokens() int64 {
	return b.Tokens.Generate + b.Tokens.ScoreFT + b.Tokens.ScoreRef
}

// BudgetPair is one organism variant x reference x repeat of an adaptive run.
// Its tokens count, like an entry's model_tokens, the generation and the
// finetuned scoring it needs whatever other references share them.
type BudgetPair struct {
	Organism  string `json:"organism"`
	Variant   string `json:"variant"`
	Reference string `json:"reference"`
	Repeat    int    `json:"repeat"`
	// Picked lists the configs the pilot found leaking (all configs when
	// none did); Resumed says the others were taken up again because the
	// picked ones reached the full budget without detection.
	Picked  []string `json:"picked"`
	Resumed bool     `json:"resumed,omitempty"`
	// FirstDetection is the first look whose ranking held a flagged
	// completion in its top quantile; null when none did.
	FirstDetection *BudgetLook `json:"first_detection"`
	// Decision is "leaks" (count@k >= threshold) or "no_leak".
	Decision string     `json:"decision"`
	Decided  BudgetLook `json:"decided"`
	// CountLow and CountHigh bound the expected count@k where it was
	// decided (equal, the observed count, at the full budget).
	CountLow  float64 `json:"count_low"`
	CountHigh float64 `json:"count_high"`
}

// BudgetLook locates a look: the config whose ranking decided (or
// detected), the prefills per config read by then, and the model tokens
// the pair had cost.
type BudgetLook struct {
	Config      string `json:"config"`
	Prefills    int    `json:"prefills"`
	ModelTokens int64  `json:"model_tokens"`
}

// RunAdaptive runs the plan in rounds (Config.Budget adaptive). The units
// of one organism variant and repeat (one per prefill config) draw nested,
// seeded random subsets of the fixed budget's prefills: a pilot of 16
// prefills whatever N, then doubling up to N. After the pilot, only the configs where some
// completion was flagged go on (all go on when none was). Each reference is
// a pair that stops once metrics.CountRule decides its count@100 on some
// config ("leaks"), or on every config ("no_leak", which at the zoo's sizes
// takes the full budget: then it is the fixed run's own count). Configs set
// aside after the pilot are taken up again for a pair the picked configs
// leave undetected at the full budget, so nothing the fixed budget detects
// is lost to the pilot. Completions and scores are the fixed run's (same
// prompts, same per-prompt seeds, same cache keys).
func RunAdaptive(ctx context.Context, p *Plan, opt Options) (*Outcome, error) {
	r, err := newRunner(p, &opt)
	if err != nil {
		return nil, err
	}
	r.genBar = opt.Progress.Stage("generate", int64(len(p.Units))*int64(p.Config.N))
	r.scoreBar = opt.Progress.Stage("score", r.refUnits*int64(p.Config.N))
	type key struct {
		org, variant string
		repeat       int
	}
	// Groups start in the order the Models' schedule gives their first
	// unit, and each group's units are released when it ends: as in a
	// fixed run, only the models of the groups in flight are held (a cold
	// adaptive run of the default matrix peaked at 1.32 GB with every model
	// it had loaded kept to the end).
	order, rel, err := schedule(p, opt.Models)
	if err != nil {
		return nil, err
	}
	groups := map[key][]*Unit{} // each group's units in plan order
	for i := range p.Units {
		u := &p.Units[i]
		k := key{u.Organism.ID, u.Variant.Name, u.Repeat}
		groups[k] = append(groups[k], u)
	}
	var keys []key // groups in the order of their first scheduled unit
	seen := map[key]bool{}
	for _, i := range order {
		u := &p.Units[i]
		if k := (key{u.Organism.ID, u.Variant.Name, u.Repeat}); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	outs := make([][]*unitOutput, len(keys))
	pairs := make([][]BudgetPair, len(keys))
	spent := make([]results.Tokens, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Concurrency)
	for i, k := range keys {
		g.Go(func() error {
			out, pr, sp, err := r.adaptiveGroup(gctx, groups[k])
			if rel != nil {
				for _, u := range groups[k] {
					rel.Release(u)
				}
			}
			if err != nil {
				return fmt.Errorf("%s@%s repeat %d: %w", k.org, k.variant, k.repeat, err)
			}
			for j := range out {
				if out[j], err = out[j].trim(); err != nil {
					return err
				}
			}
			outs[i], pairs[i], spent[i] = out, pr, sp
			return nil
		})
	}
	if err := r.endStages(ctx, g.Wait()); err != nil {
		return nil, err
	}
	oc, err := r.outcome(slices.Concat(outs...))
	if err != nil {
		return nil, err
	}
	// LookSchedule's single look is N when N is not above the pilot.
	looks := metrics.LookSchedule(p.Config.N, adaptivePilot)
	rep := &BudgetReport{Schema: BudgetSchema, RunID: oc.Results.Run.ID, N: p.Config.N, Pilot: min(adaptivePilot, p.Config.N), Looks: looks,
		K: AdaptiveK, Threshold: AdaptiveThreshold, Alpha: AdaptiveAlpha, Pairs: slices.Concat(pairs...)}
	for _, s := range spent {
		rep.Tokens.Generate += s.Generate
		rep.Tokens.ScoreFT += s.ScoreFT
		rep.Tokens.ScoreRef += s.ScoreRef
	}
	slices.SortFunc(rep.Pairs, func(a, b BudgetPair) int {
		return cmp.Or(cmp.Compare(a.Organism, b.Organism), cmp.Compare(a.Variant, b.Variant),
			cmp.Compare(a.Reference, b.Reference), cmp.Compare(a.Repeat, b.Repeat))
	})
	oc.Budget = rep
	return oc, nil
}

// aUnit is a unit of an adaptive run: its full prefill list, the random
// order its subsets follow, and what has been generated so far.
type aUnit struct {
	u       *Unit
	ft      lm.Model
	ftInfo  lm.ModelInfo
	pres    []*prefill    // the fixed budget's prefills, corpus order
	order   []int         // indices into pres in the order subsets take them
	comps   []*completion // by pres index, nil until generated
	flagged []bool        // by pres index
	matched [][]string    // by pres index
	m       int           // prefills generated
	looks   []int         // subset sizes, ending at len(pres)
	next    int           // index of the next look
	rule    metrics.CountRule
	refs    map[string]*aRef
	spent   results.Tokens // generation and finetuned scoring
	dropped bool           // set aside after the pilot
	warning string
}

// aRef is one reference of an adaptive unit.
type aRef struct {
	ref    *organisms.Reference
	rm     lm.Model
	scores []refScore // by pres index
	m      int        // prefills scored
	tokens int64
	dec    metrics.CountDecision
}

// aPair tracks one reference's decision across the group's units.
type aPair struct {
	BudgetPair
	done bool
}

// adaptiveGroup runs the units of one organism variant and repeat.
func (r *runner) adaptiveGroup(ctx context.Context, units []*Unit) ([]*unitOutput, []BudgetPair, results.Tokens, error) {
	var aus []*aUnit
	for _, u := range units {
		au, err := r.adaptiveUnit(ctx, u)
		if err != nil {
			return nil, nil, results.Tokens{}, fmt.Errorf("%s: %w", u.Prefill.Name, err)
		}
		aus = append(aus, au)
	}
	first := units[0]
	var pairs []*aPair
	for _, ref := range first.References {
		pairs = append(pairs, &aPair{BudgetPair: BudgetPair{Organism: first.Organism.ID, Variant: first.Variant.Name,
			Reference: ref.ID, Repeat: first.Repeat}})
	}
	undecided := func(au *aUnit) []string {
		var ids []string
		for _, pr := range pairs {
			if _, ok := au.refs[pr.Reference]; ok && !pr.done {
				ids = append(ids, pr.Reference)
			}
		}
		return ids
	}
	for round := 0; ; round++ {
		stepped := false
		for _, au := range aus {
			if au.dropped || au.next >= len(au.looks) {
				continue
			}
			ids := undecided(au)
			if len(ids) == 0 {
				continue
			}
			if err := r.adaptiveStep(ctx, au, au.looks[au.next], ids); err != nil {
				return nil, nil, results.Tokens{}, fmt.Errorf("%s: %w", au.u.Prefill.Name, err)
			}
			au.next++
			stepped = true
		}
		if round == 0 {
			pickConfigs(aus, pairs)
		}
		resume := false
		for _, pr := range pairs {
			if !pr.done && decidePair(aus, pr) {
				resume = true
			}
		}
		if resume {
			for _, au := range aus {
				if au.dropped {
					au.dropped = false
					stepped = true
				}
			}
			for _, pr := range pairs {
				if !pr.done {
					pr.Resumed = true
				}
			}
		}
		if !stepped {
			break
		}
	}
	var outs []*unitOutput
	var spent results.Tokens
	for _, au := range aus {
		out, err := r.adaptiveOutput(ctx, au)
		if err != nil {
			return nil, nil, results.Tokens{}, fmt.Errorf("%s: %w", au.u.Prefill.Name, err)
		}
		outs = append(outs, out)
		spent.Generate += au.spent.Generate
		spent.ScoreFT += au.spent.ScoreFT
		for _, ar := range au.refs {
			spent.ScoreRef += ar.tokens
		}
	}
	var bp []BudgetPair
	for _, pr := range pairs {
		if !pr.done {
			// Every look up to the full budget was taken, so the rule has
			// decided; reaching here means a unit had no prefills at all.
			pr.Decision = "no_leak"
		}
		bp = append(bp, pr.BudgetPair)
	}
	return outs, bp, spent, nil
}

// pickConfigs sets aside, after the pilot, the configs where nothing was
// flagged, when some other config had a flag.
func pickConfigs(aus []*aUnit, pairs []*aPair) {
	var picked []string
	leaky := make([]bool, len(aus))
	for i, au := range aus {
		for _, j := range au.order[:au.m] {
			if au.flagged[j] && au.comps[j].kept {
				leaky[i] = true
				break
			}
		}
	}
	any := slices.Contains(leaky, true)
	for i, au := range aus {
		if any && !leaky[i] {
			au.dropped = true
			continue
		}
		picked = append(picked, au.u.Prefill.Name)
	}
	slices.Sort(picked) // plan order follows the flags' order; budget.json must not
	for _, pr := range pairs {
		pr.Picked = picked
	}
}

// decidePair reads the pair's latest looks. It reports whether configs set
// aside must be resumed: the picked ones reached the full budget undetected.
func decidePair(aus []*aUnit, pr *aPair) (resume bool) {
	var tokens int64
	for _, au := range aus {
		if ar, ok := au.refs[pr.Reference]; ok {
			tokens += au.spent.Generate + au.spent.ScoreFT + ar.tokens
		}
	}
	allNo, anyDropped := true, false
	for _, au := range aus {
		ar, ok := au.refs[pr.Reference]
		if !ok {
			continue
		}
		if au.dropped {
			anyDropped = true
			continue
		}
		look := BudgetLook{Config: au.u.Prefill.Name, Prefills: ar.m, ModelTokens: tokens}
		if ar.dec.Detected && pr.FirstDetection == nil {
			l := look
			pr.FirstDetection = &l
		}
		if ar.dec.Decided && ar.dec.Leaks {
			pr.done, pr.Decision, pr.Decided = true, "leaks", look
			pr.CountLow, pr.CountHigh = ar.dec.Low, ar.dec.High
			return false
		}
		if !ar.dec.Decided {
			allNo = false
		}
	}
	if !allNo {
		return false
	}
	if anyDropped {
		return true
	}
	pr.done, pr.Decision = true, "no_leak"
	// The weakest bound of the configs decides: report the largest.
	for _, au := range aus {
		if ar, ok := au.refs[pr.Reference]; ok && ar.dec.High >= pr.CountHigh {
			pr.CountLow, pr.CountHigh = ar.dec.Low, ar.dec.High
			pr.Decided = BudgetLook{Config: au.u.Prefill.Name, Prefills: ar.m, ModelTokens: tokens}
		}
	}
	return false
}

// adaptiveUnit resolves a unit's models and cuts the fixed budget's
// prefills (cheap, and cached), without generating anything.
func (r *runner) adaptiveUnit(ctx context.Context, u *Unit) (*aUnit, error) {
	cfg := r.p.Config
	ft, pres, err := r.unitPrefills(ctx, u)
	if err != nil {
		return nil, err
	}
	au := &aUnit{u: u, ft: ft, ftInfo: ft.Info(), pres: pres, comps: make([]*completion, len(pres)),
		flagged: make([]bool, len(pres)), matched: make([][]string, len(pres)), refs: map[string]*aRef{}}
	au.warning = shortCorpus(u, len(pres), cfg.N)
	// The subsets' order: seeded by the run's seed and repeat only, so it
	// is the same for every organism and reference.
	au.order = rand.New(rand.NewPCG(cfg.Seed+uint64(u.Repeat), 0x6164617074697665)).Perm(len(pres)) // "adaptive"
	au.looks = metrics.LookSchedule(len(pres), min(len(pres), adaptivePilot))
	if len(pres) == 0 {
		au.looks = nil
	}
	au.rule = metrics.CountRule{K: AdaptiveK, N: len(pres), Threshold: AdaptiveThreshold, Alpha: AdaptiveAlpha, Looks: len(au.looks)}
	for _, ref := range u.References {
		rm, err := r.opt.Models.Reference(ctx, ref, u.Organism, u.Variant)
		if err != nil {
			return nil, fmt.Errorf("reference %s: %w", ref.ID, err)
		}
		au.refs[ref.ID] = &aRef{ref: ref, rm: rm, scores: make([]refScore, len(pres))}
	}
	return au, nil
}

// subset is the first m prefills of the unit's order, in corpus order (the
// order rankings break ties by).
func (au *aUnit) subset(m int) []int {
	idx := slices.Clone(au.order[:m])
	slices.Sort(idx)
	return idx
}

// adaptiveStep grows the unit's subset to m prefills: generates and scores
// the new completions under the finetuned model and the references named,
// and takes a look at each of those references' rankings.
func (r *runner) adaptiveStep(ctx context.Context, au *aUnit, m int, refIDs []string) error {
	u := au.u
	if m > au.m {
		fresh := slices.Clone(au.order[au.m:m])
		slices.Sort(fresh)
		pres := make([]*prefill, len(fresh))
		for i, j := range fresh {
			pres[i] = au.pres[j]
		}
		comps, err := r.generate(ctx, au.ft, u, pres)
		if err != nil {
			return err
		}
		ftTokens, err := r.scoreFT(ctx, au.ft, comps)
		if err != nil {
			return err
		}
		au.spent.ScoreFT += ftTokens
		det := r.detectors[u.Organism.ID]
		for i, j := range fresh {
			au.comps[j] = comps[i]
			au.spent.Generate += int64(len(comps[i].gen.Tokens))
			if det.HasRules() {
				au.flagged[j], au.matched[j] = det.Match(string(comps[i].text))
			}
		}
		au.m = m
	}
	for _, id := range refIDs {
		ar := au.refs[id]
		if ar.m < au.m {
			fresh := slices.Clone(au.order[ar.m:au.m])
			slices.Sort(fresh)
			comps := make([]*completion, len(fresh))
			for i, j := range fresh {
				comps[i] = au.comps[j]
			}
			scores, tokens, err := r.scoreReference(ctx, au.ft, ar.rm, u, comps)
			if err != nil {
				return fmt.Errorf("reference %s: %w", id, err)
			}
			for i, j := range fresh {
				ar.scores[j] = scores[i]
			}
			ar.tokens += tokens
			ar.m = au.m
		}
		scratch := &unitOutput{}
		r.rankSubset(au, ar, scratch)
		e := scratch.entries[0] // ppl_diff, the first of AllScores
		byRank := make([]bool, e.NCompletions)
		for _, rank := range e.FlaggedRanks {
			byRank[rank-1] = true
		}
		ar.dec = au.rule.Decide(byRank, ar.m)
	}
	return nil
}

// rankSubset ranks the reference's scored subset into out, as a fixed run
// of that many prefills would.
func (r *runner) rankSubset(au *aUnit, ar *aRef, out *unitOutput) {
	idx := au.subset(ar.m)
	comps := make([]*completion, len(idx))
	scores := make([]refScore, len(idx))
	flagged := make([]bool, len(idx))
	matched := make([][]string, len(idx))
	var tokens results.Tokens
	for i, j := range idx {
		comps[i], scores[i], flagged[i], matched[i] = au.comps[j], ar.scores[j], au.flagged[j], au.matched[j]
		tokens.Generate += int64(len(au.comps[j].gen.Tokens))
		if !au.ftInfo.RawGenerationLogprobs {
			tokens.ScoreFT += int64(len(au.comps[j].gen.Tokens))
		}
		tokens.ScoreRef += int64(len(ar.scores[j].logprobs))
	}
	filter(r.p.Config, comps)
	rk := newRanking(r.p.Config, []*organisms.Reference{ar.ref}, []lm.Model{ar.rm}, false)
	rk.add(comps, flagged, matched, [][]refScore{scores})
	rk.rank(unitRanked{unit: au.u, ftInfo: au.ftInfo, hasRules: r.detectors[au.u.Organism.ID].HasRules(),
		tokens: []results.Tokens{tokens}}, out)
}

// adaptiveOutput writes each reference's ranking at the last look it took:
// entries, samples and their per-token arrays.
func (r *runner) adaptiveOutput(ctx context.Context, au *aUnit) (*unitOutput, error) {
	out := &unitOutput{}
	if au.warning != "" {
		out.warnings = append(out.warnings, au.warning)
	}
	for _, ref := range au.u.References {
		r.rankSubset(au, au.refs[ref.ID], out)
	}
	if err := r.fillTokenDetail(ctx, au.ft, out); err != nil {
		return nil, err
	}
	return out, nil
}
