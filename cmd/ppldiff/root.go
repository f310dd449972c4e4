package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/reports/termsafe"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// globalOptions are the flags every command has.
type globalOptions struct {
	configPath string
	logLevel   string
}

func (o *globalOptions) AddFlags(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&o.configPath, "config", "", "configuration file (default: ppldiff.yaml of the workspace)")
	cmd.PersistentFlags().StringVar(&o.logLevel, "log-level", "", "log level: debug, info, warn, error (default info)")
}

// app is one invocation of the CLI.
type app struct {
	env    *Env
	global globalOptions
	// started is set once cobra has parsed and checked the command line
	// (arguments, required flags) and is about to run the command: an
	// error before that is cobra's, about the command line.
	started bool
}

func (a *app) logger(level string) *slog.Logger {
	if a.global.logLevel != "" {
		level = a.global.logLevel
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(a.env.Stderr, &slog.HandlerOptions{Level: l}))
}

// loader reads the layered settings for a command.
func (a *app) loader() (*loader, error) { return newLoader(a.env, a.global.configPath) }

func newRootCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "ppldiff",
		Short: "Audit finetuned language models by perplexity differencing",
		Long: `ppldiff lets a finetuned model complete short prefills from a general corpus,
scores each completion under the finetuned model and a reference model, ranks
them by the perplexity gap PPL_ref - PPL_ft, and counts how many of the top
completions reveal the finetuning objective.

With no flags, 'ppldiff run' runs the embedded zoo of miniature organisms:
no GPU, no network.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Runs after cobra's check of the arguments; cobra would check
		// required flags only after it, so they are checked here.
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			if err := c.ValidateRequiredFlags(); err != nil {
				return usageErr(fmt.Errorf("%w (see `%s --help`)", err, c.CommandPath()))
			}
			a.started = true
			return nil
		},
	}
	root.SetOut(a.env.Stdout)
	root.SetErr(a.env.Stderr)
	a.global.AddFlags(root)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr(fmt.Errorf("%w (see `%s --help`)", err, c.CommandPath()))
	})
	root.AddCommand(
		newRunCommand(a),
		newAuditCommand(a),
		newReportCommand(a),
		newExportCommand(a),
		newRunsCommand(a),
		newImportCommand(a),
		newOrganismsCommand(a),
		newBaselineCommand(a),
		newCheckCommand(a),
		newCompareCommand(a),
		newValidityCommand(a),
		newServeCommand(a),
		newDoctorCommand(a),
		newConfigCommand(a),
		newVersionCommand(a),
	)
	return root
}

// run executes the CLI with args and returns the exit code.
func run(ctx context.Context, env *Env, args []string) int {
	a := &app{env: env}
	root := newRootCommand(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		if ctx.Err() != nil && exitCode(err) == exitFailure {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		if !a.started && exitCode(err) == exitFailure {
			// cobra rejected the command line: an unknown command, a wrong
			// number of arguments, a missing required flag.
			err = usageErr(fmt.Errorf("%w (see `ppldiff %s --help`)", err, firstArg(args)))
		}
		// Messages quote files and model text: no escape reaches the terminal.
		fmt.Fprintf(env.Stderr, "ppldiff: %s\n", termsafe.String(err.Error()))
		if exitCode(err) == exitInterrupted && firstArg(args) == "run" {
			fmt.Fprintln(env.Stderr, "ppldiff: interrupted; work done so far is stored: re-run the same command to resume")
		}
	}
	return exitCode(err)
}

// firstArg is the command name of an invocation (its first non-flag word).
func firstArg(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}
