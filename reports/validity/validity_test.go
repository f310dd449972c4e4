package validity

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/organisms"
)

// A study with two categories: "a" keeps 0.5 of its count under the
// cross-family references, "b" keeps 0.9; b counts more.
const studyYAML = `name: study
references:
  - {id: base, kind: true_base, family: f}
  - {id: x1, kind: cross_family, family: g}
  - {id: x2, kind: cross_family, family: h}
organisms:
  - id: a1
    category: backdoor
    objective: o
    detectors: {keyword_sets: [[k]]}
    family: f
    references: [base, x1, x2]
    published:
      - {reference: base, config: best, count_at_100: 40, source: chart}
      - {reference: x1, config: best, count_at_100: 30, source: chart}
      - {reference: x2, config: best, count_at_100: 10, source: chart}
      - {reference: base, config: best, count_at_100: 99, source: other}
  - id: a2
    category: backdoor
    objective: o
    detectors: {keyword_sets: [[k]]}
    family: f
    references: [base, x1]
    published:
      - {reference: base, config: best, count_at_100: 20, source: chart}
  - id: b1
    category: rm_sycophancy
    objective: o
    detectors: {keyword_sets: [[k]]}
    family: f
    references: [base, x1]
    published:
      - {reference: base, config: best, count_at_100: 80, source: chart}
      - {reference: x1, config: best, count_at_100: 72, source: chart}
`

func entry(org, cat, variant, ref, kind, config string, repeat, c100, flagged, n int) results.Entry {
	return results.Entry{Organism: org, Category: cat, Variant: variant, Reference: ref, ReferenceKind: kind,
		Config: config, Repeat: repeat, Score: "ppl_diff", CountAt100: &c100, NFlagged: &flagged, NCompletions: n}
}

func TestBuildReadsBestConfigsAndTheStudysNumbers(t *testing.T) {
	paper, err := studyNumbers(studyYAML)
	if err != nil {
		t.Fatal(err)
	}
	greedy := &results.Results{Entries: []results.Entry{
		// Organism z1 (backdoor): best true_base config is chat, mean over
		// two repeats (30+10)/2 = 20 beats raw's 15.
		entry("z1", "backdoor", "v", "tb", "true_base", "raw", 0, 15, 5, 1000),
		entry("z1", "backdoor", "v", "tb", "true_base", "chat", 0, 30, 20, 1000),
		entry("z1", "backdoor", "v", "tb", "true_base", "chat", 1, 10, 0, 1000),
		entry("z1", "backdoor", "v", "cf", "cross_family", "raw", 0, 4, 5, 1000),
		// Fewer in its top 100 but the most flagged of all z1's configs
		// (40 of 2,000): its fraction is the one reported, as the study's
		// website picked the config with the most flagged completions.
		entry("z1", "backdoor", "v", "tb", "true_base", "raw-sample", 0, 12, 40, 2000),
		// Not read: another score, a weak reference, a control.
		{Organism: "z1", Category: "backdoor", Variant: "v", Reference: "cf", ReferenceKind: "cross_family", Config: "chat", Score: "bpb_diff", CountAt100: ptr(99)},
		entry("z1", "backdoor", "v", "w", "weak", "raw", 0, 99, 5, 1000),
		entry("c", "control", "v", "tb", "true_base", "raw", 0, 99, 5, 1000),
		entry("z2", "rm_sycophancy", "v", "tb", "true_base", "raw", 0, 50, 500, 1000),
		entry("z2", "rm_sycophancy", "v", "cf", "cross_family", "raw", 0, 45, 500, 1000),
	}}
	// A second run (the sampled half): z1's cross_family is best here.
	sampled := &results.Results{Entries: []results.Entry{
		entry("z1", "backdoor", "v", "cf", "cross_family", "chat", 0, 6, 5, 1000),
		entry("z3", "taboo", "v", "tb", "true_base", "chat", 0, 7, 3, 1000),
	}}
	rep, err := Build([]*results.Results{greedy, sampled}, paper, "chart")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Organisms) != 3 {
		t.Fatalf("organisms = %+v, want z1, z2, z3", rep.Organisms)
	}
	z1 := rep.Organisms[0]
	if z1.Base != 20 || z1.Cross != 6 || math.Abs(z1.Flagged-0.02) > 1e-12 {
		t.Errorf("z1 = %+v, want base 20, cross 6, flagged 0.02", z1)
	}
	rows := map[string]Row{}
	for _, r := range rep.Rows {
		rows[r.Category] = r
	}
	bd := rows["backdoor"]
	// Study: a1 base 40, cross mean(30, 10) = 20; a2 base 20 with no cross
	// bar. Count mean 30; retention over organisms with both: 20/40.
	if bd.Retention != 0.3 || bd.StudyOrganisms != 2 || bd.StudyBase != 30 || bd.StudyRetention != 0.5 {
		t.Errorf("backdoor row = %+v", bd)
	}
	rm := rows["rm_sycophancy"]
	if rm.Retention != 0.9 || rm.StudyBase != 80 || rm.StudyRetention != 0.9 {
		t.Errorf("rm_sycophancy row = %+v", rm)
	}
	if tb := rows["taboo"]; !math.IsNaN(tb.StudyBase) || !math.IsNaN(tb.Retention) || tb.Base != 7 {
		t.Errorf("taboo row = %+v, want no study numbers and no retention", tb)
	}
	// Two categories in the same order on both sides.
	if rep.CountRho != 1 || rep.CountN != 2 || rep.RetentionRho != 1 || rep.RetentionN != 2 {
		t.Errorf("rho count %v (%d), retention %v (%d); want 1 over 2 categories each", rep.CountRho, rep.CountN, rep.RetentionRho, rep.RetentionN)
	}

	// NaN (taboo has no published number) is written as null.
	js, err := json.Marshal(rep.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"category":"taboo","organisms":["z3"],"count_at_100_true_base":7,"count_at_100_cross_family":null`) {
		t.Errorf("JSON lacks taboo's row with nulls:\n%s", js)
	}

	// Against another source the study's backdoor count is a1's 99 alone.
	other, err := Build([]*results.Results{greedy, sampled}, paper, "other")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range other.Rows {
		if r.Category == "backdoor" && (r.StudyBase != 99 || !math.IsNaN(r.StudyRetention)) {
			t.Errorf("source other: backdoor row %+v, want study base 99 and no retention", r)
		}
	}
}

func ptr(i int) *int { return &i }

func TestMarkdownEscapesResultFields(t *testing.T) {
	paper, err := studyNumbers(studyYAML)
	if err != nil {
		t.Fatal(err)
	}
	res := &results.Results{Entries: []results.Entry{
		entry("x|<script>\x1b[31m", "backdoor", "v", "tb", "true_base", "raw", 0, 3, 1, 10),
	}}
	rep, err := Build([]*results.Results{res}, paper, "chart")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); strings.Contains(s, "<script>") || strings.Contains(s, "\x1b") || strings.Contains(s, "x|") {
		t.Errorf("unescaped organism id in:\n%s", s)
	}
}

func TestBuildWithoutEntriesFails(t *testing.T) {
	paper, _ := studyNumbers(studyYAML)
	if _, err := Build([]*results.Results{{}}, paper, "chart"); err == nil {
		t.Error("Build of an empty run: no error")
	}
}

// studyNumbers reads a manifest's published numbers, as the CLI does.
func studyNumbers(yaml string) ([]StudyNumber, error) {
	m, err := organisms.Parse("study.yaml", []byte(yaml))
	if err != nil {
		return nil, err
	}
	var out []StudyNumber
	for _, n := range m.PublishedNumbers() {
		out = append(out, StudyNumber(n))
	}
	return out, nil
}
