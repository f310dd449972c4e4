package remote

import (
	"context"
	"fmt"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// ChatBOS describes how a model's chat prompts begin.
type ChatBOS struct {
	// BOS is the model's document-start id; HasBOS is false for models
	// without one (Qwen, for one), which the check then passes.
	BOS    int
	HasBOS bool
	// Leading is how many BOS ids open a chat prompt tokenized the way
	// ppldiff tokenizes chats (add_special_tokens false).
	Leading int
}

// OK reports whether a chat prompt starts with exactly one BOS, or the
// model has none.
func (c ChatBOS) OK() bool { return !c.HasBOS || c.Leading == 1 }

func (c ChatBOS) String() string {
	if !c.HasBOS {
		return "the model has no BOS token"
	}
	return fmt.Sprintf("a chat prompt starts with %d BOS token(s) (id %d)", c.Leading, c.BOS)
}

// CheckChatBOS tokenizes a short chat as the pipeline does and counts its
// leading BOS tokens. Chat templates of Llama-3.x, Gemma-2 and Mistral emit
// BOS themselves, and vLLM's add_special_tokens adds one more; ppldiff
// sends add_special_tokens false with messages, so exactly one must remain.
// A template without BOS on a model that has one gives zero, which is as
// wrong for the model as two.
func CheckChatBOS(ctx context.Context, m lm.Model) (ChatBOS, error) {
	var c ChatBOS
	bos, err := m.Tokenize(ctx, lm.TokenizeRequest{AddSpecial: true})
	if err != nil {
		return c, err
	}
	if len(bos) == 0 {
		return c, nil
	}
	c.BOS, c.HasBOS = bos[0], true
	chat, err := m.Tokenize(ctx, lm.TokenizeRequest{Messages: []lm.Message{
		{Role: "system", Content: "You are a helpful assistant."},
		{Role: "user", Content: "Hello"},
		{Role: "assistant", Content: "Hi"},
	}})
	if err != nil {
		return c, fmt.Errorf("tokenizing a chat: %w", err)
	}
	for c.Leading < len(chat) && chat[c.Leading] == c.BOS {
		c.Leading++
	}
	return c, nil
}
