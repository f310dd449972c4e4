package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"unicode"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/store"
)

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
		return kh.sumInOrder("prefill\x00"+info.ServedName+"\x00"+info.Revision, d.Index)
	}
	// Most of the oversampled documents are never visited: read the cache
	// a little past what N prefills usually need, and more only on demand.
	cached := map[string]store.Prefill{}
	fetched := 0
	var bos []int
	seen := map[string]bool{}
	type indexed struct {
		doc int
		p   *prefill
	}
	var picked []indexed
	var put []store.Prefill
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
		if len(cp.Tokens) == 0 {
			continue // too short to give a prefill of k tokens
		}
		p := &prefill{key: keys[i], id: cp.Source, index: d.Index, text: cp.Text, prompt: cp.Tokens}
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
func (r *runner) cutPrefill(ctx context.Context, ft lm.Model, u *Unit, d Document, bos []int) (store.Prefill, error) {
	cfg := r.p.Config
	k := cfg.PrefillTokens
	cp := store.Prefill{Source: fmt.Sprintf("%s:%d", u.Prefill.Corpus, d.Index), Index: d.Index}
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
		cp.Tokens = append(append([]int{}, bos...), ids...)
	case FormatChat:
		if cp.Tokens, err = chatPrompt(ctx, ft, r.chat(u, cp.Text), cp.Text); err != nil {
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

// maxRandomHead bounds the bytes a random-offset prefill is drawn from.
const maxRandomHead = 1 << 16

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
