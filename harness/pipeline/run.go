package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
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
}

// Outcome is what a run produced.
type Outcome struct {
	Results  *results.Results
	Samples  []results.Sample
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

	outs := make([]*unitOutput, len(p.Units))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Concurrency)
	for i := range p.Units {
		g.Go(func() error {
			u := &p.Units[i]
			out, err := r.runUnit(gctx, u)
			if err != nil {
				return fmt.Errorf("%s@%s %s repeat %d: %w", u.Organism.ID, u.Variant.Name, u.Prefill.Name, u.Repeat, err)
			}
			outs[i] = out
			return nil
		})
	}
	if err := r.endStages(ctx, g.Wait()); err != nil {
		return nil, err
	}
	return r.outcome(outs), nil
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
func (r *runner) outcome(outs []*unitOutput) *Outcome {
	p, opt := r.p, r.opt
	res := &results.Results{
		Schema: results.Schema,
		Run:    results.Run{ID: p.Config.RunID(), PpldiffVersion: opt.Version, Config: p.Config.AsMap()},
	}
	oc := &Outcome{Results: res}
	for _, o := range outs {
		res.Entries = append(res.Entries, o.entries...)
		oc.Samples = append(oc.Samples, o.samples...)
		oc.Warnings = append(oc.Warnings, o.warnings...)
	}
	results.SortEntries(res.Entries)
	oc.Counters = opt.Counters.Snapshot()
	return oc
}

type runner struct {
	p         *Plan
	opt       Options
	detectors map[string]Detector
	genBar    Bar
	scoreBar  Bar
	mu        sync.Mutex
	refUnits  int64 // unit x reference pairs of the plan
}

type unitOutput struct {
	entries  []results.Entry
	samples  []results.Sample
	details  []detail // samples whose per-token arrays are still to fill
	warnings []string
}

// prefill is one prompt of a unit.
type prefill struct {
	key    string // cache key of the cut prefill
	id     string
	text   []byte // the prefill's bytes as the finetuned model decodes them
	prompt []int  // finetuned model's prompt ids (template, prefill)
}

// completion is a generated continuation with its scores.
type completion struct {
	pre      *prefill
	gen      CachedGeneration
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
		tokens := results.Tokens{Generate: genTokens, ScoreFT: ftScored, ScoreRef: refTokens}
		r.rank(u, ref, rm, ftInfo, comps, refScores, flagged, matched, det.HasRules(), tokens, out)
	}
	if err := r.fillTokenDetail(ctx, ft, out); err != nil {
		return nil, err
	}
	return out, nil
}

// detail asks for the per-token arrays of one written sample.
type detail struct {
	sample int // index in unitOutput.samples
	c      *completion
	rs     refScore
	ref    lm.Model
}

// fillTokenDetail writes per-token [start, end, logprob] arrays into the
// samples that carry them, decoding spans only for those completions.
func (r *runner) fillTokenDetail(ctx context.Context, ft lm.Model, out *unitOutput) error {
	refSpans := map[lm.Model]map[*completion][]lm.Span{}
	for _, d := range out.details {
		if d.c.spansFT == nil {
			raw, spans, err := ft.Detokenize(ctx, d.c.gen.Tokens)
			if err != nil {
				return fmt.Errorf("detokenize: %w", err)
			}
			d.c.spansFT = remapSpans(raw, spans)
		}
		spans := d.c.spansFT
		if !d.rs.sameTokens {
			if refSpans[d.ref] == nil {
				refSpans[d.ref] = map[*completion][]lm.Span{}
			}
			if spans = refSpans[d.ref][d.c]; spans == nil {
				var err error
				raw, rspans, err := d.ref.Detokenize(ctx, d.rs.continuation)
				if err != nil {
					return fmt.Errorf("detokenize under the reference: %w", err)
				}
				spans = remapSpans(raw, rspans)
				refSpans[d.ref][d.c] = spans
			}
		}
		s := &out.samples[d.sample]
		s.TokensFTLP = tokenLogprobs(d.c.spansFT, d.c.lpFT)
		s.TokensRefLP = tokenLogprobs(spans, d.rs.logprobs)
	}
	return nil
}

// prefillOversample is how many documents are drawn per prefill wanted, so
// that duplicates can be replaced.
const prefillOversample = 4

// prefills cuts the first PrefillTokens tokens (or a window at a seeded
// random offset) of each document with the finetuned model's tokenizer and
// builds the prompt in the config's format. Documents are visited in a
// seeded random order and the first N distinct prompts are kept, returned in
// corpus order. Cut prefills are cached, so a re-run tokenizes nothing.
func (r *runner) prefills(ctx context.Context, ft lm.Model, u *Unit, docs []Document, corpusHash string) ([]*prefill, error) {
	cfg := r.p.Config
	info := ft.Info()
	docs = slices.Clone(docs)
	shuffle := rand.New(rand.NewPCG(cfg.Seed+uint64(u.Repeat), 0x64656475702d6f72)) // "dedup-or"
	shuffle.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	keys := make([]string, len(docs)) // filled chunk by chunk, as documents are visited
	key := func(d Document) string {
		kh := (&keyHasher{}).str("prefill/v1").str(info.ServedName).str(info.Revision).str(info.TokenizerID).
			str(corpusHash).u64(uint64(d.Index)).u64(uint64(cfg.PrefillTokens)).str(cfg.PrefillOffset).str(u.Prefill.Format)
		if cfg.PrefillOffset == "random" {
			kh.u64(cfg.Seed + uint64(u.Repeat))
		}
		if u.Prefill.Format == FormatChat {
			kh.str(cfg.ChatSystem).str(u.Organism.SystemPrompt).str(cfg.ChatUser)
		}
		return kh.sum()
	}
	// Most of the oversampled documents are never visited: read the cache
	// a little past what N prefills usually need, and more only on demand.
	cached := map[string]CachedPrefill{}
	fetched := 0
	var bos []int
	seen := map[string]bool{}
	type indexed struct {
		doc int
		p   *prefill
	}
	var picked []indexed
	var put []CachedPrefill
	for i, d := range docs {
		if len(picked) == cfg.N {
			break
		}
		if i == fetched {
			end := min(len(keys), fetched+max(64, cfg.N+cfg.N/8))
			for j := fetched; j < end; j++ {
				keys[j] = key(docs[j])
			}
			got, err := r.opt.Cache.GetPrefills(ctx, keys[fetched:end])
			if err != nil {
				return nil, fmt.Errorf("cache: %w", err)
			}
			maps.Copy(cached, got)
			fetched = end
		}
		cp, ok := cached[keys[i]]
		if !ok {
			var err error
			if bos == nil {
				if bos, err = ft.Tokenize(ctx, lm.TokenizeRequest{AddSpecial: true}); err != nil {
					return nil, fmt.Errorf("tokenize: %w", err)
				}
			}
			if cp, err = r.cutPrefill(ctx, ft, u, d, bos); err != nil {
				return nil, err
			}
			cp.Key = keys[i]
			put = append(put, cp)
		}
		if len(cp.Prompt) == 0 {
			continue // too short to give a prefill of k tokens
		}
		p := &prefill{key: keys[i], id: cp.Source, text: cp.Text, prompt: cp.Prompt}
		key := fmt.Sprint(p.prompt)
		if seen[key] {
			continue
		}
		seen[key] = true
		picked = append(picked, indexed{d.Index, p})
	}
	if err := r.opt.Cache.PutPrefills(ctx, put); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	slices.SortFunc(picked, func(a, b indexed) int { return a.doc - b.doc })
	out := make([]*prefill, len(picked))
	for i, x := range picked {
		out[i] = x.p
	}
	return out, nil
}

// cutPrefill tokenizes the head of a document, cuts the prefill and builds
// its prompt. A document too short for k tokens gives an empty prompt.
func (r *runner) cutPrefill(ctx context.Context, ft lm.Model, u *Unit, d Document, bos []int) (CachedPrefill, error) {
	cfg := r.p.Config
	k := cfg.PrefillTokens
	cp := CachedPrefill{Source: fmt.Sprintf("%s:%d", u.Prefill.Corpus, d.Index), Index: d.Index}
	ids, err := headTokens(ctx, ft, d.Text, k, cfg.PrefillOffset == "random")
	if err != nil {
		return cp, err
	}
	if len(ids) < k {
		return cp, nil
	}
	offset := 0
	if cfg.PrefillOffset == "random" {
		rng := rand.New(rand.NewPCG(cfg.Seed+uint64(u.Repeat), uint64(d.Index)))
		offset = rng.IntN(len(ids) - k + 1)
		if offset > 0 {
			cp.Source = fmt.Sprintf("%s@%d", cp.Source, offset)
		}
	}
	ids = ids[offset : offset+k]
	if cp.Text, err = decodeText(ctx, ft, ids); err != nil {
		return cp, err
	}
	switch u.Prefill.Format {
	case FormatRaw:
		cp.Prompt = append(append([]int{}, bos...), ids...)
	case FormatChat:
		if cp.Prompt, err = chatPrompt(ctx, ft, r.chat(u, cp.Text), cp.Text); err != nil {
			return cp, err
		}
	}
	return cp, nil
}

// chatPrompt tokenizes the chat a prefill opens, so that the prompt ends
// with the prefill as a raw prompt does. Templates that strip() the final
// message, and transformers' continue_final_message (which cuts the
// rendering after the stripped final message), lose a prefill's trailing
// whitespace; the lost bytes are then appended as tokens. Only prefills
// that end in whitespace can lose anything, so only they cost a decode.
func chatPrompt(ctx context.Context, m lm.Model, msgs []lm.Message, prefill []byte) ([]int, error) {
	ids, err := m.Tokenize(ctx, lm.TokenizeRequest{Messages: msgs})
	if err != nil {
		return nil, fmt.Errorf("tokenize chat: %w", err)
	}
	trimmed := bytes.TrimRightFunc(prefill, unicode.IsSpace)
	if len(trimmed) == len(prefill) {
		return ids, nil
	}
	rendered, err := decodeText(ctx, m, ids)
	if err != nil {
		return nil, err
	}
	if bytes.HasSuffix(rendered, prefill) {
		return ids, nil
	}
	name := m.Info().ServedName
	if !bytes.HasSuffix(rendered, trimmed) {
		return nil, fmt.Errorf("the chat template of %s does not end the prompt with the prefill %q (it ends %q): use raw prefill configs for this model",
			name, prefill, rendered[max(0, len(rendered)-len(prefill)-8):])
	}
	lost := prefill[len(trimmed):]
	extra, err := m.Tokenize(ctx, lm.TokenizeRequest{Text: lost})
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	ids = append(ids, extra...)
	if rendered, err = decodeText(ctx, m, ids); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(rendered, prefill) {
		return nil, fmt.Errorf("the chat template of %s strips the prefill's trailing %q and appending it as tokens does not restore it: use raw prefill configs for this model", name, lost)
	}
	return ids, nil
}

// headTokens tokenizes enough of the document's head: a start prefill needs
// k whole tokens, and the last token of a cut head may be cut too, so the
// head grows until it holds k+1 tokens or is the whole document. A random
// window needs the whole document (up to maxRandomHead bytes).
func headTokens(ctx context.Context, m lm.Model, text []byte, k int, whole bool) ([]int, error) {
	head := min(len(text), max(256, 16*k))
	if whole {
		head = min(len(text), maxRandomHead)
	}
	for {
		ids, err := m.Tokenize(ctx, lm.TokenizeRequest{Text: text[:head]})
		if err != nil {
			return nil, fmt.Errorf("tokenize: %w", err)
		}
		if head == len(text) {
			return ids, nil
		}
		if len(ids) > k && !whole {
			return ids[:k], nil
		}
		if whole {
			return ids[:max(0, len(ids)-1)], nil // the last token may be cut
		}
		head = min(len(text), 2*head)
	}
}

// remapSpans moves spans over raw bytes onto validUTF8(raw), where each
// invalid byte became the 3 bytes of U+FFFD.
func remapSpans(raw []byte, spans []lm.Span) []lm.Span {
	if utf8.Valid(raw) {
		return spans
	}
	at := make([]int, len(raw)+1) // at[i]: offset of raw[i] in the valid text
	for i, pos := 0, 0; i <= len(raw); {
		if i == len(raw) {
			at[i] = pos
			break
		}
		r, size := utf8.DecodeRune(raw[i:])
		width := size
		if r == utf8.RuneError && size == 1 {
			width = utf8.RuneLen(utf8.RuneError)
		}
		for j := 0; j < size; j++ {
			at[i+j] = pos
		}
		i += size
		pos += width
	}
	out := make([]lm.Span, len(spans))
	for i, sp := range spans {
		out[i] = lm.Span{Start: at[min(sp.Start, len(raw))], End: at[min(sp.End, len(raw))]}
	}
	return out
}

// maxRandomHead bounds the bytes a random-offset prefill is drawn from.
const maxRandomHead = 1 << 16

// validUTF8 replaces each byte that is not part of valid UTF-8 with U+FFFD,
// as a JSON encoder does: a byte-level tokenizer can split a character, and
// text that crossed an HTTP API arrives that way, so in-process and served
// models must see the same completion text.
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

// chat is the chat a prefill opens the assistant turn of; an organism that
// needs its own system prompt (manifest system_prompt) gets it.
func (r *runner) chat(u *Unit, prefill []byte) []lm.Message {
	cfg := r.p.Config
	system := cfg.ChatSystem
	if u.Organism.SystemPrompt != "" {
		system = u.Organism.SystemPrompt
	}
	return []lm.Message{
		{Role: "system", Content: system},
		{Role: "user", Content: cfg.ChatUser},
		{Role: "assistant", Content: string(prefill)},
	}
}

// generate returns one completion per prefill, from the cache where it holds
// them, generating and storing the rest batch by batch.
func (r *runner) generate(ctx context.Context, ft lm.Model, u *Unit, pres []*prefill) ([]*completion, error) {
	cfg := r.p.Config
	info := ft.Info()
	seed := cfg.Seed + uint64(u.Repeat)
	temp, topP := cfg.Temperature, cfg.TopP
	if cfg.Decoding == DecodingGreedy {
		temp, topP = 0, 1
	}
	// Greedy decoding ignores the seed: repeats share their completions.
	// Whether logprobs are raw is part of the key, since raw ones stand in
	// for the finetuned scoring pass.
	keySeed := seed
	if temp == 0 {
		keySeed = 0
	}
	comps := make([]*completion, len(pres))
	for start := 0; start < len(pres); start += r.opt.BatchSize {
		end := min(start+r.opt.BatchSize, len(pres))
		keys := make([]string, end-start)
		for i := start; i < end; i++ {
			keys[i-start] = (&keyHasher{}).str("gen/v2").str(info.ServedName).str(info.Revision).str(info.TokenizerID).
				flag(info.RawGenerationLogprobs).ints(pres[i].prompt).num(temp).num(topP).
				u64(uint64(cfg.MaxNewTokens)).u64(keySeed).sum()
		}
		have, err := r.opt.Cache.GetGenerations(ctx, keys)
		if err != nil {
			return nil, fmt.Errorf("cache: %w", err)
		}
		var missing []int
		for i := start; i < end; i++ {
			if g, ok := have[keys[i-start]]; ok {
				comps[i] = &completion{pre: pres[i], gen: g, text: g.Text}
				if len(g.Text) == 0 && len(g.Tokens) > 0 {
					if comps[i].text, err = decodeText(ctx, ft, g.Tokens); err != nil {
						return nil, err
					}
				}
				r.opt.Counters.CompletionsCached.Add(1)
			} else {
				missing = append(missing, i)
			}
		}
		if len(missing) > 0 {
			req := lm.GenerateRequest{N: 1, MaxNewTokens: cfg.MaxNewTokens, Temperature: temp, TopP: topP, Seed: seed}
			for _, i := range missing {
				req.Prompts = append(req.Prompts, pres[i].prompt)
			}
			gens, err := ft.Generate(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("generate: %w", err)
			}
			if len(gens) != len(missing) {
				return nil, fmt.Errorf("generate: %d generations for %d prompts", len(gens), len(missing))
			}
			put := make([]CachedGeneration, len(missing))
			for j, i := range missing {
				g := gens[j]
				if info.RawGenerationLogprobs && len(g.Logprobs) != len(g.Tokens) {
					return nil, fmt.Errorf("generate: %d logprobs for %d tokens: the model's generation logprobs cannot stand in for scores", len(g.Logprobs), len(g.Tokens))
				}
				text, err := decodeText(ctx, ft, g.Tokens)
				if err != nil {
					return nil, err
				}
				put[j] = CachedGeneration{Key: keys[i-start], Model: info.ServedName, PrefillKey: pres[i].key,
					Tokens: g.Tokens, Text: text, Logprobs: g.Logprobs, FinishReason: g.FinishReason}
				comps[i] = &completion{pre: pres[i], gen: put[j], text: text}
				r.opt.Counters.TokensGenerated.Add(int64(len(g.Tokens)))
			}
			if err := r.opt.Cache.PutGenerations(ctx, put); err != nil {
				return nil, fmt.Errorf("cache: %w", err)
			}
			r.opt.Counters.CompletionsGenerated.Add(int64(len(missing)))
		}
		r.genBar.Add(int64(end - start))
	}
	return comps, nil
}

// score returns teacher-forced logprobs of items under m, cached by content.
func (r *runner) score(ctx context.Context, m lm.Model, items []lm.ScoreItem, bar Bar) ([][]float64, error) {
	info := m.Info()
	out := make([][]float64, len(items))
	for start := 0; start < len(items); start += r.opt.BatchSize {
		end := min(start+r.opt.BatchSize, len(items))
		keys := make([]string, end-start)
		for i := start; i < end; i++ {
			kh := &keyHasher{}
			keys[i-start] = kh.str("score/v1").str(info.ServedName).str(info.Revision).str(info.TokenizerID).
				ints(items[i].Context).ints(items[i].Continuation).sum()
		}
		have, err := r.opt.Cache.GetScores(ctx, keys)
		if err != nil {
			return nil, fmt.Errorf("cache: %w", err)
		}
		var missing []int
		for i := start; i < end; i++ {
			if len(items[i].Continuation) == 0 {
				// A completion that ended at once has nothing to score; no
				// server could score it (their logprobs start inside the
				// input), so it is answered here, cached or not.
				out[i] = []float64{}
				continue
			}
			if s, ok := have[keys[i-start]]; ok && len(s.Logprobs) == len(items[i].Continuation) {
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
			put := make([]CachedScores, len(missing))
			for j, i := range missing {
				if len(lps[j]) != len(items[i].Continuation) {
					return nil, fmt.Errorf("score: %d logprobs for %d tokens", len(lps[j]), len(items[i].Continuation))
				}
				out[i] = lps[j]
				put[j] = CachedScores{Key: keys[i-start], Model: info.ServedName, Logprobs: lps[j]}
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

// decodeText decodes a completion's text, with invalid UTF-8 replaced (see
// validUTF8); token spans are decoded later, only where samples need them.
func decodeText(ctx context.Context, m lm.Model, ids []int) ([]byte, error) {
	var text []byte
	var err error
	if td, ok := m.(lm.TextDecoder); ok {
		text, err = td.DecodeText(ctx, ids)
	} else {
		text, _, err = m.Detokenize(ctx, ids)
	}
	if err != nil {
		return nil, fmt.Errorf("detokenize: %w", err)
	}
	return validUTF8(text), nil
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
// in the same context (contract, scoring rules).
func (r *runner) scoreReference(ctx context.Context, ft, rm lm.Model, u *Unit, comps []*completion) ([]refScore, int64, error) {
	same := rm.Info().TokenizerID == ft.Info().TokenizerID
	items := make([]lm.ScoreItem, len(comps))
	out := make([]refScore, len(comps))
	var bos []int
	var err error
	if u.Prefill.Format == FormatRaw && !same {
		if bos, err = rm.Tokenize(ctx, lm.TokenizeRequest{AddSpecial: true}); err != nil {
			return nil, 0, err
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
			if u.Prefill.Format == FormatRaw {
				pre, err := rm.Tokenize(gctx, lm.TokenizeRequest{Text: c.pre.text})
				if err != nil {
					return err
				}
				items[i].Context = append(append([]int{}, bos...), pre...)
			} else if items[i].Context, err = chatPrompt(gctx, rm, r.chat(u, c.pre.text), c.pre.text); err != nil {
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
		return nil, 0, err
	}
	lps, err := r.score(ctx, rm, items, r.scoreBar)
	if err != nil {
		return nil, 0, err
	}
	var tokens int64
	for i := range out {
		out[i].logprobs = lps[i]
		tokens += int64(len(lps[i]))
	}
	return out, tokens, nil
}
