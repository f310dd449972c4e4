package main

// How served runs fail: a server that dies or stops answering mid-run is a
// backend error (exit 4) naming endpoint and request kind; credentials in
// endpoint URLs never reach a message or run-log.json; chat prompts with a
// doubled BOS stop the run before any generation.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ppldiff/ppldiff/harness/serve"
)

// backendFailure runs the e2e run against endpoint and requires exit 4.
func backendFailure(t *testing.T, c *cli, endpoint string) {
	t.Helper()
	code := c.run(context.Background(), e2eArgs("--store", c.path("store"), "--out", c.path("out"), "--endpoint", endpoint)...)
	if code != exitBackend {
		t.Fatalf("exit %d, want %d (backend)\n%s", code, exitBackend, c.stderr.String())
	}
}

// closeAfter wraps a test server so that it stops (listener and
// connections closed) once it has seen n requests.
func closeAfter(n int64) func(*testServer, http.Handler) http.Handler {
	var once sync.Once
	return func(ts *testServer, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ts.requests.total.Load() >= n {
				once.Do(func() { go ts.srv.Close() })
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestServeKilledMidRunExitsBackend(t *testing.T) {
	srv := startServer(t, serve.VLLM, serve.Faults{}, closeAfter(120))
	c := newCLI(t) // default retry settings
	backendFailure(t, c, srv.url)
	msg := c.stderr.String()
	if !strings.Contains(msg, srv.url) || !strings.Contains(msg, " request to ") {
		t.Errorf("the message should name the endpoint and the request kind:\n%s", msg)
	}
	if _, err := os.Stat(c.path("out", "results.json")); err == nil {
		t.Error("a failed run wrote results.json")
	}
}

func TestServeTimeoutIsReportedAsTimeout(t *testing.T) {
	// After the capability probes every request hangs until the client
	// gives up on it.
	srv := startServer(t, serve.VLLM, serve.Faults{}, func(ts *testServer, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ts.requests.total.Load() > 40 {
				<-r.Context().Done()
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	c := newCLI(t)
	c.write(ConfigFile, "serving:\n  timeout: 300ms\n  retries: 1\n  backoff: 1ms\n")
	backendFailure(t, c, srv.url)
	msg := c.stderr.String()
	if !strings.Contains(msg, "timed out") || strings.Contains(msg, "cannot score prompts") {
		t.Errorf("a timeout must be reported as one:\n%s", msg)
	}
}

func TestEndpointCredentialsNeverLeak(t *testing.T) {
	const user, password, token = "alice", "pw-5e3c7a91", "tok-8d2f4b60"
	srv := startServer(t, serve.VLLM, serve.Faults{}, nil)
	withSecrets := func(base string) string {
		return strings.Replace(base, "http://", "http://"+user+":"+password+"@", 1) + "/v1?api_token=" + token
	}
	secrets := []string{password, token}
	check := func(t *testing.T, what string, b []byte) {
		t.Helper()
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the secret %q:\n%s", what, s, b)
			}
		}
	}

	t.Run("run", func(t *testing.T) {
		c := newCLI(t)
		out := remoteRun(t, c, []string{withSecrets(srv.url)}, "-n", "8", "--prefills", "zoo-raw", "--log-level", "debug")
		check(t, "stderr", c.stderr.Bytes())
		check(t, "stdout", c.stdout.Bytes())
		runLog, err := os.ReadFile(filepath.Join(out, "run-log.json"))
		if err != nil {
			t.Fatal(err)
		}
		check(t, "run-log.json", runLog)
		var rl struct{ Endpoints []string }
		if err := json.Unmarshal(runLog, &rl); err != nil || len(rl.Endpoints) != 1 || !strings.Contains(rl.Endpoints[0], "REDACTED") {
			t.Errorf("run-log endpoints %v (%v): want the endpoint, redacted", rl.Endpoints, err)
		}
		check(t, "results.json", c.read("out", "results.json"))
	})
	t.Run("failure", func(t *testing.T) {
		c := newCLI(t)
		code := c.run(context.Background(), e2eArgs("--store", c.path("store"), "--out", c.path("out"), "--endpoint", withSecrets(deadEndpoint(t)))...)
		if code != exitBackend {
			t.Fatalf("exit %d, want %d\n%s", code, exitBackend, c.stderr.String())
		}
		check(t, "stderr", c.stderr.Bytes())
	})
	t.Run("config show", func(t *testing.T) {
		c := newCLI(t)
		c.env["PPLDIFF_ENDPOINTS"] = withSecrets(srv.url)
		c.mustRun("config", "show")
		check(t, "config show", c.stdout.Bytes())
	})
}

func TestChatWithDoubledBOSFailsBeforeGeneration(t *testing.T) {
	// A server that adds BOS to chats whatever add_special_tokens says (as
	// vLLM does when it is true): the rendered template's BOS is doubled.
	var generated sync.Once
	genSeen := false
	srv := startServer(t, serve.VLLM, serve.Faults{}, func(ts *testServer, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var req map[string]any
			if json.Unmarshal(body, &req) == nil {
				if _, chat := req["messages"]; chat && r.URL.Path == "/tokenize" {
					req["add_special_tokens"] = true
					body, _ = json.Marshal(req)
				}
				if echo, _ := req["echo"].(bool); r.URL.Path == "/v1/completions" && !echo {
					generated.Do(func() { genSeen = true })
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			h.ServeHTTP(w, r)
		})
	})
	c := newCLI(t)
	backendFailure(t, c, srv.url)
	if msg := c.stderr.String(); !strings.Contains(msg, "2 BOS") {
		t.Errorf("the message should say the chat prompt starts with 2 BOS:\n%s", msg)
	}
	if genSeen {
		t.Error("generation started before the chat check failed the run")
	}
	// Raw prefill configs need no chat template: the same server works.
	c2 := newCLI(t)
	remoteRun(t, c2, []string{srv.url}, "-n", "8", "--prefills", "zoo-raw")
}
