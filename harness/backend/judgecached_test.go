package backend

import (
	"testing"

	"github.com/ppldiff/ppldiff/harness/pipeline"
)

// An earlier run's verdicts count for a planned run only when it produced
// the same completions and asked the same judge: selections, samples.jsonl
// and how many ranks are judged may differ, nothing else.
func TestSameCompletionsAndJudge(t *testing.T) {
	base := func() pipeline.Config {
		c := pipeline.Default()
		c.Corpora = map[string]string{"zoo": "aa"}
		c.Judge = &pipeline.JudgeConfig{Model: "j", K: 100, Sample: 50, MaxTokens: 96}
		return c
	}
	cases := []struct {
		name string
		edit func(*pipeline.Config)
		same bool
	}{
		{"identical", func(*pipeline.Config) {}, true},
		{"other selection and judged ranks", func(c *pipeline.Config) {
			c.Organisms, c.Prefills, c.References = []string{"x"}, []string{"zoo-raw"}, []string{"true_base"}
			c.Judge.K, c.Judge.Sample, c.SamplesTopK = 20, 0, 5
			c.Corpora["web"] = "bb"
		}, true},
		{"n", func(c *pipeline.Config) { c.N++ }, false},
		{"seed", func(c *pipeline.Config) { c.Seed++ }, false},
		{"manifest", func(c *pipeline.Config) { c.ManifestSHA256 = "other" }, false},
		{"corpus content", func(c *pipeline.Config) { c.Corpora["zoo"] = "cc" }, false},
		{"judge model", func(c *pipeline.Config) { c.Judge.Model = "k" }, false},
		{"judge max_tokens", func(c *pipeline.Config) { c.Judge.MaxTokens++ }, false},
		{"no judge", func(c *pipeline.Config) { c.Judge = nil }, false},
	}
	for _, tc := range cases {
		b := base()
		tc.edit(&b)
		if got := sameCompletionsAndJudge(base(), b); got != tc.same {
			t.Errorf("%s: same %v, want %v", tc.name, got, tc.same)
		}
	}
}
