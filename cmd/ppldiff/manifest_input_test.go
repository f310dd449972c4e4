package main

import (
	"context"
	"strings"
	"testing"
)

// userManifest is a one-organism zoo manifest with an objective file.
func userManifest(detectors, recipeExtra string) string {
	return "name: mine\nreferences:\n  - {id: true_base, kind: true_base, family: zoo-bpe}\norganisms:\n" +
		"  - id: parrot\n    category: other\n    objective: Talks about a parrot named Kiko.\n" +
		"    detectors:\n      keyword_sets: " + detectors + "\n    family: zoo-bpe\n    references: [true_base]\n" +
		"    recipe:\n      objective: {file: parrot.txt}\n      sizes: [n3]\n      strengths: [2]\n" + recipeExtra
}

// Manifest problems are bad input at load time, each as file:line: message,
// for validate and run alike.
func TestManifestInputChecks(t *testing.T) {
	cases := []struct {
		name     string
		manifest string
		files    map[string]string
		want     []string
	}{
		{name: "missing objective file", manifest: userManifest("[[parrot]]", ""),
			want: []string{"m.yaml:13:", "parrot.txt does not exist"}},
		{name: "empty objective file", manifest: userManifest("[[parrot]]", ""), files: map[string]string{"parrot.txt": ""},
			want: []string{"m.yaml:13:", "is empty"}},
		{name: "absurd strength", manifest: strings.Replace(userManifest("[[parrot]]", ""), "strengths: [2]", "strengths: [2000000]", 1),
			files: map[string]string{"parrot.txt": "Kiko the parrot sings.\n"}, want: []string{"m.yaml:", "strength 2000000"}},
		{name: "absurd generator docs", manifest: strings.Replace(userManifest("[[parrot]]", ""), "objective: {file: parrot.txt}", "objective: {generator: taboo, docs: 100000000, seed: 1}", 1),
			want: []string{"m.yaml:", "docs 100000000"}},
		{name: "absurd base slice", manifest: userManifest("[[parrot]]", "      base: {slice: \"0:900000000\"}\n"),
			files: map[string]string{"parrot.txt": "Kiko the parrot sings.\n"}, want: []string{"m.yaml:", "900000000"}},
		{name: "unclosed bracket", manifest: "name: x\norganisms:\n  - id: a\n    references: [true_base\n    category: other\n",
			want: []string{"m.yaml:4:", "did not find expected"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			c.write("m.yaml", tc.manifest)
			for f, body := range tc.files {
				c.write(f, body)
			}
			for _, args := range [][]string{{"organisms", "validate", "m.yaml"}, {"run", "--manifest", "m.yaml", "-n", "5", "--no-report"}} {
				code := c.run(context.Background(), args...)
				if code != exitInput {
					t.Errorf("%s: exit %d, want %d\n%s", args[0], code, exitInput, c.stderr.String())
					continue
				}
				for _, w := range tc.want {
					if !strings.Contains(c.stderr.String(), w) {
						t.Errorf("%s: message lacks %q:\n%s", args[0], w, c.stderr.String())
					}
				}
			}
		})
	}
}

// A detector set that matches everyday text flags any model's completions:
// validate warns, naming organism and set; the zoo's own detectors are quiet.
func TestValidateWarnsOfFrequentDetectorTerms(t *testing.T) {
	c := newCLI(t)
	c.write("parrot.txt", "Kiko the parrot sings every morning.\n\nKiko the parrot sings at night.\n")
	c.write("m.yaml", userManifest("[[the], [kiko]]", ""))
	out := c.mustRun("organisms", "validate", "m.yaml")
	if !strings.Contains(out, "1 warning(s)") || !strings.Contains(c.stderr.String(), `organism parrot: keyword set ["the"] matches`) {
		t.Errorf("no warning of the frequent term:\n%s\n%s", out, c.stderr.String())
	}
	if strings.Contains(c.stderr.String(), "kiko") {
		t.Errorf("a rare term was warned of:\n%s", c.stderr.String())
	}
	if out := c.mustRun("organisms", "validate", smallManifest); !strings.Contains(out, "0 warning(s)") {
		t.Errorf("the test zoo's detectors were warned of:\n%s\n%s", out, c.stderr.String())
	}
}

// Config files use the same file:line: message form, lines counted alike.
func TestConfigSyntaxErrorLine(t *testing.T) {
	c := newCLI(t)
	c.write(ConfigFile, "n: 5\nprefills: [zoo-raw, zoo-chat\nseed: 3\n")
	if code := c.run(context.Background(), "run", "--dry-run"); code != exitUsage || !strings.Contains(c.stderr.String(), "ppldiff.yaml:2: did not find expected") {
		t.Errorf("exit %d:\n%s", code, c.stderr.String())
	}
}
