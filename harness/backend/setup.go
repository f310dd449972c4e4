package backend

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/remote"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/zoo"
	"github.com/ppldiff/ppldiff/organisms"
)

// Options are a run's settings as Setup needs them.
type Options struct {
	// Config holds the run's selection and decoding; Setup fills in the
	// manifest's name and hash, the corpora's hashes and, for the study
	// matrix, its variants.
	Config pipeline.Config
	// Manifest is what the settings name (zoo, paper, a file);
	// LoadManifest reads it.
	Manifest     string
	LoadManifest func(nameOrPath string) (*organisms.Manifest, error)
	StudyMatrix  bool   // --matrix study: each organism's representative variant
	StoreDir     string // the zoo model cache is StoreDir/models
	Dir          string // working directory: relative corpus paths, launched servers
	Corpora      map[string]CorpusSpec
	// RequirePinned refuses models without a pinned revision.
	RequirePinned bool
	Serving       Serving
	// Judge configures the LLM judges of judge detectors (judge.go).
	Judge JudgeSettings
	// DryRun only plans: it starts and asks no server.
	DryRun bool
	Logger *slog.Logger
}

// Env is what a run needs beyond its plan: the manifest, where models come
// from, the prefill corpora.
type Env struct {
	Config   pipeline.Config
	Manifest *organisms.Manifest
	Models   pipeline.Models
	Corpora  pipeline.CorpusSet
	// Builder builds zoo models; nil when the run has none.
	Builder  *zoo.Builder
	Warnings []string // found while setting up, for the log and run-log.json
	skips    *skipLog
	opts     Options // what Setup was given: NewJudge and JudgeBudget read it
}

// adhocManifest wraps --model and --reference-model as a one-organism
// manifest without detectors (counts are then null).
func adhocManifest(model, reference string) *organisms.Manifest {
	return &organisms.Manifest{
		Name:       "adhoc",
		References: []organisms.Reference{{ID: "reference", Kind: "other", Family: "-", Model: reference}},
		Organisms: []organisms.Organism{{
			ID: "model", Category: "other", Objective: "ad-hoc audit: objective unknown", Family: "-",
			Model: model, References: []string{"reference"},
		}},
	}
}

// Setup resolves the manifest, models and corpora of a run. Close the Env
// when done: it stops the servers the run launched.
func Setup(ctx context.Context, o Options) (*Env, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	env := &Env{opts: o}
	cfg := o.Config
	cacheDir := filepath.Join(o.StoreDir, "models")
	var err error
	var adhocZoo *zooByName
	servers := len(o.Serving.Endpoints) > 0 || len(o.Serving.Launch) > 0
	if cfg.Model != "" || cfg.ReferenceModel != "" {
		if cfg.Model == "" || cfg.ReferenceModel == "" {
			return nil, settingf("ad-hoc mode needs both --model and --reference-model")
		}
		if !servers {
			// Without a server the two names must be zoo models.
			m, err := o.LoadManifest(o.Manifest)
			if err != nil {
				return nil, err
			}
			if adhocZoo, err = newZooByName(m, cacheDir, cfg.Model, cfg.ReferenceModel); err != nil {
				return nil, err
			}
			env.Builder = adhocZoo.b
		}
		env.Manifest = adhocManifest(cfg.Model, cfg.ReferenceModel)
	} else if env.Manifest, err = o.LoadManifest(o.Manifest); err != nil {
		return nil, err
	}
	m := env.Manifest
	if o.StudyMatrix && len(cfg.Variants) == 0 {
		cfg.Variants = StudyVariants(m)
	}
	cfg.Manifest = m.Name
	cfg.ManifestSHA256 = m.SHA256
	if _, builtin := organisms.BuiltinBytes(o.Manifest); !builtin && m.File != "" {
		cfg.Manifest = filepath.Base(m.File)
	}
	if cfg.Judge, err = judgeConfig(o.Judge, m, cfg, false); err != nil {
		return nil, err
	}
	env.Warnings = append(env.Warnings, judgeWarning(o.Judge, m, cfg)...)
	if err := cfg.Validate(); err != nil {
		return nil, err // pipeline.ErrConfig
	}

	hasZoo := m.Zoo != nil || slices.ContainsFunc(m.Organisms, func(o organisms.Organism) bool { return o.Recipe != nil })
	if hasZoo && env.Builder == nil {
		if env.Builder, err = zoo.NewBuilder(m, cacheDir); err != nil {
			return nil, inputErr(err)
		}
	}

	// Only the organisms this run selects are checked for pins.
	ids := cfg.Organisms
	if len(ids) == 0 {
		ids = m.OrganismIDs()
	}
	if o.RequirePinned {
		if err := m.RequirePinned(ids...); err != nil {
			return nil, settingErr(err)
		}
	} else if un := m.Unpinned(ids...); len(un) > 0 && adhocZoo == nil { // zoo models have no revisions
		env.Warnings = append(env.Warnings, fmt.Sprintf("%d models have no pinned revision (results may change when they are updated upstream; --require-pinned refuses them): %s",
			len(un), strings.Join(un, ", ")))
	}

	switch {
	case adhocZoo != nil:
		env.Models = adhocZoo
	case o.DryRun:
		env.Models = dryRun{env.Builder}
	case servers:
		rm, err := newRemote(ctx, o.Serving, cfg, m, env.Builder, o.Dir, o.Logger)
		if err != nil {
			return nil, err
		}
		env.Models = rm
		if o.Serving.Dialect == remote.DialectSGLang && cfg.Samples() && cfg.Temperature > 0 {
			env.Warnings = append(env.Warnings, "serving.dialect sglang with sampled decoding: SGLang applies sampling_seed only "+
				"when started with --enable-deterministic-inference, so the same seed may give other completions on "+
				"another run and results.json may not reproduce (greedy decoding does)")
		}
	case !hasZoo:
		return nil, settingf("manifest %q holds real models: start servers for them and give --endpoint URL (see README, \"Reproducing the study\"), or use --dry-run to see the plan", cfg.Manifest)
	default:
		env.Models = newZoo(env.Builder)
	}

	env.skips = &skipLog{}
	env.Corpora, cfg.Corpora, err = openCorpora(cfg.Prefills, o.Corpora, o.Dir, env.Builder, env.skips)
	if err != nil {
		env.Close()
		return nil, err
	}
	env.Config = cfg
	return env, nil
}

// Close releases what Setup acquired: servers started from serving.launch.
func (e *Env) Close() {
	if c, ok := e.Models.(interface{ Close() error }); ok {
		c.Close()
	}
}

// Endpoints lists the model servers in use, launched ones included, with
// credentials in their URLs redacted (they go to run-log.json).
func (e *Env) Endpoints() []string {
	r, ok := e.Models.(*Remote)
	if !ok {
		return nil
	}
	out := make([]string, len(r.endpoints))
	for i, ep := range r.endpoints {
		out[i] = remote.RedactURL(ep)
	}
	return out
}

// InProcessZoo is the builder when the run's models are the zoo's, built in
// process (BuildZoo builds them up front); nil otherwise.
func (e *Env) InProcessZoo() *zoo.Builder {
	if z, ok := e.Models.(Zoo); ok {
		return z.B
	}
	return nil
}

// LateWarnings are what the run found beyond Setup's warnings: cached model
// files that failed their checksum and were rebuilt, corpus records
// skipped.
func (e *Env) LateWarnings() []string {
	var out []string
	if e.Builder != nil {
		out = append(out, e.Builder.Repairs()...)
	}
	if e.skips != nil {
		out = append(out, e.skips.warnings()...)
	}
	return out
}

// ModelWork is the zoo builder's work for run-log.json; nil without a zoo.
func (e *Env) ModelWork() *results.ModelWork {
	if e.Builder == nil {
		return nil
	}
	c := e.Builder.Counters()
	return &c
}
