package main

import (
	"fmt"
	"slices"
	"strings"

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
			b, err := showSettings(s)
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

// showSettings writes the settings as ppldiff.yaml would hold them, every
// option of the table in its order (nested keys as sections), then the
// corpora.
func showSettings(s Settings) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	section := func(parent *yaml.Node, name string) *yaml.Node {
		for i := 0; i+1 < len(parent.Content); i += 2 {
			if parent.Content[i].Value == name {
				return parent.Content[i+1]
			}
		}
		m := &yaml.Node{Kind: yaml.MappingNode}
		parent.Content = append(parent.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, m)
		return m
	}
	add := func(parent *yaml.Node, name string, v any) error {
		var n yaml.Node
		if err := n.Encode(v); err != nil {
			return err
		}
		parent.Content = append(parent.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, &n)
		return nil
	}
	for _, o := range options {
		parent, name := root, o.key
		for {
			head, rest, nested := strings.Cut(name, ".")
			if !nested {
				break
			}
			parent, name = section(parent, head), rest
		}
		if err := add(parent, name, field(&s, o.key).Interface()); err != nil {
			return nil, err
		}
	}
	if err := add(root, "corpora", s.Corpora); err != nil {
		return nil, err
	}
	return yaml.Marshal(root)
}
