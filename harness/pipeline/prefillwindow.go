package pipeline

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/store"
)

// prefillWindow is the prefills of docs[start:end] in a unit's visiting
// order: read from the cache, the others cut from the documents' texts,
// read in one pass over the corpus. Keys and texts live only while a
// window is read: at a million prefills they outweighed the prefills.
type prefillWindow struct {
	r          *runner
	ft         lm.Model
	u          *Unit
	corpusHash string
	start, end int
	pres       []*prefill // nil: a document too short for a prefill
}

// prefillGetBatch is how many prefills are read from the cache at once
// (one read for a default unit), prefillPutBatch how many are stored.
const (
	prefillGetBatch = 1 << 16
	prefillPutBatch = 4096
)

func (w *prefillWindow) read(ctx context.Context, docs []int, start, end int) error {
	w.start, w.end = start, end
	w.pres = make([]*prefill, end-start)
	var need []int // window positions of the documents not cached
	for a := start; a < end; a += prefillGetBatch {
		b := min(end, a+prefillGetBatch)
		keys := make([]string, b-a)
		for j := range keys {
			keys[j] = w.key(docs[a+j])
		}
		cached, err := w.r.opt.Cache.GetPrefills(ctx, keys)
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		for j, k := range keys {
			if cp, ok := cached[k]; ok {
				w.pres[a-start+j] = newPrefill(cp, k, docs[a+j])
			} else {
				need = append(need, a-start+j)
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	bos, err := w.ft.Tokenize(ctx, lm.TokenizeRequest{AddSpecial: true})
	if err != nil {
		return fmt.Errorf("tokenize: %w", err)
	}
	// The corpus is read in its own order: documents by index.
	slices.SortFunc(need, func(a, b int) int { return docs[start+a] - docs[start+b] })
	indices := make([]int, len(need))
	for i, j := range need {
		indices[i] = docs[start+j]
	}
	var put []store.Prefill
	err = w.r.opt.Corpora.Visit(ctx, w.u.Prefill.Corpus, indices, func(doc int, text []byte) error {
		i, ok := slices.BinarySearch(indices, doc)
		if !ok {
			return nil
		}
		cp, err := w.r.cutPrefill(ctx, w.ft, w.u, Document{Index: doc, Text: text}, bos)
		if err != nil {
			return err
		}
		cp.Key = w.key(doc)
		w.pres[need[i]] = newPrefill(cp, cp.Key, doc)
		put = append(put, cp)
		if len(put) < prefillPutBatch {
			return nil
		}
		return w.put(ctx, &put)
	})
	if err != nil {
		return err
	}
	return w.put(ctx, &put)
}

func (w *prefillWindow) put(ctx context.Context, put *[]store.Prefill) error {
	if len(*put) == 0 {
		return nil
	}
	if err := w.r.opt.Cache.PutPrefills(ctx, *put); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	*put = (*put)[:0]
	return nil
}

// key is the cache key of a document's cut prefill.
func (w *prefillWindow) key(doc int) string {
	cfg, info, u := w.r.p.Config, w.ft.Info(), w.u
	kh := (&keyHasher{}).str("prefill/v1").str(info.ServedName).str(info.Revision).str(info.TokenizerID).
		str(w.corpusHash).u64(uint64(doc)).u64(uint64(cfg.PrefillTokens)).str(cfg.PrefillOffset).str(u.Prefill.Format)
	if cfg.PrefillOffset == "random" {
		kh.u64(cfg.Seed + uint64(u.Repeat))
	}
	if u.Prefill.Format == FormatChat {
		kh.str(cfg.ChatSystem).str(u.Organism.SystemPrompt).str(cfg.ChatUser)
	}
	return kh.sumInOrder("prefill\x00"+info.ServedName+"\x00"+info.Revision, doc)
}

// newPrefill is document doc's cut prefill as a unit holds it; nil for a
// document too short to give one.
func newPrefill(cp store.Prefill, key string, doc int) *prefill {
	if len(cp.Tokens) == 0 {
		return nil
	}
	p := &prefill{id: cp.Source, index: doc, text: cp.Text, prompt: cp.Tokens}
	hex.Decode(p.key[:], []byte(key)) // keyHasher.sumInOrder: hex of 32 bytes
	return p
}
