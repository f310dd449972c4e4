package remote_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/remote"
)

// llama3Fixture is a vLLM server's /tokenize for a Llama-3.1-Instruct
// model as testdata/vllm_tokenize_llama3_chat.json records it.
type llama3Fixture struct {
	BOS            []int `json:"bos"`
	Template       []int `json:"template_tokens"`
	WithAddSpecial []int `json:"add_special_tokens_true"`
}

// llama3Server answers /tokenize the way vLLM does for that model: the
// template's BOS, plus one more when add_special_tokens is true (its
// default for prompts, false for messages); ignoreFlag makes it add BOS to
// chats whatever the request says, as a misconfigured server would.
func llama3Server(t *testing.T, fx llama3Fixture, templateHasBOS, ignoreFlag bool) (url string, chatFlags func() []bool) {
	t.Helper()
	var mu sync.Mutex
	var flags []bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Prompt     *string           `json:"prompt"`
			Messages   []json.RawMessage `json:"messages"`
			AddSpecial *bool             `json:"add_special_tokens"`
		}
		json.Unmarshal(body, &req)
		var toks []int
		switch {
		case r.URL.Path != "/tokenize":
			http.Error(w, `{"error":{"message":"not in this fixture"}}`, http.StatusNotFound)
			return
		case req.Messages != nil:
			add := req.AddSpecial != nil && *req.AddSpecial
			mu.Lock()
			flags = append(flags, add)
			mu.Unlock()
			toks = fx.Template
			if !templateHasBOS {
				toks = toks[1:]
			}
			if add || ignoreFlag {
				toks = append(append([]int{}, fx.BOS...), toks...)
			}
		case req.Prompt != nil && *req.Prompt == "" && (req.AddSpecial == nil || *req.AddSpecial):
			toks = fx.BOS
		default:
			toks = []int{}
		}
		json.NewEncoder(w).Encode(map[string]any{"count": len(toks), "max_model_len": 131072, "tokens": toks})
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []bool { mu.Lock(); defer mu.Unlock(); return append([]bool(nil), flags...) }
}

func TestChatTokenizeSendsNoSpecialTokensAndChecksBOS(t *testing.T) {
	raw, err := os.ReadFile("testdata/vllm_tokenize_llama3_chat.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx llama3Fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	// The fixture itself: with add_special_tokens the BOS is doubled.
	if fx.WithAddSpecial[0] != fx.BOS[0] || fx.WithAddSpecial[1] != fx.BOS[0] {
		t.Fatalf("fixture: add_special_tokens_true should start with two BOS: %v", fx.WithAddSpecial[:2])
	}
	for _, tc := range []struct {
		name                       string
		templateHasBOS, ignoreFlag bool
		leading                    int
	}{
		{"llama3 template", true, false, 1},
		{"server adds BOS to chats", true, true, 2},
		{"template without BOS", false, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, flags := llama3Server(t, fx, tc.templateHasBOS, tc.ignoreFlag)
			m := remote.TokenizerOnly(url, "meta-llama/Llama-3.1-8B-Instruct", remote.DialectVLLM)
			c, err := remote.CheckChatBOS(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if c.Leading != tc.leading || c.OK() != (tc.leading == 1) {
				t.Fatalf("%+v, want %d leading BOS", c, tc.leading)
			}
			if !c.OK() && !strings.Contains(c.String(), "BOS") {
				t.Fatalf("message %q should name BOS", c)
			}
			got := flags()
			if len(got) != 1 || got[0] {
				t.Fatalf("add_special_tokens sent with messages: %v, want [false]", got)
			}
			// The caller's flag passes through; the pipeline never sets it.
			ids, err := m.Tokenize(context.Background(), lm.TokenizeRequest{Messages: []lm.Message{{Role: "user", Content: "x"}}})
			if err != nil || len(ids) == 0 {
				t.Fatalf("chat tokenize: %v %v", ids, err)
			}
		})
	}
}

// TestDetokenizeReadsBothLayouts: SGLang's /detokenize answers {"text"}
// and skips special tokens unless asked not to
// (python/sglang/srt/entrypoints/openai/serving_tokenize.py, sglang
// 0351c1fa); vLLM answers {"prompt"} (DetokenizeResponse).
func TestDetokenizeReadsBothLayouts(t *testing.T) {
	for _, tc := range []struct{ dialect, answer string }{
		{remote.DialectSGLang, `{"text":"<s>Hi"}`},
		{remote.DialectVLLM, `{"prompt":"<s>Hi"}`},
	} {
		t.Run(tc.dialect, func(t *testing.T) {
			var skip any = "unset"
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var req map[string]any
				json.NewDecoder(r.Body).Decode(&req)
				if v, ok := req["skip_special_tokens"]; ok {
					skip = v
				}
				io.WriteString(w, tc.answer)
			}))
			t.Cleanup(srv.Close)
			m := remote.TokenizerOnly(srv.URL, "m", tc.dialect)
			text, err := m.DecodeText(context.Background(), []int{1, 2})
			if err != nil {
				t.Fatal(err)
			}
			if string(text) != "<s>Hi" {
				t.Fatalf("decoded %q", text)
			}
			if skip != false {
				t.Fatalf("skip_special_tokens sent as %v, want false", skip)
			}
		})
	}
}

// TestGenerationRequestPinsSampling: every sampling parameter vLLM would
// otherwise take from generation_config.json is sent, zeros included (an
// omitted field takes the model's default; an explicit null max_tokens means
// "up to the context length").
func TestGenerationRequestPinsSampling(t *testing.T) {
	var sent map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&sent)
		w.Write(remote.SimGenerationBody(1, 4, 3, 2))
	}))
	t.Cleanup(srv.Close)
	m := remote.TokenizerOnly(srv.URL, "m", remote.DialectVLLM)
	if _, err := m.Generate(context.Background(), lm.GenerateRequest{Prompts: [][]int{{1, 2, 3}}, N: 1, MaxNewTokens: 4, Temperature: 0.7, TopP: 0.9, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"model": "m", "prompt": []any{[]any{1.0, 2.0, 3.0}}, "n": 1.0, "max_tokens": 4.0,
		"temperature": 0.7, "top_p": 0.9, "seed": 5.0, "logprobs": 0.0, "top_k": -1.0, "min_p": 0.0,
		"repetition_penalty": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0, "ignore_eos": false,
		"add_special_tokens": false, "return_tokens_as_token_ids": true, "return_token_ids": true}
	if d := cmp.Diff(want, sent); d != "" {
		t.Fatalf("request body (-want +got):\n%s", d)
	}
}
