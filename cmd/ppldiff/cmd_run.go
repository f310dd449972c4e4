package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
)

// runOptions are the flags of `ppldiff run`. Each is also a key of
// ppldiff.yaml and a PPLDIFF_* variable; a flag wins only when given.
type runOptions struct {
	dryRun bool
	// corpora are --corpus NAME=PATH: a one-off corpus without editing
	// ppldiff.yaml (the same as corpora.NAME.path there).
	corpora []string
}

// runFlagKeys maps each run flag to its settings key.
var runFlagKeys = map[string]string{
	"manifest": "manifest", "matrix": "matrix", "organism": "organisms", "variant": "variants",
	"reference": "references", "reference-kind": "reference_kinds", "prefills": "prefills",
	"n": "n", "repeats": "repeats", "seed": "seed", "decoding": "decoding",
	"temperature": "temperature", "top-p": "top_p", "max-new-tokens": "max_new_tokens",
	"prefill-tokens": "prefill_tokens", "prefill-offset": "prefill_offset",
	"min-completion-tokens": "min_completion_tokens", "max-compression-ratio": "max_compression_ratio",
	"dedup": "dedup", "samples-top-k": "samples_top_k", "endpoint": "endpoints", "out": "out",
	"store": "store", "model": "model", "reference-model": "reference_model",
	"require-pinned": "require_pinned", "concurrency": "concurrency", "no-report": "no_report", "table": "table",
	"budget": "budget",
}

func (o *runOptions) AddFlags(cmd *cobra.Command) {
	d := defaultSettings()
	f := cmd.Flags()
	f.String("manifest", d.Manifest, "organism manifest: zoo, paper, or a YAML file")
	f.String("matrix", "", "preset matrix: study (the study's regime: 10,000 greedy prefills per config, one representative variant per organism)")
	f.StringSlice("organism", nil, "organism id to run (repeatable; default all)")
	f.StringSlice("variant", nil, "variant to run (repeatable; default all)")
	f.StringSlice("reference", nil, "reference id (repeatable; default all of each organism)")
	f.StringSlice("reference-kind", nil, "reference kind: true_base, cross_family, weak, other (repeatable)")
	f.StringSlice("prefills", d.Prefills, "prefill config <corpus>-<format> (repeatable)")
	f.IntP("n", "n", d.N, "prefills per config and repeat")
	f.Int("repeats", d.Repeats, "repeats; repeat r samples fresh prefills with seed + r")
	f.Uint64("seed", d.Seed, "seed of prefill sampling and decoding")
	f.String("decoding", d.Decoding, "greedy or sample")
	f.Float64("temperature", d.Temperature, "sampling temperature")
	f.Float64("top-p", d.TopP, "nucleus sampling threshold (1: off)")
	f.Int("max-new-tokens", d.MaxNewTokens, "maximum completion length in tokens")
	f.Int("prefill-tokens", d.PrefillTokens, "prefill length in tokens (the study's 3)")
	f.String("prefill-offset", d.PrefillOffset, "where prefills start in a document: start or random")
	f.Int("min-completion-tokens", d.MinCompletionTokens, "drop completions shorter than this before ranking")
	f.Float64("max-compression-ratio", d.MaxCompressionRatio, "drop degenerate repetitions compressing better than this (0: keep)")
	f.Bool("dedup", d.Dedup, "drop identical completions before ranking")
	f.String("budget", pipeline.BudgetFixed, "fixed (n prefills per config) or adaptive (rounds that stop once each organism variant x reference's count@100 is decided; writes budget.json)")
	f.Int("samples-top-k", d.SamplesTopK, "completions per ranking written to samples.jsonl (0: all)")
	f.StringSlice("endpoint", nil, "base URL of a model server (repeatable; vLLM by default)")
	f.String("out", "", "output directory (default <workspace>/runs/<run id>)")
	f.String("store", "", "store and model cache directory (default <workspace>/.ppldiff)")
	f.String("model", "", "ad-hoc audit: served name of the finetuned model")
	f.String("reference-model", "", "ad-hoc audit: served name of the reference model")
	f.Bool("require-pinned", false, "refuse models without a pinned revision")
	f.Int("concurrency", 0, "units in flight (default: cores for the zoo, serving.concurrency x endpoints for servers)")
	f.Bool("no-report", false, "skip report.html, report.md and plots")
	f.String("table", d.Table, "terminal summary: headline (one row per organism x reference) or full (every entry)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the plan and a token estimate per stage, then stop")
	f.StringArrayVar(&o.corpora, "corpus", nil, "a corpus NAME=PATH (file, directory or glob of shards) for prefill configs NAME-raw, NAME-chat (repeatable)")
}

func newRunCommand(a *app) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run perplexity differencing over a manifest (default: the embedded zoo)",
		Long: `Run perplexity differencing: for every organism variant, prefill config and
repeat, sample prefills, generate completions with the finetuned model, score
them under it and each reference, rank by the score, and count flagged
completions. Writes results.json, samples.jsonl, run-log.json and a report to
--out (default <workspace>/runs/<run id>/). Work is cached in the store: an
interrupted run resumes by re-running the same command, and adding a
reference costs only its scoring pass.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.loader()
			if err != nil {
				return err
			}
			if err := l.bind(cmd.Flags(), runFlagKeys); err != nil {
				return err
			}
			if err := l.applyMatrix(); err != nil {
				return err
			}
			s, err := l.settings()
			if err != nil {
				return err
			}
			if s.Corpora, err = addCorpusFlags(s.Corpora, o.corpora); err != nil {
				return err
			}
			if err := checkTable(s.Table); err != nil {
				return err
			}
			return a.runRun(cmd.Context(), l, s, o)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// addCorpusFlags merges --corpus NAME=PATH into the corpora of the
// settings. A name ppldiff.yaml also defines keeps its other keys
// (text_field, skip_bad) and takes the flag's path.
func addCorpusFlags(corpora map[string]CorpusSetting, flags []string) (map[string]CorpusSetting, error) {
	if len(flags) == 0 {
		return corpora, nil
	}
	out := maps.Clone(corpora)
	if out == nil {
		out = map[string]CorpusSetting{}
	}
	for _, f := range flags {
		name, path, ok := strings.Cut(f, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || path == "" || !corpusName.MatchString(name) {
			return nil, usagef("--corpus %q: want NAME=PATH with NAME of letters, digits and _ (e.g. --corpus c4=data/c4/*.json.gz), then use prefill configs NAME-raw or NAME-chat", f)
		}
		cs, _ := settingsKey(out, name)
		for k := range out {
			if strings.EqualFold(k, name) {
				delete(out, k)
			}
		}
		cs.Path = path
		out[name] = cs
	}
	return out, nil
}

// corpusName is a corpus name that a prefill config <name>-<format> can
// carry: no '-', which separates the format.
var corpusName = regexp.MustCompile(`^[a-z0-9_]+$`)

// runLog is run-log.json: what varies between machines and runs of the same
// config, kept out of results.json.
type runLog struct {
	RunID      string                   `json:"run_id"`
	Started    string                   `json:"started"`
	Finished   string                   `json:"finished"`
	Host       string                   `json:"host"`
	GoVersion  string                   `json:"go_version"`
	Version    string                   `json:"ppldiff_version"`
	Workspace  string                   `json:"workspace"`
	Store      string                   `json:"store"`
	ConfigFile string                   `json:"config_file,omitempty"`
	Endpoints  []string                 `json:"endpoints,omitempty"`
	Work       pipeline.CounterSnapshot `json:"work"`
	Models     any                      `json:"models,omitempty"`
	Warnings   []string                 `json:"warnings"`
}

func (a *app) runRun(ctx context.Context, l *loader, s Settings, o *runOptions) error {
	_, err := a.runRunTo(ctx, l, s, o)
	return err
}

// runRunTo is runRun returning the output directory ("" for a dry run).
func (a *app) runRunTo(ctx context.Context, l *loader, s Settings, o *runOptions) (string, error) {
	log := a.logger(s.LogLevel)
	started := a.env.Now()
	env, err := a.setup(ctx, l, s, o.dryRun, log)
	if err != nil {
		return "", err
	}
	defer env.Close()
	plan, err := pipeline.MakePlan(env.cfg, env.manifest, env.models)
	if err != nil {
		return "", err // exitTable: pipeline.ErrConfig
	}
	if o.dryRun {
		plan.Describe(a.env.Stdout)
		fmt.Fprintf(a.env.Stdout, "run id: %s\n", env.cfg.RunID())
		return "", nil
	}
	for _, w := range env.warnings {
		log.Warn(w)
	}
	st, err := store.Open(filepath.Join(l.storeDir(s), "store.db"))
	if err != nil {
		return "", fmt.Errorf("open store: %w (remove or move the store directory, or pass --store DIR)", err)
	}
	defer st.Close()
	counters := &pipeline.Counters{}
	prog := a.progress(log)
	concurrency := s.Concurrency
	if concurrency == 0 {
		concurrency = runtime.GOMAXPROCS(0)
		if eps := env.endpoints(); len(eps) > 0 {
			concurrency = max(1, s.Serving.Concurrency*len(eps))
		}
	}
	if zm, ok := env.models.(zooModels); ok {
		// The builder bounds its own CPU work by GOMAXPROCS.
		if err := buildZoo(ctx, zm.b, plan, prog, a.env.Stderr); err != nil {
			prog.Wait()
			return "", err
		}
	}
	outcome, err := pipeline.Run(ctx, plan, pipeline.Options{
		Manifest: env.manifest, Models: env.models, Corpora: env.corpora,
		Cache: pipeline.StoreCache(st), Detect: detectorFor, Progress: prog, Logger: log,
		Concurrency: concurrency, Version: version, Counters: counters,
	})
	prog.Wait()
	if err != nil {
		return "", err
	}
	runID := outcome.Results.Run.ID
	out := s.Out
	if out == "" {
		out = filepath.Join(l.workspace, "runs", runID)
	} else if !filepath.IsAbs(out) {
		out = filepath.Join(a.env.Dir, out)
	}
	leftovers := results.CleanTemp(out)
	if err := writeRunOutputs(ctx, st, out, outcome); err != nil {
		return "", err
	}
	if err := writeBudget(a.env.Stdout, out, outcome.Budget); err != nil {
		return "", err
	}
	warnings := append(slices.Clone(env.warnings), outcome.Warnings...)
	if len(leftovers) > 0 {
		warnings = append(warnings, fmt.Sprintf("removed %d temporary file(s) an interrupted write left in %s", len(leftovers), out))
	}
	warnings = append(warnings, st.Repairs()...)
	warnings = append(warnings, env.repairs()...)
	warnings = append(warnings, env.skips.warnings()...)
	host, _ := os.Hostname()
	rl := runLog{
		RunID: runID, Started: started.UTC().Format("2006-01-02T15:04:05Z07:00"),
		Finished: a.env.Now().UTC().Format("2006-01-02T15:04:05Z07:00"), Host: host,
		GoVersion: runtime.Version(), Version: version, Workspace: l.workspace, Store: l.storeDir(s),
		ConfigFile: l.file, Endpoints: env.endpoints(), Work: outcome.Counters, Models: env.modelCounters(),
		Warnings: warnings,
	}
	if rl.Warnings == nil {
		rl.Warnings = []string{}
	}
	b, _ := json.MarshalIndent(rl, "", "  ")
	if err := keepRunLog(out); err != nil {
		return "", err
	}
	if err := results.WriteFileAtomic(filepath.Join(out, results.RunLogFile), append(b, '\n')); err != nil {
		return "", err
	}
	if err := printSummary(a.env.Stdout, outcome.Results, s.Table); err != nil {
		return "", err
	}
	if !s.NoReport {
		if err := writeReport(out); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
	}
	fmt.Fprintf(a.env.Stdout, "\nrun %s: %d entries, %d completions generated (%d cached), outputs in %s\n",
		runID, len(outcome.Results.Entries), outcome.Counters.CompletionsGenerated, outcome.Counters.CompletionsCached, out)
	if len(warnings) > 0 {
		fmt.Fprintf(a.env.Stdout, "%d warning(s): %s\n", len(warnings), strings.Join(warnings, "; "))
	}
	return out, nil
}

// keepRunLog moves an earlier invocation's run-log.json in out aside, to
// run-log.N.json with the next free N (1, 2, ...), so every invocation that
// wrote to out keeps its log (its times, host and work done) and
// run-log.json is always the latest.
func keepRunLog(out string) error {
	cur := filepath.Join(out, results.RunLogFile)
	if _, err := os.Stat(cur); err != nil {
		return nil
	}
	stem := strings.TrimSuffix(results.RunLogFile, ".json")
	for n := 1; ; n++ {
		prev := filepath.Join(out, fmt.Sprintf("%s.%d.json", stem, n))
		if _, err := os.Stat(prev); err == nil {
			continue
		}
		if err := os.Rename(cur, prev); err != nil {
			return fmt.Errorf("keep the earlier %s: %w", results.RunLogFile, err)
		}
		return nil
	}
}

// writeRunOutputs writes results.json and samples.jsonl and records them in
// the store so `ppldiff export` can write them again.
func writeRunOutputs(ctx context.Context, st *store.Store, out string, oc *pipeline.Outcome) error {
	rb, err := results.Marshal(oc.Results)
	if err != nil {
		return err
	}
	sb, err := results.MarshalSamples(oc.Samples)
	if err != nil {
		return err
	}
	cfg, _ := json.Marshal(oc.Results.Run.Config)
	if err := st.PutRun(ctx, store.Run{ID: oc.Results.Run.ID, ConfigJSON: cfg, Results: rb, Samples: sb, Status: "complete"}); err != nil {
		return fmt.Errorf("store run: %w", err)
	}
	if err := results.WriteFileAtomic(filepath.Join(out, results.SamplesFile), sb); err != nil {
		return err
	}
	return results.WriteFileAtomic(filepath.Join(out, results.ResultsFile), rb)
}
