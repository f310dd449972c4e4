package pipeline

import (
	"context"
	"fmt"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
)

// unitPrefills resolves a unit's finetuned model and cuts its prefills.
// Oversampling: prefills whose prompt repeats an earlier one are dropped
// (their completions would repeat too) and replaced from the spare docs.
func (r *runner) unitPrefills(ctx context.Context, u *Unit) (lm.Model, []*prefill, error) {
	cfg := r.p.Config
	ft, err := r.opt.Models.Organism(ctx, u.Organism, u.Variant)
	if err != nil {
		return nil, nil, err
	}
	docs, corpusHash, err := r.samples.sample(ctx, r.opt.Corpora, u.Prefill.Corpus, prefillOversample*cfg.N, cfg.Seed+uint64(u.Repeat))
	if err != nil {
		return nil, nil, err
	}
	pres, err := r.prefills(ctx, ft, u, docs, corpusHash)
	if err != nil {
		return nil, nil, err
	}
	return ft, pres, nil
}

// shortCorpus is the warning for a corpus that gave fewer prefills than
// asked, "" when it gave them all.
func shortCorpus(u *Unit, got, want int) string {
	if got >= want {
		return ""
	}
	return fmt.Sprintf("%s: corpus %q gave %d prefills of the %d asked", u.Prefill.Name, u.Prefill.Corpus, got, want)
}

// scoreFT fills the completions' scores under the finetuned model: from
// generation when its logprobs are raw, else by a scoring pass, whose
// tokens it returns.
func (r *runner) scoreFT(ctx context.Context, ft lm.Model, comps []*completion) (int64, error) {
	if ft.Info().RawGenerationLogprobs {
		for _, c := range comps {
			c.lpFT = c.gen.Logprobs
		}
		return 0, nil
	}
	info := ft.Info()
	var kind keyHasher
	kind.str(scoreKeyVersion).str("finetuned").str(info.ServedName).str(info.Revision).str(info.TokenizerID)
	scores, err := r.bundledScores(ctx, kind.buf, comps, nil, func(sub []*completion) ([]refScore, error) {
		items := make([]lm.ScoreItem, len(sub))
		for i, c := range sub {
			items[i] = lm.ScoreItem{Context: c.pre.prompt, Continuation: c.gen.Tokens}
		}
		lps, err := r.score(ctx, ft, items, sub, nil)
		if err != nil {
			return nil, err
		}
		out := make([]refScore, len(sub))
		for i, c := range sub {
			out[i] = refScore{logprobs: lps[i], continuation: c.gen.Tokens, sameTokens: true}
		}
		return out, nil
	})
	if err != nil {
		return 0, fmt.Errorf("scoring under the finetuned model: %w", err)
	}
	var tokens int64
	for i, c := range comps {
		c.lpFT = scores[i].logprobs
		tokens += int64(len(c.gen.Tokens))
	}
	return tokens, nil
}

// unitRun is a unit in progress: its models, its filter, and its ranking
// so far.
type unitRun struct {
	u      *Unit
	ft     lm.Model
	rms    []lm.Model // by reference
	det    Detector
	keep   *completionFilter
	rk     *ranking
	tokens []results.Tokens // by reference
	// comps and flagged are the last chunk's: the unit's when it is one.
	comps   []*completion
	flagged []bool
}

// runChunk generates the completions of the next prefills of the unit,
// scores them under the finetuned model and every reference, filters and
// matches them, and adds them to the unit's ranking.
func (r *runner) runChunk(ctx context.Context, ur *unitRun, pres []*prefill) error {
	comps, err := r.generate(ctx, ur.ft, ur.u, pres)
	if err != nil {
		return err
	}
	var genTokens int64
	for _, c := range comps {
		genTokens += int64(len(c.gen.Tokens))
	}
	ftScored, err := r.scoreFT(ctx, ur.ft, comps)
	if err != nil {
		return err
	}
	ur.keep.apply(comps)
	flagged := make([]bool, len(comps))
	matched := make([][]string, len(comps))
	if ur.det.HasRules() {
		for i, c := range comps {
			flagged[i], matched[i] = ur.det.Match(string(c.text))
		}
	}
	scores := make([][]refScore, len(ur.rms))
	for j, rm := range ur.rms {
		var refTokens int64
		if scores[j], refTokens, err = r.scoreReference(ctx, ur.ft, rm, ur.u, comps); err != nil {
			return fmt.Errorf("reference %s: %w", ur.u.References[j].ID, err)
		}
		ur.tokens[j].Generate += genTokens
		ur.tokens[j].ScoreFT += ftScored
		ur.tokens[j].ScoreRef += refTokens
	}
	ur.rk.add(comps, flagged, matched, scores)
	ur.comps, ur.flagged = comps, flagged
	return nil
}
