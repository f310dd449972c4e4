package zoo

import (
	"context"
	"fmt"
	"io"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/organisms"
)

// tokenizerRecipe returns the tokenizer recipe of an id.
func (b *Builder) tokenizerRecipe(id string) (organisms.TokenizerRecipe, error) {
	for _, t := range b.setup.Tokenizers {
		if t.ID == id {
			return t, nil
		}
	}
	return organisms.TokenizerRecipe{}, fmt.Errorf("unknown tokenizer %q", id)
}

// tokenizerKey is the cache key of a tokenizer recipe.
func (b *Builder) tokenizerKey(rec organisms.TokenizerRecipe) string {
	return cacheKey("tokenizer", struct {
		World uint64
		Tok   organisms.TokenizerRecipe
	}{b.setup.Corpus.Seed, rec})
}

type builtTokenizer struct {
	tok    lm.Tokenizer
	key    string
	family string
}

func (b *Builder) tokenizer(ctx context.Context, id string) (*builtTokenizer, error) {
	rec, err := b.tokenizerRecipe(id)
	if err != nil {
		return nil, err
	}
	key := b.tokenizerKey(rec)
	v, err := b.once(ctx, key, func() (any, error) {
		bt := &builtTokenizer{key: key, family: rec.Family}
		if bt.family == "" {
			bt.family = "zoo-" + rec.Kind
		}
		err := b.busy(ctx, func() error {
			ok, err := b.cache.load("tokenizer", key, func(r io.Reader) error {
				t, err := lm.ReadTokenizer(r)
				bt.tok = t
				return err
			})
			if err != nil || ok {
				if ok {
					b.counters.tokenizersLoaded.Add(1)
				}
				return err
			}
			from, to, err := organisms.ParseSlice(rec.Slice)
			if err != nil {
				return err
			}
			docs := make([][]byte, 0, to-from)
			for _, t := range b.corpus.Texts(from, to) {
				docs = append(docs, []byte(t))
			}
			switch rec.Kind {
			case "bpe":
				bt.tok, err = lm.TrainBPE(docs, rec.VocabSize)
			case "word":
				bt.tok, err = lm.TrainWord(docs, rec.VocabSize)
			default:
				err = fmt.Errorf("tokenizer %s: unknown kind %q (want bpe or word)", id, rec.Kind)
			}
			if err != nil {
				return err
			}
			b.counters.tokenizersTrained.Add(1)
			return b.cache.store("tokenizer", key, func(w io.Writer) error { return lm.WriteTokenizer(w, bt.tok) })
		})
		return bt, err
	})
	if err != nil {
		return nil, fmt.Errorf("zoo: tokenizer %s: %w", id, err)
	}
	return v.(*builtTokenizer), nil
}
