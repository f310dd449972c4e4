// Command genpaper writes the built-in paper manifest
// (organisms/manifests/paper.yaml) from the organisms facts table
// (../shared/organisms-facts.tsv beside the repository). The YAML is
// committed, so building ppldiff never needs the table; rerun this after
// the table changes:
//
//	go generate ./organisms
//
// Facts (ids, models, sizes, keyword sets, confidence) come from the table;
// the objective descriptions and the published numbers are written here.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	facts := flag.String("facts", "../../shared/organisms-facts.tsv", "the organisms facts table")
	out := flag.String("out", "manifests/paper.yaml", "where to write the manifest")
	flag.Parse()

	tsv, err := os.ReadFile(*facts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genpaper:", err)
		os.Exit(1)
	}
	yml, err := Generate(tsv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genpaper:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, yml, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genpaper:", err)
		os.Exit(1)
	}
}
