package zoo

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// A re-run whose completions and scores are all in the store runs no model:
// it needs each model's info (results.json carries its size and revision)
// and its tokenizer and chat template (prefill prompts and the token
// detail of samples), never its n-gram tables, whose loading was the
// largest share of such a run. Lazy models answer those from a model card,
// a small file next to the model's own, and load the tables on the first
// Generate or Score.

// cardMagic opens a model card file: the entries of the model's n-gram
// tables, the one part of its info that needs the tables.
const cardMagic = "PPLDCRD1"

func (b *Builder) writeCard(key string, entries int64) error {
	return b.cache.store("card", key, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString(cardMagic)
		bw.Write(binary.AppendUvarint(nil, uint64(entries)))
		return bw.Flush()
	})
}

// readCard reads the card of the model of key; ok is false when there is
// none (or it failed its checksum: it is then removed and noted, as any
// cache file).
func (b *Builder) readCard(key string) (entries int64, ok bool, err error) {
	ok, err = b.cache.load("card", key, func(r io.Reader) error {
		br := bufio.NewReader(r)
		magic := make([]byte, len(cardMagic))
		if _, err := io.ReadFull(br, magic); err != nil || string(magic) != cardMagic {
			return errors.New("not a zoo model card")
		}
		v, err := binary.ReadUvarint(br)
		if err != nil {
			return fmt.Errorf("model card: %w", err)
		}
		entries = int64(v)
		return nil
	})
	return entries, ok, err
}

// LazyOrganism is Organism for a run that may find everything cached: when
// the variant was built before, its model loads its n-gram tables on the
// first Generate or Score; otherwise it is built (or loaded) now. The lazy
// model is not kept by the builder: each unit asks for its models and drops
// them when done, so the tables one loads live as long as the builder keeps
// the model it loaded. Making one costs a tokenizer lookup and a card read.
func (b *Builder) LazyOrganism(ctx context.Context, organismID, variant string) (lm.Model, error) {
	o, v, err := b.lookup(organismID, variant)
	if err != nil {
		return nil, err
	}
	br, err := b.baseRecipe(o.Recipe.Base, v.Order)
	if err != nil {
		return nil, err
	}
	tok, err := b.tokenizer(ctx, br.Tokenizer)
	if err != nil {
		return nil, err
	}
	_, fileHash, err := b.objectiveFile(o)
	if err != nil {
		return nil, fmt.Errorf("zoo: organism %s: objective: %w", o.ID, err)
	}
	baseKey := b.baseKey(tok.key, br)
	key := organismKey(baseKey, o.Recipe.Objective, fileHash, v.Strength)
	built := b.cache.has("kn", baseKey) && b.cache.has("finetune", key)
	return b.lazy(ctx, key, built, modelInfo(OrganismServedName(o.ID, v.Name), o.Family, tok, 0, key), tok, br.Style,
		func(ctx context.Context) (lm.Model, error) { return b.Organism(ctx, organismID, variant) })
}

// LazyReference is Reference as LazyOrganism is Organism.
func (b *Builder) LazyReference(ctx context.Context, refID, organismID, variant string) (lm.Model, error) {
	name, br, err := b.resolveReference(refID, organismID, variant)
	if err != nil {
		return nil, err
	}
	tok, err := b.tokenizer(ctx, br.Tokenizer)
	if err != nil {
		return nil, err
	}
	key := b.baseKey(tok.key, br)
	return b.lazy(ctx, key, b.cache.has("kn", key), modelInfo(name, tok.family, tok, 0, key), tok, br.Style,
		func(ctx context.Context) (lm.Model, error) { return b.Reference(ctx, refID, organismID, variant) })
}

// lazy returns a lazy model of info (its Params from the card of key) when
// the model's files and card are cached; otherwise it loads the model with
// load and writes its card, for the next run.
func (b *Builder) lazy(ctx context.Context, key string, built bool, info lm.ModelInfo, tok *builtTokenizer, style string,
	load func(context.Context) (lm.Model, error)) (lm.Model, error) {
	if built {
		entries, ok, err := b.readCard(key)
		if err != nil {
			return nil, err
		}
		if ok {
			info.Params = entries
			return &lazyModel{Model: lm.NewModel(info, tok.tok, nil, chatOf(style)), card: b.cache.path("card", key), load: load}, nil
		}
	}
	m, err := load(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.writeCard(key, m.Info().Params); err != nil {
		return nil, fmt.Errorf("zoo: %s: model card: %w", info.ServedName, err)
	}
	return m, nil
}

// lazyModel serves Info, Tokenize and Detokenize without the n-gram tables
// and loads them for Generate and Score.
type lazyModel struct {
	lm.Model // the tokenizer and chat template: never asked to generate or score
	card     string
	load     func(context.Context) (lm.Model, error)
	mu       sync.Mutex
	full     lm.Model
}

// tables loads the model once and checks that it is the model the card
// described: a wrong size in results.json would go unnoticed otherwise.
func (m *lazyModel) tables(ctx context.Context) (lm.Model, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.full != nil {
		return m.full, nil
	}
	full, err := m.load(ctx)
	if err != nil {
		return nil, err
	}
	if got, want := full.Info(), m.Model.Info(); got != want {
		return nil, fmt.Errorf("zoo: %s: the model card %s does not describe the model loaded (%+v, the card says %+v): delete the card, it is written again",
			want.ServedName, m.card, got, want)
	}
	m.full = full
	return full, nil
}

func (m *lazyModel) Generate(ctx context.Context, req lm.GenerateRequest) ([]lm.Generation, error) {
	full, err := m.tables(ctx)
	if err != nil {
		return nil, err
	}
	return full.Generate(ctx, req)
}

func (m *lazyModel) Score(ctx context.Context, items []lm.ScoreItem) ([][]float64, error) {
	full, err := m.tables(ctx)
	if err != nil {
		return nil, err
	}
	return full.Score(ctx, items)
}
