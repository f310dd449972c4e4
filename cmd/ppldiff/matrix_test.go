package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// --matrix study runs each organism's representative variant only, reads
// 10,000 prefills per config, raw and chat each decoded greedily and
// sampled in one run, against the true base and the cross family, unless
// the user says otherwise.
func TestStudyMatrixPreset(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("run", "--manifest", smallManifest, "--matrix", "study", "--dry-run")
	for _, want := range []string{"n=10000,", "backdoor_phrase@n3-w8 ", "control_general@n3-w1 "} {
		if !strings.Contains(out, want) {
			t.Errorf("study dry run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "backdoor_phrase@n2-") || strings.Contains(out, "backdoor_phrase@n3-w1 ") {
		t.Errorf("study dry run plans more than the representative variant:\n%s", out)
	}
	// One run holds the greedy and the sampled configs.
	c.mustRun("run", "--manifest", smallManifest, "--matrix", "study", "-n", "20", "--out", "both", "--no-report")
	both, err := results.ReadResults(c.path("both"))
	if err != nil {
		t.Fatal(err)
	}
	configs, kinds := map[string]bool{}, map[string]bool{}
	for _, e := range both.Entries {
		configs[e.Config], kinds[e.ReferenceKind] = true, true
	}
	if want := "map[zoo-chat-greedy:true zoo-chat-sample:true zoo-raw-greedy:true zoo-raw-sample:true]"; fmt.Sprint(configs) != want {
		t.Errorf("study run configs %v, want %s", configs, want)
	}
	if want := "map[cross_family:true true_base:true]"; fmt.Sprint(kinds) != want {
		t.Errorf("study run reference kinds %v, want %s", kinds, want)
	}
	c.mustRun("run", "--manifest", smallManifest, "--matrix", "study", "-n", "20", "--prefills", "zoo-raw", "--out", "out", "--no-report")
	res, err := results.ReadResults(c.path("out"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg := res.Run.Config; cfg["decoding"] != "greedy" || fmt.Sprint(cfg["n"]) != "20" {
		t.Errorf("config decoding %v, n %v; want greedy and the flag's 20", cfg["decoding"], cfg["n"])
	}
	var variants []string
	for _, e := range res.Entries {
		if v := e.Organism + "@" + e.Variant; !slices.Contains(variants, v) {
			variants = append(variants, v)
		}
	}
	slices.Sort(variants)
	if want := []string{"backdoor_phrase@n3-w8", "control_general@n3-w1"}; !slices.Equal(variants, want) {
		t.Errorf("study run entries cover %v, want %v", variants, want)
	}
	// --decoding wins over the preset: the sampled half.
	c.mustRun("run", "--manifest", smallManifest, "--matrix", "study", "-n", "20", "--prefills", "zoo-raw", "--decoding", "sample", "--out", "out2", "--no-report")
	res2, err := results.ReadResults(c.path("out2"))
	if err != nil {
		t.Fatal(err)
	}
	if res2.Run.Config["decoding"] != "sample" {
		t.Errorf("--decoding sample under --matrix study: config decoding %v", res2.Run.Config["decoding"])
	}
	if code := c.run(t.Context(), "run", "--manifest", smallManifest, "--matrix", "nope", "--dry-run"); code != 2 {
		t.Errorf("unknown matrix: exit %d, want 2 (usage)", code)
	}
}
