package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
	"github.com/ppldiff/ppldiff/organisms"
)

// Detector flags completions that reveal an organism's objective.
type Detector interface {
	// Match reports whether text is flagged and what matched.
	Match(text string) (bool, []string)
	// HasRules is false for a judge-only organism: its counts are null.
	HasRules() bool
}

// Options are everything a run needs besides its Config.
type Options struct {
	Manifest *organisms.Manifest
	Models   Models
	Corpora  Corpora
	Cache    Cache // nil: nothing is cached
	Detect   func(o *organisms.Organism) (Detector, error)
	Progress Progress
	Logger   *slog.Logger
	// Concurrency bounds the units in flight; 0 means GOMAXPROCS.
	Concurrency int
	// BatchSize is the number of prompts per Generate or Score call; 0 means 64.
	BatchSize int
	Version   string
	Counters  *Counters // nil: a private set
	// Judge asks the organisms' LLM judges (judge.go); nil, or a config
	// without Judge, asks none.
	Judge Judge
}

// Outcome is what a run produced.
type Outcome struct {
	Results *results.Results
	// Samples is samples.jsonl: each unit's samples, in plan order, encoded
	// when the unit ended (see unitOutput.trim).
	Samples  []byte
	Counters CounterSnapshot
	Warnings []string
	Budget   *BudgetReport // an adaptive run's spending; nil for a fixed one
}

// Run executes the plan: prefills, generation, scoring under the finetuned
// model and every reference, ranking, detection. Work done is persisted to
// the cache batch by batch, so a cancelled run resumes where it stopped.
func Run(ctx context.Context, p *Plan, opt Options) (*Outcome, error) {
	if p.Config.Budget == BudgetAdaptive {
		return RunAdaptive(ctx, p, opt)
	}
	r, err := newRunner(p, &opt)
	if err != nil {
		return nil, err
	}
	r.genBar = opt.Progress.Stage("generate", int64(len(p.Units))*int64(p.Config.N))
	r.scoreBar = opt.Progress.Stage("score", r.refUnits*int64(p.Config.N))

	order, rel, err := schedule(p, opt.Models)
	if err != nil {
		return nil, err
	}
	outs := make([]*unitOutput, len(p.Units))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Concurrency)
	for _, i := range order {
		g.Go(func() error {
			u := &p.Units[i]
			out, err := r.runUnit(gctx, u)
			if rel != nil {
				rel.Release(u)
			}
			if err != nil {
				return fmt.Errorf("%s@%s %s repeat %d: %w", u.Organism.ID, u.Variant.Name, u.Prefill.Name, u.Repeat, err)
			}
			outs[i], err = out.trim()
			return err
		})
	}
	if err := r.endStages(ctx, g.Wait()); err != nil {
		return nil, err
	}
	return r.outcome(outs)
}

// endStages closes the progress bars and says, for a run that failed
// because it was cancelled, that it was.
func (r *runner) endStages(ctx context.Context, err error) error {
	r.genBar.Done()
	r.scoreBar.Done()
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return errors.Join(ctxErr, err)
		}
	}
	return err
}

// newRunner fills opt's defaults and resolves every organism's detectors.
func newRunner(p *Plan, opt *Options) (*runner, error) {
	if opt.Progress == nil {
		opt.Progress = nopProgress{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Cache == nil {
		opt.Cache = NewMemCache()
	}
	if opt.Counters == nil {
		opt.Counters = &Counters{}
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 64
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = runtime.GOMAXPROCS(0)
	}
	r := &runner{p: p, opt: *opt, detectors: map[string]Detector{}}
	for _, u := range p.Units {
		r.refUnits += int64(len(u.References))
		if _, ok := r.detectors[u.Organism.ID]; ok {
			continue
		}
		d, err := opt.Detect(u.Organism)
		if err != nil {
			return nil, fmt.Errorf("organism %s: detectors: %w", u.Organism.ID, err)
		}
		r.detectors[u.Organism.ID] = d
	}
	return r, nil
}

// outcome gathers the units' outputs into sorted results.
func (r *runner) outcome(outs []*unitOutput) (*Outcome, error) {
	p, opt := r.p, r.opt
	res := &results.Results{
		Schema: results.Schema,
		Run:    results.Run{ID: p.Config.RunID(), PpldiffVersion: opt.Version, Config: p.Config.AsMap()},
	}
	oc := &Outcome{Results: res}
	size := 0
	for i, o := range outs {
		if o.samples != nil { // an adaptive run's units are not trimmed
			var err error
			if outs[i], err = o.trim(); err != nil {
				return nil, err
			}
		}
		size += len(o.samplesJSON)
	}
	oc.Samples = make([]byte, 0, size)
	for _, o := range outs {
		res.Entries = append(res.Entries, o.entries...)
		oc.Samples = append(oc.Samples, o.samplesJSON...)
		o.samplesJSON = nil // let each unit's copy go as the run's grows
		oc.Warnings = append(oc.Warnings, o.warnings...)
	}
	results.SortEntries(res.Entries)
	oc.Counters = opt.Counters.Snapshot()
	return oc, nil
}

type runner struct {
	p         *Plan
	opt       Options
	detectors map[string]Detector
	genBar    Bar
	scoreBar  Bar
	refUnits  int64 // unit x reference pairs of the plan
	contexts  contextMemo
	samples   sampleMemo
}

type unitOutput struct {
	entries     []results.Entry
	samples     []results.Sample
	samplesJSON []byte   // samples encoded, once the unit is trimmed
	details     []detail // samples whose per-token arrays are still to fill
	warnings    []string
	// orders[i] is entries[i]'s ranking (completion indices, best first);
	// sampleComps[i] is samples[i]'s completion. The judge reads them.
	orders      [][]int
	sampleComps []int
}

// prefill is one prompt of a unit.
type prefill struct {
	key    string // cache key of the cut prefill
	id     string
	index  int    // the document's index in its corpus (orders cache keys)
	text   []byte // the prefill's bytes as the finetuned model decodes them
	prompt []int  // finetuned model's prompt ids (template, prefill)
}

// completion is a generated continuation with its scores.
type completion struct {
	pre      *prefill
	gen      store.Completion
	text     []byte
	spansFT  []lm.Span // nil until needed (see fillTokenDetail)
	lpFT     []float64
	kept     bool
	dropNote string
}

func (r *runner) runUnit(ctx context.Context, u *Unit) (*unitOutput, error) {
	cfg := r.p.Config
	ft, pres, err := r.unitPrefills(ctx, u)
	if err != nil {
		return nil, err
	}
	ftInfo := ft.Info()
	comps, err := r.generate(ctx, ft, u, pres)
	if err != nil {
		return nil, err
	}
	out := &unitOutput{}
	if w := shortCorpus(u, len(pres), cfg.N); w != "" {
		out.warnings = append(out.warnings, w)
	}
	var genTokens int64
	for _, c := range comps {
		genTokens += int64(len(c.gen.Tokens))
	}
	ftScored, err := r.scoreFT(ctx, ft, comps)
	if err != nil {
		return nil, err
	}
	filter(cfg, comps)
	det := r.detectors[u.Organism.ID]
	flagged := make([]bool, len(comps))
	matched := make([][]string, len(comps))
	if det.HasRules() {
		for i, c := range comps {
			flagged[i], matched[i] = det.Match(string(c.text))
		}
	}
	for _, ref := range u.References {
		rm, err := r.opt.Models.Reference(ctx, ref, u.Organism, u.Variant)
		if err != nil {
			return nil, fmt.Errorf("reference %s: %w", ref.ID, err)
		}
		refScores, refTokens, err := r.scoreReference(ctx, ft, rm, u, comps)
		if err != nil {
			return nil, fmt.Errorf("reference %s: %w", ref.ID, err)
		}
		r.rank(rankInput{
			unit: u, ref: ref, refModel: rm, ftInfo: ftInfo, comps: comps, refScores: refScores,
			flagged: flagged, matched: matched, hasRules: det.HasRules(),
			tokens: results.Tokens{Generate: genTokens, ScoreFT: ftScored, ScoreRef: refTokens},
		}, out)
	}
	if err := r.judgeUnit(ctx, u, comps, flagged, det.HasRules(), out); err != nil {
		return nil, err
	}
	if err := r.fillTokenDetail(ctx, ft, out); err != nil {
		return nil, err
	}
	return out, nil
}
