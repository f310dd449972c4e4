package pipeline

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// One run with test-raw-greedy and test-raw-sample gives, config by config,
// the entries of a greedy run and of a sampled run of test-raw: each config
// decodes as its name says, from the same prefills.
func TestConfigDecodingSuffix(t *testing.T) {
	w := newTestWorld(t)
	run := func(decoding string, prefills ...string) map[string]results.Entry {
		cfg := testConfig()
		cfg.Decoding, cfg.Prefills = decoding, prefills
		out := map[string]results.Entry{}
		for _, e := range runOnce(t, w, cfg, NewMemCache()).Results.Entries {
			out[e.Config+"/"+e.Reference+"/"+e.Score] = e
		}
		return out
	}
	// The run's own decoding is greedy: the -sample config must sample all
	// the same (the temperature is kept for it).
	both := run(DecodingGreedy, "test-raw-greedy", "test-raw-sample")
	greedy := run(DecodingGreedy, "test-raw")
	sampled := run(DecodingSample, "test-raw")
	if len(both) != 2*len(greedy) {
		t.Fatalf("%d entries, want %d", len(both), 2*len(greedy))
	}
	differ := false
	for k, g := range greedy {
		s := sampled[k]
		bg, bs := both["test-raw-greedy"+k[len("test-raw"):]], both["test-raw-sample"+k[len("test-raw"):]]
		if !sameCounts(bg, g) {
			t.Errorf("%s: the greedy config differs from the greedy run", k)
		}
		if !sameCounts(bs, s) {
			t.Errorf("%s: the sampled config differs from the sampled run", k)
		}
		differ = differ || !sameCounts(g, s)
	}
	if !differ {
		t.Fatal("greedy and sampled runs gave the same counts: the test cannot tell them apart")
	}
}

// sameCounts compares two entries in everything but their config name.
func sameCounts(a, b results.Entry) bool {
	a.Config, b.Config = "", ""
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestParsePrefillConfigDecoding(t *testing.T) {
	for in, want := range map[string]PrefillConfig{
		"zoo-raw":            {Name: "zoo-raw", Corpus: "zoo", Format: "raw"},
		"c4-10k-chat-sample": {Name: "c4-10k-chat-sample", Corpus: "c4-10k", Format: "chat", Decoding: DecodingSample},
		"zoo-raw-greedy":     {Name: "zoo-raw-greedy", Corpus: "zoo", Format: "raw", Decoding: DecodingGreedy},
	} {
		got, err := ParsePrefillConfig(in)
		if err != nil || got != want {
			t.Errorf("ParsePrefillConfig(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"zoo-greedy", "greedy", "zoo-raw-beam", "-raw-sample"} {
		if _, err := ParsePrefillConfig(bad); err == nil {
			t.Errorf("ParsePrefillConfig(%q) passed", bad)
		}
	}
	c := testConfig()
	c.Decoding, c.Temperature = DecodingGreedy, 0
	c.Prefills = []string{"test-raw", "test-raw-sample"}
	if err := c.Validate(); err == nil {
		t.Error("a sampled config at temperature 0 passed")
	}
}
