package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ppldiff/ppldiff/harness/judge"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/remote"
	"github.com/ppldiff/ppldiff/harness/serve"
	"github.com/ppldiff/ppldiff/organisms"
)

// JudgeSettings configure the LLM judges of manifests' judge detectors
// (ppldiff.yaml judge:). Without an endpoint no judge is asked and
// judge-only organisms keep null counts.
type JudgeSettings struct {
	Endpoint  string `mapstructure:"endpoint" yaml:"endpoint"`       // OpenAI-compatible base URL (vLLM or hosted)
	APIKeyEnv string `mapstructure:"api_key_env" yaml:"api_key_env"` // the variable's NAME; its value is sent as a bearer token
	Model     string `mapstructure:"model" yaml:"model"`             // for judges that pin none
	K         int    `mapstructure:"k" yaml:"k"`                     // leading ranks judged per ranking
	Sample    int    `mapstructure:"sample" yaml:"sample"`           // random completions judged below k per ranking
	MaxTokens int    `mapstructure:"max_tokens" yaml:"max_tokens"`   // per answer
	// Concurrency bounds judge requests in flight.
	Concurrency int `mapstructure:"concurrency" yaml:"concurrency"`
	// PriceInput and PriceOutput (currency units per million prompt and
	// answer tokens) turn --dry-run's token budget into a cost estimate.
	PriceInput  float64 `mapstructure:"price_input" yaml:"price_input"`
	PriceOutput float64 `mapstructure:"price_output" yaml:"price_output"`
}

func defaultJudgeSettings() JudgeSettings {
	return JudgeSettings{K: 100, Sample: 50, MaxTokens: judge.DefaultMaxTokens, Concurrency: 8}
}

// judgeChecks are the judge settings' range checks (validateSettings).
func judgeChecks(j JudgeSettings) []settingCheck {
	neg := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) || x < 0 }
	return []settingCheck{
		{"judge.k", j.K < 1 || j.K > maxN, j.K, fmt.Sprintf("an integer from 1 to %d", maxN)},
		{"judge.sample", j.Sample < 0 || j.Sample > maxN, j.Sample, fmt.Sprintf("an integer from 0 to %d", maxN)},
		{"judge.max_tokens", j.MaxTokens < 1 || j.MaxTokens > maxNewTokensCap, j.MaxTokens, fmt.Sprintf("an integer from 1 to %d", maxNewTokensCap)},
		{"judge.concurrency", j.Concurrency < 1 || j.Concurrency > maxConcurrency, j.Concurrency, fmt.Sprintf("an integer from 1 to %d", maxConcurrency)},
		{"judge.price_input", neg(j.PriceInput), j.PriceInput, "a finite number >= 0"},
		{"judge.price_output", neg(j.PriceOutput), j.PriceOutput, "a finite number >= 0"},
	}
}

// judgedOrganisms are the run's organisms that have a judge detector.
func judgedOrganisms(m *organisms.Manifest, cfg pipeline.Config) []*organisms.Organism {
	var out []*organisms.Organism
	for i := range m.Organisms {
		o := &m.Organisms[i]
		if o.Detectors.Judge != nil && (len(cfg.Organisms) == 0 || slices.Contains(cfg.Organisms, o.ID)) {
			out = append(out, o)
		}
	}
	return out
}

// judgeConfig is the run's judge config: nil without an endpoint or
// without a judged organism (so runs without judges keep their ids). Every
// judged organism must have a model to ask.
// With forBudget, a config is returned without an endpoint too, for
// --dry-run's budget (the run's own config, and so its id, stays without).
func judgeConfig(s Settings, m *organisms.Manifest, cfg pipeline.Config, forBudget bool) (*pipeline.JudgeConfig, error) {
	orgs := judgedOrganisms(m, cfg)
	if len(orgs) == 0 || (s.Judge.Endpoint == "" && !forBudget) {
		return nil, nil
	}
	var missing []string
	for _, o := range orgs {
		if o.Detectors.Judge.Model == "" && s.Judge.Model == "" {
			missing = append(missing, o.ID)
		}
	}
	if len(missing) > 0 && s.Judge.Endpoint != "" {
		return nil, usagef("the judges of %s pin no model: set judge.model in ppldiff.yaml (or PPLDIFF_JUDGE_MODEL), or model: under each judge in the manifest",
			strings.Join(missing, ", "))
	}
	return &pipeline.JudgeConfig{Model: s.Judge.Model, K: s.Judge.K, Sample: s.Judge.Sample, MaxTokens: s.Judge.MaxTokens}, nil
}

// newJudge connects the run's judge; nil when the run asks none.
func newJudge(s Settings, cfg pipeline.Config, st judge.Cache, env *Env, log *slog.Logger) (*judge.Judge, []string, error) {
	if cfg.Judge == nil || s.Judge.Endpoint == "" {
		return nil, nil, nil
	}
	timeout, err1 := time.ParseDuration(s.Serving.Timeout)
	backoff, err2 := time.ParseDuration(s.Serving.Backoff)
	backoffMax, err3 := time.ParseDuration(s.Serving.BackoffMax)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, nil, usagef("serving.timeout, serving.backoff, serving.backoff_max: want durations such as 30s")
	}
	c, err := remote.NewChatClient(remote.Options{
		Endpoints: []string{s.Judge.Endpoint}, APIKeyEnv: s.Judge.APIKeyEnv, Getenv: env.Getenv,
		MaxConcurrency: s.Judge.Concurrency, RequestTimeout: timeout, MaxRetries: s.Serving.Retries,
		BackoffBase: backoff, BackoffMax: backoffMax, RateLimit: s.Serving.RateLimit, Logger: log,
	})
	if err != nil {
		return nil, nil, backendErr(err)
	}
	j, err := judge.New(judge.Options{Client: c, Cache: st, Model: cfg.Judge.Model, Seed: cfg.Seed,
		MaxTokens: cfg.Judge.MaxTokens, Concurrency: s.Judge.Concurrency})
	if err != nil {
		return nil, nil, err
	}
	return j, c.Endpoints(), nil
}

// judgeBudget prints what the judges would cost: an upper bound on
// requests (every ranking's top k and sample, as if no two rankings
// shared a completion and nothing were cached) and a tighter one (each
// completion judged once per unit), with tokens estimated from the prompt
// template and max_new_tokens at 4 bytes a token.
func judgeBudget(w io.Writer, p *pipeline.Plan, jc *pipeline.JudgeConfig, s Settings) {
	if jc == nil {
		return
	}
	var calls, unitCap, promptTok, answerTok int64
	for _, u := range p.Units {
		jd := u.Organism.Detectors.Judge
		if jd == nil {
			continue
		}
		perRanking := int64(min(p.Config.N, jc.K+jc.Sample))
		rankings := int64(len(u.References) * len(pipeline.AllScores))
		n := min(perRanking*rankings, int64(p.Config.N))
		calls += perRanking * rankings
		unitCap += n
		prompt := int64(len(jd.Prompt(u.Organism.Objective, "")))/4 + int64(p.Config.MaxNewTokens)
		promptTok += n * prompt
		answerTok += n * int64(jd.Votes()) * int64(jc.MaxTokens)
	}
	fmt.Fprintf(w, "judge budget (k=%d, sample=%d below k; upper bounds: cached verdicts are not subtracted):\n", jc.K, jc.Sample)
	fmt.Fprintf(w, "  requests   %12d (at most one per completion and unit; %d if no two rankings shared one)\n", unitCap, calls)
	fmt.Fprintf(w, "  tokens     %12d prompt + %d answer (4 bytes a token; completions at max_new_tokens)\n", promptTok, answerTok)
	if s.Judge.PriceInput > 0 || s.Judge.PriceOutput > 0 {
		cost := float64(promptTok)/1e6*s.Judge.PriceInput + float64(answerTok)/1e6*s.Judge.PriceOutput
		fmt.Fprintf(w, "  cost       %12.2f at %g + %g per million prompt + answer tokens (judge.price_input, judge.price_output)\n",
			cost, s.Judge.PriceInput, s.Judge.PriceOutput)
	} else {
		fmt.Fprintf(w, "  cost       set judge.price_input and judge.price_output (per million tokens) for an estimate\n")
	}
	if s.Judge.Endpoint == "" {
		fmt.Fprintf(w, "  (no judge.endpoint is set: a run would ask no judge and judge-only organisms would keep null counts)\n")
	}
}

// judgeWarning says when judges are left unasked.
func judgeWarning(s Settings, m *organisms.Manifest, cfg pipeline.Config) []string {
	if s.Judge.Endpoint != "" {
		return nil
	}
	var ids []string
	for _, o := range judgedOrganisms(m, cfg) {
		ids = append(ids, o.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d organism(s) have an LLM judge but judge.endpoint is not set, so no judge is asked and judge-only ones keep null counts: %s",
		len(ids), strings.Join(ids, ", "))}
}

// loadJudgeRules reads `serve --judge-rules FILE`; "" serves no judge.
func loadJudgeRules(env *Env, path string) (*serve.JudgeRules, error) {
	if path == "" {
		return nil, nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(env.Dir, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, inputErr(fmt.Errorf("--judge-rules: %w", err))
	}
	r, err := serve.ParseJudgeRules(path, data)
	if err != nil {
		return nil, inputErr(err)
	}
	return r, nil
}
