package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/zoo"
	"github.com/ppldiff/ppldiff/organisms"
)

// Zoo serves a zoo manifest's models in process, and frees each once no
// unit left needs it (zoorelease.go).
type Zoo struct {
	B    *zoo.Builder
	uses *zooUses
}

// newZoo serves the models of b, releasing them as a run goes.
func newZoo(b *zoo.Builder) Zoo { return Zoo{B: b, uses: &zooUses{}} }

func (z Zoo) Variants(o *organisms.Organism) []pipeline.Variant {
	var out []pipeline.Variant
	for _, v := range zoo.Variants(*o) {
		out = append(out, pipeline.Variant{Name: v.Name, Size: v.Size, Strength: float64(v.Strength)})
	}
	return out
}

// Organism and Reference give lazy models: a run that finds every
// completion and score cached loads no n-gram table (zoo.LazyOrganism).
func (z Zoo) Organism(ctx context.Context, o *organisms.Organism, v pipeline.Variant) (lm.Model, error) {
	return z.B.LazyOrganism(ctx, o.ID, v.Name)
}

func (z Zoo) Reference(ctx context.Context, r *organisms.Reference, o *organisms.Organism, v pipeline.Variant) (lm.Model, error) {
	return z.B.LazyReference(ctx, r.ID, o.ID, v.Name)
}

// zooByName serves an ad-hoc audit of two zoo models in process, found by
// their served names (organism@variant, and the references' names as
// `ppldiff serve` lists them).
type zooByName struct {
	b                *zoo.Builder
	model, reference string
}

func newZooByName(m *organisms.Manifest, cacheDir, model, reference string) (*zooByName, error) {
	if m.Zoo == nil {
		return nil, settingf("ad-hoc mode audits served models: give --endpoint URL of a server serving %s and %s", model, reference)
	}
	b, err := zoo.NewBuilder(m, cacheDir)
	if err != nil {
		return nil, inputErr(err)
	}
	z := &zooByName{b: b, model: model, reference: reference}
	names := b.ServedNames()
	for _, n := range []string{model, reference} {
		if !slices.Contains(names, n) {
			return nil, settingf("%q is not a model of the %s manifest and no --endpoint is given: give --endpoint URL of a server, or a zoo served name (e.g. %s)",
				n, m.Name, names[0])
		}
	}
	return z, nil
}

func (z *zooByName) Variants(*organisms.Organism) []pipeline.Variant {
	return []pipeline.Variant{{Name: "default", Size: "-"}}
}

func (z *zooByName) Organism(ctx context.Context, _ *organisms.Organism, _ pipeline.Variant) (lm.Model, error) {
	return z.b.Model(ctx, z.model)
}

func (z *zooByName) Reference(ctx context.Context, _ *organisms.Reference, _ *organisms.Organism, _ pipeline.Variant) (lm.Model, error) {
	return z.b.Model(ctx, z.reference)
}

// dryRun lists variants for a dry run; it has no models.
type dryRun struct{ builder *zoo.Builder }

func (p dryRun) Variants(o *organisms.Organism) []pipeline.Variant {
	return (&Remote{builder: p.builder}).Variants(o)
}

func (dryRun) Organism(context.Context, *organisms.Organism, pipeline.Variant) (lm.Model, error) {
	return nil, errors.New("a dry run has no models")
}

func (dryRun) Reference(context.Context, *organisms.Reference, *organisms.Organism, pipeline.Variant) (lm.Model, error) {
	return nil, errors.New("a dry run has no models")
}

// zooModel is one model a zoo run needs, under its served name.
type zooModel struct {
	name              string
	reference         string // "" for an organism variant
	organism, variant string
}

// zooModelsOf lists the distinct models the plan's units use: each organism
// variant and each reference it is scored against (references shared by
// variants, such as a true base of one order, once).
func zooModelsOf(b *zoo.Builder, plan *pipeline.Plan) ([]zooModel, error) {
	seen := map[string]bool{}
	var out []zooModel
	for _, u := range plan.Units {
		name := zoo.OrganismServedName(u.Organism.ID, u.Variant.Name)
		if !seen[name] {
			seen[name] = true
			out = append(out, zooModel{name: name, organism: u.Organism.ID, variant: u.Variant.Name})
		}
		for _, r := range u.References {
			rn, err := b.ReferenceServedName(r.ID, u.Organism.ID, u.Variant.Name)
			if err != nil {
				return nil, inputErr(err)
			}
			if !seen[rn] {
				seen[rn] = true
				out = append(out, zooModel{name: rn, reference: r.ID, organism: u.Organism.ID, variant: u.Variant.Name})
			}
		}
	}
	return out, nil
}

// BuildZoo trains every zoo model the plan needs that the model cache does
// not hold yet, before any generation, as its own stage: "building 71 zoo
// models" and a bar, instead of a first generation stage that seems stuck.
// It keeps none of them: the run loads each from the cache when its first
// unit starts and frees it after its last (Zoo.Schedule), so that the run
// holds a few models at a time, not all. Models are built grouped by base,
// and a base is forgotten once the models finetuned from it are built; the
// builder bounds its own CPU work by GOMAXPROCS.
func BuildZoo(ctx context.Context, b *zoo.Builder, plan *pipeline.Plan, prog pipeline.Progress, stderr io.Writer) error {
	models, err := zooModelsOf(b, plan)
	if err != nil {
		return err
	}
	type job struct {
		m    zooModel
		keys []zoo.ModelKey // the model's own first, its base last
	}
	var jobs []job
	left := map[zoo.ModelKey]int{}
	group := map[zoo.ModelKey]int{}
	for _, m := range models {
		var keys []zoo.ModelKey
		if m.reference == "" {
			keys, err = b.OrganismKeys(m.organism, m.variant)
		} else {
			keys, err = b.ReferenceKeys(m.reference, m.organism, m.variant)
		}
		if err != nil {
			return inputErr(err)
		}
		if b.Cached(keys[0]) {
			continue // its file is checked, and rebuilt if damaged, when the run loads it
		}
		jobs = append(jobs, job{m, keys})
		for _, k := range keys {
			left[k]++
		}
		if _, ok := group[keys[len(keys)-1]]; !ok {
			group[keys[len(keys)-1]] = len(group)
		}
	}
	slices.SortStableFunc(jobs, func(x, y job) int { return group[x.keys[len(x.keys)-1]] - group[y.keys[len(y.keys)-1]] })
	fmt.Fprintf(stderr, "building %d zoo models (%d more are in the model cache)\n", len(jobs), len(models)-len(jobs))
	bar := prog.Stage("models", int64(len(jobs)))
	defer bar.Done()
	var mu sync.Mutex
	done := func(keys []zoo.ModelKey) {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range keys {
			if left[k]--; left[k] == 0 {
				b.Forget(k)
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, j := range jobs {
		g.Go(func() error {
			var err error
			if j.m.reference == "" {
				_, err = b.Organism(gctx, j.m.organism, j.m.variant)
			} else {
				_, err = b.Reference(gctx, j.m.reference, j.m.organism, j.m.variant)
			}
			if err != nil {
				return fmt.Errorf("build %s: %w", j.m.name, err)
			}
			done(j.keys)
			bar.Add(1)
			return nil
		})
	}
	return g.Wait()
}

// StudyVariants selects each zoo organism's representative variant
// (recipe.representative) as organism@variant.
func StudyVariants(m *organisms.Manifest) []string {
	var out []string
	for _, o := range m.Organisms {
		if o.Recipe == nil {
			continue
		}
		if v := o.Recipe.RepresentativeVariant(); v != "" {
			out = append(out, o.ID+"@"+v)
		}
	}
	return out
}

// ZooServed builds every zoo model of m (cached in cacheDir) and keys it by
// served name, for `ppldiff serve`.
func ZooServed(ctx context.Context, m *organisms.Manifest, cacheDir string) (map[string]lm.Model, error) {
	b, err := zoo.NewBuilder(m, cacheDir)
	if err != nil {
		return nil, inputErr(err)
	}
	if err := b.BuildAll(ctx); err != nil {
		return nil, err
	}
	models := map[string]lm.Model{}
	for _, p := range b.Pairs() {
		om, err := b.Organism(ctx, p.Organism, p.Variant)
		if err != nil {
			return nil, err
		}
		models[om.Info().ServedName] = om
		rm, err := b.Reference(ctx, p.Reference, p.Organism, p.Variant)
		if err != nil {
			return nil, err
		}
		models[rm.Info().ServedName] = rm
	}
	return models, nil
}
