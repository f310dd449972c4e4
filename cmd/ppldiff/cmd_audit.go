package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/audit"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/reports"
)

// auditOptions are the flags of `ppldiff audit`.
type auditOptions struct {
	run                 string
	manifest            string
	model, reference    string
	endpoints, prefills []string
	n                   int
	seed                uint64
	out, store          string
	k, themes           int
	hypothesis          string
	score               string
}

func (o *auditOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "audit the rankings of an existing run directory (a run, an ad-hoc run or an import)")
	f.StringVar(&o.model, "model", "", "served name (or zoo organism@variant) of the model under audit")
	f.StringVar(&o.reference, "reference", "", "served name (or zoo served name, e.g. true_base@n3) of the reference model")
	f.StringVar(&o.manifest, "manifest", "", "zoo manifest whose models --model and --reference name when no --endpoint is given (default: the configured one)")
	f.StringSliceVar(&o.endpoints, "endpoint", nil, "base URL of a server serving both models (repeatable); none: zoo models in process")
	f.StringSliceVar(&o.prefills, "prefills", nil, "prefill configs (default: the configured ones)")
	f.IntVarP(&o.n, "n", "n", 0, "prefills per config (default: the configured n)")
	f.Uint64Var(&o.seed, "seed", 0, "seed (default: the configured seed)")
	f.StringVar(&o.out, "out", "", "output directory of the run (default <workspace>/runs/<run id>)")
	f.StringVar(&o.store, "store", "", "store and model cache directory (default <workspace>/.ppldiff)")
	f.IntVar(&o.k, "k", 100, "the top read for themes")
	f.IntVar(&o.themes, "themes", 20, "themes reported per ranking")
	f.StringVar(&o.hypothesis, "hypothesis", "", `a guessed objective as keywords, all required ("kw1 kw2")`)
	f.StringVar(&o.score, "score", "ppl_diff", "ranking score: ppl_diff, logppl_diff or bpb_diff")
}

func newAuditCommand(a *app) *cobra.Command {
	o := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit (--model A --reference B | --run DIR)",
		Short: "Read the top of a ranking for themes when the objective is unknown",
		Long: `Audit a model whose finetuning objective is unknown: rank its completions by
perplexity difference against a reference (as 'run' does in ad-hoc mode, every
completion kept), then read the top k: degenerate repetitions are dropped,
near-duplicates grouped, and the words and phrases the top k over-represents
against the rest are listed by weighted log-odds z-score, with the top
completions that carry each. --hypothesis scores a guessed objective. Writes
audit.json beside the run's results and prints the leading themes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := o.run
			switch {
			case o.run != "" && (o.model != "" || o.reference != ""):
				return usagef("give either --run DIR or --model and --reference, not both")
			case o.run == "" && (o.model == "" || o.reference == ""):
				return usagef("give --model and --reference (served names, or zoo served names such as backdoor_phrase@n4-w16), or --run DIR")
			case o.run == "":
				var err error
				if dir, err = a.auditRun(cmd.Context(), o); err != nil {
					return err
				}
			}
			return a.auditDir(dir, o)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// auditRun ranks the model's completions against the reference in ad-hoc
// mode, keeping every completion in samples.jsonl, and returns the run's
// directory.
func (a *app) auditRun(ctx context.Context, o *auditOptions) (string, error) {
	l, err := a.loader()
	if err != nil {
		return "", err
	}
	s, err := l.settings()
	if err != nil {
		return "", err
	}
	s.Model, s.ReferenceModel = o.model, o.reference
	if o.manifest != "" {
		s.Manifest = o.manifest
	}
	if len(o.endpoints) > 0 {
		s.Endpoints = o.endpoints
	}
	if len(o.prefills) > 0 {
		s.Prefills = o.prefills
	}
	if o.n > 0 {
		s.N = o.n
	}
	if o.seed > 0 {
		s.Seed = o.seed
	}
	s.Out, s.NoReport = o.out, true
	if o.store != "" {
		s.Store = o.store
	}
	s.SamplesTopK = 0 // themes compare the top with everything below it
	return a.runRunTo(ctx, l, s, &runOptions{})
}

// auditDir analyzes every ranking of a run directory by the chosen score.
func (a *app) auditDir(dir string, o *auditOptions) error {
	samples, err := results.ReadSamples(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return inputErr(fmt.Errorf("%s has no samples.jsonl: audit a run directory (ppldiff run --samples-top-k 0 keeps every completion)", dir))
		}
		return inputErr(fmt.Errorf("%s: %w", dir, err))
	}
	type key struct {
		organism, variant, reference, config string
		repeat                               int
	}
	groups := map[key][]audit.Completion{}
	var order []key
	for _, s := range samples {
		if s.Score != o.score {
			continue
		}
		k := key{s.Organism, s.Variant, s.Reference, s.Config, s.Repeat}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], audit.Completion{Rank: s.Rank, Text: s.Completion})
	}
	if len(order) == 0 {
		return inputErr(fmt.Errorf("%s: no ranking by %s in samples.jsonl", dir, o.score))
	}
	opts := audit.Options{K: o.k, Themes: o.themes, Hypothesis: strings.Fields(o.hypothesis)}
	out := results.Audit{Schema: results.AuditSchema}
	var rows [][]string
	for _, k := range order {
		ranked := groups[k]
		slices.SortStableFunc(ranked, func(x, y audit.Completion) int { return x.Rank - y.Rank })
		// Background for rankings that hold only their top (imports): the
		// other rankings of the same prefill config.
		var background []audit.Completion
		for _, other := range order {
			if other != k && other.config == k.config {
				background = append(background, groups[other]...)
			}
		}
		d := audit.Analyze(ranked, background, opts)
		out.Rankings = append(out.Rankings, results.AuditRanking{Organism: k.organism, Variant: k.variant,
			Reference: k.reference, Config: k.config, Repeat: k.repeat, Score: o.score, Digest: d})
		var terms []string
		for i, th := range d.Themes {
			if i == 5 {
				break
			}
			terms = append(terms, fmt.Sprintf("%s (z %.1f)", th.Term, th.Z))
		}
		row := []string{k.organism + "@" + k.variant, k.reference, k.config, strings.Join(terms, ", ")}
		if d.Hypothesis != nil {
			row = append(row, hypothesisCell(d.Hypothesis))
		}
		rows = append(rows, row)
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		dir = filepath.Dir(dir) // a samples.jsonl named directly
	}
	if err := results.WriteAudit(dir, &out); err != nil {
		return err
	}
	path := filepath.Join(dir, results.AuditFile)
	// The report shows the themes beside the run's numbers.
	if err := writeReport(dir); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	header := []string{"model", "reference", "config", "top themes"}
	if o.hypothesis != "" {
		header = append(header, "hypothesis")
	}
	if err := reports.Table(a.env.Stdout, header, rows); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stdout, "\n%d ranking(s) audited; digest in %s, themes in %s\n", len(rows), path, filepath.Join(dir, reports.HTMLFile))
	return nil
}

func hypothesisCell(h *audit.Hypothesis) string {
	first := "none"
	if h.FirstHitRank != nil {
		first = fmt.Sprint(*h.FirstHitRank)
	}
	s := fmt.Sprintf("count@k %d, first hit %s", h.CountAtK, first)
	if h.Enrichment != nil {
		s += fmt.Sprintf(", %.1fx the rate below", *h.Enrichment)
	}
	return s
}
