package pipeline

import (
	"context"
	"slices"
	"testing"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/organisms"
)

// twoVariants gives every organism the variants a and b; nothing is run.
type twoVariants struct{}

func (twoVariants) Variants(*organisms.Organism) []Variant {
	return []Variant{{Name: "a"}, {Name: "b"}}
}
func (twoVariants) Organism(context.Context, *organisms.Organism, Variant) (lm.Model, error) {
	return nil, nil
}
func (twoVariants) Reference(context.Context, *organisms.Reference, *organisms.Organism, Variant) (lm.Model, error) {
	return nil, nil
}

// A variant is selected by name for every organism, or as organism@variant
// for one (the study matrix's representative variants).
func TestPlanSelectsVariantsPerOrganism(t *testing.T) {
	m := &organisms.Manifest{
		References: []organisms.Reference{{ID: "r", Kind: "true_base"}},
		Organisms:  []organisms.Organism{{ID: "x", References: []string{"r"}}, {ID: "y", References: []string{"r"}}},
	}
	for _, c := range []struct {
		variants []string
		want     []string
	}{
		{nil, []string{"x@a", "x@b", "y@a", "y@b"}},
		{[]string{"b"}, []string{"x@b", "y@b"}},
		{[]string{"x@a", "y@b"}, []string{"x@a", "y@b"}},
		{[]string{"x@b"}, []string{"x@b"}},
	} {
		cfg := testConfig()
		cfg.Prefills = []string{"test-raw"}
		cfg.Variants = c.variants
		p, err := MakePlan(cfg, m, twoVariants{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range p.Units {
			got = append(got, u.Organism.ID+"@"+u.Variant.Name)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("variants %v: units %v, want %v", c.variants, got, c.want)
		}
	}
}

// An optional reference runs only when --reference or --reference-kind names it.
func TestPlanLeavesOptionalReferencesOut(t *testing.T) {
	m := &organisms.Manifest{
		References: []organisms.Reference{{ID: "r", Kind: "true_base"}, {ID: "alien", Kind: "other", Optional: true}},
		Organisms:  []organisms.Organism{{ID: "x", References: []string{"r", "alien"}}},
	}
	for _, c := range []struct {
		refs, kinds, want []string
	}{
		{nil, nil, []string{"r"}},
		{[]string{"alien"}, nil, []string{"alien"}},
		{[]string{"r", "alien"}, nil, []string{"r", "alien"}},
		{nil, []string{"other"}, []string{"alien"}},
		{nil, []string{"true_base", "other"}, []string{"r", "alien"}},
	} {
		cfg := testConfig()
		cfg.Prefills = []string{"test-raw"}
		cfg.References, cfg.ReferenceKinds = c.refs, c.kinds
		p, err := MakePlan(cfg, m, twoVariants{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range p.Units[0].References {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("references %v, kinds %v: planned %v, want %v", c.refs, c.kinds, got, c.want)
		}
	}
}
