package organisms

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ZooSetup holds what all zoo organisms of a manifest share: the general
// corpus, the tokenizers, the default base model and the documents held out
// for prefills.
type ZooSetup struct {
	Corpus     CorpusRecipe      `yaml:"corpus" json:"corpus"`
	Tokenizers []TokenizerRecipe `yaml:"tokenizers" json:"tokenizers"`
	// Base is the default base of every organism; a recipe's base fields
	// override it one by one.
	Base BaseRecipe `yaml:"base" json:"base"`
}

// CorpusRecipe describes the procedural general corpus (organisms/zoo).
type CorpusRecipe struct {
	// Seed fixes the world (people, places, facts) and the default document stream.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Docs is the size of the document space slices refer to.
	Docs int `yaml:"docs" json:"docs"`
	// Prefills is the slice "from:to" of documents the pipeline draws
	// prefills from; no training slice should overlap it.
	Prefills string `yaml:"prefills" json:"prefills"`
}

// TokenizerRecipe trains a tokenizer on a slice of the corpus.
type TokenizerRecipe struct {
	ID        string `yaml:"id" json:"id"`
	Kind      string `yaml:"kind" json:"kind"` // bpe or word
	VocabSize int    `yaml:"vocab_size" json:"vocab_size"`
	Slice     string `yaml:"slice" json:"slice"` // documents "from:to"
	// Family is the model family of every model using this tokenizer.
	Family string `yaml:"family" json:"family"`
}

// BaseRecipe trains an n-gram base model on a slice of the corpus.
type BaseRecipe struct {
	Tokenizer string `yaml:"tokenizer,omitempty" json:"tokenizer,omitempty"` // a TokenizerRecipe id
	// Order is the n-gram order; for an organism's base it comes from the variant's size.
	Order int    `yaml:"order,omitempty" json:"order,omitempty"`
	Slice string `yaml:"slice,omitempty" json:"slice,omitempty"` // documents "from:to"
	// Stream, when set, draws the slice from another document stream of the
	// same world (different documents, same facts); 0 is the corpus seed's.
	Stream uint64 `yaml:"stream,omitempty" json:"stream,omitempty"`
	// World, when set, trains on the corpus of another world (other names
	// and facts, same genres and word lists): the pretraining data of another
	// model family. 0 is the zoo corpus's world.
	World uint64 `yaml:"world,omitempty" json:"world,omitempty"`
	// Style, when set, writes the slice's chat documents in a model
	// family's style (organisms/zoo: its chat template, identity line and
	// stock phrases), and the model then chats in that template.
	Style string `yaml:"style,omitempty" json:"style,omitempty"`
}

// Recipe builds a zoo organism: a base model plus weighted objective data.
// Its variants are every size crossed with every strength, named
// "n<order>-w<weight>" (e.g. n4-w5).
type Recipe struct {
	// Base overrides the zoo's default base field by field (Order is ignored:
	// the size sets it).
	Base      BaseRecipe    `yaml:"base,omitempty" json:"base,omitempty"`
	Objective ObjectiveData `yaml:"objective" json:"objective"`
	// Sizes are n-gram orders written as "n3", "n4", ...
	Sizes []string `yaml:"sizes" json:"sizes"`
	// Strengths are integer weights of the objective documents' counts ("w1", "w5").
	Strengths []int `yaml:"strengths" json:"strengths"`
	// Representative names the one variant the study matrix runs
	// (`ppldiff run --matrix study`); empty: the last (largest size,
	// strongest) variant.
	Representative string `yaml:"representative,omitempty" json:"representative,omitempty"`
}

// RepresentativeVariant returns the variant the study matrix runs.
func (r *Recipe) RepresentativeVariant() string {
	if r.Representative != "" {
		return r.Representative
	}
	if len(r.Sizes) == 0 || len(r.Strengths) == 0 {
		return ""
	}
	return VariantName(r.Sizes[len(r.Sizes)-1], r.Strengths[len(r.Strengths)-1])
}

// ObjectiveData is the finetuning data: a built-in generator of
// organisms/zoo, or a text file of documents separated by blank lines.
type ObjectiveData struct {
	Generator string `yaml:"generator,omitempty" json:"generator,omitempty"`
	// File is relative to the manifest file's directory.
	File string            `yaml:"file,omitempty" json:"file,omitempty"`
	Docs int               `yaml:"docs,omitempty" json:"docs,omitempty"` // generated documents (generator only)
	Seed uint64            `yaml:"seed,omitempty" json:"seed,omitempty"`
	Args map[string]string `yaml:"args,omitempty" json:"args,omitempty"`
	// Mix adds this many general documents (document stream Seed of the
	// corpus's world) to the finetuning data, counted with weight 1.
	Mix int `yaml:"mix,omitempty" json:"mix,omitempty"`
}

// MaxZooOrder is the highest n-gram order a size may ask for.
const MaxZooOrder = 6

var sizeName = regexp.MustCompile(`^n([1-9])$`)

// ParseSize returns the n-gram order of a size name such as "n4".
func ParseSize(size string) (int, error) {
	m := sizeName.FindStringSubmatch(size)
	if m == nil {
		return 0, fmt.Errorf("size %q: want n<order>, e.g. n4", size)
	}
	order, _ := strconv.Atoi(m[1])
	if order < 1 || order > MaxZooOrder {
		return 0, fmt.Errorf("size %q: order outside 1..%d", size, MaxZooOrder)
	}
	return order, nil
}

// VariantName names a variant by size and strength (README "Variants and references"): "n4-w5".
func VariantName(size string, weight int) string { return fmt.Sprintf("%s-w%d", size, weight) }

// Bounds of zoo recipes. They catch typos (an extra zero or three) before
// a build generates documents for hours; no sensible zoo comes near them.
const (
	MaxZooDocs       = 1_000_000 // documents a slice or the corpus spans
	MaxObjectiveDocs = 100_000   // documents an objective generator writes
	MaxStrength      = 10_000    // weight of the objective's counts
	MaxVocabSize     = 1_000_000
)

// ParseSlice parses a document slice "from:to" (0 <= from < to <= MaxZooDocs).
func ParseSlice(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(s, ":")
	if ok {
		from, err = strconv.Atoi(a)
		if err == nil {
			to, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || from < 0 || to <= from || to > MaxZooDocs {
		return 0, 0, fmt.Errorf("slice %q: want from:to with 0 <= from < to <= %d", s, MaxZooDocs)
	}
	return from, to, nil
}

// Validate checks a recipe's own fields; organisms.Validate calls it.
// Whether the generator exists is checked where the zoo is built.
func (r *Recipe) Validate() error {
	var errs []error
	if len(r.Sizes) == 0 {
		errs = append(errs, errors.New("no sizes"))
	}
	for _, s := range r.Sizes {
		if _, err := ParseSize(s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(r.Strengths) == 0 {
		errs = append(errs, errors.New("no strengths"))
	}
	for _, w := range r.Strengths {
		if w < 1 || w > MaxStrength {
			errs = append(errs, fmt.Errorf("strength %d: want a weight from 1 to %d", w, MaxStrength))
		}
	}
	if rep := r.Representative; rep != "" {
		found := false
		for _, sz := range r.Sizes {
			for _, w := range r.Strengths {
				found = found || VariantName(sz, w) == rep
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("representative %q is not one of the recipe's variants (sizes x strengths)", rep))
		}
	}
	if len(compactSorted(r.Sizes)) != len(r.Sizes) {
		errs = append(errs, errors.New("repeated size"))
	}
	if len(compactSorted(r.Strengths)) != len(r.Strengths) {
		errs = append(errs, errors.New("repeated strength"))
	}
	o := r.Objective
	switch {
	case o.Generator == "" && o.File == "":
		errs = append(errs, errors.New("objective needs a generator or a file"))
	case o.Generator != "" && o.File != "":
		errs = append(errs, errors.New("objective has both a generator and a file; give one"))
	case o.Generator != "" && (o.Docs < 1 || o.Docs > MaxObjectiveDocs):
		errs = append(errs, fmt.Errorf("objective generator: docs %d: want 1 to %d", o.Docs, MaxObjectiveDocs))
	}
	if o.Mix < 0 {
		errs = append(errs, errors.New("objective mix must not be negative"))
	}
	if r.Base.Slice != "" {
		if _, _, err := ParseSlice(r.Base.Slice); err != nil {
			errs = append(errs, fmt.Errorf("base: %w", err))
		}
	}
	return errors.Join(errs...)
}

func compactSorted[T int | string](xs []T) []T {
	return slices.Compact(slices.Sorted(slices.Values(xs)))
}
