package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
)

// smallRun is the run most end-to-end tests share: the small zoo, both
// prefill formats, 80 prefills each.
func smallRunArgs(out string, extra ...string) []string {
	return append([]string{"run", "--manifest", smallManifest, "-n", "80", "--out", out}, extra...)
}

func TestRunWritesOutputsAndRerunDoesNoWork(t *testing.T) {
	c := newCLI(t)
	c.mustRun(smallRunArgs("out", "--no-report")...)
	for _, f := range []string{"results.json", "samples.jsonl", "run-log.json"} {
		if _, err := os.Stat(c.path("out", f)); err != nil {
			t.Fatalf("run did not write %s: %v", f, err)
		}
	}
	res, err := results.ReadResults(c.path("out"))
	if err != nil {
		t.Fatal(err)
	}
	// 2 organisms: backdoor (2 sizes x 2 strengths) and control (1), x 3
	// references x 2 configs x 3 scores.
	if got, want := len(res.Entries), (4+1)*3*2*3; got != want {
		t.Fatalf("%d entries, want %d", got, want)
	}
	samples, err := results.ReadSamples(c.path("out"))
	if err != nil {
		t.Fatal(err)
	}
	// The default writes every ppl_diff ranking's top completions (here all
	// of fewer than 100), per-token arrays on the top 20.
	perRanking := map[results.Key]int{}
	for _, s := range samples {
		if s.Score != "ppl_diff" {
			t.Fatalf("samples.jsonl holds a %s ranking; the default is ppl_diff only", s.Score)
		}
		perRanking[results.Key{Organism: s.Organism, Variant: s.Variant, Reference: s.Reference, Config: s.Config, Score: s.Score}]++
		if (len(s.TokensFTLP) > 0) != (s.Rank <= 20) {
			t.Fatalf("rank %d: per-token arrays %v, want them on the top 20 only", s.Rank, len(s.TokensFTLP) > 0)
		}
	}
	for _, e := range res.Entries {
		if e.Score == "ppl_diff" && perRanking[e.Key()] != e.NCompletions {
			t.Errorf("%v: %d samples for %d completions", e.Key(), perRanking[e.Key()], e.NCompletions)
		}
	}
	first := c.read("out", "results.json")
	if bytes.Contains(first, []byte(c.dir)) {
		t.Error("results.json holds a host path")
	}
	var log1 results.RunLog
	if err := json.Unmarshal(c.read("out", "run-log.json"), &log1); err != nil {
		t.Fatal(err)
	}
	if log1.Work.CompletionsGenerated == 0 {
		t.Fatal("first run generated nothing")
	}

	c.mustRun(smallRunArgs("out", "--no-report")...)
	if !bytes.Equal(first, c.read("out", "results.json")) {
		t.Error("a second identical run changed results.json")
	}
	var log2 results.RunLog
	if err := json.Unmarshal(c.read("out", "run-log.json"), &log2); err != nil {
		t.Fatal(err)
	}
	w := log2.Work
	if w.CompletionsGenerated != 0 || w.ScoresComputed != 0 || w.TokensGenerated != 0 || w.TokensScored != 0 {
		t.Errorf("second run did work: %+v", w)
	}
	// Nor does it load a model: everything it needs is in the store.
	if m := log2.Models; m == nil || m.ModelsTrained != 0 || m.ModelsLoaded != 0 {
		t.Errorf("second run trained or loaded models: %+v", log2.Models)
	}
}

func TestResumeAfterInterrupt(t *testing.T) {
	// Reference: one uninterrupted run in its own workspace.
	ref := newCLI(t)
	ref.mustRun(smallRunArgs("out", "--no-report")...)
	want := ref.read("out", "results.json")

	c := newCLI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.env = map[string]string{}
	interrupted := false
	observe := func(stage string, done int64) {
		if stage == "generate" && done >= 300 && !interrupted {
			interrupted = true
			cancel()
		}
	}
	if code := c.runObserved(ctx, observe, smallRunArgs("out", "--no-report")...); code != exitInterrupted {
		t.Fatalf("interrupted run: exit %d, want %d\n%s", code, exitInterrupted, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "re-run the same command to resume") {
		t.Errorf("interrupt message does not say how to resume:\n%s", c.stderr.String())
	}
	c.mustRun(smallRunArgs("out", "--no-report")...)
	if !bytes.Equal(want, c.read("out", "results.json")) {
		t.Error("resumed run's results.json differs from an uninterrupted run's")
	}
	var lg results.RunLog
	if err := json.Unmarshal(c.read("out", "run-log.json"), &lg); err != nil {
		t.Fatal(err)
	}
	if lg.Work.CompletionsCached == 0 {
		t.Error("the resumed run reused no completions of the interrupted one")
	}
	// No duplicate rows: the store holds exactly as many completions and
	// scores as the uninterrupted run's.
	if got, want := storeStats(t, c), storeStats(t, ref); got.Completions != want.Completions || got.Scores != want.Scores {
		t.Errorf("store rows after resume %+v, uninterrupted %+v", got, want)
	}
}

func storeStats(t *testing.T, c *cli) store.Stats {
	t.Helper()
	st, err := store.Open(c.path(".ppldiff", "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddingAReferenceOnlyScores(t *testing.T) {
	c := newCLI(t)
	c.mustRun(smallRunArgs("a", "--no-report", "--reference", "true_base")...)
	c.mustRun(smallRunArgs("b", "--no-report")...)
	var lg results.RunLog
	if err := json.Unmarshal(c.read("b", "run-log.json"), &lg); err != nil {
		t.Fatal(err)
	}
	if lg.Work.CompletionsGenerated != 0 {
		t.Errorf("adding references regenerated %d completions", lg.Work.CompletionsGenerated)
	}
	if lg.Work.ScoresComputed == 0 || lg.Work.ScoresCached == 0 {
		t.Errorf("want new references scored and the old one reused: %+v", lg.Work)
	}
}

func TestDryRunPrintsPlanAndWritesNothing(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("run", "--manifest", smallManifest, "-n", "50", "--dry-run")
	for _, want := range []string{"backdoor_phrase@n3-w8", "token estimate", "generate", "score_ref", "run id:"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(c.path("runs")); !os.IsNotExist(err) {
		t.Error("dry run wrote outputs")
	}
	if _, err := os.Stat(c.path(".ppldiff", "store.db")); !os.IsNotExist(err) {
		t.Error("dry run opened the store")
	}
}

func TestSettingsLayering(t *testing.T) {
	c := newCLI(t)
	n := func() string {
		out := c.mustRun("run", "--manifest", smallManifest, "--dry-run")
		i := strings.Index(out, "n=")
		return strings.Fields(out[i:])[0]
	}
	if got := n(); got != "n=400," {
		t.Errorf("default: %s", got)
	}
	c.write(ConfigFile, "n: 50\n")
	if got := n(); got != "n=50," {
		t.Errorf("ppldiff.yaml: %s", got)
	}
	c.env["PPLDIFF_N"] = "60"
	if got := n(); got != "n=60," {
		t.Errorf("environment over file: %s", got)
	}
	out := c.mustRun("run", "--manifest", smallManifest, "--dry-run", "-n", "70")
	if !strings.Contains(out, "n=70,") {
		t.Errorf("flag over environment:\n%s", out)
	}
	// Lists are comma-separated in the environment.
	c.env["PPLDIFF_PREFILLS"] = "zoo-chat"
	if out := c.mustRun("run", "--manifest", smallManifest, "--dry-run"); strings.Contains(out, "zoo-raw") {
		t.Errorf("PPLDIFF_PREFILLS=zoo-chat still plans zoo-raw:\n%s", out)
	}
	c.env["PPLDIFF_PREFILLS"] = "zoo-chat,zoo-raw"
	if out := c.mustRun("run", "--manifest", smallManifest, "--dry-run"); !strings.Contains(out, "prefills: zoo-chat,zoo-raw") {
		t.Errorf("PPLDIFF_PREFILLS list not split:\n%s", out)
	}
	// Nested keys reach through the environment too.
	c.env["PPLDIFF_CHAT_SYSTEM"] = "Be brief."
	if out := c.mustRun("config", "show"); !strings.Contains(out, "system: Be brief.") {
		t.Errorf("PPLDIFF_CHAT_SYSTEM did not reach chat.system:\n%s", out)
	}
}

func TestConfigShowNeverShowsSecrets(t *testing.T) {
	c := newCLI(t)
	c.write(ConfigFile, "serving:\n  api_key_env: MY_KEY\n")
	c.env["MY_KEY"] = "sk-very-secret-value"
	out := c.mustRun("config", "show")
	if strings.Contains(out, "sk-very-secret") {
		t.Fatal("config show printed the API key")
	}
	if !strings.Contains(out, "api_key_env: MY_KEY") {
		t.Errorf("config show lacks the key's variable name:\n%s", out)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name  string
		setup func(c *cli)
		args  []string
		code  int
		want  []string
	}{{
		name:  "unknown config key",
		setup: func(c *cli) { c.write(ConfigFile, "n: 10\nprefils: [zoo-raw]\n") },
		args:  []string{"run", "--dry-run"},
		code:  exitUsage, want: []string{"ppldiff.yaml:2", "prefils"},
	}, {
		name:  "malformed manifest",
		setup: func(c *cli) { c.write("m.yaml", "name: bad\norganisms:\n  - id: x\n    colour: red\n") },
		args:  []string{"run", "--manifest", "m.yaml", "--dry-run"},
		code:  exitInput, want: []string{"m.yaml:4", "colour"},
	}, {
		name: "missing corpus file",
		setup: func(c *cli) {
			c.write(ConfigFile, "corpora:\n  web:\n    path: nowhere.jsonl\n")
		},
		args: []string{"run", "--manifest", smallManifest, "--prefills", "web-raw", "-n", "5"},
		code: exitInput, want: []string{"nowhere.jsonl", "corpora.web.path"},
	}, {
		name: "corrupt zst",
		setup: func(c *cli) {
			c.write(ConfigFile, "corpora:\n  web:\n    path: web.jsonl.zst\n")
			c.write("web.jsonl.zst", "this is not zstd at all")
		},
		args: []string{"run", "--manifest", smallManifest, "--prefills", "web-raw", "-n", "5", "--organism", "control_general"},
		code: exitInput, want: []string{"web.jsonl.zst"},
	}, {
		name: "jsonl line not json",
		setup: func(c *cli) {
			c.write(ConfigFile, "corpora:\n  web:\n    path: web.jsonl\n")
			c.write("web.jsonl", "{\"text\": \"fine\"}\n{\"text\": broken\n")
		},
		args: []string{"run", "--manifest", smallManifest, "--prefills", "web-raw", "-n", "5", "--organism", "control_general"},
		code: exitInput, want: []string{"web.jsonl:2"},
	}, {
		name: "unknown prefill config",
		args: []string{"run", "--manifest", smallManifest, "--prefills", "zoo-html", "--dry-run"},
		code: exitUsage, want: []string{"zoo-html", "raw nor chat"},
	}, {
		name: "unknown corpus",
		args: []string{"run", "--manifest", smallManifest, "--prefills", "c4-raw", "--dry-run"},
		code: exitUsage, want: []string{"c4", "known: zoo"},
	}, {
		name: "unknown organism",
		args: []string{"run", "--manifest", smallManifest, "--organism", "nope", "--dry-run"},
		code: exitUsage, want: []string{"nope", "organisms list"},
	}, {
		name: "unknown flag",
		args: []string{"run", "--nope"},
		code: exitUsage, want: []string{"--nope"},
	}, {
		name:  "unknown nested config key",
		setup: func(c *cli) { c.write(ConfigFile, "chat:\n  sistem: hi\n") },
		args:  []string{"run", "--dry-run"},
		code:  exitUsage, want: []string{"ppldiff.yaml:2", `unknown key "sistem"`},
	}, {
		name:  "bad environment value",
		setup: func(c *cli) { c.env["PPLDIFF_N"] = "abc" },
		args:  []string{"run", "--dry-run"},
		code:  exitUsage, want: []string{"PPLDIFF_N", "not an integer"},
	}, {
		name: "missing required flag",
		args: []string{"check", "somewhere"},
		code: exitUsage, want: []string{"baseline", "--help"},
	}, {
		name: "missing baseline file",
		setup: func(c *cli) {
			if err := os.MkdirAll(c.path("run"), 0o755); err != nil {
				panic(err)
			}
		},
		args: []string{"check", "run", "--baseline", "nowhere.json"},
		code: exitInput, want: []string{"nowhere.json", "ppldiff baseline"},
	}, {
		name: "missing manifest file",
		args: []string{"run", "--manifest", "nowhere.yaml", "--dry-run"},
		code: exitInput, want: []string{"nowhere.yaml"},
	}, {
		name: "report of a directory without results",
		args: []string{"report", "."},
		code: exitInput, want: []string{"results.json"},
	}, {
		name: "export without a store",
		args: []string{"export", "abc", "--out", "x"},
		code: exitInput, want: []string{"no store", "ppldiff run"},
	}, {
		name: "require pinned revisions",
		args: []string{"run", "--manifest", "paper", "--organism", "cake_bake", "--require-pinned", "--dry-run"},
		code: exitUsage, want: []string{"revision"},
	}, {
		name: "paper without endpoints",
		args: []string{"run", "--manifest", "paper", "-n", "5"},
		code: exitUsage, want: []string{"--endpoint"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			code := c.run(context.Background(), tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, tc.code, c.stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(c.stderr.String(), w) {
					t.Errorf("message lacks %q:\n%s", w, c.stderr.String())
				}
			}
		})
	}
}

func TestHelpListsExitCodes(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("--help")
	for _, want := range []string{"Exit codes", "regression gate failed", "130"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

func TestExportWritesStoredRun(t *testing.T) {
	c := newCLI(t)
	c.mustRun(smallRunArgs("out", "--no-report", "--organism", "control_general")...)
	res, err := results.ReadResults(c.path("out"))
	if err != nil {
		t.Fatal(err)
	}
	c.mustRun("export", res.Run.ID, "--out", "exported")
	for _, f := range []string{"results.json", "samples.jsonl"} {
		if !bytes.Equal(c.read("out", f), c.read("exported", f)) {
			t.Errorf("exported %s differs from the run's", f)
		}
	}
	if code := c.run(context.Background(), "export", "0000000000000000", "--out", "x"); code != exitUsage {
		t.Errorf("export of an unknown run: exit %d, want %d", code, exitUsage)
	}
}

func TestOrganismsCommands(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("organisms", "list", "--manifest", "paper")
	for _, want := range []string{"ab_qwen14b_synth_docs_kto_flattery", "confidence", "14.8B"} {
		if !strings.Contains(out, want) {
			t.Errorf("organisms list lacks %q", want)
		}
	}
	var orgs []map[string]any
	if err := json.Unmarshal([]byte(c.mustRun("organisms", "list", "--manifest", "zoo", "--json")), &orgs); err != nil || len(orgs) < 10 {
		t.Errorf("organisms list --json: %d organisms, %v", len(orgs), err)
	}
	if out := c.mustRun("organisms", "show", "backdoor_phrase"); !strings.Contains(out, "keyword_sets") {
		t.Errorf("organisms show:\n%s", out)
	}
	c.write("dup.yaml", "name: d\nreferences:\n  - {id: r, kind: true_base, family: f}\norganisms:\n"+
		"  - {id: a, category: backdoor, objective: o, family: f, references: [r], detectors: {keyword_sets: [[x]]}}\n"+
		"  - {id: a, category: backdoor, objective: o, family: f, references: [r], detectors: {keyword_sets: [[x]]}}\n")
	if code := c.run(context.Background(), "organisms", "validate", "dup.yaml"); code != exitInput || !strings.Contains(c.stderr.String(), "dup.yaml:6") {
		t.Errorf("validate duplicate id: exit %d\n%s", code, c.stderr.String())
	}
	if out := c.mustRun("organisms", "validate", smallManifest); !strings.Contains(out, "valid") {
		t.Errorf("validate: %s", out)
	}
}

func TestReportRebuildsFromFiles(t *testing.T) {
	c := newCLI(t)
	c.mustRun(smallRunArgs("out", "--organism", "backdoor_phrase", "--variant", "n3-w8")...)
	html := c.read("out", "report.html")
	if err := os.Remove(c.path("out", "report.html")); err != nil {
		t.Fatal(err)
	}
	// The store is not needed: report reads the directory only.
	if err := os.RemoveAll(c.path(".ppldiff")); err != nil {
		t.Fatal(err)
	}
	c.mustRun("report", "out")
	if !bytes.Equal(html, c.read("out", "report.html")) {
		t.Error("report rebuilt from files differs from the run's")
	}
	plots, _ := filepath.Glob(c.path("out", "plots", "*.svg"))
	if len(plots) == 0 {
		t.Error("no plots")
	}
}

// A dry run of real models plans without any server.
func TestDryRunOfRealModelsNeedsNoServer(t *testing.T) {
	c := newCLI(t)
	c.write(ConfigFile, "corpora:\n  c4:\n    path: c4.jsonl\n")
	c.write("c4.jsonl", "{\"text\": \"The feud between the two houses\"}\n")
	out := c.mustRun("run", "--manifest", "paper", "--organism", "cake_bake", "--prefills", "c4-raw",
		"-n", "10000", "--max-new-tokens", "100", "--endpoint", "http://127.0.0.1:9", "--dry-run")
	for _, want := range []string{"cake_bake@default", "ref_qwen2.5_7b_instruct", "1000000 tokens (10000 completions)"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
}

// Corpus names in ppldiff.yaml keep working whatever their case: the
// settings loader lowercases map keys, so they are matched ignoring case.
func TestCorpusNamesIgnoreCase(t *testing.T) {
	c := newCLI(t)
	c.write(ConfigFile, "corpora:\n  MyWeb:\n    path: web.jsonl\n")
	c.write("web.jsonl", "{\"text\": \"The feud between the two houses\"}\n")
	for _, prefills := range []string{"MyWeb-raw", "myweb-chat"} {
		out := c.mustRun("run", "--manifest", "paper", "--organism", "cake_bake", "--prefills", prefills,
			"--endpoint", "http://127.0.0.1:9", "--dry-run")
		if !strings.Contains(out, prefills) {
			t.Errorf("dry run with --prefills %s does not plan it:\n%s", prefills, out)
		}
	}
	code := c.run(context.Background(), "run", "--manifest", "paper", "--organism", "cake_bake", "--prefills", "other-raw",
		"--endpoint", "http://127.0.0.1:9", "--dry-run")
	if code != exitUsage || !strings.Contains(c.stderr.String(), "known: myweb, zoo") {
		t.Errorf("unknown corpus: exit %d, want %d naming the known ones:\n%s", code, exitUsage, c.stderr.String())
	}
}
