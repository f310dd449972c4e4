package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/backend"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
)

// runOptions are the flags of `ppldiff run` that are not settings: each
// setting's flag comes from the options table.
type runOptions struct {
	dryRun bool
	// corpora are --corpus NAME=PATH: a one-off corpus without editing
	// ppldiff.yaml (the same as corpora.NAME.path there).
	corpora []string
}

func (o *runOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	addRunFlags(f) // the options table (options.go)
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
			if err := l.bind(cmd.Flags(), runFlagKeys()); err != nil {
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
		cs, _ := backend.LookupFold(out, name)
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
	plan, err := pipeline.MakePlan(env.Config, env.Manifest, env.Models)
	if err != nil {
		return "", err // exitTable: pipeline.ErrConfig
	}
	if o.dryRun {
		plan.Describe(a.env.Stdout)
		if err := env.JudgeBudget(ctx, a.env.Stdout, plan); err != nil {
			return "", err
		}
		fmt.Fprintf(a.env.Stdout, "run id: %s\n", env.Config.RunID())
		return "", nil
	}
	for _, w := range env.Warnings {
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
		if eps := env.Endpoints(); len(eps) > 0 {
			concurrency = max(1, s.Serving.Concurrency*len(eps))
		}
	}
	if b := env.InProcessZoo(); b != nil {
		if err := backend.BuildZoo(ctx, b, plan, prog, a.env.Stderr); err != nil {
			prog.Wait()
			return "", err
		}
	}
	jdg, judgeEndpoints, err := env.NewJudge(st, log)
	if err != nil {
		return "", err
	}
	var pjudge pipeline.Judge
	if jdg != nil {
		pjudge = jdg
	}
	outcome, err := pipeline.Run(ctx, plan, pipeline.Options{
		Manifest: env.Manifest, Models: env.Models, Corpora: env.Corpora,
		Cache: st, Detect: backend.Detector, Progress: prog, Logger: log,
		Concurrency: concurrency, Version: version, Counters: counters, Judge: pjudge,
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
	if err := backend.WriteOutputs(ctx, st, out, outcome); err != nil {
		return "", err
	}
	outcome.Samples = nil // written; the report reads them from the file
	if err := backend.WriteBudget(a.env.Stdout, out, outcome.Budget); err != nil {
		return "", err
	}
	warnings := append(slices.Clone(env.Warnings), outcome.Warnings...)
	if len(leftovers) > 0 {
		warnings = append(warnings, fmt.Sprintf("removed %d temporary file(s) an interrupted write left in %s", len(leftovers), out))
	}
	warnings = append(warnings, st.Repairs()...)
	warnings = append(warnings, env.LateWarnings()...)
	warnings = backend.CollapseWarnings(warnings)
	host, _ := os.Hostname()
	rl := results.RunLog{
		RunID: runID, Started: started.UTC().Format(time.RFC3339),
		Finished: a.env.Now().UTC().Format(time.RFC3339), Host: host,
		GoVersion: runtime.Version(), Version: version, Workspace: l.workspace, Store: l.storeDir(s),
		ConfigFile: l.file, Endpoints: env.Endpoints(), Work: outcome.Counters, Models: env.ModelWork(),
		Warnings: warnings,
	}
	if jdg != nil {
		snap := jdg.Counters.Snapshot()
		rl.Judge, rl.JudgeAt = &snap, judgeEndpoints
	}
	if err := backend.WriteRunLog(out, rl); err != nil {
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
