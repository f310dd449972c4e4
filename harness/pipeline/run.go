package pipeline

import (
	"context"
	"crypto/sha256"
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
	// Samples is samples.jsonl, packed: each unit's samples, in plan order,
	// encoded and compressed when the unit ended (see unitOutput.trim).
	Samples  results.PackedSamples
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
		size += len(o.samplesPacked)
	}
	// Concatenated frames are one zstd stream of the whole file.
	oc.Samples = make(results.PackedSamples, 0, size)
	for _, o := range outs {
		res.Entries = append(res.Entries, o.entries...)
		oc.Samples = append(oc.Samples, o.samplesPacked...)
		o.samplesPacked = nil // let each unit's copy go as the run's grows
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
	entries       []results.Entry
	samples       []results.Sample
	samplesPacked results.PackedSamples // samples encoded, once the unit is trimmed
	details       []detail              // samples whose per-token arrays are still to fill
	warnings      []string
	// orders[i] is entries[i]'s ranking (completion indices, best first);
	// sampleComps[i] is samples[i]'s completion. The judge reads them.
	orders      [][]int
	sampleComps []int
}

// prefill is one prompt of a unit.
type prefill struct {
	key    [sha256.Size]byte // cache key of the cut prefill, undecoded (a unit may hold a million)
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

// unitChunkBatches is how many batches of completions a unit holds at
// once: a unit is generated, scored and ranked chunk by chunk, so its
// memory does not grow with its completions (chunks are whole batches, so
// the model calls are those of one pass over the unit).
const unitChunkBatches = 64

func (r *runner) runUnit(ctx context.Context, u *Unit) (*unitOutput, error) {
	cfg := r.p.Config
	ft, pres, err := r.unitPrefills(ctx, u)
	if err != nil {
		return nil, err
	}
	out := &unitOutput{}
	if w := shortCorpus(u, len(pres), cfg.N); w != "" {
		out.warnings = append(out.warnings, w)
	}
	rms := make([]lm.Model, len(u.References))
	for j, ref := range u.References {
		if rms[j], err = r.opt.Models.Reference(ctx, ref, u.Organism, u.Variant); err != nil {
			return nil, fmt.Errorf("reference %s: %w", ref.ID, err)
		}
	}
	// The judge reads completions anywhere in the rankings: a unit it
	// judges is one chunk, and keeps its completions to the end.
	judged := r.judges(u)
	chunk := unitChunkBatches * r.opt.BatchSize
	if judged {
		chunk = max(1, len(pres))
	}
	ur := &unitRun{u: u, ft: ft, rms: rms, det: r.detectors[u.Organism.ID], keep: newCompletionFilter(cfg),
		rk: newRanking(cfg, u.References, rms, judged), tokens: make([]results.Tokens, len(u.References))}
	for start := 0; start < len(pres); start += chunk {
		end := min(start+chunk, len(pres))
		if err := r.runChunk(ctx, ur, pres[start:end]); err != nil {
			return nil, err
		}
		clear(pres[start:end]) // done with; candidates and comps keep theirs
	}
	hasRules := ur.det.HasRules()
	ur.rk.rank(unitRanked{unit: u, ftInfo: ft.Info(), hasRules: hasRules, tokens: ur.tokens}, out)
	if judged {
		if err := r.judgeUnit(ctx, u, ur.comps, ur.flagged, hasRules, out); err != nil {
			return nil, err
		}
	}
	if err := r.fillTokenDetail(ctx, ft, out); err != nil {
		return nil, err
	}
	return out, nil
}
