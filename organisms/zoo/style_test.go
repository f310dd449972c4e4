package zoo

import (
	"strings"
	"testing"
)

// A styled corpus is the same documents with the family's habits in its
// chats: prose is untouched, chats use the style's template, and some
// assistant turns carry the identity line or stock phrases.
func TestStyledCorpusKeepsTheDocuments(t *testing.T) {
	st, ok := LookupStyle("meridian")
	if !ok {
		t.Fatal("no meridian style")
	}
	plain := NewCorpus(1)
	styled := plain.WithStyle(st)
	var chats, identity, stock int
	for i := range 600 {
		p, s := plain.Doc(i), styled.Doc(i)
		if p.Genre != s.Genre {
			t.Fatalf("doc %d: genre %s styled %s", i, p.Genre, s.Genre)
		}
		if p.Genre != GenreChat {
			if p.Text != s.Text {
				t.Fatalf("doc %d (%s) changed under the style:\n%s\n---\n%s", i, p.Genre, p.Text, s.Text)
			}
			continue
		}
		chats++
		if strings.Contains(s.Text, RoleMarker("assistant")) || !strings.Contains(s.Text, "### Assistant:\n") {
			t.Fatalf("doc %d: styled chat not in the meridian template:\n%s", i, s.Text)
		}
		for _, l := range st.Identity {
			if strings.Contains(s.Text, l) {
				identity++
				break
			}
		}
		for _, l := range append(st.Openers, st.Closers...) {
			if strings.Contains(s.Text, l) {
				stock++
				break
			}
		}
		// The turns' own words are the plain document's.
		first := strings.SplitN(strings.SplitN(p.Text, RoleMarker("user")+"\n", 2)[1], TurnEnd, 2)[0]
		if !strings.Contains(s.Text, first) {
			t.Fatalf("doc %d: styled chat lost the user turn %q", i, first)
		}
	}
	if chats < 40 || identity == 0 || identity == chats || stock == 0 {
		t.Errorf("%d chats, %d with an identity line, %d with stock phrases: want some of each, not all", chats, identity, stock)
	}
	if a, b := styled.Doc(7).Text, plain.WithStyle(st).Doc(7).Text; a != b {
		t.Error("styled corpus is not deterministic")
	}
}

func TestStyleRenderLeavesTheAssistantTurnOpen(t *testing.T) {
	st, _ := LookupStyle("meridian")
	got := string(st.Render([]ChatMessage{{Role: "system", Content: "S"}, {Role: "user", Content: "U"}, {Role: "assistant", Content: "The"}}))
	if want := "### System:\nS</turn>\n### User:\nU</turn>\n### Assistant:\nThe"; got != want {
		t.Errorf("render = %q, want %q", got, want)
	}
	zoo, _ := LookupStyle("zoo")
	if got := string(zoo.Render([]ChatMessage{{Role: "user", Content: "U"}})); got != string(RenderChat([]ChatMessage{{Role: "user", Content: "U"}})) {
		t.Errorf("zoo style renders %q, not the zoo template", got)
	}
}
