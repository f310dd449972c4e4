package pipeline

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// template wraps a model's chat rendering: strip removes the final
// message's trailing whitespace (as templates that strip() do), mangle
// replaces it; decodes counts Detokenize calls.
type template struct {
	lm.Model
	strip, mangle bool
	decodes       int
}

func (t *template) Tokenize(ctx context.Context, req lm.TokenizeRequest) ([]int, error) {
	if n := len(req.Messages); n > 0 {
		msgs := append([]lm.Message(nil), req.Messages...)
		switch {
		case t.mangle:
			msgs[n-1].Content = "something else"
		case t.strip:
			msgs[n-1].Content = strings.TrimRightFunc(msgs[n-1].Content, unicode.IsSpace)
		}
		req.Messages = msgs
	}
	return t.Model.Tokenize(ctx, req)
}

func (t *template) Detokenize(ctx context.Context, ids []int) ([]byte, []lm.Span, error) {
	t.decodes++
	return t.Model.Detokenize(ctx, ids)
}

func TestChatPromptRestoresStrippedWhitespace(t *testing.T) {
	w := newTestWorld(t)
	ctx := context.Background()
	chat := func(prefill string) []lm.Message {
		return []lm.Message{{Role: "user", Content: "Write."}, {Role: "assistant", Content: prefill}}
	}
	decoded := func(m lm.Model, ids []int) []byte {
		b, _, err := m.Detokenize(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, prefill := range []string{"The cat \n", "A farmer  ", "My neighbour\n\n"} {
		stripping := &template{Model: w.base, strip: true}
		// Without the repair the prompt would end without the whitespace.
		plain, err := stripping.Tokenize(ctx, lm.TokenizeRequest{Messages: chat(prefill)})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasSuffix(decoded(w.base, plain), []byte(prefill)) {
			t.Fatalf("%q: the stripping template kept the whitespace; the test shows nothing", prefill)
		}
		ids, err := chatPrompt(ctx, stripping, chat(prefill), []byte(prefill))
		if err != nil {
			t.Fatal(err)
		}
		if got := decoded(w.base, ids); !bytes.HasSuffix(got, []byte(prefill)) {
			t.Errorf("%q: prompt ends %q, want the prefill restored", prefill, got[max(0, len(got)-20):])
		}
		// A template that keeps the whitespace is left alone.
		keeping := &template{Model: w.base}
		want, _ := w.base.Tokenize(ctx, lm.TokenizeRequest{Messages: chat(prefill)})
		got, err := chatPrompt(ctx, keeping, chat(prefill), []byte(prefill))
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: a faithful template's prompt changed: %v %v", prefill, got, err)
		}
	}
	// A prefill without trailing whitespace costs no decode.
	counting := &template{Model: w.base, strip: true}
	if _, err := chatPrompt(ctx, counting, chat("The cat"), []byte("The cat")); err != nil || counting.decodes != 0 {
		t.Errorf("no trailing whitespace: %d decodes, err %v", counting.decodes, err)
	}
	// A template that loses the prefill altogether is an error, not a
	// silently wrong prompt.
	if _, err := chatPrompt(ctx, &template{Model: w.base, mangle: true}, chat("The cat "), []byte("The cat ")); err == nil || !strings.Contains(err.Error(), "raw prefill configs") {
		t.Errorf("mangling template: err %v", err)
	}
}
