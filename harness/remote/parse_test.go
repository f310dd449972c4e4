package remote

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/wire"
)

// Fixtures and their sources: testdata/SOURCES.md.

func readFixture(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestParseVLLMGenerate(t *testing.T) {
	var resp wire.CompletionResponse
	readFixture(t, "vllm_generate.json", &resp)
	got, err := parseVLLMGenerations(&resp, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []lm.Generation{
		{Tokens: []int{1820, 374}, Logprobs: []float64{-0.41, -1.73}, FinishReason: "length"},
		// The end-of-text token 128001 is dropped; -9999 reads as -Inf.
		{Tokens: []int{12366}, Logprobs: []float64{math.Inf(-1)}, FinishReason: "stop"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("generations (-want +got):\n%s", d)
	}
	if _, err := parseVLLMGenerations(&resp, 3); err == nil {
		t.Fatal("a choice count mismatch must fail")
	}
}

func TestParseVLLMEcho(t *testing.T) {
	var resp wire.CompletionResponse
	readFixture(t, "vllm_echo.json", &resp)
	items := []lm.ScoreItem{{Context: []int{128000, 791, 6864, 315}, Continuation: []int{9822, 374, 12366}}}
	got, err := parseVLLMScores(&resp, items, ScoreEcho)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([][]float64{{-2.31, -0.52, -0.01}}, got); d != "" {
		t.Fatalf("scores (-want +got):\n%s", d)
	}
	// The leading null must never be read as a score.
	_, err = parseVLLMScores(&resp, []lm.ScoreItem{{Context: nil, Continuation: items[0].Context}}, ScoreEcho)
	if err == nil {
		t.Fatal("scoring the null first position must fail")
	}
	// A token id that differs from the one sent is caught.
	bad := []lm.ScoreItem{{Context: []int{128000, 791, 6864, 315}, Continuation: []int{9822, 374, 99}}}
	if _, err := parseVLLMScores(&resp, bad, ScoreEcho); err == nil {
		t.Fatal("mismatched echoed token must fail")
	}
}

func TestParseVLLMPromptLogprobs(t *testing.T) {
	var resp wire.CompletionResponse
	readFixture(t, "vllm_prompt_logprobs.json", &resp)
	items := []lm.ScoreItem{{Context: []int{128000}, Continuation: []int{791, 6864}}}
	got, err := parseVLLMScores(&resp, items, ScorePromptLogprobs)
	if err != nil {
		t.Fatal(err)
	}
	// 6864's entry is picked by id even though 1060 ranks higher.
	if d := cmp.Diff([][]float64{{-7.91, -9.02}}, got); d != "" {
		t.Fatalf("scores (-want +got):\n%s", d)
	}
}

func TestParseSGLang(t *testing.T) {
	var score wire.GenerateOutputs
	readFixture(t, "sglang_score.json", &score)
	items := []lm.ScoreItem{
		{Context: []int{128000, 791, 6864, 315}, Continuation: []int{9822, 374, 12366}},
		{Context: []int{128000, 791, 6864, 315, 9822}, Continuation: []int{374, 34248}},
	}
	got, err := parseSGLangScores(score, items)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([][]float64{{-2.31, -0.52, -0.01}, {-0.52, -4.75}}, got); d != "" {
		t.Fatalf("scores (-want +got):\n%s", d)
	}

	var gen wire.GenerateOutputs
	readFixture(t, "sglang_generate.json", &gen)
	gens, err := parseSGLangGenerations(gen, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []lm.Generation{
		{Tokens: []int{12366}, Logprobs: []float64{-0.2}, FinishReason: "stop"},
		{Tokens: []int{1820, 374}, Logprobs: []float64{-0.41, -1.73}, FinishReason: "length"},
	}
	if d := cmp.Diff(want, gens); d != "" {
		t.Fatalf("generations (-want +got):\n%s", d)
	}

	var single wire.GenerateOutputs
	if err := json.Unmarshal([]byte(`{"text":"","meta_info":{"finish_reason":{"type":"length","length":1},"output_token_logprobs":[[-1.5,7,null]]}}`), &single); err != nil || len(single) != 1 {
		t.Fatalf("single-object answer: %v, %d outputs", err, len(single))
	}
}

func TestIncrementalSpans(t *testing.T) {
	// "é" is two bytes split over two tokens: the first prefix decodes to
	// U+FFFD, so the first token gets an empty span and the second both bytes.
	got := incrementalSpans([]string{"", "a", "a\ufffd", "aé", "aé b"}, "aé b")
	want := []lm.Span{{Start: 0, End: 1}, {Start: 1, End: 1}, {Start: 1, End: 3}, {Start: 3, End: 5}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("spans (-want +got):\n%s", d)
	}
}

// TestParseVLLMStopTokenID: vLLM turns the extra eos_token_ids of
// generation_config.json into stop_token_ids; a stop on one is
// finish_reason "stop" with that id as an integer stop_reason and the token
// last in token_ids (vllm/v1/core/sched/utils.py, check_stop). It is
// end-of-text and is dropped, as the tokenizer's own end-of-text is.
func TestParseVLLMStopTokenID(t *testing.T) {
	raw, err := os.ReadFile("testdata/vllm_generate_stop_token.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []lm.Generation{
		{Tokens: []int{12366, 13}, Logprobs: []float64{-0.12, -0.3}, FinishReason: "stop"},
		// A stop string (never sent by ppldiff) keeps its tokens.
		{Tokens: []int{55605}, Logprobs: []float64{-2.5}, FinishReason: "stop"},
		// Stopped at once on <|eom_id|>: an empty completion.
		{Tokens: []int{}, Logprobs: []float64{}, FinishReason: "stop"},
	}
	var resp wire.CompletionResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatal(err)
	}
	got, err := parseVLLMGenerations(&resp, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("generations (-want +got):\n%s", d)
	}
}
