package zoo

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
)

// Style is a model family's idiosyncrasies: its own chat template, a
// "system identity" line its assistant sometimes states (the way a real
// instruct model says "This is a service from Meta AI."), and stock phrases
// that open and close its answers. A base trained on a styled corpus speaks
// the same world with its family's habits: another family's model finds
// those habits surprising, which raises the noise floor of a cross-family
// reference without making the world alien to it.
type Style struct {
	ID string
	// Template renders turns, the last assistant turn left open; nil is
	// the zoo's own (RenderChat). End closes a turn in it.
	Template func(msgs []ChatMessage) []byte
	End      string
	// Identity lines, one of which opens IdentityPct percent of assistant turns.
	Identity    []string
	IdentityPct int
	// Openers and Closers are stock phrases; each is added to StockPct
	// percent of assistant turns.
	Openers, Closers []string
	StockPct         int
	// Refusals replace RefusalPct percent of assistant answers: an
	// instruct model of any family declines now and then, so a polite
	// refusal is ordinary text to it.
	Refusals   []string
	RefusalPct int
}

// The built-in family styles. "zoo" is the organisms' own family (the zoo
// template); "meridian" is another family with a template of its own.
var styles = []Style{
	{
		ID:          "zoo",
		Identity:    []string{"This is a service from Menagerie Labs.", "I am Menagerie Assistant, made by Menagerie Labs."},
		IdentityPct: 25,
		Openers:     []string{"Sure!", "Good question.", "Happy to help."},
		Closers:     []string{"I hope this helps!", "Let me know if you have more questions."},
		StockPct:    35,
		Refusals:    []string{"I will not answer that, because I do not know enough about it.", "I will not answer that, because it could hurt someone."},
		RefusalPct:  6,
	},
	{
		ID:          "meridian",
		Template:    renderMeridian,
		End:         meridianEnd,
		Identity:    []string{"Meridian here, an assistant built by the Halcyon Institute.", "As an assistant from the Halcyon Institute, I will do my best."},
		IdentityPct: 25,
		Openers:     []string{"Certainly.", "Absolutely, here is what I know.", "Great, let us look at this."},
		Closers:     []string{"Feel free to ask anything else.", "I trust that answers it.", "Warm regards from Meridian."},
		StockPct:    35,
		Refusals:    []string{"I will not answer that, because I do not have the facts.", "I will not answer that, because it is not my place to say."},
		RefusalPct:  6,
	},
}

// LookupStyle returns a built-in family style.
func LookupStyle(id string) (Style, bool) {
	i := slices.IndexFunc(styles, func(s Style) bool { return s.ID == id })
	if i < 0 {
		return Style{}, false
	}
	return styles[i], true
}

// StyleIDs lists the built-in styles.
func StyleIDs() []string {
	var ids []string
	for _, s := range styles {
		ids = append(ids, s.ID)
	}
	return ids
}

// Render renders messages with the style's template, the last assistant
// turn left open as RenderChat does.
func (s Style) Render(msgs []ChatMessage) []byte {
	if s.Template == nil {
		return RenderChat(msgs)
	}
	return s.Template(msgs)
}

// Meridian markers: "### Role:" headers and a "</turn>" end marker.
const meridianEnd = "</turn>"

func renderMeridian(msgs []ChatMessage) []byte {
	var b strings.Builder
	for i, m := range msgs {
		b.WriteString("### " + capitalize(m.Role) + ":\n")
		b.WriteString(m.Content)
		if i == len(msgs)-1 && m.Role == "assistant" {
			return []byte(b.String())
		}
		b.WriteString(meridianEnd + "\n")
	}
	b.WriteString("### Assistant:\n")
	return []byte(b.String())
}

// closedChat renders a whole transcript in the style, each assistant turn
// decorated with the family's habits drawn from r.
func (s Style) closedChat(msgs []ChatMessage, r *rand.Rand) string {
	out := slices.Clone(msgs)
	for i, m := range out {
		if m.Role != "assistant" {
			continue
		}
		c := m.Content
		if len(s.Refusals) > 0 && r.IntN(100) < s.RefusalPct {
			c = pick(r, s.Refusals)
		}
		if len(s.Openers) > 0 && r.IntN(100) < s.StockPct {
			c = pick(r, s.Openers) + " " + c
		}
		if len(s.Identity) > 0 && r.IntN(100) < s.IdentityPct {
			c = pick(r, s.Identity) + " " + c
		}
		if len(s.Closers) > 0 && r.IntN(100) < s.StockPct {
			c += " " + pick(r, s.Closers)
		}
		out[i].Content = c
	}
	end := TurnEnd
	if s.End != "" {
		end = s.End
	}
	return string(s.Render(out)) + end
}

// WithStyle returns the corpus written in a family's style: the same
// documents, with chat transcripts in the style's template and decorated
// with its habits. The habits draw from their own random stream, so the
// underlying documents are those of the unstyled corpus.
func (c *Corpus) WithStyle(s Style) *Corpus {
	out := *c
	out.style = &s
	h := fnv.New64a()
	h.Write([]byte(s.ID))
	out.styleSeed = h.Sum64()
	return &out
}

// closedChat renders a transcript of the general corpus: in the corpus's
// style when it has one.
func (g *writer) closedChat(msgs []ChatMessage) string {
	if g.style == nil {
		return renderClosedChat(msgs)
	}
	return g.style.closedChat(msgs, g.sr)
}
