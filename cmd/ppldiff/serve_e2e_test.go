package main

// End-to-end tests of the serving backends through the real CLI: `ppldiff
// run --endpoint` against zoo models served over HTTP (harness/serve) must
// give the in-process results, survive injected faults and dead replicas,
// fail early on what cannot work, and start and stop servers itself from
// serving.launch.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/serve"
	"github.com/ppldiff/ppldiff/harness/zoo"
)

// reexecEnv makes the test binary act as the ppldiff binary, so launch
// tests can start `ppldiff serve` as a child process without a go toolchain.
const reexecEnv = "PPLDIFF_TEST_REEXEC_AS_PPLDIFF"

func TestMain(m *testing.M) {
	if os.Getenv(reexecEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, OSEnv(), os.Args[1:])
		stop()
		os.Exit(code)
	}
	code := m.Run()
	if servingFix.store != "" {
		os.RemoveAll(servingFix.store)
	}
	os.Exit(code)
}

// The run every serving test repeats: one organism variant, its three
// references (one cross-tokenizer), both prefill formats.
const (
	e2eOrganism = "backdoor_phrase"
	e2eVariant  = "n3-w8"
)

func e2eArgs(extra ...string) []string {
	return append([]string{"run", "--manifest", smallManifest, "--organism", e2eOrganism, "--variant", e2eVariant,
		"-n", "48", "--no-report"}, extra...)
}

// servingFix holds a store with the small zoo's models built and the
// in-process runs remote runs are compared with, by extra arguments. Built
// once: building the models is the slow part.
var servingFix struct {
	once  sync.Once
	err   error
	store string
	base  map[string]string // extra run args -> directory of the in-process run
}

// fixture returns the shared store and the output directory of the
// in-process run with extra run arguments.
func fixture(t *testing.T, extra ...string) (store, baseDir string) {
	t.Helper()
	f := &servingFix
	f.once.Do(func() {
		f.store, f.err = os.MkdirTemp("", "ppldiff-serving-e2e")
		f.base = map[string]string{}
	})
	if f.err != nil {
		t.Fatal(f.err)
	}
	key := strings.Join(extra, " ")
	if dir, ok := f.base[key]; ok {
		return f.store, dir
	}
	c := newCLI(t)
	dir := filepath.Join(f.store, fmt.Sprintf("inproc-%d", len(f.base)))
	if code := c.run(context.Background(), e2eArgs(append([]string{"--store", f.store, "--out", dir}, extra...)...)...); code != 0 {
		t.Fatalf("in-process run: exit %d\n%s", code, c.stderr.String())
	}
	f.base[key] = dir
	return f.store, dir
}

// requestCounter counts requests per path, for the overhead numbers.
type requestCounter struct {
	mu    sync.Mutex
	paths map[string]int
	total atomic.Int64
}

func (rc *requestCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		if rc.paths == nil {
			rc.paths = map[string]int{}
		}
		rc.paths[r.URL.Path]++
		rc.mu.Unlock()
		rc.total.Add(1)
		h.ServeHTTP(w, r)
	})
}

func (rc *requestCounter) String() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range rc.paths {
			if !yield(k) {
				return
			}
		}
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, rc.paths[k]))
	}
	return strings.Join(parts, " ")
}

// testServer is a loopback server of the fixture's zoo models.
type testServer struct {
	url      string
	srv      *http.Server
	requests requestCounter
}

// startServer serves the run's models (the organism variant and its
// references, built from the fixture's cache) in dialect d; wrap, when
// given, sees every request first.
func startServer(t *testing.T, d serve.Dialect, faults serve.Faults, wrap func(*testServer, http.Handler) http.Handler) *testServer {
	t.Helper()
	store, _ := fixture(t)
	m, err := loadManifest(&Env{Dir: t.TempDir()}, smallManifest)
	if err != nil {
		t.Fatal(err)
	}
	b, err := zoo.NewBuilder(m, filepath.Join(store, "models"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	models := map[string]lm.Model{}
	om, err := b.Organism(ctx, e2eOrganism, e2eVariant)
	if err != nil {
		t.Fatal(err)
	}
	models[om.Info().ServedName] = om
	o, _ := m.Organism(e2eOrganism)
	for _, ref := range o.References {
		rm, err := b.Reference(ctx, ref, e2eOrganism, e2eVariant)
		if err != nil {
			t.Fatal(err)
		}
		models[rm.Info().ServedName] = rm
	}
	ln, err := serve.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{url: "http://" + ln.Addr().String()}
	var h http.Handler = serve.New(models, serve.Options{Dialect: d, Seed: 3, Faults: faults})
	if wrap != nil {
		h = wrap(ts, h)
	}
	ts.srv = &http.Server{Handler: ts.requests.wrap(h), ReadHeaderTimeout: 5 * time.Second}
	go ts.srv.Serve(ln)
	t.Cleanup(func() { ts.srv.Close() })
	return ts
}

// deadEndpoint is a loopback URL nothing listens on.
func deadEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	return url
}

// remoteRun runs the e2e run against endpoints in a fresh workspace and
// store (so nothing comes from a cache) and returns its output directory.
func remoteRun(t *testing.T, c *cli, endpoints []string, extra ...string) string {
	t.Helper()
	out := c.path("out")
	args := e2eArgs(append([]string{"--store", c.path("store"), "--out", out}, extra...)...)
	for _, e := range endpoints {
		args = append(args, "--endpoint", e)
	}
	c.mustRun(args...)
	return out
}

// assertSameRun compares a run's outputs with the in-process run: the same
// run id and entries, and samples with logprobs within 1e-9. With
// forcedFTScoring, score_ft is the one field that may differ (the
// finetuned scoring pass was run), and it must then equal generate.
func assertSameRun(t *testing.T, dir string, forcedFTScoring bool, extra ...string) {
	t.Helper()
	_, baseDir := fixture(t, extra...)
	want, err := results.ReadResults(baseDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := results.ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Run.ID != want.Run.ID {
		t.Errorf("run id %s, in-process %s", got.Run.ID, want.Run.ID)
	}
	if len(want.Entries) == 0 {
		t.Fatal("the in-process run has no entries")
	}
	gotEntries := slices.Clone(got.Entries)
	for i := range gotEntries {
		tk := gotEntries[i].ModelTokens
		if forcedFTScoring {
			if tk.ScoreFT != tk.Generate {
				t.Errorf("%v: score_ft %d, want generate %d (the scoring pass covers every generated token)", gotEntries[i].Key(), tk.ScoreFT, tk.Generate)
			}
			tk.ScoreFT = 0
		}
	}
	if d := cmp.Diff(want.Entries, gotEntries); d != "" {
		t.Errorf("entries differ from the in-process run (-in-process +remote):\n%s", d)
	}
	ws, err := results.ReadSamples(baseDir)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := results.ReadSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) == 0 {
		t.Fatal("the in-process run wrote no samples")
	}
	if d := cmp.Diff(ws, gs, cmpopts.EquateApprox(1e-9, 1e-9), cmpopts.EquateNaNs()); d != "" {
		t.Errorf("samples differ from the in-process run beyond 1e-9 (-in-process +remote):\n%s", d)
	}
}

// tokenRatio is (generate + score_ft + score_ref) / (generate + score_ref)
// over a run's entries: what the finetuned scoring pass adds.
func tokenRatio(t *testing.T, dir string) float64 {
	t.Helper()
	res, err := results.ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	var with, without int64
	for _, e := range res.Entries {
		tk := e.ModelTokens
		with += tk.Generate + tk.ScoreFT + tk.ScoreRef
		without += tk.Generate + tk.ScoreRef
	}
	if without == 0 {
		t.Fatal("no model tokens counted")
	}
	return float64(with) / float64(without)
}

func TestServeSameResultsVLLMAndSGLang(t *testing.T) {
	fixture(t)
	for _, d := range []serve.Dialect{serve.VLLM, serve.SGLang} {
		t.Run(string(d), func(t *testing.T) {
			srv := startServer(t, d, serve.Faults{}, nil)
			c := newCLI(t)
			c.env["PPLDIFF_SERVING_DIALECT"] = string(d) // settings reach the client from the environment
			out := remoteRun(t, c, []string{srv.url})
			// SGLang's generation logprobs are temperature-scaled unless
			// the server says otherwise, so the client rescores under the
			// finetuned model (remote.ModelConfig.RawGenerationLogprobs).
			assertSameRun(t, out, d == serve.SGLang)
			t.Logf("%s: %d requests: %s; token ratio %.3f", d, srv.requests.total.Load(), &srv.requests, tokenRatio(t, out))
		})
	}
}

func TestServeOpenAIDialectFailsEarly(t *testing.T) {
	srv := startServer(t, serve.OpenAI, serve.Faults{}, nil)
	c := newCLI(t)
	c.env["PPLDIFF_SERVING_DIALECT"] = "openai"
	backendFailure(t, c, srv.url)
	if msg := c.stderr.String(); !strings.Contains(msg, "serving.dialect openai") || !strings.Contains(msg, "vLLM") {
		t.Errorf("the message should name the setting and the way out:\n%s", msg)
	}
	if n := srv.requests.total.Load(); n != 0 {
		t.Errorf("%d requests reached the server; the dialect alone rules the run out", n)
	}
	if _, err := os.Stat(c.path("out", results.ResultsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run wrote results: %v", err)
	}
}

// faultySettings keep retries fast and hangs short for the fault tests; the
// timeout leaves a loaded CI machine room before a slow answer counts as a hang.
const faultySettings = `serving:
  timeout: 400ms
  retries: 12
  backoff: 1ms
  backoff_max: 20ms
  concurrency: 16
`

func TestServeSurvivesInjectedFaults(t *testing.T) {
	// 20% of POST requests fail: 500, 429, a hang (answered 504 after a
	// while) or a truncated JSON body, drawn from a seeded RNG. The client
	// runs with its default retry settings: no test-only overrides.
	srv := startServer(t, serve.VLLM, serve.Faults{Rate: 0.2, HangFor: 200 * time.Millisecond}, nil)
	c := newCLI(t)
	small := []string{"-n", "12", "--prefills", "zoo-raw"}
	out := remoteRun(t, c, []string{srv.url}, small...)
	assertSameRun(t, out, false, small...)
	t.Logf("%d requests with 20%% faults: %s", srv.requests.total.Load(), &srv.requests)
}

func TestServeDeadEndpointFailsFast(t *testing.T) {
	c := newCLI(t)
	dead := deadEndpoint(t)
	start := time.Now()
	backendFailure(t, c, dead)
	if msg := c.stderr.String(); !strings.Contains(msg, "no endpoint answered") || !strings.Contains(msg, dead) {
		t.Errorf("the message should say no endpoint answered and name it:\n%s", msg)
	}
	// Listing models is retried twice with backoff capped at 500 ms; a run
	// that waited out the whole retry schedule would take far longer.
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("failing took %v", el)
	}
}

func TestServeOneReplicaDiesMidRun(t *testing.T) {
	// Replica b stops (listener and connections closed) after 150
	// requests; its requests in flight fail at the transport level and are
	// retried on replica a. A third endpoint is dead from the start.
	a := startServer(t, serve.VLLM, serve.Faults{}, nil)
	b := startServer(t, serve.VLLM, serve.Faults{}, closeAfter(150))
	c := newCLI(t)
	c.write(ConfigFile, faultySettings)
	out := remoteRun(t, c, []string{a.url, b.url, deadEndpoint(t)})
	assertSameRun(t, out, false)
	if b.requests.total.Load() < 150 {
		t.Errorf("replica b saw %d requests: it never died mid-run", b.requests.total.Load())
	}
	t.Logf("requests: a %d, b %d (then dead)", a.requests.total.Load(), b.requests.total.Load())
}

func TestServeTokenRatioWithForcedFinetunedScoring(t *testing.T) {
	srv := startServer(t, serve.VLLM, serve.Faults{}, nil)
	for _, tc := range []struct {
		raw  string // serving.raw_generation_logprobs; "" leaves the vllm default (true)
		want float64
	}{
		// One same-tokenizer reference: the scoring pass repeats the
		// generated tokens once more, so 3 passes over 2.
		{"false", 1.5},
		{"", 1.0},
	} {
		t.Run("raw="+tc.raw, func(t *testing.T) {
			c := newCLI(t)
			if tc.raw != "" {
				c.env["PPLDIFF_SERVING_RAW_GENERATION_LOGPROBS"] = tc.raw
			}
			out := remoteRun(t, c, []string{srv.url}, "--reference", "true_base", "--prefills", "zoo-raw")
			got := tokenRatio(t, out)
			if got < tc.want-0.05 || got > tc.want+0.05 {
				t.Errorf("token ratio %.4f, want %.2f +- 0.05", got, tc.want)
			}
			t.Logf("raw_generation_logprobs=%q: token ratio %.4f", tc.raw, got)
		})
	}
}

// launchConfig writes a ppldiff.yaml whose serving.launch starts this test
// binary as `ppldiff serve` (see TestMain) on the launcher's port.
func launchConfig(t *testing.T, c *cli, serveFlags string) {
	t.Helper()
	store, _ := fixture(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(reexecEnv, "1") // inherited by the launched child only
	c.write(ConfigFile, fmt.Sprintf(`serving:
  launch_timeout: 60s
  launch:
    "*": %s serve --addr 127.0.0.1:{port} --manifest %s --store %s %s
`, self, smallManifest, store, serveFlags))
}

var launchedPID = regexp.MustCompile(`model server ready.*pid=(\d+)`)

// assertStopped checks that the server a run launched is gone.
func assertStopped(t *testing.T, stderr string) {
	t.Helper()
	m := launchedPID.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no launched server in the log:\n%s", stderr)
	}
	pid, _ := strconv.Atoi(m[1])
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("launched server %d still runs after the run", pid)
	}
}

func TestLaunchStartsAndStopsServers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	c := newCLI(t)
	launchConfig(t, c, "")
	out := remoteRun(t, c, nil)
	assertSameRun(t, out, false)
	assertStopped(t, c.stderr.String())
}

func TestLaunchStopsServersOnError(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	// The launched server speaks the openai dialect, so the capability
	// probe fails after the launch: the run must fail and stop it.
	c := newCLI(t)
	launchConfig(t, c, "--dialect openai")
	code := c.run(context.Background(), e2eArgs("--store", c.path("store"), "--out", c.path("out"))...)
	if code != exitBackend {
		t.Fatalf("exit %d, want %d (backend)\n%s", code, exitBackend, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "cannot score prompts") {
		t.Errorf("want the capability probe's message:\n%s", c.stderr.String())
	}
	assertStopped(t, c.stderr.String())
}

// An ad-hoc audit of two served models outside any manifest: prefills come
// from the zoo's held-out corpus, counts are null (no detectors), and the
// per-token scores match the manifest run of the same pair.
func TestAdHocAuditOfServedModels(t *testing.T) {
	ts := startServer(t, serve.VLLM, serve.Faults{}, nil)
	c := newCLI(t)
	c.mustRun("run", "--endpoint", ts.url, "--model", e2eOrganism+"@"+e2eVariant, "--reference-model", "true_base@n3",
		"--prefills", "zoo-raw", "-n", "30", "--out", "adhoc", "--no-report")
	res, err := results.ReadResults(c.path("adhoc"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 3 {
		t.Fatalf("%d entries, want one per score", len(res.Entries))
	}
	for _, e := range res.Entries {
		if e.Organism != "model" || e.Reference != "reference" || e.NCompletions == 0 {
			t.Errorf("entry %+v", e.Key())
		}
		if e.CountAt10 != nil || e.CountAt100 != nil || e.NFlagged != nil || e.FirstHitRank != nil {
			t.Errorf("%v: counts must be null without detectors", e.Key())
		}
	}
	if code := c.run(context.Background(), "run", "--endpoint", ts.url, "--model", e2eOrganism+"@"+e2eVariant, "--dry-run"); code != exitUsage {
		t.Errorf("--model without --reference-model: exit %d, want %d", code, exitUsage)
	}
}
