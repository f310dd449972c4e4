package organisms

import (
	"errors"
	"strings"
	"testing"
)

// valid is a small manifest every rejection case starts from.
const valid = `name: tiny
references:
  - id: base
    kind: true_base
    family: qwen3
    params: 14.8B
    params_kind: weights
organisms:
  - id: org_one
    category: backdoor
    objective: says a fixed line when triggered
    family: qwen3
    references: [base]
    detectors:
      keyword_sets:
        - [fixed, line]
      regex_sets:
        - ['fixed\s+line']
`

func TestParseValid(t *testing.T) {
	m, err := Parse("tiny.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	r, ok := m.Reference("base")
	if !ok || r.Params != 14_800_000_000 {
		t.Fatalf("reference base: %+v, %v", r, ok)
	}
	o, ok := m.Organism("org_one")
	if !ok || len(o.Detectors.KeywordSets) != 1 || o.Detectors.RegexSets[0][0] != `fixed\s+line` {
		t.Fatalf("organism: %+v", o)
	}
	if tb, ok := m.TrueBase(o); !ok || tb.ID != "base" {
		t.Fatalf("true base: %v %v", tb, ok)
	}
	if _, ok := m.Organism("nope"); ok {
		t.Fatal("found an organism that is not there")
	}
}

// TestRejects checks that each kind of mistake is reported at its line.
func TestRejects(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           string // file:line: and a fragment of the message
	}{
		{"unknown field", "    family: qwen3\n    references", "    family: qwen3\n    colour: red\n    references",
			`tiny.yaml:13: organisms[0]: unknown field "colour"`},
		{"duplicate organism id", "organisms:\n", "organisms:\n  - {id: org_one, category: other, objective: x, family: f, references: [base]}\n",
			`tiny.yaml:10: duplicate organism id "org_one" (first at line 9)`},
		{"keyword set with no terms", "        - [fixed, line]\n", "        - [fixed, line]\n        - []\n",
			"tiny.yaml:17: organism org_one: keyword set 2 has no terms"},
		{"invalid regex", `['fixed\s+line']`, `['fixed(line']`,
			"tiny.yaml:18: organism org_one: invalid regex"},
		{"reference without family", "    family: qwen3\n    params: 14.8B", "    params: 14.8B",
			"tiny.yaml:3: reference base has no family"},
		{"bad category", "category: backdoor", "category: sneaky",
			`tiny.yaml:10: organism org_one: category "sneaky" is not one of`},
		{"unknown reference", "references: [base]", "references: [base, other]",
			`tiny.yaml:13: organism org_one: unknown reference "other"`},
		{"wrong type", "params: 14.8B", "params: [1, 2]",
			"tiny.yaml:6: references[0].params: params: want a number such as 14.8B, got a list"},
		{"bad params", "params: 14.8B", "params: 14.8X",
			`tiny.yaml:6: references[0].params: params "14.8X"`},
		{"duplicate key", "    kind: true_base\n", "    kind: true_base\n    kind: weak\n",
			`tiny.yaml:5: references[0]: field "kind" already given at line 4`},
		{"alias", "name: tiny", "name: &a tiny\ndescription: *a",
			"anchors and aliases are not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(valid, c.from, c.to, 1)
			if src == valid {
				t.Fatalf("replacement %q not found", c.from)
			}
			err := parseAndValidate("tiny.yaml", src)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error\n%v\ndoes not contain\n%s", err, c.want)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("%T is not an ErrorList", err)
			}
		})
	}
}

func parseAndValidate(file, src string) error {
	m, err := Parse(file, []byte(src))
	if err != nil {
		return err
	}
	return m.Validate()
}

// TestErrorsCollected checks that Parse reports every problem, not the first.
func TestErrorsCollected(t *testing.T) {
	src := strings.Replace(valid, "    family: qwen3\n    references", "    colour: red\n    family: qwen3\n    size: big\n    references", 1)
	_, err := Parse("tiny.yaml", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if list[0].Line != 12 || list[1].Line != 14 {
		t.Fatalf("lines %d, %d; want 12, 14", list[0].Line, list[1].Line)
	}
}

func TestParseSyntaxAndEmpty(t *testing.T) {
	for _, src := range []string{"", "name: [unclosed", "a: 1\n---\nb: 2\n", "- just\n- a list\n"} {
		if _, err := Parse("x.yaml", []byte(src)); err == nil || !strings.HasPrefix(err.Error(), "x.yaml") {
			t.Errorf("%q: error %v, want one starting with the file name", src, err)
		}
	}
}

func TestParams(t *testing.T) {
	good := map[string]Params{
		"14.8B": 14_800_000_000, "350M": 350_000_000, "1.54b": 1_540_000_000, "7e9": 7_000_000_000,
		"123": 123, "2.5K": 2500, "1T": 1_000_000_000_000, "0": 0,
	}
	for s, want := range good {
		got, err := ParseParams(s)
		if err != nil || got != want {
			t.Errorf("ParseParams(%q) = %d, %v; want %d", s, got, err, want)
		}
		if back, err := ParseParams(got.String()); err != nil || back != got {
			t.Errorf("%d renders as %q, which reads back as %d, %v", got, got.String(), back, err)
		}
	}
	for _, s := range []string{"", "B", "1.5", "-3", "1e999", "14.8X", "99999999999T", "1/2"} {
		if _, err := ParseParams(s); err == nil {
			t.Errorf("ParseParams(%q) accepted", s)
		}
	}
	if s := Params(14_800_000_000).String(); s != "14.8B" {
		t.Errorf("14.8e9 renders as %q", s)
	}
}
