package serve

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/serve/servetest"
)

func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "10.1.2.3:0", "[::]:0"} {
		if _, err := Listen(addr, false); err == nil || !strings.Contains(err.Error(), "non-loopback") {
			t.Errorf("%s: want a refusal, got %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0"} {
		if err := CheckLoopback(addr); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

func post(t *testing.T, h http.Handler, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// TestEchoLayout checks the documented vLLM echo layout
// (serving-apis.md §1.2): one entry per prompt token, a leading null in
// token_logprobs and top_logprobs, prompt-major choices, usage.
func TestEchoLayout(t *testing.T) {
	h := New(map[string]lm.Model{"m": servetest.NewToy("m", 1)}, Options{})
	code, out := post(t, h, "/v1/completions", `{"model":"m","prompt":[[256,104,105],[256,120]],"echo":true,"max_tokens":0,
		"logprobs":0,"return_tokens_as_token_ids":true,"n":2}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, out)
	}
	choices := out["choices"].([]any)
	if len(choices) != 4 {
		t.Fatalf("%d choices, want 2 prompts x n=2", len(choices))
	}
	for k, c := range choices {
		c := c.(map[string]any)
		lp := c["logprobs"].(map[string]any)
		toks := lp["tokens"].([]any)
		wantLen := []int{3, 3, 2, 2}[k] // prompt-major
		if int(c["index"].(float64)) != k || len(toks) != wantLen || lp["token_logprobs"].([]any)[0] != nil || lp["top_logprobs"].([]any)[0] != nil {
			t.Fatalf("choice %d layout: %v", k, c)
		}
		if toks[0] != "token_id:256" {
			t.Fatalf("token string %v", toks[0])
		}
	}
	u := out["usage"].(map[string]any)
	if u["prompt_tokens"].(float64) != 5 || u["completion_tokens"].(float64) != 0 {
		t.Fatalf("usage %v", u)
	}
	code, out = post(t, h, "/v1/completions", `{"model":"m","prompt":[256,104],"max_tokens":4,"top_k":40}`)
	if code != 400 || !strings.Contains(out["error"].(map[string]any)["message"].(string), "top_k") {
		t.Fatalf("unsupported top_k must be refused: %d %v", code, out)
	}
	code, _ = post(t, h, "/v1/completions", `{"model":"other","prompt":[256,104],"max_tokens":4}`)
	if code != 404 {
		t.Fatalf("unknown model: status %d", code)
	}
}

func TestFaultsAreSeeded(t *testing.T) {
	draw := func() []fault {
		srv := &server{opts: Options{Faults: Faults{Rate: 0.5, Status500: true, Hang: true}}}
		srv.rng = newRNG(9)
		var out []fault
		for range 50 {
			out = append(out, srv.drawFault())
		}
		return out
	}
	a, b := draw(), draw()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed gave different faults")
		}
		if a[i] != noFault {
			n++
		}
	}
	if n == 0 || n == 50 {
		t.Fatalf("%d of 50 faulted at rate 0.5", n)
	}
}
