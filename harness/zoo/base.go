package zoo

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/organisms"
	gen "github.com/ppldiff/ppldiff/organisms/zoo"
)

// baseRecipe fills a recipe's empty fields from the zoo's default base and
// sets the order.
func (b *Builder) baseRecipe(r organisms.BaseRecipe, order int) (organisms.BaseRecipe, error) {
	d := b.setup.Base
	if r.Tokenizer == "" {
		r.Tokenizer = d.Tokenizer
	}
	if r.Slice == "" {
		r.Slice = d.Slice
		if r.Stream == 0 {
			r.Stream = d.Stream
		}
		if r.World == 0 {
			r.World = d.World
		}
		if r.Style == "" {
			r.Style = d.Style
		}
	}
	if r.Style != "" {
		if _, ok := gen.LookupStyle(r.Style); !ok {
			return r, fmt.Errorf("unknown style %q (known: %s)", r.Style, strings.Join(gen.StyleIDs(), ", "))
		}
	}
	r.Order = order
	if _, err := b.tokenizerRecipe(r.Tokenizer); err != nil {
		return r, err
	}
	if _, _, err := organisms.ParseSlice(r.Slice); err != nil {
		return r, err
	}
	if order < 2 || order > organisms.MaxZooOrder {
		return r, fmt.Errorf("order %d outside 2..%d", order, organisms.MaxZooOrder)
	}
	return r, nil
}

// built is a trained model with what serving it needs.
type built struct {
	kn    *lm.KN
	tok   *builtTokenizer
	key   string
	base  *built // the base a finetune was made from
	style string // family style of the base's chats; "" the zoo's plain template
}

// corpusOf returns the documents a base recipe trains on.
func (b *Builder) corpusOf(r organisms.BaseRecipe) *gen.Corpus {
	c := b.corpus
	if r.World != 0 && r.World != b.setup.Corpus.Seed {
		c = gen.NewCorpus(r.World)
	}
	if r.Stream != 0 {
		c = c.WithStream(r.Stream)
	}
	if st, ok := gen.LookupStyle(r.Style); ok {
		c = c.WithStyle(st)
	}
	return c
}

// baseKey is the cache key of a base recipe trained with the tokenizer of
// key tokKey.
func (b *Builder) baseKey(tokKey string, r organisms.BaseRecipe) string {
	return cacheKey("base", struct {
		World     uint64
		Tokenizer string
		Base      organisms.BaseRecipe
	}{b.setup.Corpus.Seed, tokKey, r})
}

// base builds (or loads) an n-gram base model.
func (b *Builder) base(ctx context.Context, r organisms.BaseRecipe) (*built, error) {
	tok, err := b.tokenizer(ctx, r.Tokenizer)
	if err != nil {
		return nil, err
	}
	key := b.baseKey(tok.key, r)
	v, err := b.once(ctx, key, func() (any, error) {
		m := &built{tok: tok, key: key, style: r.Style}
		err := b.busy(ctx, func() error {
			ok, err := b.cache.load("kn", key, func(rd io.Reader) error {
				kn, err := readKN(rd)
				m.kn = kn
				return err
			})
			if err != nil || ok {
				if ok {
					b.counters.modelsLoaded.Add(1)
				}
				return err
			}
			from, to, _ := organisms.ParseSlice(r.Slice)
			texts := b.corpusOf(r).Texts(from, to)
			counts, err := b.count(r.Order, tok, texts)
			if err != nil {
				return err
			}
			if err := counts.SetVocabSize(tok.tok.VocabSize()); err != nil {
				return err
			}
			if m.kn, err = lm.NewKN(counts); err != nil {
				return err
			}
			b.counters.modelsTrained.Add(1)
			return b.storeKN(key, m.kn)
		})
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("zoo: base %s n%d: %w", r.Tokenizer, r.Order, err)
	}
	return v.(*built), nil
}

func (b *Builder) storeKN(key string, kn *lm.KN) error {
	return b.cache.store("kn", key, func(w io.Writer) error { return writeKN(w, kn) })
}

func (b *Builder) encode(tok *builtTokenizer, texts []string) [][]int {
	docs := make([][]int, len(texts))
	for i, t := range texts {
		docs[i] = tok.tok.Encode([]byte(t))
	}
	return docs
}

func (b *Builder) count(order int, tok *builtTokenizer, texts []string) (*lm.Counts, error) {
	c := lm.Count(order, b.encode(tok, texts))
	b.counters.tokensCounted.Add(c.Tokens())
	return c, nil
}
