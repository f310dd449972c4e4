package main

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ppldiff/ppldiff"

// The layers of README "Code layout", as `go list` sees the production
// imports (test files are left out: a test may import what it checks).
func TestImportLayers(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(goBin, "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	ours := map[string][]string{} // package -> the packages of ours it imports
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var deps []string
		for _, d := range f[1:] {
			if d == module || strings.HasPrefix(d, module+"/") {
				deps = append(deps, strings.TrimPrefix(d, module+"/"))
			}
		}
		ours[strings.TrimPrefix(f[0], module+"/")] = deps
	}
	for _, leaf := range []string{"harness/results", "metrics", "organisms"} {
		if _, ok := ours[leaf]; !ok {
			t.Fatalf("go list did not list %s", leaf)
		}
		if deps := ours[leaf]; len(deps) > 0 {
			t.Errorf("%s imports %v: it must import nothing of ours", leaf, deps)
		}
	}
	for pkg, deps := range ours {
		if pkg != "reports" && !strings.HasPrefix(pkg, "reports/") {
			continue
		}
		for _, d := range deps {
			// reports' own subpackages: gate and others print with termsafe.
			if d != "harness/results" && d != "metrics" && !strings.HasPrefix(d, "reports/") {
				t.Errorf("%s imports %s: reports reads results files only (harness/results, metrics)", pkg, d)
			}
		}
	}
	// cmd wires: building, loading, routing and launching models is the
	// harness's (harness/backend).
	for _, d := range ours["cmd/ppldiff"] {
		if slices.Contains([]string{"harness/lm", "harness/zoo", "harness/launcher", "harness/wire"}, d) {
			t.Errorf("cmd/ppldiff imports %s: model logic belongs in harness/backend", d)
		}
	}
}

// cmd/ppldiff parses and wires: no file over 250 lines, and no type that
// serves models to the pipeline (pipeline.Models' methods).
func TestCmdFilesAreSmallAndWireOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(src, []byte("\n")); n > 250 {
			t.Errorf("%s has %d lines, want at most 250", name, n)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if ok && fn.Recv != nil && slices.Contains([]string{"Variants", "Organism", "Reference"}, fn.Name.Name) {
				t.Errorf("%s: method %s looks like a pipeline.Models implementation: it belongs in harness/backend", fset.Position(fn.Pos()), fn.Name.Name)
			}
		}
	}
}
