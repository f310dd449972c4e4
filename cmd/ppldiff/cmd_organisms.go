package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/ppldiff/ppldiff/harness/backend"
	"github.com/ppldiff/ppldiff/organisms"
	"github.com/ppldiff/ppldiff/reports"
	"github.com/ppldiff/ppldiff/reports/termsafe"
)

type organismsOptions struct {
	manifest string
	json     bool
}

func (o *organismsOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.manifest, "manifest", "zoo", "manifest: "+strings.Join(organisms.Builtin(), ", ")+", or a YAML file")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
}

func newOrganismsCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "organisms", Short: "List, show and validate organism manifests"}

	lo := &organismsOptions{}
	list := &cobra.Command{
		Use:   "list",
		Short: "List a manifest's organisms: id, category, family, params, base, confidence",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := loadManifest(a.env, lo.manifest)
			if err != nil {
				return err
			}
			if lo.json {
				return writeJSON(a.env.Stdout, m.Organisms)
			}
			var rows [][]string
			for _, o := range m.Organisms {
				base := o.BaseModel
				if base == "" {
					if r, ok := m.TrueBase(&o); ok {
						base = r.ID
					}
				}
				params := "-"
				if o.Params > 0 {
					params = o.Params.String()
				}
				conf := o.Confidence
				if conf == "" {
					conf = "-"
				}
				rows = append(rows, []string{o.ID, o.Category, o.Family, params, base, conf})
			}
			return reports.Table(a.env.Stdout, []string{"id", "category", "family", "params", "base", "confidence"}, rows)
		},
	}
	lo.AddFlags(list)

	so := &organismsOptions{}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one organism (YAML, or JSON with --json)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadManifest(a.env, so.manifest)
			if err != nil {
				return err
			}
			o, ok := m.Organism(args[0])
			if !ok {
				return usagef("organism %q is not in manifest %s (see `ppldiff organisms list --manifest %s`)", args[0], so.manifest, so.manifest)
			}
			if so.json {
				return writeJSON(a.env.Stdout, o)
			}
			b, err := yaml.Marshal(o)
			if err != nil {
				return err
			}
			_, err = a.env.Stdout.Write(b)
			return err
		},
	}
	so.AddFlags(show)

	vo := &organismsOptions{}
	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: "Validate a manifest file; errors name file and line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadManifest(a.env, args[0])
			if err != nil {
				return err
			}
			warnings, err := backend.FrequentDetectors(m)
			if err != nil {
				return err
			}
			if vo.json {
				return writeJSON(a.env.Stdout, map[string]any{"file": args[0], "valid": true, "organisms": len(m.Organisms), "warnings": warnings})
			}
			for _, w := range warnings {
				fmt.Fprintf(a.env.Stderr, "ppldiff: warning: %s\n", termsafe.String(w))
			}
			fmt.Fprintf(a.env.Stdout, "%s: valid, %d organisms, %d references, %d warning(s)\n", args[0], len(m.Organisms), len(m.References), len(warnings))
			return nil
		},
	}
	validate.Flags().BoolVar(&vo.json, "json", false, "print JSON")
	cmd.AddCommand(list, show, validate)
	return cmd
}

// loadManifest loads a built-in manifest by name or a file by path (relative
// to the working directory). Invalid manifests are input errors.
func loadManifest(env *Env, nameOrPath string) (*organisms.Manifest, error) {
	if _, ok := organisms.BuiltinBytes(nameOrPath); !ok && !strings.HasPrefix(nameOrPath, "/") {
		nameOrPath = filepath.Join(env.Dir, nameOrPath)
	}
	m, err := organisms.Load(nameOrPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputErr(fmt.Errorf("manifest %q: no such built-in manifest (%s) or file", nameOrPath, strings.Join(organisms.Builtin(), ", ")))
		}
		return nil, err // exitTable: organisms.ErrInvalid
	}
	return m, nil
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
