package zoo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/organisms"
	gen "github.com/ppldiff/ppldiff/organisms/zoo"
)

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
	return lm.NewModel(modelInfo(name, family, m.tok, m.kn.Entries(), m.key), m.tok.tok, m.kn, chatOf(m.style))
}

// modelInfo is what a zoo model reports about itself: its revision is its
// cache key, its size the entries of its n-gram tables.
func modelInfo(name, family string, tok *builtTokenizer, entries int64, key string) lm.ModelInfo {
	return lm.ModelInfo{
		ServedName:  name,
		TokenizerID: tok.tok.ID(),
		Family:      family,
		Params:      entries,
		ParamsKind:  "ngram_entries",
		Revision:    key[:12],
	}
}

// chatOf is the chat template of a family style ("" the zoo's own).
func chatOf(style string) lm.ChatRenderer {
	if st, ok := gen.LookupStyle(style); ok {
		return StyleTemplate(st)
	}
	return ChatTemplate
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
	name, br, err := b.resolveReference(refID, organismID, variant)
	if err != nil {
		return nil, err
	}
	m, err := b.base(ctx, br)
	if err != nil {
		return nil, err
	}
	return b.serve(m, name, m.tok.family), nil
}

// resolveReference is the served name and base recipe of reference refID
// as organism variant (organismID, variant) sees it.
func (b *Builder) resolveReference(refID, organismID, variant string) (string, organisms.BaseRecipe, error) {
	ref, ok := b.m.Reference(refID)
	if !ok {
		return "", organisms.BaseRecipe{}, fmt.Errorf("zoo: unknown reference %q", refID)
	}
	name, err := b.ReferenceServedName(refID, organismID, variant)
	if err != nil {
		return "", organisms.BaseRecipe{}, err
	}
	br, err := b.referenceRecipe(ref, organismID, variant)
	return name, br, err
}

// referenceRecipe is the base recipe of reference ref as organism variant
// (organismID, variant) sees it.
func (b *Builder) referenceRecipe(ref *organisms.Reference, organismID, variant string) (organisms.BaseRecipe, error) {
	o, v, err := b.lookup(organismID, variant)
	if err != nil {
		return organisms.BaseRecipe{}, err
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
		return br, fmt.Errorf("zoo: reference %s has neither a recipe nor kind true_base: not a zoo model", ref.ID)
	}
	if err != nil {
		return br, fmt.Errorf("zoo: reference %s: %w", ref.ID, err)
	}
	return br, nil
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
