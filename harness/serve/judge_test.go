package serve

import (
	"strings"
	"testing"
)

func TestParseJudgeRulesErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"model: j\nrules:\n  - answer: yes\ndefault: {answer: no}\n", "r.yaml:3: rule 1 has no keyword_sets or regex_sets"},
		{"model: j\nrules:\n  - regex_sets: [['(']]\n    answer: yes\ndefault: {answer: no}\n", "r.yaml:3: rule 1: regex set 1"},
		{"model: j\ndefault: {answer: no, flip: 2, flip_to: yes}\n", "r.yaml:2: default: flip 2"},
		{"model: j\ndefault: {answer: no}\ncolour: red\n", "r.yaml:3"},
		{"rules: []\ndefault: {answer: no}\n", "model: the name judge requests ask for is missing"},
	}
	for _, c := range cases {
		_, err := ParseJudgeRules("r.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
	r, err := ParseJudgeRules("r.yaml", []byte("model: j\nrules:\n  - keyword_sets: [[Savings]]\n    answer: yes\n    reason: r\ndefault: {answer: no, reason: d}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := r.answerFor(judgedText("Rubric mentions savings.\n<completion>\nspend it\n</completion>\nAnswer.")); a.Answer != "no" {
		t.Fatalf("the prompt's text outside the completion was matched: %+v", a)
	}
	if a := r.answerFor(judgedText("<completion>\nyour SAVINGS\n</completion>")); a.Answer != "yes" {
		t.Fatalf("case-insensitive match missed: %+v", a)
	}
}
