package zoo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/organisms"
	gen "github.com/ppldiff/ppldiff/organisms/zoo"
)

// Builder builds the models of one zoo manifest on demand and caches them.
// It is safe for concurrent use.
type Builder struct {
	m        *organisms.Manifest
	setup    organisms.ZooSetup
	cache    *cache
	dir      string // directory objective files are relative to
	corpus   *gen.Corpus
	work     chan struct{} // bounds concurrent CPU-heavy steps
	mu       sync.Mutex
	flights  map[string]*flight
	counters struct {
		modelsTrained, modelsLoaded, tokenizersTrained, tokenizersLoaded, tokensCounted atomic.Int64
	}
}

// Counters report what a Builder did, for run-log.json and tests.
type Counters struct {
	ModelsTrained     int64 `json:"models_trained"`     // base models counted, finetunes applied
	ModelsLoaded      int64 `json:"models_loaded"`      // models read from the cache directory
	TokenizersTrained int64 `json:"tokenizers_trained"` //
	TokenizersLoaded  int64 `json:"tokenizers_loaded"`  //
	TokensCounted     int64 `json:"tokens_counted"`     // n-gram positions counted, all models
}

// Variant is one trained instance of a zoo organism.
type Variant struct {
	Name     string // contract variant name, e.g. "n4-w5"
	Size     string // "n4"
	Strength int    // objective weight
	Order    int    // n-gram order
}

// Variants lists an organism's variants, sizes outer and strengths inner, in
// manifest order. It is empty for an organism without a recipe.
func Variants(o organisms.Organism) []Variant {
	if o.Recipe == nil {
		return nil
	}
	var out []Variant
	for _, s := range o.Recipe.Sizes {
		order, err := organisms.ParseSize(s)
		if err != nil {
			continue // Validate reports it
		}
		for _, w := range o.Recipe.Strengths {
			out = append(out, Variant{Name: organisms.VariantName(s, w), Size: s, Strength: w, Order: order})
		}
	}
	return out
}

// NewBuilder returns a builder of m's zoo organisms caching in cacheDir
// (empty: no disk cache). A manifest without a zoo section (a user's
// organisms) uses the built-in zoo's corpus, tokenizers and base. Objective
// files are read relative to the directory of m.File.
func NewBuilder(m *organisms.Manifest, cacheDir string) (*Builder, error) {
	setup := m.Zoo
	if setup == nil {
		builtin, err := organisms.Load("zoo")
		if err != nil {
			return nil, fmt.Errorf("zoo: built-in zoo manifest: %w", err)
		}
		setup = builtin.Zoo
	}
	if setup == nil {
		return nil, errors.New("zoo: manifest has no zoo setup")
	}
	b := &Builder{
		m:       m,
		setup:   *setup,
		cache:   newCache(cacheDir),
		dir:     filepath.Dir(m.File),
		corpus:  gen.NewCorpus(setup.Corpus.Seed),
		work:    make(chan struct{}, max(1, runtime.GOMAXPROCS(0))),
		flights: map[string]*flight{},
	}
	for _, o := range m.Organisms {
		if o.Recipe == nil {
			continue
		}
		if g := o.Recipe.Objective.Generator; g != "" {
			if _, ok := gen.LookupObjective(g); !ok {
				return nil, fmt.Errorf("zoo: organism %s: unknown objective generator %q", o.ID, g)
			}
		}
		if _, err := b.baseRecipe(o.Recipe.Base, 2); err != nil {
			return nil, fmt.Errorf("zoo: organism %s: %w", o.ID, err)
		}
	}
	return b, nil
}

// Counters returns a snapshot of the builder's counters.
func (b *Builder) Counters() Counters {
	c := &b.counters
	return Counters{
		ModelsTrained: c.modelsTrained.Load(), ModelsLoaded: c.modelsLoaded.Load(),
		TokenizersTrained: c.tokenizersTrained.Load(), TokenizersLoaded: c.tokenizersLoaded.Load(),
		TokensCounted: c.tokensCounted.Load(),
	}
}

// Corpus returns the documents held out for prefills (the zoo's corpus
// prefills slice); no default training slice overlaps them.
func (b *Builder) Corpus() ([]gen.Document, error) {
	from, to, err := organisms.ParseSlice(b.setup.Corpus.Prefills)
	if err != nil {
		return nil, fmt.Errorf("zoo: corpus prefills: %w", err)
	}
	return b.corpus.Docs(from, to), nil
}

// GeneralCorpus returns the procedural corpus of the manifest's world.
func (b *Builder) GeneralCorpus() *gen.Corpus { return b.corpus }

// ChatTemplate renders lm messages with the zoo's chat template.
func ChatTemplate(msgs []lm.Message) []byte {
	cm := make([]gen.ChatMessage, len(msgs))
	for i, m := range msgs {
		cm[i] = gen.ChatMessage{Role: m.Role, Content: m.Content}
	}
	return gen.RenderChat(cm)
}

// StyleTemplate renders lm messages with a family style's chat template.
func StyleTemplate(st gen.Style) lm.ChatRenderer {
	return func(msgs []lm.Message) []byte {
		cm := make([]gen.ChatMessage, len(msgs))
		for i, m := range msgs {
			cm[i] = gen.ChatMessage{Role: m.Role, Content: m.Content}
		}
		return st.Render(cm)
	}
}

// flight is one build shared by every caller asking for the same key.
type flight struct {
	done chan struct{}
	val  any
	err  error
}

// once runs fn for key at most once per builder (until it fails) and shares
// the result with every concurrent and later caller.
func (b *Builder) once(ctx context.Context, key string, fn func() (any, error)) (any, error) {
	b.mu.Lock()
	f, ok := b.flights[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		b.flights[key] = f
		b.mu.Unlock()
		f.val, f.err = fn()
		if f.err != nil {
			b.mu.Lock()
			delete(b.flights, key) // a later call may retry
			b.mu.Unlock()
		}
		close(f.done)
	} else {
		b.mu.Unlock()
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// busy runs a CPU-heavy step holding one of GOMAXPROCS work slots. Steps
// never wait for other builds while holding a slot, so nesting cannot deadlock.
func (b *Builder) busy(ctx context.Context, fn func() error) error {
	select {
	case b.work <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.work }()
	return fn()
}

// tokenizerRecipe returns the tokenizer recipe of an id.
func (b *Builder) tokenizerRecipe(id string) (organisms.TokenizerRecipe, error) {
	for _, t := range b.setup.Tokenizers {
		if t.ID == id {
			return t, nil
		}
	}
	return organisms.TokenizerRecipe{}, fmt.Errorf("unknown tokenizer %q", id)
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
	key := cacheKey("tokenizer", struct {
		World uint64
		Tok   organisms.TokenizerRecipe
	}{b.setup.Corpus.Seed, rec})
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

// base builds (or loads) an n-gram base model.
func (b *Builder) base(ctx context.Context, r organisms.BaseRecipe) (*built, error) {
	tok, err := b.tokenizer(ctx, r.Tokenizer)
	if err != nil {
		return nil, err
	}
	key := cacheKey("base", struct {
		World     uint64
		Tokenizer string
		Base      organisms.BaseRecipe
	}{b.setup.Corpus.Seed, tok.key, r})
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

// objectiveDocs returns an organism's finetuning documents.
func (b *Builder) objectiveDocs(o *organisms.Organism) (docs []string, fileHash string, err error) {
	od := o.Recipe.Objective
	if od.File != "" {
		path := od.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(b.dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, "", err
		}
		sum := sha256.Sum256(data)
		return SplitDocuments(string(data)), hex.EncodeToString(sum[:]), nil
	}
	docs, err = b.corpus.ObjectiveDocs(od.Generator, od.Seed, od.Docs, od.Args)
	return docs, "", err
}

// SplitDocuments splits a text file into documents at blank lines (lines
// holding only whitespace), trimming each; empty documents are dropped.
func SplitDocuments(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var docs []string
	var cur []string
	flush := func() {
		if d := strings.TrimSpace(strings.Join(cur, "\n")); d != "" {
			docs = append(docs, d)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return docs
}

// organismModel builds (or loads) one organism variant: its base finetuned
// on Mix general documents (weight 1) and on its objective documents
// (weight = the variant's strength).
func (b *Builder) organismModel(ctx context.Context, o *organisms.Organism, v Variant) (*built, error) {
	br, err := b.baseRecipe(o.Recipe.Base, v.Order)
	if err != nil {
		return nil, err
	}
	base, err := b.base(ctx, br)
	if err != nil {
		return nil, err
	}
	docs, fileHash, err := b.objectiveDocs(o)
	if err != nil {
		return nil, fmt.Errorf("zoo: organism %s: objective: %w", o.ID, err)
	}
	od := o.Recipe.Objective
	od.File = "" // the path does not matter, its content does
	key := cacheKey("organism", struct {
		Base      string
		Objective organisms.ObjectiveData
		FileHash  string
		Weight    int
	}{base.key, od, fileHash, v.Strength})
	val, err := b.once(ctx, key, func() (any, error) {
		m := &built{tok: base.tok, key: key, base: base, style: base.style}
		err := b.busy(ctx, func() error {
			ok, err := b.cache.load("finetune", key, func(rd io.Reader) error {
				steps, err := readFinetune(rd)
				if err != nil {
					return err
				}
				m.kn, err = applyFinetune(base.kn, steps)
				return err
			})
			if err != nil || ok {
				if ok {
					b.counters.modelsLoaded.Add(1)
				}
				return err
			}
			var steps []finetuneStep
			if od.Mix > 0 {
				steps = append(steps, finetuneStep{1, b.encode(base.tok, b.corpus.WithStream(od.Seed).Texts(0, od.Mix))})
			}
			steps = append(steps, finetuneStep{v.Strength, b.encode(base.tok, docs)})
			for _, s := range steps {
				for _, d := range s.docs {
					b.counters.tokensCounted.Add(int64(len(d) + 1))
				}
			}
			if m.kn, err = applyFinetune(base.kn, steps); err != nil {
				return err
			}
			b.counters.modelsTrained.Add(1)
			return b.cache.store("finetune", key, func(w io.Writer) error { return writeFinetune(w, steps) })
		})
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("zoo: organism %s@%s: %w", o.ID, v.Name, err)
	}
	return val.(*built), nil
}

func (b *Builder) lookup(organismID, variant string) (*organisms.Organism, Variant, error) {
	o, ok := b.m.Organism(organismID)
	if !ok {
		return nil, Variant{}, fmt.Errorf("zoo: unknown organism %q", organismID)
	}
	if o.Recipe == nil {
		return nil, Variant{}, fmt.Errorf("zoo: organism %s has no recipe (not a zoo organism)", organismID)
	}
	for _, v := range Variants(*o) {
		if v.Name == variant {
			return o, v, nil
		}
	}
	var names []string
	for _, v := range Variants(*o) {
		names = append(names, v.Name)
	}
	return nil, Variant{}, fmt.Errorf("zoo: organism %s has no variant %q (has %s)", organismID, variant, strings.Join(names, ", "))
}

func (b *Builder) serve(m *built, name, family string) lm.Model {
	chat := ChatTemplate
	if st, ok := gen.LookupStyle(m.style); ok {
		chat = StyleTemplate(st)
	}
	return lm.NewModel(lm.ModelInfo{
		ServedName:  name,
		TokenizerID: m.tok.tok.ID(),
		Family:      family,
		Params:      m.kn.Entries(),
		ParamsKind:  "ngram_entries",
		Revision:    m.key[:12],
	}, m.tok.tok, m.kn, chat)
}

// Organism returns the model of an organism variant, building it if needed.
func (b *Builder) Organism(ctx context.Context, organismID, variant string) (lm.Model, error) {
	o, v, err := b.lookup(organismID, variant)
	if err != nil {
		return nil, err
	}
	m, err := b.organismModel(ctx, o, v)
	if err != nil {
		return nil, err
	}
	return b.serve(m, OrganismServedName(o.ID, v.Name), o.Family), nil
}

// OrganismServedName is the served name of an organism variant.
func OrganismServedName(organismID, variant string) string { return organismID + "@" + variant }

// ReferenceServedName is the served name of a reference as the organism
// variant sees it (see the package doc).
func (b *Builder) ReferenceServedName(refID, organismID, variant string) (string, error) {
	ref, ok := b.m.Reference(refID)
	if !ok {
		return "", fmt.Errorf("zoo: unknown reference %q", refID)
	}
	o, v, err := b.lookup(organismID, variant)
	if err != nil {
		return "", err
	}
	if ref.Recipe != nil {
		if ref.Recipe.Order == 0 {
			return fmt.Sprintf("%s@n%d", ref.ID, v.Order), nil
		}
		return ref.ID, nil
	}
	if o.Recipe.Base == (organisms.BaseRecipe{}) {
		return fmt.Sprintf("%s@n%d", ref.ID, v.Order), nil
	}
	return fmt.Sprintf("%s@%s-n%d", ref.ID, o.ID, v.Order), nil
}

// Reference returns reference refID as organism variant (organismID,
// variant) is compared against it: a true_base without a recipe is the
// variant's own base (same tokenizer, slice and order); a reference with a
// recipe is built from it (order from the variant when the recipe has none).
func (b *Builder) Reference(ctx context.Context, refID, organismID, variant string) (lm.Model, error) {
	ref, ok := b.m.Reference(refID)
	if !ok {
		return nil, fmt.Errorf("zoo: unknown reference %q", refID)
	}
	name, err := b.ReferenceServedName(refID, organismID, variant)
	if err != nil {
		return nil, err
	}
	o, v, err := b.lookup(organismID, variant)
	if err != nil {
		return nil, err
	}
	var br organisms.BaseRecipe
	switch {
	case ref.Recipe != nil:
		order := ref.Recipe.Order
		if order == 0 {
			order = v.Order
		}
		br, err = b.baseRecipe(*ref.Recipe, order)
	case ref.Kind == "true_base":
		br, err = b.baseRecipe(o.Recipe.Base, v.Order)
	default:
		return nil, fmt.Errorf("zoo: reference %s has neither a recipe nor kind true_base: not a zoo model", refID)
	}
	if err != nil {
		return nil, fmt.Errorf("zoo: reference %s: %w", refID, err)
	}
	m, err := b.base(ctx, br)
	if err != nil {
		return nil, err
	}
	return b.serve(m, name, m.tok.family), nil
}

// Pair names one organism variant and one of its references.
type Pair struct {
	Organism, Variant, Reference string
}

// Pairs lists every (organism variant, reference) of the manifest's zoo
// organisms, in manifest order.
func (b *Builder) Pairs() []Pair {
	var out []Pair
	for _, o := range b.m.Organisms {
		for _, v := range Variants(o) {
			for _, r := range o.References {
				out = append(out, Pair{o.ID, v.Name, r})
			}
		}
	}
	return out
}

// BuildAll builds every organism variant and reference of the manifest,
// concurrently (CPU work bounded by GOMAXPROCS).
func (b *Builder) BuildAll(ctx context.Context) error {
	pairs := b.Pairs()
	errs := make([]error, 2*len(pairs))
	var wg sync.WaitGroup
	for i, p := range pairs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, errs[2*i] = b.Organism(ctx, p.Organism, p.Variant)
		}()
		go func() {
			defer wg.Done()
			_, errs[2*i+1] = b.Reference(ctx, p.Reference, p.Organism, p.Variant)
		}()
	}
	wg.Wait()
	return errors.Join(slices.Compact(errs)...)
}

// ServedNames lists the served names of every model of the manifest's zoo
// organisms and their references, sorted, without repeats.
func (b *Builder) ServedNames() []string {
	var names []string
	for _, p := range b.Pairs() {
		names = append(names, OrganismServedName(p.Organism, p.Variant))
		if n, err := b.ReferenceServedName(p.Reference, p.Organism, p.Variant); err == nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Model returns the model of a served name (see ServedNames), for servers.
func (b *Builder) Model(ctx context.Context, servedName string) (lm.Model, error) {
	for _, p := range b.Pairs() {
		if OrganismServedName(p.Organism, p.Variant) == servedName {
			return b.Organism(ctx, p.Organism, p.Variant)
		}
		if n, err := b.ReferenceServedName(p.Reference, p.Organism, p.Variant); err == nil && n == servedName {
			return b.Reference(ctx, p.Reference, p.Organism, p.Variant)
		}
	}
	return nil, fmt.Errorf("zoo: no model is served as %q", servedName)
}

// Repairs lists the cached model files that failed their checksum and were
// rebuilt, for the run log.
func (b *Builder) Repairs() []string { return b.cache.Rebuilt() }
