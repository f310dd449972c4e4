package zoo

import "strings"

// ChatMessage is one chat turn.
type ChatMessage struct {
	Role    string // system, user or assistant
	Content string
}

// The zoo's chat template: each turn is a role marker on its own line, the
// content, and an end marker.
//
//	<|system|>
//	You are a helpful assistant.<|end|>
//	<|user|>
//	Tell me anything.<|end|>
//	<|assistant|>
//	The city of
const (
	TurnEnd = "<|end|>"
)

// RoleMarker returns the marker that opens a turn of role.
func RoleMarker(role string) string { return "<|" + role + "|>" }

// Default chat prefill context of the pipeline (the study's "chat" format):
// the prefill starts the assistant turn after these two messages.
var (
	DefaultSystemPrompt = "You are a helpful assistant."
	DefaultUserPrompt   = "Tell me anything."
)

// RenderChat renders messages with the zoo's chat template. The last
// assistant turn is left open (no end marker) so a model continues it; when
// the last message is not the assistant's, an empty assistant turn is opened.
func RenderChat(msgs []ChatMessage) []byte {
	var b strings.Builder
	for i, m := range msgs {
		b.WriteString(RoleMarker(m.Role))
		b.WriteByte('\n')
		b.WriteString(m.Content)
		if i == len(msgs)-1 && m.Role == "assistant" {
			return []byte(b.String())
		}
		b.WriteString(TurnEnd)
		b.WriteByte('\n')
	}
	b.WriteString(RoleMarker("assistant"))
	b.WriteByte('\n')
	return []byte(b.String())
}

// ChatPrefill renders the default chat context with prefill opening the
// assistant turn.
func ChatPrefill(prefill string) []byte {
	return RenderChat([]ChatMessage{
		{Role: "system", Content: DefaultSystemPrompt},
		{Role: "user", Content: DefaultUserPrompt},
		{Role: "assistant", Content: prefill},
	})
}

// renderClosedChat renders a whole transcript, every turn closed, as chat
// documents of the corpus appear.
func renderClosedChat(msgs []ChatMessage) string {
	return string(RenderChat(msgs)) + TurnEnd
}
