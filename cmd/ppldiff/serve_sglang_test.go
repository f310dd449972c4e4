package main

// SGLang-specific behaviour of served runs: seeds it may not honour, and
// features older versions lack (chat /tokenize, LoRA adapters in
// /v1/models), which must fail the run early with a message naming them.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ppldiff/ppldiff/harness/serve"
)

func TestSGLangSeedsAreNotClaimedReproducible(t *testing.T) {
	var seeded atomic.Int64
	srv := startServer(t, serve.SGLang, serve.Faults{}, func(_ *testServer, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if bytes.Contains(body, []byte(`"sampling_seed"`)) {
				seeded.Add(1)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			h.ServeHTTP(w, r)
		})
	})
	for _, tc := range []struct {
		decoding string
		warn     bool
	}{{"sample", true}, {"greedy", false}} {
		t.Run(tc.decoding, func(t *testing.T) {
			seeded.Store(0)
			c := newCLI(t)
			c.env["PPLDIFF_SERVING_DIALECT"] = "sglang"
			remoteRun(t, c, []string{srv.url}, "-n", "8", "--prefills", "zoo-raw", "--decoding", tc.decoding)
			var rl struct{ Warnings []string }
			if err := json.Unmarshal(c.read("out", "run-log.json"), &rl); err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(strings.Join(rl.Warnings, "\n"), "sampling_seed")
			if warned != tc.warn {
				t.Errorf("run-log warnings %q: sampling_seed warning %v, want %v", rl.Warnings, warned, tc.warn)
			}
			// Greedy decoding needs no seed; older SGLang refuses the field.
			if sent := seeded.Load() > 0; sent != tc.warn {
				t.Errorf("sampling_seed sent: %v, want %v", sent, tc.warn)
			}
		})
	}
}

func TestOldSGLangWithoutChatTokenizeFailsEarly(t *testing.T) {
	// Older SGLang's /tokenize takes a prompt only: FastAPI refuses a body
	// without one (422).
	srv := startServer(t, serve.SGLang, serve.Faults{}, func(_ *testServer, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if r.URL.Path == "/tokenize" && bytes.Contains(body, []byte(`"messages"`)) {
				w.WriteHeader(http.StatusUnprocessableEntity)
				io.WriteString(w, `{"detail":[{"type":"missing","loc":["body","prompt"],"msg":"Field required"}]}`)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			h.ServeHTTP(w, r)
		})
	})
	c := newCLI(t)
	c.env["PPLDIFF_SERVING_DIALECT"] = "sglang"
	backendFailure(t, c, srv.url)
	if msg := c.stderr.String(); !strings.Contains(msg, "/tokenize with messages") || !strings.Contains(msg, "raw prefill configs") {
		t.Errorf("the message should name the missing feature and the way around it:\n%s", msg)
	}
}

func TestSGLangWithoutLoRAListingFailsEarly(t *testing.T) {
	srv := startServer(t, serve.SGLang, serve.Faults{}, nil)
	c := newCLI(t)
	c.env["PPLDIFF_SERVING_DIALECT"] = "sglang"
	c.write("adapter.yaml", `name: adapter-test
references:
  - id: ref
    kind: true_base
    family: qwen3
    params: 14.8B
    params_kind: weights
    model: zz/served-reference
organisms:
  - id: aa_lora_organism
    category: hidden_behaviour
    objective: A LoRA adapter the server does not list.
    detectors:
      keyword_sets:
        - [welfare]
    family: qwen3
    params: 14.8B
    params_kind: weights
    references: [ref]
    model: example/aa-lora-organism
    adapter: true
    base_model: zz/served-reference
`)
	code := c.run(context.Background(), "run", "--manifest", c.path("adapter.yaml"), "-n", "4", "--prefills", "zoo-raw",
		"--store", c.path("store"), "--out", c.path("out"), "--endpoint", srv.url, "--no-report")
	if code != exitBackend {
		t.Fatalf("exit %d, want %d\n%s", code, exitBackend, c.stderr.String())
	}
	if msg := c.stderr.String(); !strings.Contains(msg, "LoRA adapter") || !strings.Contains(msg, "aa_lora_organism") {
		t.Errorf("the message should say the adapter is missing from SGLang's model list:\n%s", msg)
	}
}
