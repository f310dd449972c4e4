package remote

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ppldiff/ppldiff/harness/wire"
)

func TestTokenIDsFromStrings(t *testing.T) {
	c := &wire.CompletionChoice{Logprobs: &wire.CompletionLogprobs{Tokens: []string{"token_id:12", "token_id:7"}}}
	ids, err := tokenIDs(c)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int{12, 7}, ids); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
	for _, bad := range []string{"hello", "token_id:x", "token_id:"} {
		c.Logprobs.Tokens = []string{"token_id:1", bad}
		if _, err := tokenIDs(c); err == nil || !strings.Contains(err.Error(), "return_tokens_as_token_ids") {
			t.Errorf("%q: err %v, want the ignored option named", bad, err)
		}
	}
	c.TokenIDs = []int{3, 4}
	if ids, _ := tokenIDs(c); !slices.Equal(ids, []int{3, 4}) {
		t.Errorf("token_ids must win over token strings: %v", ids)
	}
}

// TestSimulatedBatchDecodes: a full vLLM generation answer, with every
// field vLLM fills (text_offset, top_logprobs, prompt_token_ids ...),
// decodes into the generations the request asked for.
func TestSimulatedBatchDecodes(t *testing.T) {
	const prompts, tokens, eos = 8, 16, 151643
	var resp wire.CompletionResponse
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
