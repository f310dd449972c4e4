package main

import (
	"context"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/zoo"
)

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

// buildZoo builds (or loads from the cache) every zoo model the plan needs
// before any generation, as its own stage: "building 71 zoo models" and a
// bar, instead of a first generation stage that seems stuck. The builder
// keeps them, so the pipeline then finds them built.
func buildZoo(ctx context.Context, b *zoo.Builder, plan *pipeline.Plan, prog pipeline.Progress, stderr io.Writer) error {
	models, err := zooModelsOf(b, plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "building %d zoo models (loaded from the cache when built before)\n", len(models))
	bar := prog.Stage("models", int64(len(models)))
	defer bar.Done()
	g, gctx := errgroup.WithContext(ctx)
	for _, m := range models {
		g.Go(func() error {
			var err error
			if m.reference == "" {
				_, err = b.Organism(gctx, m.organism, m.variant)
			} else {
				_, err = b.Reference(gctx, m.reference, m.organism, m.variant)
			}
			if err != nil {
				return fmt.Errorf("build %s: %w", m.name, err)
			}
			bar.Add(1)
			return nil
		})
	}
	return g.Wait()
}
