package pipeline

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/store"
)

// generate returns one completion per prefill, from the cache where it holds
// them, generating and storing the rest batch by batch.
func (r *runner) generate(ctx context.Context, ft lm.Model, u *Unit, pres []*prefill) ([]*completion, error) {
	cfg := r.p.Config
	info := ft.Info()
	seed := cfg.Seed + uint64(u.Repeat)
	temp, topP := cfg.Temperature, cfg.TopP
	if u.Prefill.decoding(cfg) == DecodingGreedy {
		temp, topP = 0, 1
	}
	// Greedy decoding ignores the seed: repeats share their completions.
	// Whether logprobs are raw is part of the key, since raw ones stand in
	// for the finetuned scoring pass.
	keySeed := seed
	if temp == 0 {
		keySeed = 0
	}
	keys := make([]string, len(pres))
	for i, p := range pres {
		keys[i] = (&keyHasher{}).str("gen/v2").str(info.ServedName).str(info.Revision).str(info.TokenizerID).
			flag(info.RawGenerationLogprobs).ints(p.prompt).num(temp).num(topP).
			u64(uint64(cfg.MaxNewTokens)).u64(keySeed).sumInOrder("gen\x00"+info.ServedName+"\x00"+info.Revision, p.index)
	}
	comps := make([]*completion, len(pres))
	prefillKey := func(i int) string { return hex.EncodeToString(pres[i].key[:]) }
	spans := bundleSpans(len(pres))
	bkeys := make([]string, len(spans))
	for s, sp := range spans {
		bkeys[s] = rowsBundleKey("completions", keys[sp[0]:sp[1]])
	}
	served, err := r.readBundles(ctx, bkeys, func(s int, body []byte) bool {
		sp := spans[s]
		got := make([]*completion, sp[1]-sp[0])
		br := bundleReader{b: body}
		for j := range got {
			i := sp[0] + j
			g := store.Completion{Key: keys[i], Model: info.ServedName, PrefillKey: prefillKey(i),
				Tokens: br.ints(), Text: br.bytes(), Logprobs: br.floats(), FinishReason: string(br.bytes())}
			if len(g.Logprobs) == 0 {
				g.Logprobs = nil // as the store's rows decode
			}
			if info.RawGenerationLogprobs && len(g.Logprobs) != len(g.Tokens) {
				return false
			}
			got[j] = &completion{pre: pres[i], gen: g, text: g.Text}
		}
		if !br.ok() {
			return false
		}
		copy(comps[sp[0]:], got)
		r.opt.Counters.CompletionsCached.Add(int64(len(got)))
		return true
	})
	if err != nil {
		return nil, err
	}
	// The rows no bundle held, in one read; what is missing is generated
	// and stored batch by batch.
	var rowKeys []string
	for s, sp := range spans {
		if !served[s] {
			rowKeys = append(rowKeys, keys[sp[0]:sp[1]]...)
		}
	}
	var have map[string]store.Completion
	if len(rowKeys) > 0 {
		if have, err = r.opt.Cache.GetCompletions(ctx, rowKeys); err != nil {
			return nil, fmt.Errorf("cache: %w", err)
		}
	}
	for start := 0; start < len(pres); start += r.opt.BatchSize {
		end := min(start+r.opt.BatchSize, len(pres))
		var missing []int
		for i := start; i < end; i++ {
			if comps[i] != nil {
				continue // from a bundle
			}
			if g, ok := have[keys[i]]; ok {
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
			put := make([]store.Completion, len(missing))
			for j, i := range missing {
				g := gens[j]
				if info.RawGenerationLogprobs && len(g.Logprobs) != len(g.Tokens) {
					return nil, fmt.Errorf("generate: %d logprobs for %d tokens: the model's generation logprobs cannot stand in for scores", len(g.Logprobs), len(g.Tokens))
				}
				text, err := decodeText(ctx, ft, g.Tokens)
				if err != nil {
					return nil, err
				}
				put[j] = store.Completion{Key: keys[i], Model: info.ServedName, PrefillKey: prefillKey(i),
					Tokens: g.Tokens, Text: text, Logprobs: g.Logprobs, FinishReason: g.FinishReason}
				comps[i] = &completion{pre: pres[i], gen: put[j], text: text}
				r.opt.Counters.TokensGenerated.Add(int64(len(g.Tokens)))
			}
			if err := r.opt.Cache.PutCompletions(ctx, put); err != nil {
				return nil, fmt.Errorf("cache: %w", err)
			}
			r.opt.Counters.CompletionsGenerated.Add(int64(len(missing)))
		}
		r.genBar.Add(int64(end - start))
	}
	err = r.writeBundles(ctx, bkeys, served, func(s int, bw *bundleWriter) {
		for _, c := range comps[spans[s][0]:spans[s][1]] {
			bw.ints(c.gen.Tokens)
			bw.bytes(c.text)
			bw.floats(c.gen.Logprobs)
			bw.bytes([]byte(c.gen.FinishReason))
		}
	})
	return comps, err
}
