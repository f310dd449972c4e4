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

// prefillPutBatch is how many cut prefills are stored at once; they are
// read a bundle span at a time.
const prefillPutBatch = 4096

func (w *prefillWindow) read(ctx context.Context, docs []int, start, end int) error {
	w.start, w.end = start, end
	w.pres = make([]*prefill, end-start)
	spans := bundleSpans(end - start)
	bkeys := make([]string, len(spans))
	served := make([]bool, len(spans))
	var need []int // window positions of the documents not cached
	// Span by span, so that only one span's row keys are held at a time.
	for s, sp := range spans {
		keys := make([]string, sp[1]-sp[0])
		for j := range keys {
			keys[j] = w.key(docs[start+sp[0]+j])
		}
		bkeys[s] = rowsBundleKey("prefills", keys)
		got, err := w.r.readBundles(ctx, bkeys[s:s+1], func(_ int, body []byte) bool {
			return w.loadBundle(body, keys, docs, sp)
		})
		if err != nil {
			return err
		}
		if served[s] = got[0]; served[s] {
			continue
		}
		cached, err := w.r.opt.Cache.GetPrefills(ctx, keys)
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		for j, k := range keys {
			if cp, ok := cached[k]; ok {
				w.pres[sp[0]+j] = newPrefill(cp, k, docs[start+sp[0]+j])
			} else {
				need = append(need, sp[0]+j)
			}
		}
	}
	if err := w.cut(ctx, docs, need); err != nil {
		return err
	}
	return w.r.writeBundles(ctx, bkeys, served, func(s int, bw *bundleWriter) {
		for _, p := range w.pres[spans[s][0]:spans[s][1]] {
			if p == nil {
				bw.uint(0)
				continue
			}
			bw.uint(1)
			bw.bytes([]byte(p.id))
			bw.ints(p.prompt)
			bw.bytes(p.text)
		}
	})
}

// loadBundle fills the window's span sp, whose row keys are keys, from a
// bundle, and says whether the body fit it.
func (w *prefillWindow) loadBundle(body []byte, keys []string, docs []int, sp [2]int) bool {
	br := bundleReader{b: body}
	pres := make([]*prefill, sp[1]-sp[0])
	for i := range pres {
		switch br.uint() {
		case 0: // a document too short for a prefill
		case 1:
			id, prompt, text := br.bytes(), br.ints(), br.bytes()
			if len(prompt) == 0 {
				return false
			}
			pres[i] = newPrefill(store.Prefill{Source: string(id), Tokens: prompt, Text: text}, keys[i], docs[w.start+sp[0]+i])
		default:
			return false
		}
	}
	if !br.ok() {
		return false
	}
	copy(w.pres[sp[0]:], pres)
	return true
}

// cut cuts the prefills of the documents at the window positions need,
// which the cache does not hold, in one pass over the corpus, and stores them.
func (w *prefillWindow) cut(ctx context.Context, docs []int, need []int) error {
	start := w.start
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
