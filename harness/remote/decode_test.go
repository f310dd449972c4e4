package remote

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTokenStringsIDs(t *testing.T) {
	const body = `{"tokens":["token_id:12","hello","token_id:x","token_\u0069d:7","token_id:+3"]}`
	var lp vllmLogprobs
	if err := json.Unmarshal([]byte(body), &lp); err != nil {
		t.Fatal(err)
	}
	ids, other, ok := lp.Tokens.idList()
	if ok || other != "hello" {
		t.Errorf("idList reports %q, %v; want the first non-id, hello", other, ok)
	}
	var isID []bool
	for i := range lp.Tokens.len() {
		isID = append(isID, lp.Tokens.isID(i))
	}
	if d := cmp.Diff([]bool{true, false, false, true, true}, isID); d != "" {
		t.Errorf("isID (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{12, 0, 0, 7, 3}, ids); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
	if err := json.Unmarshal([]byte(`{"tokens":[1]}`), &lp); err == nil {
		t.Fatal("tokens that are not strings must fail to decode")
	}
}

// TestSimulatedBatchDecodes: a full vLLM generation answer, with every
// field vLLM fills (text_offset, top_logprobs, prompt_token_ids ...),
// decodes into the generations the request asked for.
func TestSimulatedBatchDecodes(t *testing.T) {
	const prompts, tokens, eos = 8, 16, 151643
	var resp vllmCompletion
	if err := json.Unmarshal(SimGenerationBody(prompts, tokens, 40, eos), &resp); err != nil {
		t.Fatal(err)
	}
	gens, err := parseVLLMGenerations(&resp, prompts)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range gens {
		want := tokens
		if i%4 == 3 {
			want = tokens*3/4 - 1 // stopped at end-of-text, which is dropped
		}
		if len(g.Tokens) != want || len(g.Logprobs) != want {
			t.Fatalf("generation %d: %d tokens, %d logprobs, want %d", i, len(g.Tokens), len(g.Logprobs), want)
		}
	}
}
