package zoo

import "github.com/ppldiff/ppldiff/organisms"

// Variant is one trained instance of a zoo organism.
type Variant struct {
	Name     string // n<order>-w<weight> (README "Variants and references"), e.g. "n4-w5"
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
