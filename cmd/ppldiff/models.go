package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ppldiff/ppldiff/harness/corpus"
	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/remote"
	"github.com/ppldiff/ppldiff/harness/zoo"
	"github.com/ppldiff/ppldiff/organisms"
)

// runEnv is what a run needs beyond its plan: the manifest, where models
// come from, the prefill corpora.
type runEnv struct {
	cfg      pipeline.Config
	manifest *organisms.Manifest
	models   pipeline.Models
	corpora  pipeline.CorpusSet
	builder  *zoo.Builder
	warnings []string
	skips    *skipLog
}

// skipLog collects, per user corpus, the records a reader skipped
// (skip_bad, empty texts), for run-log.json's warnings.
type skipLog struct {
	mu sync.Mutex
	by map[string]corpus.Warnings // by "name (path)"
}

// record keeps the fullest count seen: every unit reads the corpus afresh,
// and a pass cut short by cancellation sees fewer.
func (l *skipLog) record(corpusName string, w corpus.Warnings) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[string]corpus.Warnings{}
	}
	if w.Total() > l.by[corpusName].Total() {
		l.by[corpusName] = w
	}
}

// warnings lists one line per corpus that skipped records, sorted.
func (l *skipLog) warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, name := range slices.Sorted(maps.Keys(l.by)) {
		out = append(out, fmt.Sprintf("corpus %s: %s", name, l.by[name]))
	}
	return out
}

// Close releases what setup acquired: servers started from serving.launch.
func (e *runEnv) Close() {
	if c, ok := e.models.(interface{ Close() error }); ok {
		c.Close()
	}
}

// endpoints lists the model servers in use, launched ones included, with
// credentials in their URLs redacted (they go to run-log.json).
func (e *runEnv) endpoints() []string {
	r, ok := e.models.(*remoteModels)
	if !ok {
		return nil
	}
	out := make([]string, len(r.endpoints))
	for i, ep := range r.endpoints {
		out[i] = remote.RedactURL(ep)
	}
	return out
}

// repairs lists the cached model files that failed their checksum and were
// rebuilt.
func (e *runEnv) repairs() []string {
	if e.builder == nil {
		return nil
	}
	return e.builder.Repairs()
}

func (e *runEnv) modelCounters() any {
	if e.builder == nil {
		return nil
	}
	return e.builder.Counters()
}

// adhocManifest wraps --model and --reference-model as a one-organism
// manifest without detectors (counts are then null).
func adhocManifest(s Settings) *organisms.Manifest {
	return &organisms.Manifest{
		Name:       "adhoc",
		References: []organisms.Reference{{ID: "reference", Kind: "other", Family: "-", Model: s.ReferenceModel}},
		Organisms: []organisms.Organism{{
			ID: "model", Category: "other", Objective: "ad-hoc audit: objective unknown", Family: "-",
			Model: s.Model, References: []string{"reference"},
		}},
	}
}

// setup resolves the manifest, models and corpora of a run.
// A dry run only plans: it starts and asks no server.
func (a *app) setup(ctx context.Context, l *loader, s Settings, dryRun bool, log *slog.Logger) (*runEnv, error) {
	env := &runEnv{}
	var err error
	var adhocZoo *zooByName
	if s.Model != "" || s.ReferenceModel != "" {
		if s.Model == "" || s.ReferenceModel == "" {
			return nil, usagef("ad-hoc mode needs both --model and --reference-model")
		}
		if len(s.Endpoints) == 0 && len(s.Serving.Launch) == 0 {
			// Without a server the two names must be zoo models.
			if adhocZoo, err = a.zooByName(l, s); err != nil {
				return nil, err
			}
			env.builder = adhocZoo.b
		}
		env.manifest = adhocManifest(s)
	} else if env.manifest, err = loadManifest(a.env, s.Manifest); err != nil {
		return nil, err
	}
	m := env.manifest
	cfg := settingsToConfig(s)
	if s.Matrix == matrixStudy && len(cfg.Variants) == 0 {
		cfg.Variants = studyVariants(m)
	}
	cfg.Manifest = m.Name
	cfg.ManifestSHA256 = m.SHA256
	if _, builtin := organisms.BuiltinBytes(s.Manifest); !builtin && m.File != "" {
		cfg.Manifest = filepath.Base(m.File)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err // exitTable: pipeline.ErrConfig
	}

	hasZoo := m.Zoo != nil || slices.ContainsFunc(m.Organisms, func(o organisms.Organism) bool { return o.Recipe != nil })
	if hasZoo && env.builder == nil {
		cacheDir := filepath.Join(l.storeDir(s), "models")
		if env.builder, err = zoo.NewBuilder(m, cacheDir); err != nil {
			return nil, inputErr(err)
		}
	}

	// Only the organisms this run selects are checked for pins.
	ids := cfg.Organisms
	if len(ids) == 0 {
		ids = m.OrganismIDs()
	}
	if s.RequirePinned {
		if err := m.RequirePinned(ids...); err != nil {
			return nil, usageErr(err)
		}
	} else if un := m.Unpinned(ids...); len(un) > 0 && adhocZoo == nil { // zoo models have no revisions
		env.warnings = append(env.warnings, fmt.Sprintf("%d models have no pinned revision (results may change when they are updated upstream; --require-pinned refuses them): %s",
			len(un), strings.Join(un, ", ")))
	}

	switch {
	case adhocZoo != nil:
		env.models = adhocZoo
	case dryRun:
		env.models = planModels{env.builder}
	case len(s.Endpoints) > 0 || len(s.Serving.Launch) > 0:
		rm, err := newRemoteModels(ctx, s, m, env.builder, a.env, log)
		if err != nil {
			return nil, err
		}
		env.models = rm
		if s.Serving.Dialect == remote.DialectSGLang && cfg.Decoding != pipeline.DecodingGreedy && cfg.Temperature > 0 {
			env.warnings = append(env.warnings, "serving.dialect sglang with sampled decoding: SGLang applies sampling_seed only "+
				"when started with --enable-deterministic-inference, so the same seed may give other completions on "+
				"another run and results.json may not reproduce (greedy decoding does)")
		}
	case !hasZoo:
		return nil, usagef("manifest %q holds real models: start servers for them and give --endpoint URL (see README, \"Reproducing the study\"), or use --dry-run to see the plan", cfg.Manifest)
	default:
		env.models = zooModels{env.builder}
	}

	env.skips = &skipLog{}
	env.corpora, cfg.Corpora, err = a.corpora(s, cfg, env.builder, env.skips)
	if err != nil {
		env.Close()
		return nil, err
	}
	env.cfg = cfg
	return env, nil
}

func settingsToConfig(s Settings) pipeline.Config {
	return pipeline.Config{
		SamplesScores: s.SamplesScores, SamplesTokenDetail: s.SamplesTokenDetail,
		Organisms: s.Organisms, Variants: s.Variants, References: s.References, ReferenceKinds: s.ReferenceKinds,
		Prefills: s.Prefills, N: s.N, Repeats: s.Repeats, Seed: s.Seed,
		PrefillTokens: s.PrefillTokens, PrefillOffset: s.PrefillOffset,
		Decoding: s.Decoding, Temperature: s.Temperature, TopP: s.TopP, MaxNewTokens: s.MaxNewTokens,
		ChatSystem: s.Chat.System, ChatUser: s.Chat.User,
		MinCompletionTokens: s.MinCompletionTokens, MaxCompressionRatio: s.MaxCompressionRatio,
		Dedup: s.Dedup, Budget: s.Budget, SamplesTopK: s.SamplesTopK,
		Model: s.Model, ReferenceModel: s.ReferenceModel,
	}
}

// corpora opens the corpora the prefill configs name: "zoo" is the zoo's
// held-out procedural corpus; others come from `corpora:` in ppldiff.yaml.
func (a *app) corpora(s Settings, cfg pipeline.Config, b *zoo.Builder, skips *skipLog) (pipeline.CorpusSet, map[string]string, error) {
	set := pipeline.CorpusSet{}
	hashes := map[string]string{}
	for _, p := range cfg.Prefills {
		pc, _ := pipeline.ParsePrefillConfig(p)
		name := pc.Corpus
		if _, done := set[name]; done {
			continue
		}
		if cs, ok := settingsKey(s.Corpora, name); ok {
			path := cs.Path
			if !filepath.IsAbs(path) {
				path = filepath.Join(a.env.Dir, path)
			}
			h, err := corpus.Hash(path)
			if err != nil {
				return nil, nil, inputErr(fmt.Errorf("corpus %s: %w (check --corpus %s=PATH or corpora.%s.path in ppldiff.yaml)", name, err, name, name))
			}
			opts := corpus.Options{TextField: cs.TextField, SkipBad: cs.SkipBad, LinePerDoc: cs.LinePerDoc}
			set[name] = pipeline.CorpusOpener{Hash: h, Open: func() (pipeline.DocSource, error) {
				r, err := corpus.Open(path, opts)
				if err != nil {
					return nil, err
				}
				return &fileSource{r: r, done: func(w corpus.Warnings) { skips.record(name+" ("+path+")", w) }}, nil
			}}
			hashes[name] = h
			continue
		}
		if name == "zoo" {
			if b == nil {
				// A manifest of real models may still take prefills from
				// the built-in zoo's held-out corpus (handy for a first
				// check of a server); only the corpus is built.
				zm, err := organisms.Load("zoo")
				if err != nil {
					return nil, nil, err
				}
				if b, err = zoo.NewBuilder(zm, ""); err != nil {
					return nil, nil, err
				}
			}
			docs, err := b.Corpus()
			if err != nil {
				return nil, nil, inputErr(err)
			}
			ds := make([]pipeline.Document, len(docs))
			h := sha256.New()
			for i, d := range docs {
				ds[i] = pipeline.Document{Index: i, Text: []byte(d.Text)}
				fmt.Fprintf(h, "%d:%s\n", len(d.Text), d.Text)
			}
			sum := hex.EncodeToString(h.Sum(nil))
			set[name] = pipeline.CorpusOpener{Hash: sum, Open: func() (pipeline.DocSource, error) {
				return &pipeline.SliceSource{Docs: ds}, nil
			}}
			hashes[name] = sum
			continue
		}
		known := []string{"zoo"}
		for k := range s.Corpora {
			known = append(known, k)
		}
		slices.Sort(known)
		return nil, nil, usagef("prefill config %q: unknown corpus %q (known: %s); give --corpus %s=PATH or define it under corpora: in ppldiff.yaml", p, name, strings.Join(known, ", "), name)
	}
	return set, hashes, nil
}

// fileSource adapts a corpus reader to the pipeline; done sees the
// reader's skipped records when it is closed.
type fileSource struct {
	r    corpus.Reader
	done func(corpus.Warnings)
}

func (f *fileSource) Next() (pipeline.Document, error) {
	d, err := f.r.Next()
	if err != nil {
		return pipeline.Document{}, err
	}
	return pipeline.Document{Index: d.Index, Text: d.Text}, nil
}

func (f *fileSource) Close() error {
	if f.done != nil {
		f.done(f.r.Warnings())
	}
	return f.r.Close()
}

// zooModels serves a zoo manifest's models in-process.
type zooModels struct{ b *zoo.Builder }

func (z zooModels) Variants(o *organisms.Organism) []pipeline.Variant {
	var out []pipeline.Variant
	for _, v := range zoo.Variants(*o) {
		out = append(out, pipeline.Variant{Name: v.Name, Size: v.Size, Strength: float64(v.Strength)})
	}
	return out
}

func (z zooModels) Organism(ctx context.Context, o *organisms.Organism, v pipeline.Variant) (lm.Model, error) {
	return z.b.Organism(ctx, o.ID, v.Name)
}

func (z zooModels) Reference(ctx context.Context, r *organisms.Reference, o *organisms.Organism, v pipeline.Variant) (lm.Model, error) {
	return z.b.Reference(ctx, r.ID, o.ID, v.Name)
}

// remoteModels routes a manifest's models to HTTP servers by served name
// (contract): zoo variants as organism@variant, adapters by their LoRA
// module name (the organism id), full models by Hugging Face id.
type remoteModels struct {
	client   *remote.Client
	builder  *zoo.Builder
	launched *launchedServers // started from serving.launch; stopped by Close
	// endpoints are the base URLs in use: given and launched.
	endpoints []string
}

// errOpenAIDialect explains why hosted completions APIs cannot be audited.
var errOpenAIDialect = errors.New("serving.dialect openai: hosted OpenAI-style APIs cannot run perplexity " +
	"differencing: they have no /tokenize (no prompt token ids) and refuse to score prompts (echo with " +
	"logprobs); serve the models with vLLM (serving.dialect vllm) or SGLang (sglang); " +
	"`ppldiff doctor --endpoint URL --model NAME` checks a server")

// newRemoteModels starts the servers of serving.launch the run needs,
// connects to them and to the given endpoints, and probes every model the
// run uses (tokenize and score one string) so a missing model or a server
// that cannot score fails the run before any generation.
func newRemoteModels(ctx context.Context, s Settings, m *organisms.Manifest, b *zoo.Builder, env *Env, log *slog.Logger) (_ *remoteModels, err error) {
	if s.Serving.Dialect == remote.DialectOpenAI {
		return nil, backendErr(errOpenAIDialect)
	}
	var timeout, backoff, backoffMax, launchTimeout time.Duration
	for _, d := range []struct {
		key, val string
		dst      *time.Duration
	}{{"timeout", s.Serving.Timeout, &timeout}, {"backoff", s.Serving.Backoff, &backoff},
		{"backoff_max", s.Serving.BackoffMax, &backoffMax}, {"launch_timeout", s.Serving.LaunchTimeout, &launchTimeout}} {
		if *d.dst, err = time.ParseDuration(d.val); err != nil {
			return nil, usagef("serving.%s %q: %v", d.key, d.val, err)
		}
	}
	r := &remoteModels{builder: b}
	served, err := r.servedNames(s, m)
	if err != nil {
		return nil, err
	}
	cfgs := map[string]remote.ModelConfig{}
	revisions := map[string]string{}
	for _, o := range m.Organisms {
		if o.Recipe != nil {
			continue
		}
		cfgs[servedOrganism(&o)] = remote.ModelConfig{Revision: o.Revision, Family: o.Family, Params: int64(o.Params), ParamsKind: o.ParamsKind}
		revisions[servedOrganism(&o)] = o.Revision
	}
	for _, r := range m.References {
		if r.Model != "" {
			cfgs[r.Model] = remote.ModelConfig{Revision: r.Revision, Family: r.Family, Params: int64(r.Params), ParamsKind: r.ParamsKind}
			revisions[r.Model] = r.Revision
		}
	}
	if raw := s.Serving.RawGenerationLogprobs; raw != nil {
		for _, name := range served {
			c := cfgs[name]
			c.RawGenerationLogprobs = raw
			cfgs[name] = c
		}
	}

	specs, err := launchSpecs(s.Serving.Launch, served, revisions)
	if err != nil {
		return nil, err
	}
	if r.launched, err = launchServers(ctx, specs, env.Dir, launchTimeout, log); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	endpoints := append(slices.Clone(s.Endpoints), r.launched.Endpoints()...)
	if len(endpoints) == 0 {
		return nil, usagef("serving.launch starts no server for this run: its keys (%s) name none of the models it uses (%s); use %q for one server serving all",
			strings.Join(slices.Sorted(maps.Keys(s.Serving.Launch)), ", "), strings.Join(served, ", "), launchAll)
	}
	r.endpoints = endpoints
	r.client, err = remote.New(ctx, remote.Options{
		Endpoints: endpoints, Dialect: s.Serving.Dialect, APIKeyEnv: s.Serving.APIKeyEnv, Getenv: env.Getenv,
		MaxConcurrency: s.Serving.Concurrency, BatchSize: s.Serving.BatchSize, RequestTimeout: timeout,
		MaxRetries: s.Serving.Retries, BackoffBase: backoff, BackoffMax: backoffMax,
		RateLimit: s.Serving.RateLimit, Models: cfgs, Logger: log,
	})
	if err != nil {
		return nil, backendErr(err)
	}
	chat := slices.ContainsFunc(s.Prefills, func(p string) bool {
		pc, err := pipeline.ParsePrefillConfig(p)
		return err == nil && pc.Format == pipeline.FormatChat
	})
	adapters := map[string]bool{}
	for _, o := range m.Organisms {
		if o.Adapter {
			adapters[servedOrganism(&o)] = true
		}
	}
	sglang := s.Serving.Dialect == remote.DialectSGLang
	for _, name := range served {
		rm, err := r.client.Remote(ctx, name)
		if err != nil {
			if _, listed := r.client.Served()[name]; sglang && adapters[name] && !listed {
				// Version gate: older SGLang lists only the base model.
				err = fmt.Errorf("%w\n(%s is a LoRA adapter: SGLang lists adapters in /v1/models only in recent versions; "+
					"start a recent SGLang with --enable-lora --lora-paths %s=PATH, or serve adapters with vLLM)", err, name, name)
			}
			return nil, backendErr(err)
		}
		if chat {
			if err := checkChat(ctx, rm, sglang); err != nil {
				return nil, backendErr(err)
			}
		}
	}
	return r, nil
}

// checkChat fails a run with chat prefill configs before any generation
// when a served model's chat prompts would not start with exactly one BOS
// (a doubled BOS shifts every logprob, silently).
func checkChat(ctx context.Context, m *remote.Model, sglang bool) error {
	c, err := remote.CheckChatBOS(ctx, m)
	var re *remote.Error
	if err != nil && sglang && errors.As(err, &re) && re.Status/100 == 4 {
		// Version gate: older SGLang's /tokenize takes a prompt only.
		return fmt.Errorf("model %q: this SGLang cannot tokenize chats (/tokenize with messages needs a recent SGLang), "+
			"which the run's chat prefill configs need: upgrade SGLang, or use raw prefill configs (--prefills CORPUS-raw): %w",
			m.Info().ServedName, err)
	}
	if err != nil {
		return fmt.Errorf("model %q cannot tokenize chats, which the run's chat prefill configs need: %w", m.Info().ServedName, err)
	}
	if !c.OK() {
		return fmt.Errorf("model %q: %s, want exactly one: ppldiff sends add_special_tokens false with chats, so the chat template must emit BOS itself (check the template the server loaded, or use raw prefill configs)",
			m.Info().ServedName, c)
	}
	return nil
}

// servedNames lists, sorted, the served names of every model the run's
// selection uses (organism variants and their references).
func (r *remoteModels) servedNames(s Settings, m *organisms.Manifest) ([]string, error) {
	cfg := settingsToConfig(s)
	if s.Matrix == matrixStudy && len(cfg.Variants) == 0 {
		cfg.Variants = studyVariants(m)
	}
	cfg.Manifest = m.Name
	plan, err := pipeline.MakePlan(cfg, m, r)
	if err != nil {
		return nil, err // exitTable: pipeline.ErrConfig
	}
	set := map[string]bool{}
	for _, u := range plan.Units {
		set[r.organismName(u.Organism, u.Variant)] = true
		for _, ref := range u.References {
			name, err := r.referenceName(ref, u.Organism, u.Variant)
			if err != nil {
				return nil, err
			}
			set[name] = true
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// Close stops the servers the run launched.
func (r *remoteModels) Close() error { return r.launched.Close() }

func servedOrganism(o *organisms.Organism) string {
	if o.Adapter || o.Model == "" {
		return o.ID
	}
	return o.Model
}

func (r *remoteModels) Variants(o *organisms.Organism) []pipeline.Variant {
	if o.Recipe != nil {
		return zooModels{r.builder}.Variants(o)
	}
	return []pipeline.Variant{{Name: "default", Size: o.Params.String()}}
}

func (r *remoteModels) organismName(o *organisms.Organism, v pipeline.Variant) string {
	if o.Recipe != nil {
		return zoo.OrganismServedName(o.ID, v.Name)
	}
	return servedOrganism(o)
}

func (r *remoteModels) referenceName(ref *organisms.Reference, o *organisms.Organism, v pipeline.Variant) (string, error) {
	name := ref.Model
	if o.Recipe != nil {
		var err error
		if name, err = r.builder.ReferenceServedName(ref.ID, o.ID, v.Name); err != nil {
			return "", err
		}
	}
	if name == "" {
		return "", usagef("reference %s has no model (Hugging Face id or served name) to ask a server for", ref.ID)
	}
	return name, nil
}

func (r *remoteModels) Organism(ctx context.Context, o *organisms.Organism, v pipeline.Variant) (lm.Model, error) {
	m, err := r.client.Model(r.organismName(o, v))
	if err != nil {
		return nil, backendErr(err)
	}
	return m, nil
}

func (r *remoteModels) Reference(ctx context.Context, ref *organisms.Reference, o *organisms.Organism, v pipeline.Variant) (lm.Model, error) {
	name, err := r.referenceName(ref, o, v)
	if err != nil {
		return nil, err
	}
	m, err := r.client.Model(name)
	if err != nil {
		return nil, backendErr(err)
	}
	return m, nil
}

// zooByName serves an ad-hoc audit of two zoo models in process, found by
// their served names (organism@variant, and the references' names as
// `ppldiff serve` lists them).
type zooByName struct {
	b                *zoo.Builder
	model, reference string
}

func (a *app) zooByName(l *loader, s Settings) (*zooByName, error) {
	m, err := loadManifest(a.env, s.Manifest)
	if err != nil {
		return nil, err
	}
	if m.Zoo == nil {
		return nil, usagef("ad-hoc mode audits served models: give --endpoint URL of a server serving %s and %s", s.Model, s.ReferenceModel)
	}
	b, err := zoo.NewBuilder(m, filepath.Join(l.storeDir(s), "models"))
	if err != nil {
		return nil, inputErr(err)
	}
	z := &zooByName{b: b, model: s.Model, reference: s.ReferenceModel}
	names := b.ServedNames()
	for _, n := range []string{s.Model, s.ReferenceModel} {
		if !slices.Contains(names, n) {
			return nil, usagef("%q is not a model of the %s manifest and no --endpoint is given: give --endpoint URL of a server, or a zoo served name (e.g. %s)",
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

// planModels lists variants for a dry run; it has no models.
type planModels struct{ builder *zoo.Builder }

func (p planModels) Variants(o *organisms.Organism) []pipeline.Variant {
	return (&remoteModels{builder: p.builder}).Variants(o)
}

func (planModels) Organism(context.Context, *organisms.Organism, pipeline.Variant) (lm.Model, error) {
	return nil, errors.New("a dry run has no models")
}

func (planModels) Reference(context.Context, *organisms.Reference, *organisms.Organism, pipeline.Variant) (lm.Model, error) {
	return nil, errors.New("a dry run has no models")
}
