package main

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/ppldiff/ppldiff/harness/remote"
)

func newConfigCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration (defaults < ppldiff.yaml < PPLDIFF_* < flags)",
		Long: `Print the effective configuration. Secret values are never shown: the
configuration holds only the name of the environment variable that carries an
API key (serving.api_key_env), and credentials in endpoint URLs are redacted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.loader()
			if err != nil {
				return err
			}
			s, err := l.settings()
			if err != nil {
				return err
			}
			// Endpoint URLs may carry credentials (user:key@, ?token=).
			s.Endpoints = slices.Clone(s.Endpoints)
			for i, ep := range s.Endpoints {
				s.Endpoints[i] = remote.RedactURL(ep)
			}
			b, err := yaml.Marshal(s)
			if err != nil {
				return err
			}
			src := "defaults and environment"
			if l.file != "" {
				src = l.file
			}
			fmt.Fprintf(a.env.Stdout, "# workspace: %s\n# config file: %s\n# store: %s\n", l.workspace, src, l.storeDir(s))
			_, err = a.env.Stdout.Write(b)
			return err
		},
	}
	cmd.AddCommand(show)
	return cmd
}
