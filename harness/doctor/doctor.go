package doctor

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/remote"
)

// Options select the server, model and tolerances.
type Options struct {
	Endpoint  string
	Model     string
	Dialect   string // empty: vllm
	APIKeyEnv string
	// BatchN is the batch size compared with batch 1 (default 8).
	BatchN int
	// Tolerance bounds |Δlogprob| for agreement checks (default 1e-3: GPU
	// kernels are not batch invariant unless VLLM_BATCH_INVARIANT=1).
	Tolerance      float64
	RequestTimeout time.Duration
}

// Status of a check.
type Status string

// Statuses.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Warn Status = "warn"
	Skip Status = "skip"
)

// Row is one check's outcome.
type Row struct {
	Check  string
	Status Status
	Detail string
}

// Report is the outcome of Run.
type Report struct {
	Endpoint, Model, Dialect string
	Rows                     []Row
}

// OK reports whether no check failed.
func (r *Report) OK() bool {
	for _, row := range r.Rows {
		if row.Status == Fail {
			return false
		}
	}
	return true
}

// Table is the report as a title line and a table, for the CLI to print
// with the project's table writer.
func (r *Report) Table() (title string, header []string, rows [][]string) {
	title = fmt.Sprintf("doctor: model %s on %s (dialect %s)", r.Model, r.Endpoint, r.Dialect)
	for _, row := range r.Rows {
		rows = append(rows, []string{row.Check, string(row.Status), row.Detail})
	}
	return title, []string{"check", "status", "detail"}, rows
}

// fixedText is scored by every agreement check.
const fixedText = "The quick brown fox jumps over the lazy dog. It was the best of times."

// Run connects to the endpoint and runs every check. It returns an error
// only when the model cannot be reached at all; failed checks are rows.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.BatchN <= 1 {
		opts.BatchN = 8
	}
	if opts.Tolerance <= 0 {
		opts.Tolerance = 1e-3
	}
	if opts.Dialect == "" {
		opts.Dialect = remote.DialectVLLM
	}
	rep := &Report{Endpoint: remote.RedactURL(opts.Endpoint), Model: opts.Model, Dialect: opts.Dialect}
	c, err := remote.New(ctx, remote.Options{Endpoints: []string{opts.Endpoint}, Dialect: opts.Dialect,
		APIKeyEnv: opts.APIKeyEnv, BatchSize: opts.BatchN, RequestTimeout: opts.RequestTimeout, MaxRetries: 2})
	if err != nil {
		return nil, err
	}
	m, err := c.Remote(ctx, opts.Model)
	if err != nil {
		rep.Rows = append(rep.Rows, Row{"capability", Fail, err.Error()})
		return rep, nil
	}
	rep.Rows = append(rep.Rows, Row{"capability", Pass, "tokenize and prompt scoring answer"})
	add := func(check string, f func() (Status, string, error)) {
		st, detail, err := f()
		if err != nil {
			st, detail = Fail, err.Error()
		}
		rep.Rows = append(rep.Rows, Row{check, st, detail})
	}
	ids, err := m.Tokenize(ctx, lm.TokenizeRequest{Text: []byte(fixedText), AddSpecial: true})
	if err != nil || len(ids) < 3 {
		rep.Rows = append(rep.Rows, Row{"tokenize", Fail, fmt.Sprint("tokenizing the fixed text: ", err)})
		return rep, nil
	}
	item := lm.ScoreItem{Context: ids[:2], Continuation: ids[2:]}
	method := remote.ScoreEcho
	if opts.Dialect == remote.DialectSGLang {
		method = "sglang"
	}
	one, err := m.ScoreWith(ctx, []lm.ScoreItem{item}, method)

	add("score batch 1 vs batch N", func() (Status, string, error) {
		if err != nil {
			return Fail, "", err
		}
		batch := make([]lm.ScoreItem, opts.BatchN)
		for i := range batch {
			batch[i] = item
		}
		many, err := m.ScoreWith(ctx, batch, method)
		if err != nil {
			return Fail, "", err
		}
		d := 0.0
		for _, s := range many {
			d = math.Max(d, maxDiff(one[0], s))
		}
		return verdict(d <= opts.Tolerance), fmt.Sprintf("max |Δlogprob| %.3g over %d copies (tolerance %g)", d, opts.BatchN, opts.Tolerance), nil
	})

	add("echo vs prompt_logprobs", func() (Status, string, error) {
		if opts.Dialect != remote.DialectVLLM {
			return Skip, "vllm dialect only", nil
		}
		if err != nil {
			return Fail, "", err
		}
		pl, err := m.ScoreWith(ctx, []lm.ScoreItem{item}, remote.ScorePromptLogprobs)
		if err != nil {
			return Fail, "", err
		}
		d := maxDiff(one[0], pl[0])
		return verdict(d <= opts.Tolerance), fmt.Sprintf("max |Δlogprob| %.3g", d), nil
	})

	add("greedy generation repeats", func() (Status, string, error) {
		req := lm.GenerateRequest{Prompts: [][]int{ids[:4]}, MaxNewTokens: 32, Temperature: 0, Seed: 1}
		a, err := m.Generate(ctx, req)
		if err != nil {
			return Fail, "", err
		}
		b, err := m.Generate(ctx, req)
		if err != nil {
			return Fail, "", err
		}
		if !equalInts(a[0].Tokens, b[0].Tokens) {
			return Fail, fmt.Sprintf("two greedy runs differ (%d vs %d tokens)", len(a[0].Tokens), len(b[0].Tokens)), nil
		}
		return Pass, fmt.Sprintf("%d identical tokens", len(a[0].Tokens)), nil
	})

	add("raw generation logprobs", func() (Status, string, error) {
		const temp = 0.5
		g, err := m.Generate(ctx, lm.GenerateRequest{Prompts: [][]int{ids[:4]}, MaxNewTokens: 32, Temperature: temp, Seed: 2})
		if err != nil {
			return Fail, "", err
		}
		if len(g[0].Tokens) == 0 {
			return Warn, "empty generation; nothing to compare", nil
		}
		tf, err := m.Score(ctx, []lm.ScoreItem{{Context: ids[:4], Continuation: g[0].Tokens}})
		if err != nil {
			return Fail, "", err
		}
		d := maxDiff(g[0].Logprobs, tf[0])
		raw := d <= opts.Tolerance
		claimed := m.Info().RawGenerationLogprobs
		detail := fmt.Sprintf("at temperature %g generation vs teacher-forced max |Δ| %.3g: logprobs look %s; ModelInfo says raw=%v",
			temp, d, map[bool]string{true: "raw", false: "processed"}[raw], claimed)
		return verdict(raw == claimed), detail, nil
	})

	add("BOS handling", func() (Status, string, error) {
		c, err := remote.CheckChatBOS(ctx, m)
		if err != nil {
			return Warn, fmt.Sprintf("chat template not checked: %v", err), nil
		}
		if !c.OK() {
			return Fail, c.String() + "; want exactly one (the template's): ppldiff sends add_special_tokens false with messages", nil
		}
		return Pass, c.String(), nil
	})
	return rep, nil
}

func verdict(ok bool) Status {
	if ok {
		return Pass
	}
	return Fail
}

func maxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		if math.IsInf(a[i], -1) && math.IsInf(b[i], -1) {
			continue
		}
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
