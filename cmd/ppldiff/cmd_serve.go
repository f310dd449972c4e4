package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ppldiff/ppldiff/harness/backend"
	"github.com/ppldiff/ppldiff/harness/serve"
)

type serveOptions struct {
	addr        string
	dialect     string
	manifest    string
	store       string
	allowRemote bool
	faultRate   float64
	latency     time.Duration
	seed        uint64
	judgeRules  string
}

func (o *serveOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8000", "listen address (loopback unless --allow-remote; port 0 picks a free one)")
	f.StringVar(&o.dialect, "dialect", "vllm", "API dialect: vllm, sglang, or openai (no prompt scoring)")
	f.StringVar(&o.manifest, "manifest", "zoo", "zoo manifest whose models are served")
	f.StringVar(&o.store, "store", "", "store and model cache directory (default <workspace>/.ppldiff)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback listen address")
	f.Float64Var(&o.faultRate, "fault-rate", 0, "fault injection: share of requests answered with 500, 429, a hang or a truncated body")
	f.DurationVar(&o.latency, "latency", 0, "fault injection: latency added to every request")
	f.Uint64Var(&o.seed, "seed", 1, "seed of fault injection and of requests without a seed")
	f.StringVar(&o.judgeRules, "judge-rules", "", "also serve a scripted LLM judge at /v1/chat/completions answering by the rules in this YAML file")
}

func newServeCommand(a *app) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve --addr 127.0.0.1:PORT [--dialect vllm|sglang|openai]",
		Short: "Serve every zoo model by served name over a vLLM-compatible API",
		Long: `Serve every model of a zoo manifest (organisms as organism@variant, references
by their served names) with vLLM's layouts: /v1/models, /v1/completions
(generation, logprobs, echo, prompt_logprobs), /tokenize, /detokenize,
/health; /generate in the sglang dialect; with --judge-rules FILE, a scripted
LLM judge at /v1/chat/completions. A stand-in for a GPU server in
tests and demos: 'ppldiff run --endpoint http://ADDR' against it gives the
in-process results.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runServe(cmd.Context(), cmd.Flags(), o)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func (a *app) runServe(ctx context.Context, flags *pflag.FlagSet, o *serveOptions) error {
	var d serve.Dialect
	switch o.dialect {
	case "vllm":
		d = serve.VLLM
	case "sglang":
		d = serve.SGLang
	case "openai":
		d = serve.OpenAI
	default:
		return usagef("--dialect %q: want vllm, sglang or openai", o.dialect)
	}
	rules, err := loadJudgeRules(a.env, o.judgeRules)
	if err != nil {
		return err
	}
	ln, err := serve.Listen(o.addr, o.allowRemote)
	if err != nil {
		return usageErr(err)
	}
	defer ln.Close()
	l, err := a.loader()
	if err != nil {
		return err
	}
	m, err := loadManifest(a.env, o.manifest)
	if err != nil {
		return err
	}
	// The model cache is the run's: --store, PPLDIFF_STORE or store: in
	// ppldiff.yaml, layered as for `run`.
	if err := l.bind(flags, map[string]string{"store": "store"}); err != nil {
		return err
	}
	s, err := l.settings()
	if err != nil {
		return err
	}
	log := a.logger("info")
	log.Info("building zoo models", "manifest", m.Name)
	models, err := backend.ZooServed(ctx, m, filepath.Join(l.storeDir(s), "models"))
	if err != nil {
		return err
	}
	h := serve.New(models, serve.Options{Dialect: d, Seed: o.seed, Logger: log, Judge: rules,
		Faults: serve.Faults{Rate: o.faultRate, Latency: o.latency}})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(a.env.Stdout, "serving %d models on http://%s (dialect %s)\n", len(models), ln.Addr(), o.dialect)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
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
