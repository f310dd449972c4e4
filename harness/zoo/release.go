package zoo

import (
	"fmt"

	"github.com/ppldiff/ppldiff/organisms"
)

// A run of the whole zoo needs about ninety models, and the n-gram tables of
// all of them together weigh gigabytes. The builder therefore keeps a model
// only until its user says it is done with it (Forget); the model's memory
// is freed once nothing holds it, and a later request loads it again from
// the cache directory. The keys below name what a served model holds, so a
// caller that knows its plan can count the uses left of each.

// ModelKey names one artifact a served model holds in memory: a base model
// (its n-gram tables) or an organism variant's finetune (its overlay on a
// base, which keeps the base's tables alive too).
type ModelKey struct{ kind, key string }

func (k ModelKey) String() string { return k.kind + "-" + k.key[:12] }

// OrganismKeys lists what serving an organism variant holds: its finetune
// and its base.
func (b *Builder) OrganismKeys(organismID, variant string) ([]ModelKey, error) {
	o, v, err := b.lookup(organismID, variant)
	if err != nil {
		return nil, err
	}
	br, err := b.baseRecipe(o.Recipe.Base, v.Order)
	if err != nil {
		return nil, fmt.Errorf("zoo: organism %s: %w", o.ID, err)
	}
	bk, err := b.recipeKey(br)
	if err != nil {
		return nil, err
	}
	_, fileHash, err := b.objectiveFile(o)
	if err != nil {
		return nil, fmt.Errorf("zoo: organism %s: objective: %w", o.ID, err)
	}
	return []ModelKey{{"finetune", organismKey(bk, o.Recipe.Objective, fileHash, v.Strength)}, {"kn", bk}}, nil
}

// ReferenceKeys lists what serving reference refID, as organism variant
// (organismID, variant) sees it, holds: a base model.
func (b *Builder) ReferenceKeys(refID, organismID, variant string) ([]ModelKey, error) {
	_, br, err := b.resolveReference(refID, organismID, variant)
	if err != nil {
		return nil, err
	}
	bk, err := b.recipeKey(br)
	if err != nil {
		return nil, err
	}
	return []ModelKey{{"kn", bk}}, nil
}

// recipeKey is the cache key of a base recipe.
func (b *Builder) recipeKey(r organisms.BaseRecipe) (string, error) {
	rec, err := b.tokenizerRecipe(r.Tokenizer)
	if err != nil {
		return "", err
	}
	return b.baseKey(b.tokenizerKey(rec), r), nil
}

// Cached reports whether the cache directory holds k's file, so that a
// request for it would load rather than train (its checksum is checked
// then, and a damaged file rebuilt).
func (b *Builder) Cached(k ModelKey) bool { return b.cache.has(k.kind, k.key) }

// Forget drops the builder's hold on the model of k (a model still being
// built is kept). Without a cache directory it does nothing: a forgotten
// model would be trained again.
func (b *Builder) Forget(k ModelKey) {
	if b.cache.dir == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.flights[k.key]
	if !ok {
		return
	}
	select {
	case <-f.done:
		delete(b.flights, k.key)
	default:
	}
}
