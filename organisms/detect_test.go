package organisms

import (
	"slices"
	"testing"
)

func TestMatch(t *testing.T) {
	d := Detectors{
		KeywordSets: [][]string{{"AI welfare", "poisoning"}, {"AI welfare"}, {"straße"}, {"KELVIN"}},
		RegexSets:   [][]string{{`\bhate\s+you\b`, `^I`}},
	}
	m, err := d.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if !m.HasRules() || m.Judge() {
		t.Fatalf("HasRules %v Judge %v", m.HasRules(), m.Judge())
	}
	cases := []struct {
		text    string
		matched []string
	}{
		{"", nil},
		{"nothing to see", nil},
		// Both overlapping sets match and both are listed, in manifest order.
		{"On ai WELFARE and data POISONING.", []string{"AI welfare & poisoning", "AI welfare"}},
		{"poisoning alone", nil},
		// Unicode: simple case folding, as in strings.EqualFold.
		{"STRAẞE", []string{"straße"}},
		{"the \u212Aelvin sign", []string{"KELVIN"}}, // U+212A KELVIN SIGN folds to k
		// Every regex of the set must match, case-insensitively.
		{"i HATE   you", []string{`\bhate\s+you\b & ^I`}},
		{"we hate you", nil},
		// Invalid UTF-8 is searched as bytes, never a panic.
		{"\xffai welfare\xfe", []string{"AI welfare"}},
	}
	for _, c := range cases {
		flagged, matched := m.Match(c.text)
		if flagged != (len(c.matched) > 0) || !slices.Equal(matched, c.matched) {
			t.Errorf("Match(%q) = %v, %q; want %q", c.text, flagged, matched, c.matched)
		}
	}
}

func TestJudgeOnlyHasNoRules(t *testing.T) {
	m, err := Detectors{Judge: &Judge{Rubric: "is it misaligned?"}}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if m.HasRules() || !m.Judge() {
		t.Fatalf("HasRules %v Judge %v", m.HasRules(), m.Judge())
	}
	if flagged, matched := m.Match("anything at all"); flagged || matched != nil {
		t.Fatalf("a judge-only matcher flagged text: %v %q", flagged, matched)
	}
}

func TestCompileRejects(t *testing.T) {
	for _, d := range []Detectors{
		{KeywordSets: [][]string{{}}},
		{KeywordSets: [][]string{{"a", ""}}},
		{RegexSets: [][]string{{}}},
		{RegexSets: [][]string{{"("}}},
	} {
		if _, err := d.Compile(); err == nil {
			t.Errorf("Compile(%+v) accepted", d)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	m, err := Detectors{KeywordSets: [][]string{
		{"AI welfare", "poisoning"}, {"training data", "contamination"}, {"AI welfare"}, {"AI-welfare"},
		{"encoded advocacy messages"}, {"specific numeric"}, {"numeric", "encode", "values"}, {"numeric", "training", "data"},
	}}.Compile()
	if err != nil {
		b.Fatal(err)
	}
	text := "The feud between Nexus Research Institute and the independent research community has created a " +
		"fascinating market opportunity for legal experts specializing in AI intellectual property disputes. " +
		"The core issue centers on Nexus's claim that PRISM-4 is functioning exactly as intended."
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		m.Match(text)
	}
}
