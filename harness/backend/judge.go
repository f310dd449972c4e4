package backend

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ppldiff/ppldiff/harness/judge"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/remote"
	"github.com/ppldiff/ppldiff/harness/store"
	"github.com/ppldiff/ppldiff/organisms"
)

// JudgeSettings configure the LLM judges of manifests' judge detectors
// (ppldiff.yaml judge:, PPLDIFF_JUDGE_*; the tags are the config keys, and
// cmd/ppldiff's settings hold this type). Without an endpoint no judge is
// asked and judge-only organisms keep null counts.
type JudgeSettings struct {
	Endpoint    string `mapstructure:"endpoint" yaml:"endpoint"`       // OpenAI-compatible base URL (vLLM or hosted)
	APIKeyEnv   string `mapstructure:"api_key_env" yaml:"api_key_env"` // the variable's NAME; its value is sent as a bearer token
	Model       string `mapstructure:"model" yaml:"model"`             // for judges that pin none
	K           int    `mapstructure:"k" yaml:"k"`                     // leading ranks judged per ranking
	Sample      int    `mapstructure:"sample" yaml:"sample"`           // random completions judged below k per ranking
	MaxTokens   int    `mapstructure:"max_tokens" yaml:"max_tokens"`   // per answer
	Concurrency int    `mapstructure:"concurrency" yaml:"concurrency"` // requests in flight
	// PriceInput and PriceOutput (currency units per million prompt and
	// answer tokens) turn --dry-run's token budget into a cost estimate.
	PriceInput  float64 `mapstructure:"price_input" yaml:"price_input"`
	PriceOutput float64 `mapstructure:"price_output" yaml:"price_output"`
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
func judgeConfig(s JudgeSettings, m *organisms.Manifest, cfg pipeline.Config, forBudget bool) (*pipeline.JudgeConfig, error) {
	orgs := judgedOrganisms(m, cfg)
	if len(orgs) == 0 || (s.Endpoint == "" && !forBudget) {
		return nil, nil
	}
	var missing []string
	for _, o := range orgs {
		if o.Detectors.Judge.Model == "" && s.Model == "" {
			missing = append(missing, o.ID)
		}
	}
	if len(missing) > 0 && s.Endpoint != "" {
		return nil, settingf("the judges of %s pin no model: set judge.model in ppldiff.yaml (or PPLDIFF_JUDGE_MODEL), or model: under each judge in the manifest",
			strings.Join(missing, ", "))
	}
	return &pipeline.JudgeConfig{Model: s.Model, K: s.K, Sample: s.Sample, MaxTokens: s.MaxTokens}, nil
}

// judgeWarning says when judges are left unasked.
func judgeWarning(s JudgeSettings, m *organisms.Manifest, cfg pipeline.Config) []string {
	if s.Endpoint != "" {
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

// NewJudge connects the run's judge; nil when the run asks none. The
// endpoints it returns (credentials redacted) go to run-log.json.
func (e *Env) NewJudge(st judge.Cache, log *slog.Logger) (*judge.Judge, []string, error) {
	s, sv := e.opts.Judge, e.opts.Serving
	if e.Config.Judge == nil || s.Endpoint == "" {
		return nil, nil, nil
	}
	timeout, err1 := time.ParseDuration(sv.Timeout)
	backoff, err2 := time.ParseDuration(sv.Backoff)
	backoffMax, err3 := time.ParseDuration(sv.BackoffMax)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, nil, settingf("serving.timeout, serving.backoff, serving.backoff_max: want durations such as 30s")
	}
	c, err := remote.NewChatClient(remote.Options{
		Endpoints: []string{s.Endpoint}, APIKeyEnv: s.APIKeyEnv, Getenv: sv.Getenv,
		MaxConcurrency: s.Concurrency, RequestTimeout: timeout, MaxRetries: sv.Retries,
		BackoffBase: backoff, BackoffMax: backoffMax, RateLimit: sv.RateLimit, Logger: log,
	})
	if err != nil {
		return nil, nil, serverErr(err)
	}
	j, err := judge.New(judge.Options{Client: c, Cache: st, Model: e.Config.Judge.Model, Seed: e.Config.Seed,
		MaxTokens: e.Config.Judge.MaxTokens, Concurrency: s.Concurrency})
	if err != nil {
		return nil, nil, err
	}
	return j, c.Endpoints(), nil
}

// JudgeBudget prints what the judges of a planned run would cost: an
// upper bound on requests (every ranking's top k and sample, as if no two
// rankings shared a completion) and a tighter one (each completion judged
// once per unit), then the requests left to ask once the verdicts the
// store holds from earlier runs of the same completions are taken off
// (judgedBefore), with tokens and cost for those, estimated from the
// prompt template and max_new_tokens at 4 bytes a token. Nothing is
// printed when no organism of the run has a judge. The store is read
// only when it exists: a dry run creates none.
func (e *Env) JudgeBudget(ctx context.Context, w io.Writer, p *pipeline.Plan) error {
	jc, _ := judgeConfig(e.opts.Judge, e.Manifest, e.Config, true)
	if jc == nil {
		return nil
	}
	path := filepath.Join(e.opts.StoreDir, store.FileName)
	if _, err := os.Stat(path); e.opts.StoreDir == "" || err != nil {
		return e.judgeBudget(ctx, w, p, jc, nil)
	}
	st, err := store.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	return e.judgeBudget(ctx, w, p, jc, st)
}

// judgeBudget is JudgeBudget with the judge config and the store's runs
// (nil: none).
func (e *Env) judgeBudget(ctx context.Context, w io.Writer, p *pipeline.Plan, jc *pipeline.JudgeConfig, runs StoredRuns) error {
	s := e.opts.Judge
	cfg := p.Config
	cfg.Judge = jc
	before, used, err := judgedBefore(ctx, runs, cfg)
	if err != nil {
		return fmt.Errorf("judge budget: %w", err)
	}
	var calls, unitCaps, toAsk, promptTok, answerTok int64
	for i := range p.Units {
		u := &p.Units[i]
		jd := u.Organism.Detectors.Judge
		if jd == nil {
			continue
		}
		perRanking := int64(min(p.Config.N, jc.K+jc.Sample))
		rankings := int64(len(u.References) * len(pipeline.AllScores))
		unitCap := min(perRanking*rankings, int64(p.Config.N))
		ask := unitToAsk(u, cfg, before, perRanking, unitCap)
		calls += perRanking * rankings
		unitCaps += unitCap
		toAsk += ask
		prompt := int64(len(jd.Prompt(u.Organism.Objective, "")))/4 + int64(p.Config.MaxNewTokens)
		promptTok += ask * prompt
		answerTok += ask * int64(jd.Votes()) * int64(jc.MaxTokens)
	}
	fmt.Fprintf(w, "judge budget (k=%d, sample=%d below k; upper bounds):\n", jc.K, jc.Sample)
	fmt.Fprintf(w, "  requests   %12d (at most one per completion and unit; %d if no two rankings shared one)\n", unitCaps, calls)
	if used > 0 {
		fmt.Fprintf(w, "  to ask     %12d (%d fewer: the store holds the verdicts of %d earlier run(s) of the same completions)\n",
			toAsk, unitCaps-toAsk, used)
	} else {
		fmt.Fprintf(w, "  to ask     %12d (the store holds no earlier run of the same completions with a judge)\n", toAsk)
	}
	fmt.Fprintf(w, "  tokens     %12d prompt + %d answer, of those to ask (4 bytes a token; completions at max_new_tokens)\n", promptTok, answerTok)
	if s.PriceInput > 0 || s.PriceOutput > 0 {
		cost := float64(promptTok)/1e6*s.PriceInput + float64(answerTok)/1e6*s.PriceOutput
		fmt.Fprintf(w, "  cost       %12.2f at %g + %g per million prompt + answer tokens (judge.price_input, judge.price_output)\n",
			cost, s.PriceInput, s.PriceOutput)
	} else {
		fmt.Fprintf(w, "  cost       set judge.price_input and judge.price_output (per million tokens) for an estimate\n")
	}
	if s.Endpoint == "" {
		fmt.Fprintf(w, "  (no judge.endpoint is set: a run would ask no judge and judge-only organisms would keep null counts)\n")
	}
	return nil
}
