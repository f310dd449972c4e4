package pipeline

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ppldiff/ppldiff/organisms"
)

// Unit is one (organism, variant, prefill config, repeat): one set of
// generated completions, ranked against each of its references.
type Unit struct {
	Organism   *organisms.Organism
	Variant    Variant
	References []*organisms.Reference
	Prefill    PrefillConfig
	Repeat     int
}

// Plan is the ordered list of units a run processes. Order decides nothing in
// the results (entries are sorted) but is kept stable for readable logs.
type Plan struct {
	Config Config
	Units  []Unit
}

// ErrConfig is matched (errors.Is) by MakePlan's errors: an invalid
// setting or a selection the manifest cannot satisfy, the user's to fix.
var ErrConfig = errors.New("invalid run configuration")

type configError struct{ err error }

func (e *configError) Error() string        { return e.err.Error() }
func (e *configError) Unwrap() error        { return e.err }
func (e *configError) Is(target error) bool { return target == ErrConfig }

// MakePlan expands the configuration against the manifest.
func MakePlan(cfg Config, m *organisms.Manifest, models Models) (*Plan, error) {
	p, err := makePlan(cfg, m, models)
	if err != nil && !errors.Is(err, ErrConfig) {
		err = &configError{err}
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func makePlan(cfg Config, m *organisms.Manifest, models Models) (*Plan, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var pcs []PrefillConfig
	for _, s := range cfg.Prefills {
		pc, _ := ParsePrefillConfig(s) // validated above
		pcs = append(pcs, pc)
	}
	orgs, err := selectOrganisms(cfg, m)
	if err != nil {
		return nil, err
	}
	p := &Plan{Config: cfg}
	for _, o := range orgs {
		refs, err := selectReferences(cfg, m, o)
		if err != nil {
			return nil, err
		}
		if len(refs) == 0 {
			continue
		}
		variants := models.Variants(o)
		if len(cfg.Variants) > 0 {
			// A variant is selected by its name (every organism's) or as
			// organism@variant (that organism's only).
			variants = slices.DeleteFunc(slices.Clone(variants), func(v Variant) bool {
				return !slices.Contains(cfg.Variants, v.Name) && !slices.Contains(cfg.Variants, o.ID+"@"+v.Name)
			})
		}
		for _, v := range variants {
			for _, pc := range pcs {
				for r := 0; r < cfg.Repeats; r++ {
					p.Units = append(p.Units, Unit{Organism: o, Variant: v, References: refs, Prefill: pc, Repeat: r})
				}
			}
		}
	}
	if len(p.Units) == 0 {
		return nil, fmt.Errorf("the selection matches nothing: check --organism, --variant, --reference and --reference-kind against `ppldiff organisms list`")
	}
	return p, nil
}

func selectOrganisms(cfg Config, m *organisms.Manifest) ([]*organisms.Organism, error) {
	if len(cfg.Organisms) == 0 {
		out := make([]*organisms.Organism, len(m.Organisms))
		for i := range m.Organisms {
			out[i] = &m.Organisms[i]
		}
		return out, nil
	}
	var out []*organisms.Organism
	for _, id := range cfg.Organisms {
		i := slices.IndexFunc(m.Organisms, func(o organisms.Organism) bool { return o.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("organism %q is not in manifest %q (see `ppldiff organisms list --manifest %s`)", id, m.Name, cfg.Manifest)
		}
		out = append(out, &m.Organisms[i])
	}
	return out, nil
}

func selectReferences(cfg Config, m *organisms.Manifest, o *organisms.Organism) ([]*organisms.Reference, error) {
	var out []*organisms.Reference
	for _, id := range o.References {
		i := slices.IndexFunc(m.References, func(r organisms.Reference) bool { return r.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("organism %q names reference %q, which manifest %q does not define", o.ID, id, m.Name)
		}
		r := &m.References[i]
		if len(cfg.References) > 0 && !slices.Contains(cfg.References, r.ID) {
			continue
		}
		if len(cfg.ReferenceKinds) > 0 && !slices.Contains(cfg.ReferenceKinds, r.Kind) {
			continue
		}
		if r.Optional && !slices.Contains(cfg.References, r.ID) && !slices.Contains(cfg.ReferenceKinds, r.Kind) {
			continue
		}
		out = append(out, r)
	}
	for _, id := range cfg.References {
		if !slices.ContainsFunc(m.References, func(r organisms.Reference) bool { return r.ID == id }) {
			return nil, fmt.Errorf("reference %q is not in manifest %q", id, m.Name)
		}
	}
	return out, nil
}

// Estimate is the dry-run's upper bound of the model tokens per stage.
type Estimate struct {
	Units, Completions          int
	Generate, ScoreFT, ScoreRef int64
}

// Estimate bounds the tokens each stage needs, assuming every completion runs
// to max_new_tokens and the finetuned model needs its own scoring pass.
func (p *Plan) Estimate() Estimate {
	e := Estimate{Units: len(p.Units)}
	per := int64(p.Config.N) * int64(p.Config.MaxNewTokens)
	for _, u := range p.Units {
		e.Completions += p.Config.N
		e.Generate += per
		e.ScoreFT += per
		e.ScoreRef += per * int64(len(u.References))
	}
	return e
}

// Describe prints the plan and its token estimate, for --dry-run.
func (p *Plan) Describe(w io.Writer) {
	type key struct{ org, variant string }
	var order []key
	refs := map[key][]string{}
	configs := map[key][]string{}
	for _, u := range p.Units {
		k := key{u.Organism.ID, u.Variant.Name}
		if _, ok := refs[k]; !ok {
			order = append(order, k)
			for _, r := range u.References {
				refs[k] = append(refs[k], r.ID)
			}
		}
		if !slices.Contains(configs[k], u.Prefill.Name) {
			configs[k] = append(configs[k], u.Prefill.Name)
		}
	}
	fmt.Fprintf(w, "plan: %d organism variants, %d units (variant x prefill config x repeat), n=%d, repeats=%d\n",
		len(order), len(p.Units), p.Config.N, p.Config.Repeats)
	for _, k := range order {
		fmt.Fprintf(w, "  %s@%s  prefills: %s  references: %s\n", k.org, k.variant,
			strings.Join(configs[k], ","), strings.Join(refs[k], ","))
	}
	e := p.Estimate()
	fmt.Fprintf(w, "token estimate (upper bound: every completion at max_new_tokens=%d; cached work is not subtracted):\n", p.Config.MaxNewTokens)
	fmt.Fprintf(w, "  generate   %12d tokens (%d completions)\n", e.Generate, e.Completions)
	fmt.Fprintf(w, "  score_ft   %12d tokens (0 when the server reports raw generation logprobs)\n", e.ScoreFT)
	fmt.Fprintf(w, "  score_ref  %12d tokens\n", e.ScoreRef)
}
