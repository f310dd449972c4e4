package backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/remote"
	"github.com/ppldiff/ppldiff/harness/zoo"
	"github.com/ppldiff/ppldiff/organisms"
)

// Serving is how a run reaches model servers (ppldiff.yaml's serving:
// section, and the endpoints).
type Serving struct {
	Endpoints   []string
	Dialect     string
	APIKeyEnv   string // the variable's name, never its value
	Getenv      func(string) string
	BatchSize   int
	Concurrency int // per endpoint
	Retries     int
	RateLimit   float64
	// Durations as the settings write them (Go syntax, "120s").
	Timeout, Backoff, BackoffMax, LaunchTimeout string
	// RawGenerationLogprobs overrides the dialect's default when set.
	RawGenerationLogprobs *bool
	// Launch maps a served name (or LaunchAll) to a command template.
	Launch map[string]string
}

// Remote routes a manifest's models to HTTP servers by served name
// (README "Served names"): zoo variants as organism@variant, adapters by
// their LoRA module name (the organism id), full models by Hugging Face id.
type Remote struct {
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

// newRemote starts the servers of serving.launch the run needs (in dir),
// connects to them and to the given endpoints, and probes every model the
// run uses (tokenize and score one string) so a missing model or a server
// that cannot score fails the run before any generation.
func newRemote(ctx context.Context, sv Serving, cfg pipeline.Config, m *organisms.Manifest, b *zoo.Builder, dir string, log *slog.Logger) (_ *Remote, err error) {
	if sv.Dialect == remote.DialectOpenAI {
		return nil, serverErr(errOpenAIDialect)
	}
	var timeout, backoff, backoffMax, launchTimeout time.Duration
	for _, d := range []struct {
		key, val string
		dst      *time.Duration
	}{{"timeout", sv.Timeout, &timeout}, {"backoff", sv.Backoff, &backoff},
		{"backoff_max", sv.BackoffMax, &backoffMax}, {"launch_timeout", sv.LaunchTimeout, &launchTimeout}} {
		if *d.dst, err = time.ParseDuration(d.val); err != nil {
			return nil, settingf("serving.%s %q: %v", d.key, d.val, err)
		}
	}
	r := &Remote{builder: b}
	served, err := r.servedNames(cfg, m)
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
	if raw := sv.RawGenerationLogprobs; raw != nil {
		for _, name := range served {
			c := cfgs[name]
			c.RawGenerationLogprobs = raw
			cfgs[name] = c
		}
	}

	specs, err := launchSpecs(sv.Launch, served, revisions)
	if err != nil {
		return nil, err
	}
	if r.launched, err = launchServers(ctx, specs, dir, launchTimeout, log); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	endpoints := append(slices.Clone(sv.Endpoints), r.launched.Endpoints()...)
	if len(endpoints) == 0 {
		return nil, settingf("serving.launch starts no server for this run: its keys (%s) name none of the models it uses (%s); use %q for one server serving all",
			strings.Join(slices.Sorted(maps.Keys(sv.Launch)), ", "), strings.Join(served, ", "), LaunchAll)
	}
	r.endpoints = endpoints
	r.client, err = remote.New(ctx, remote.Options{
		Endpoints: endpoints, Dialect: sv.Dialect, APIKeyEnv: sv.APIKeyEnv, Getenv: sv.Getenv,
		MaxConcurrency: sv.Concurrency, BatchSize: sv.BatchSize, RequestTimeout: timeout,
		MaxRetries: sv.Retries, BackoffBase: backoff, BackoffMax: backoffMax,
		RateLimit: sv.RateLimit, Models: cfgs, Logger: log,
	})
	if err != nil {
		return nil, serverErr(err)
	}
	chat := slices.ContainsFunc(cfg.Prefills, func(p string) bool {
		pc, err := pipeline.ParsePrefillConfig(p)
		return err == nil && pc.Format == pipeline.FormatChat
	})
	adapters := map[string]bool{}
	for _, o := range m.Organisms {
		if o.Adapter {
			adapters[servedOrganism(&o)] = true
		}
	}
	sglang := sv.Dialect == remote.DialectSGLang
	for _, name := range served {
		rm, err := r.client.Remote(ctx, name)
		if err != nil {
			if _, listed := r.client.Served()[name]; sglang && adapters[name] && !listed {
				// Version gate: older SGLang lists only the base model.
				err = fmt.Errorf("%w\n(%s is a LoRA adapter: SGLang lists adapters in /v1/models only in recent versions; "+
					"start a recent SGLang with --enable-lora --lora-paths %s=PATH, or serve adapters with vLLM)", err, name, name)
			}
			return nil, serverErr(err)
		}
		if chat {
			if err := checkChat(ctx, rm, sglang); err != nil {
				return nil, serverErr(err)
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
func (r *Remote) servedNames(cfg pipeline.Config, m *organisms.Manifest) ([]string, error) {
	plan, err := pipeline.MakePlan(cfg, m, r)
	if err != nil {
		return nil, err // pipeline.ErrConfig
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
func (r *Remote) Close() error { return r.launched.Close() }

// Endpoints are the base URLs in use, launched servers included.
func (r *Remote) Endpoints() []string { return r.endpoints }

func servedOrganism(o *organisms.Organism) string {
	if o.Adapter || o.Model == "" {
		return o.ID
	}
	return o.Model
}

func (r *Remote) Variants(o *organisms.Organism) []pipeline.Variant {
	if o.Recipe != nil {
		return Zoo{B: r.builder}.Variants(o)
	}
	return []pipeline.Variant{{Name: "default", Size: o.Params.String()}}
}

func (r *Remote) organismName(o *organisms.Organism, v pipeline.Variant) string {
	if o.Recipe != nil {
		return zoo.OrganismServedName(o.ID, v.Name)
	}
	return servedOrganism(o)
}

func (r *Remote) referenceName(ref *organisms.Reference, o *organisms.Organism, v pipeline.Variant) (string, error) {
	name := ref.Model
	if o.Recipe != nil {
		var err error
		if name, err = r.builder.ReferenceServedName(ref.ID, o.ID, v.Name); err != nil {
			return "", err
		}
	}
	if name == "" {
		return "", settingf("reference %s has no model (Hugging Face id or served name) to ask a server for", ref.ID)
	}
	return name, nil
}

func (r *Remote) Organism(ctx context.Context, o *organisms.Organism, v pipeline.Variant) (lm.Model, error) {
	m, err := r.client.Model(r.organismName(o, v))
	if err != nil {
		return nil, serverErr(err)
	}
	return m, nil
}

func (r *Remote) Reference(ctx context.Context, ref *organisms.Reference, o *organisms.Organism, v pipeline.Variant) (lm.Model, error) {
	name, err := r.referenceName(ref, o, v)
	if err != nil {
		return nil, err
	}
	m, err := r.client.Model(name)
	if err != nil {
		return nil, serverErr(err)
	}
	return m, nil
}
