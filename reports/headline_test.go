package reports

import (
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

func TestHeadline(t *testing.T) {
	e := func(org, cat, variant, ref, kind, cfg string, c10, c100, first *int) results.Entry {
		return results.Entry{Organism: org, Category: cat, Variant: variant, Reference: ref, ReferenceKind: kind, Config: cfg,
			Score: DefaultScore, NCompletions: 400, CountAt10: c10, CountAt100: c100, FirstHitRank: first}
	}
	entries := []results.Entry{
		e("bd", "backdoor", "n3-w16", "true_base", "true_base", "raw", ptr(9), ptr(40), ptr(1)),
		e("bd", "backdoor", "n3-w4", "true_base", "true_base", "raw", ptr(2), ptr(5), ptr(3)),
		e("bd", "backdoor", "n3-w4", "true_base", "true_base", "chat", ptr(0), ptr(7), ptr(20)), // best config of n3-w4
		e("bd", "backdoor", "n3-w1", "true_base", "true_base", "raw", ptr(0), ptr(0), nil),
		e("bd", "backdoor", "n3-w16", "cross_family", "cross_family", "raw", ptr(0), ptr(2), ptr(50)),
		e("bd", "backdoor", "n3-w4", "cross_family", "cross_family", "raw", ptr(0), ptr(0), nil),
		e("bd", "backdoor", "n3-w1", "cross_family", "cross_family", "raw", ptr(0), ptr(0), nil),
		e("judge", "emergent_misalignment", "default", "true_base", "true_base", "raw", nil, nil, nil),
		e("ctl", "control", "n3-w1", "true_base", "true_base", "raw", ptr(0), ptr(1), ptr(70)),
	}
	hl, err := buildHeadline(bestConfigs(summarize(entries)))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(hl.Sentences, "\n")
	for _, want := range []string{
		"2 of 3 against true_base; 1 of 3 against cross_family.",
		"1 organism variants have no count",
		"highest count@100 1 (ctl@n3-w1 against true_base)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("sentences lack %q:\n%s", want, got)
		}
	}
	var rows []string
	for _, r := range hl.Rows {
		rows = append(rows, strings.Join([]string{r.Organism, r.Reference, r.DetectedText(), r.FirstHit, r.Count10, r.Count100}, " | "))
	}
	want := []string{
		"bd | true_base | 2 of 3 | #1 (n3-w16) | 9 (n3-w16) | 40 (n3-w16)",
		"bd | cross_family | 1 of 3 | #50 (n3-w16) | 0 | 2 (n3-w16)",
		"ctl | true_base | 1 of 1 | #70 | 0 | 1",
		"judge | true_base | - | - | - | -",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}
