package remote_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/remote"
	"github.com/ppldiff/ppldiff/harness/serve"
	"github.com/ppldiff/ppldiff/harness/serve/servetest"
)

func toyModels() map[string]lm.Model {
	return map[string]lm.Model{"ft@a": servetest.NewToy("ft@a", 1), "ref@a": servetest.NewToy("ref@a", 2)}
}

// fastOptions keep retries quick for loopback tests.
func fastOptions(dialect string, endpoints ...string) remote.Options {
	return remote.Options{Endpoints: endpoints, Dialect: dialect, BatchSize: 3, MaxConcurrency: 4,
		RequestTimeout: 2 * time.Second, MaxRetries: 12, BackoffBase: time.Millisecond, BackoffMax: 20 * time.Millisecond}
}

func startServer(t *testing.T, models map[string]lm.Model, opts serve.Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(serve.New(models, opts)) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func prompts(t *testing.T, m lm.Model) [][]int {
	t.Helper()
	var out [][]int
	for _, s := range []string{"the cat", "a", "once upon a time there", "zz", "hello world, "} {
		ids, err := m.Tokenize(context.Background(), lm.TokenizeRequest{Text: []byte(s), AddSpecial: true})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ids)
	}
	return out
}

// assertSame compares a remote model with the in-process one: identical
// tokens and finish reasons, logprobs within 1e-9.
func assertSame(t *testing.T, direct, rm lm.Model) {
	t.Helper()
	ctx := context.Background()
	ps := prompts(t, direct)
	for _, req := range []lm.GenerateRequest{
		{Prompts: ps, N: 3, MaxNewTokens: 24, Temperature: 0.8, TopP: 0.9, Seed: 7},
		{Prompts: ps, N: 1, MaxNewTokens: 16, Temperature: 0, Seed: 1},
		{Prompts: ps[:2], N: 2, MaxNewTokens: 40, Temperature: 1.3, Seed: 99},
	} {
		want, err := direct.Generate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rm.Generate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d generations, want %d", len(got), len(want))
		}
		stops := 0
		var items []lm.ScoreItem
		for i := range want {
			if !equalInts(got[i].Tokens, want[i].Tokens) || got[i].FinishReason != want[i].FinishReason {
				t.Fatalf("generation %d: got %v %s, want %v %s", i, got[i].Tokens, got[i].FinishReason, want[i].Tokens, want[i].FinishReason)
			}
			assertClose(t, got[i].Logprobs, want[i].Logprobs)
			if want[i].FinishReason == "stop" {
				stops++
			}
			if len(want[i].Tokens) > 0 {
				items = append(items, lm.ScoreItem{Context: req.Prompts[i/max(req.N, 1)], Continuation: want[i].Tokens})
			}
		}
		t.Logf("%d generations, %d ended at end-of-text", len(want), stops)
		wantS, err := direct.Score(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		gotS, err := rm.Score(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		for i := range wantS {
			assertClose(t, gotS[i], wantS[i])
		}
	}
	for _, req := range []lm.TokenizeRequest{
		{Text: []byte("plain text"), AddSpecial: true},
		{Messages: []lm.Message{{Role: "user", Content: "hi"}, {Role: "assistant", Content: "hel"}}},
	} {
		want, _ := direct.Tokenize(ctx, req)
		got, err := rm.Tokenize(ctx, req)
		if err != nil || !equalInts(got, want) {
			t.Fatalf("tokenize %+v: got %v (%v), want %v", req, got, err, want)
		}
	}
	ids := ps[2]
	wantB, wantSp, _ := direct.Detokenize(ctx, ids)
	gotB, gotSp, err := rm.Detokenize(ctx, ids)
	if err != nil || !bytes.Equal(gotB, wantB) || len(gotSp) != len(wantSp) {
		t.Fatalf("detokenize: %q %v (%v), want %q %v", gotB, gotSp, err, wantB, wantSp)
	}
	for i := range wantSp {
		if gotSp[i] != wantSp[i] {
			t.Fatalf("span %d: %v, want %v", i, gotSp[i], wantSp[i])
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func assertClose(t *testing.T, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d logprobs, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Fatalf("logprob %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestRemoteMatchesInProcess(t *testing.T) {
	for _, tc := range []struct{ dialect, scoreMethod string }{
		{remote.DialectVLLM, remote.ScoreEcho},
		{remote.DialectVLLM, remote.ScorePromptLogprobs},
		{remote.DialectSGLang, ""},
	} {
		t.Run(tc.dialect+"/"+tc.scoreMethod, func(t *testing.T) {
			models := toyModels()
			srv := startServer(t, models, serve.Options{Dialect: serve.Dialect(tc.dialect)})
			opts := fastOptions(tc.dialect, srv.URL)
			opts.ScoreMethod = tc.scoreMethod
			c, err := remote.New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"ft@a", "ref@a"} {
				rm, err := c.Model(name)
				if err != nil {
					t.Fatal(err)
				}
				assertSame(t, models[name], rm)
			}
		})
	}
}

func TestOpenAIDialectFailsBeforeGeneration(t *testing.T) {
	var completions atomic.Int64
	h := serve.New(toyModels(), serve.Options{Dialect: serve.OpenAI})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/completions" {
			completions.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, err := remote.New(context.Background(), fastOptions(remote.DialectOpenAI, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Model("ft@a")
	if err == nil {
		t.Fatal("openai dialect without prompt scoring must fail")
	}
	for _, want := range []string{"cannot score prompts", "echo", "ft@a"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := completions.Load(); n != 1 {
		t.Errorf("%d completion requests, want only the probe", n)
	}
}

func TestFaultsDoNotChangeResults(t *testing.T) {
	for _, dialect := range []string{remote.DialectVLLM, remote.DialectSGLang} {
		t.Run(dialect, func(t *testing.T) {
			models := toyModels()
			srv := startServer(t, models, serve.Options{Dialect: serve.Dialect(dialect), Seed: 3,
				Faults: serve.Faults{Rate: 0.2, HangFor: time.Second}})
			var logs bytes.Buffer
			opts := fastOptions(dialect, srv.URL)
			opts.RequestTimeout = 300 * time.Millisecond
			opts.MaxRetries = 30
			opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			rm := connect(t, opts, "ft@a")
			assertSame(t, models["ft@a"], rm)
			retries := strings.Count(logs.String(), "retrying")
			if retries == 0 {
				t.Fatal("no fault was injected; the test proves nothing")
			}
			t.Logf("%d retries; kinds seen: 500=%v 429=%v timeout=%v truncated=%v", retries,
				strings.Contains(logs.String(), "HTTP 500"), strings.Contains(logs.String(), "HTTP 429"),
				strings.Contains(logs.String(), "deadline exceeded"), strings.Contains(logs.String(), "truncated"))
		})
	}
}

func deadURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

func TestOnlyEndpointDeadFailsFast(t *testing.T) {
	dead := deadURL(t)
	_, err := remote.New(context.Background(), fastOptions(remote.DialectVLLM, dead))
	if err == nil {
		t.Fatal("a dead endpoint must fail")
	}
	if !strings.Contains(err.Error(), "no endpoint answered") || !strings.Contains(err.Error(), dead) {
		t.Fatalf("unclear error: %v", err)
	}
}

func TestOneReplicaDead(t *testing.T) {
	models := toyModels()
	live := startServer(t, models, serve.Options{})
	c, err := remote.New(context.Background(), fastOptions(remote.DialectVLLM, deadURL(t), live.URL))
	if err != nil {
		t.Fatal(err)
	}
	rm, err := c.Model("ft@a")
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, models["ft@a"], rm)

	// A replica dying mid-run: requests move to the survivor.
	a := httptest.NewServer(serve.New(models, serve.Options{}))
	b := startServer(t, models, serve.Options{})
	c2, err := remote.New(context.Background(), fastOptions(remote.DialectVLLM, a.URL, b.URL))
	if err != nil {
		t.Fatal(err)
	}
	if got := c2.Served()["ft@a"]; len(got) != 2 {
		t.Fatalf("replicas %v, want 2", got)
	}
	rm2, err := c2.Model("ft@a")
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	assertSame(t, models["ft@a"], rm2)
}

func TestUnknownModelListsServed(t *testing.T) {
	srv := startServer(t, toyModels(), serve.Options{})
	c, err := remote.New(context.Background(), fastOptions(remote.DialectVLLM, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Model("nope@x")
	if err == nil || !strings.Contains(err.Error(), `"nope@x"`) || !strings.Contains(err.Error(), "ft@a, ref@a") {
		t.Fatalf("unclear error: %v", err)
	}
}

func TestAdapterAndRevisionInfo(t *testing.T) {
	models := map[string]lm.Model{"base-model": servetest.NewToy("base-model", 1), "ft-lora": servetest.NewToy("ft-lora", 2)}
	for _, dialect := range []string{remote.DialectVLLM, remote.DialectSGLang} {
		srv := startServer(t, models, serve.Options{Dialect: serve.Dialect(dialect), Parents: map[string]string{"ft-lora": "base-model"}})
		opts := fastOptions(dialect, srv.URL)
		opts.Models = map[string]remote.ModelConfig{"ft-lora": {Revision: "0123abc"}}
		rm := connect(t, opts, "ft-lora")
		info := rm.Info()
		// ppldiff serve names each model's tokenizer (its card extension);
		// the adapter's must be its base's.
		if info.Revision != "0123abc" || info.TokenizerID != models["base-model"].Info().TokenizerID || info.ServedName != "ft-lora" {
			t.Fatalf("%s: info %+v", dialect, info)
		}
		if info.RawGenerationLogprobs != (dialect == remote.DialectVLLM) {
			t.Fatalf("%s: RawGenerationLogprobs %v", dialect, info.RawGenerationLogprobs)
		}
		// The adapter, not the base, answers (sglang selects it by lora_path).
		assertSame(t, models["ft-lora"], rm)
	}
}

func TestAPIKeyNeverLeaks(t *testing.T) {
	const key = "sk-test-7f3a9c1e5b"
	var sawKey atomic.Bool
	h := serve.New(toyModels(), serve.Options{Seed: 5, Faults: serve.Faults{Rate: 0.3, Status500: true, Status429: true}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+key {
			sawKey.Store(true)
		}
		if r.URL.Path == "/detokenize" {
			// A hostile server echoing the credential back in its error.
			http.Error(w, `{"error":{"message":"bad key `+key+`"}}`, http.StatusBadRequest)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	opts := fastOptions(remote.DialectVLLM, srv.URL)
	opts.APIKeyEnv = "PPLDIFF_TEST_API_KEY"
	opts.Getenv = func(name string) string { // the injected environment, not the process's
		if name == opts.APIKeyEnv {
			return key
		}
		return ""
	}
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rm := connect(t, opts, "ft@a")
	ps := prompts(t, rm)
	if _, err := rm.Generate(context.Background(), lm.GenerateRequest{Prompts: ps, N: 2, MaxNewTokens: 8, Temperature: 1, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	_, _, derr := rm.Detokenize(context.Background(), ps[0])
	if derr == nil {
		t.Fatal("detokenize should fail against this server")
	}
	if !sawKey.Load() {
		t.Fatal("the key was never sent")
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Fatal("no retry was logged; the log check proves little")
	}
	for what, s := range map[string]string{"log": logs.String(), "error": derr.Error()} {
		if strings.Contains(s, key) {
			t.Fatalf("%s contains the API key: %s", what, s)
		}
	}
	if !strings.Contains(derr.Error(), "[redacted]") {
		t.Fatalf("error %q should show the redaction", derr)
	}
	_ = io.Discard
}

// connect opens a client with opts and returns the model served as name.
func connect(t *testing.T, opts remote.Options, name string) lm.Model {
	t.Helper()
	c, err := remote.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Model(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestEmptyContinuationIsNotSent: a completion that ended at once has
// nothing to score, and no server can score it; the client answers it
// without a request, beside items that are sent.
func TestEmptyContinuationIsNotSent(t *testing.T) {
	for _, dialect := range []string{remote.DialectVLLM, remote.DialectSGLang} {
		t.Run(dialect, func(t *testing.T) {
			var scoring atomic.Int64
			h := serve.New(toyModels(), serve.Options{Dialect: serve.Dialect(dialect)})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/generate" || r.URL.Path == "/v1/completions" {
					scoring.Add(1)
				}
				h.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			m := connect(t, fastOptions(dialect, srv.URL), "ft@a")
			ctx := context.Background()
			ids := prompts(t, m)[2]
			before := scoring.Load() // the capability probe scores once
			got, err := m.Score(ctx, []lm.ScoreItem{{Context: ids, Continuation: []int{}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] == nil || len(got[0]) != 0 {
				t.Fatalf("empty continuation scored as %v, want one empty list", got)
			}
			if n := scoring.Load() - before; n != 0 {
				t.Fatalf("%d scoring requests for an empty continuation, want 0", n)
			}
			mixed, err := m.Score(ctx, []lm.ScoreItem{{Context: ids[:2], Continuation: ids[2:]}, {Context: ids, Continuation: nil}, {Context: ids[:3], Continuation: ids[3:4]}})
			if err != nil {
				t.Fatal(err)
			}
			want, err := toyModels()["ft@a"].Score(ctx, []lm.ScoreItem{{Context: ids[:2], Continuation: ids[2:]}, {Context: ids[:3], Continuation: ids[3:4]}})
			if err != nil {
				t.Fatal(err)
			}
			if len(mixed) != 3 || len(mixed[1]) != 0 {
				t.Fatalf("mixed batch: %v", mixed)
			}
			assertClose(t, mixed[0], want[0])
			assertClose(t, mixed[2], want[1])
		})
	}
}
