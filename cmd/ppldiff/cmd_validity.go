package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/organisms"
	"github.com/ppldiff/ppldiff/reports/validity"
)

// validityOptions are the flags of `ppldiff validity`.
type validityOptions struct {
	source string
	json   bool
}

func (o *validityOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.source, "source", validity.DefaultSource, "published source of the paper manifest to compare with")
	f.BoolVar(&o.json, "json", false, "print the report as JSON")
}

func newValidityCommand(a *app) *cobra.Command {
	o := &validityOptions{}
	cmd := &cobra.Command{
		Use:   "validity RUN_DIR [RUN_DIR...]",
		Short: "Compare a run's per-category counts and cross-family retention with the study's",
		Long: `Read one or more run directories (e.g. one of ` + "`ppldiff run --matrix study`" + `)
and, per category, print count@100 against the true base and the retention
under cross_family (cross_family / true_base), each organism read at its best
prefill config over all runs, beside the study's published numbers from the
paper manifest, with Spearman rank correlations over the categories both
have; then each organism's flagged fraction at its most-flagged config.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var runs []*results.Results
			for _, dir := range args {
				res, err := readResults(a.abs(dir))
				if err != nil {
					return err
				}
				runs = append(runs, res)
			}
			paper, err := paperNumbers()
			if err != nil {
				return err
			}
			rep, err := validity.Build(runs, paper, o.source)
			if err != nil {
				return inputErr(err)
			}
			if o.json {
				enc := json.NewEncoder(a.env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep.JSON())
			}
			return rep.WriteMarkdown(a.env.Stdout)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// paperNumbers reads the study's published numbers from the built-in paper
// manifest.
func paperNumbers() ([]validity.StudyNumber, error) {
	m, err := organisms.Load("paper")
	if err != nil {
		return nil, err
	}
	var out []validity.StudyNumber
	for _, n := range m.PublishedNumbers() {
		out = append(out, validity.StudyNumber(n))
	}
	return out, nil
}
