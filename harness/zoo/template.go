package zoo

import (
	"github.com/ppldiff/ppldiff/harness/lm"
	gen "github.com/ppldiff/ppldiff/organisms/zoo"
)

// ChatTemplate renders lm messages with the zoo's chat template.
func ChatTemplate(msgs []lm.Message) []byte {
	cm := make([]gen.ChatMessage, len(msgs))
	for i, m := range msgs {
		cm[i] = gen.ChatMessage{Role: m.Role, Content: m.Content}
	}
	return gen.RenderChat(cm)
}

// StyleTemplate renders lm messages with a family style's chat template.
func StyleTemplate(st gen.Style) lm.ChatRenderer {
	return func(msgs []lm.Message) []byte {
		cm := make([]gen.ChatMessage, len(msgs))
		for i, m := range msgs {
			cm[i] = gen.ChatMessage{Role: m.Role, Content: m.Content}
		}
		return st.Render(cm)
	}
}
