package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/doctor"
	"github.com/ppldiff/ppldiff/harness/remote"
	"github.com/ppldiff/ppldiff/reports/termsafe"
)

type doctorOptions struct {
	endpoint, model, dialect, apiKeyEnv string
	batchN                              int
	timeout                             time.Duration
}

func (o *doctorOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.endpoint, "endpoint", "", "base URL of the server (required)")
	f.StringVar(&o.model, "model", "", "served name to test (required)")
	f.StringVar(&o.dialect, "dialect", "vllm", "API dialect: vllm, sglang or openai")
	f.StringVar(&o.apiKeyEnv, "api-key-env", "", "name of the environment variable holding the API key")
	f.IntVar(&o.batchN, "batch-n", 8, "batch size compared with batch 1")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "per-request timeout")
	_ = cmd.MarkFlagRequired("endpoint")
	_ = cmd.MarkFlagRequired("model")
}

func newDoctorCommand(a *app) *cobra.Command {
	o := &doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor --endpoint URL --model NAME",
		Short: "Conformance self-test of a model server (exit 4 when a check fails)",
		Long: `Check that a server can serve perplexity differencing: a fixed string scored at
batch 1 and batch N agrees, echo and prompt_logprobs agree, greedy generation
repeats, whether generation logprobs are raw, and how BOS is handled. Prints a
pass/fail table.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := doctor.Run(cmd.Context(), doctor.Options{Endpoint: o.endpoint, Model: o.model,
				Dialect: o.dialect, APIKeyEnv: o.apiKeyEnv, BatchN: o.batchN, RequestTimeout: o.timeout})
			if err != nil {
				return backendErr(err)
			}
			title, header, rows := rep.Table()
			fmt.Fprintln(a.env.Stdout, termsafe.String(title))
			if err := termsafe.Table(a.env.Stdout, header, rows); err != nil {
				return err
			}
			if !rep.OK() {
				return backendErr(fmt.Errorf("%s serving %s failed conformance checks (see the table)", remote.RedactURL(o.endpoint), o.model))
			}
			return nil
		},
	}
	o.AddFlags(cmd)
	return cmd
}
