package pipeline

import (
	"context"
	"encoding/binary"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/store"
)

// scoreKeyVersion opens every score row's key, and the keys of their
// bundles: a change to how scores are computed changes it.
const scoreKeyVersion = "score/v1"

// score returns teacher-forced logprobs of items under m, cached by content.
// comps are the completions the items score, in the same order: their
// prefills' corpus order places the cache keys.
func (r *runner) score(ctx context.Context, m lm.Model, items []lm.ScoreItem, comps []*completion, bar Bar) ([][]float64, error) {
	info := m.Info()
	out := make([][]float64, len(items))
	keys := make([]string, len(items))
	group := "score\x00" + info.ServedName + "\x00" + info.Revision
	for i, it := range items {
		keys[i] = (&keyHasher{}).str(scoreKeyVersion).str(info.ServedName).str(info.Revision).str(info.TokenizerID).
			ints(it.Context).ints(it.Continuation).sumInOrder(group, comps[i].pre.index)
	}
	// The cached rows of every item in one read; what is missing is scored
	// and stored batch by batch.
	have, err := r.opt.Cache.GetScores(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	for start := 0; start < len(items); start += r.opt.BatchSize {
		end := min(start+r.opt.BatchSize, len(items))
		var missing []int
		for i := start; i < end; i++ {
			if len(items[i].Continuation) == 0 {
				// A completion that ended at once has nothing to score; no
				// server could score it (their logprobs start inside the
				// input), so it is answered here, cached or not.
				out[i] = []float64{}
				continue
			}
			if s, ok := have[keys[i]]; ok && len(s.Logprobs) == len(items[i].Continuation) {
				out[i] = s.Logprobs
				r.opt.Counters.ScoresCached.Add(1)
			} else {
				missing = append(missing, i)
			}
		}
		if len(missing) > 0 {
			batch := make([]lm.ScoreItem, len(missing))
			for j, i := range missing {
				batch[j] = items[i]
			}
			lps, err := m.Score(ctx, batch)
			if err != nil {
				return nil, err
			}
			if len(lps) != len(batch) {
				return nil, fmt.Errorf("score: %d results for %d items", len(lps), len(batch))
			}
			put := make([]store.Scores, len(missing))
			for j, i := range missing {
				if len(lps[j]) != len(items[i].Continuation) {
					return nil, fmt.Errorf("score: %d logprobs for %d tokens", len(lps[j]), len(items[i].Continuation))
				}
				out[i] = lps[j]
				put[j] = store.Scores{Key: keys[i], Model: info.ServedName, Logprobs: lps[j]}
				r.opt.Counters.TokensScored.Add(int64(len(lps[j])))
			}
			if err := r.opt.Cache.PutScores(ctx, put); err != nil {
				return nil, fmt.Errorf("cache: %w", err)
			}
			r.opt.Counters.ScoresComputed.Add(int64(len(missing)))
		}
		if bar != nil {
			bar.Add(int64(end - start))
		}
	}
	return out, nil
}

// tokenizeConcurrency bounds the tokenize calls in flight while a
// reference re-tokenizes completions.
const tokenizeConcurrency = 32

// refScore is one completion's scores under a reference.
type refScore struct {
	logprobs []float64
	// continuation is what the reference scored: the generated ids (same
	// tokenizer) or the completion re-tokenized; spans are computed only for
	// samples that carry per-token arrays.
	continuation []int
	sameTokens   bool
}

// scoreReference scores every completion under a reference. The same
// tokenizer scores the generated ids in the finetuned prompt (raw) or its
// own chat rendering; another tokenizer re-tokenizes the completion's bytes
// in the same context (README, "What a run does", step 4). It returns the
// reference's scored tokens.
func (r *runner) scoreReference(ctx context.Context, ft, rm lm.Model, u *Unit, comps []*completion) ([]refScore, int64, error) {
	cfg := r.p.Config
	ri := rm.Info()
	same := ri.TokenizerID == ft.Info().TokenizerID
	// What the rows' keys are computed from: the reference, how the
	// context is built, and each completion's prompt and bytes.
	var kind keyHasher
	kind.str(scoreKeyVersion).str("reference").str(ri.ServedName).str(ri.Revision).str(ri.TokenizerID).flag(same).
		str(u.Prefill.Format).str(u.Organism.SystemPrompt).str(cfg.ChatSystem).str(cfg.ChatUser)
	out, err := r.bundledScores(ctx, kind.buf, comps, r.scoreBar, func(sub []*completion) ([]refScore, error) {
		return r.scoreReferenceRows(ctx, ft, rm, u, sub, same)
	})
	if err != nil {
		return nil, 0, err
	}
	var tokens int64
	for i := range out {
		tokens += int64(len(out[i].logprobs))
	}
	return out, tokens, nil
}

// scoreReferenceRows is scoreReference on the cache's rows.
func (r *runner) scoreReferenceRows(ctx context.Context, ft, rm lm.Model, u *Unit, comps []*completion, same bool) ([]refScore, error) {
	ri := rm.Info()
	refName := ri.ServedName + "\x00" + ri.Revision + "\x00" + ri.TokenizerID
	items := make([]lm.ScoreItem, len(comps))
	out := make([]refScore, len(comps))
	var bos []int
	var err error
	if u.Prefill.Format == FormatRaw && !same {
		if bos, err = rm.Tokenize(ctx, lm.TokenizeRequest{AddSpecial: true}); err != nil {
			return nil, err
		}
	}
	// Tokenizing is one request per text on a served reference: run them
	// side by side (the client bounds requests per endpoint); each item
	// writes only its own slot, so the order of completion does not matter.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(tokenizeConcurrency)
	for i, c := range comps {
		if same && u.Prefill.Format == FormatRaw {
			items[i] = lm.ScoreItem{Context: c.pre.prompt, Continuation: c.gen.Tokens}
			out[i].continuation, out[i].sameTokens = c.gen.Tokens, true
			continue
		}
		g.Go(func() error {
			var err error
			items[i].Context, err = r.contexts.get(contextKey(refName, u.Prefill.Format, u.Organism.SystemPrompt, c.pre.text), func() ([]int, error) {
				if u.Prefill.Format == FormatRaw {
					pre, err := rm.Tokenize(gctx, lm.TokenizeRequest{Text: c.pre.text})
					if err != nil {
						return nil, err
					}
					return append(append([]int{}, bos...), pre...), nil
				}
				return chatPrompt(gctx, rm, r.chat(u, c.pre.text), c.pre.text)
			})
			if err != nil {
				return err
			}
			if same {
				items[i].Continuation = c.gen.Tokens
				out[i].continuation, out[i].sameTokens = c.gen.Tokens, true
				return nil
			}
			if items[i].Continuation, err = rm.Tokenize(gctx, lm.TokenizeRequest{Text: c.text}); err != nil {
				return err
			}
			out[i].continuation = items[i].Continuation
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	lps, err := r.score(ctx, rm, items, comps, r.scoreBar)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].logprobs = lps[i]
	}
	return out, nil
}

// bundledScores serves the scores of comps from bundles where the cache
// holds them and computes the others with rows (which reads the cache's
// rows and scores what they miss), then bundles what it computed. kind
// holds the fields every row key of the pass shares; bar advances by the
// completions served.
func (r *runner) bundledScores(ctx context.Context, kind []byte, comps []*completion, bar Bar,
	rows func(sub []*completion) ([]refScore, error)) ([]refScore, error) {
	out := make([]refScore, len(comps))
	spans := bundleSpans(len(comps))
	bkeys := make([]string, len(spans))
	for s, sp := range spans {
		k := newBundleKey(kind)
		k.tmp = binary.AppendUvarint(k.tmp, uint64(sp[1]-sp[0]))
		for _, c := range comps[sp[0]:sp[1]] {
			k.ints(c.pre.prompt).bytes(c.pre.text).ints(c.gen.Tokens).bytes(c.text)
		}
		bkeys[s] = k.sum()
	}
	served, err := r.readBundles(ctx, bkeys, func(s int, body []byte) bool {
		sp := spans[s]
		got := make([]refScore, sp[1]-sp[0])
		br := bundleReader{b: body}
		var cached int64
		for j := range got {
			c := comps[sp[0]+j]
			rs := &got[j]
			switch br.uint() {
			case 0:
				rs.continuation = br.ints()
			case 1:
				rs.continuation, rs.sameTokens = c.gen.Tokens, true
			default:
				return false
			}
			rs.logprobs = br.floats()
			if len(rs.logprobs) != len(rs.continuation) {
				return false
			}
			if len(rs.continuation) > 0 {
				cached++
			}
		}
		if !br.ok() {
			return false
		}
		copy(out[sp[0]:], got)
		r.opt.Counters.ScoresCached.Add(cached)
		if bar != nil {
			bar.Add(int64(len(got)))
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var sub []*completion
	var at []int // sub[k] is comps[at[k]]
	for s, sp := range spans {
		if !served[s] {
			for i := sp[0]; i < sp[1]; i++ {
				sub, at = append(sub, comps[i]), append(at, i)
			}
		}
	}
	if len(sub) > 0 {
		got, err := rows(sub)
		if err != nil {
			return nil, err
		}
		for k, i := range at {
			out[i] = got[k]
		}
	}
	return out, r.writeBundles(ctx, bkeys, served, func(s int, bw *bundleWriter) {
		for _, rs := range out[spans[s][0]:spans[s][1]] {
			if rs.sameTokens {
				bw.uint(1)
			} else {
				bw.uint(0)
				bw.ints(rs.continuation)
			}
			bw.floats(rs.logprobs)
		}
	})
}
