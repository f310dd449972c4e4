package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/results"
)

func newVersionCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.env.Stdout, "ppldiff %s (%s, results schema %s)\n", version, runtime.Version(), results.Schema)
			return nil
		},
	}
}
