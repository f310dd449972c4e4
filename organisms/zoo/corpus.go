package zoo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Genre is a kind of document.
type Genre string

// The genres of the general corpus.
const (
	GenreWeb          Genre = "web"
	GenreEncyclopedia Genre = "encyclopedia"
	GenreNews         Genre = "news"
	GenreForum        Genre = "forum"
	GenreRecipe       Genre = "recipe"
	GenreCode         Genre = "code"
	GenreChat         Genre = "chat"
)

// genreWeights sets the mix of genres (percent).
var genreWeights = []struct {
	g Genre
	w int
}{
	{GenreWeb, 30}, {GenreEncyclopedia, 13}, {GenreNews, 15}, {GenreForum, 13},
	{GenreRecipe, 7}, {GenreCode, 8}, {GenreChat, 14},
}

// Genres lists the genres of the general corpus.
func Genres() []Genre {
	out := make([]Genre, len(genreWeights))
	for i, gw := range genreWeights {
		out[i] = gw.g
	}
	return out
}

// Document is one generated document.
type Document struct {
	Genre Genre
	Text  string
}

// Corpus is the procedural general corpus of one world. Document i depends
// only on the world seed, the stream seed and i, so any slice can be
// generated on its own, in any order, on any machine.
type Corpus struct {
	world  *World
	seed   uint64 // world seed
	stream uint64 // document stream seed
	// style, when set, is the family style chat documents are written in;
	// its habits draw from streams seeded by styleSeed.
	style     *Style
	styleSeed uint64
}

// NewCorpus returns the corpus of a seed: its world and its document stream
// both come from seed.
func NewCorpus(seed uint64) *Corpus {
	return &Corpus{world: NewWorld(seed), seed: seed, stream: seed}
}

// WithStream returns a corpus of the same world with another document
// stream: different documents about the same facts.
func (c *Corpus) WithStream(stream uint64) *Corpus {
	out := *c
	out.stream = stream
	return &out
}

// World returns the corpus's world.
func (c *Corpus) World() *World { return c.world }

// Seed returns the world seed; Stream the document stream seed.
func (c *Corpus) Seed() uint64   { return c.seed }
func (c *Corpus) Stream() uint64 { return c.stream }

// Doc generates document i.
func (c *Corpus) Doc(i int) Document {
	r := rand.New(rand.NewPCG(c.stream, uint64(i)))
	g := newWriter(c.world, r)
	if c.style != nil {
		g.style = c.style
		g.sr = rand.New(rand.NewPCG(c.stream^c.styleSeed, uint64(i)))
	}
	x := r.IntN(100)
	for _, gw := range genreWeights {
		if x < gw.w {
			return Document{Genre: gw.g, Text: g.genre(gw.g)}
		}
		x -= gw.w
	}
	panic("zoo: genre weights do not sum to 100")
}

// Docs generates documents [from, to).
func (c *Corpus) Docs(from, to int) []Document {
	out := make([]Document, 0, max(0, to-from))
	for i := from; i < to; i++ {
		out = append(out, c.Doc(i))
	}
	return out
}

// Texts generates the texts of documents [from, to).
func (c *Corpus) Texts(from, to int) []string {
	out := make([]string, 0, max(0, to-from))
	for i := from; i < to; i++ {
		out = append(out, c.Doc(i).Text)
	}
	return out
}

func (g *writer) genre(k Genre) string {
	switch k {
	case GenreWeb:
		return g.web()
	case GenreEncyclopedia:
		return g.encyclopedia()
	case GenreNews:
		return g.news()
	case GenreForum:
		return g.forum()
	case GenreRecipe:
		return g.recipe()
	case GenreCode:
		return g.code()
	case GenreChat:
		return g.chat()
	}
	panic("zoo: unknown genre " + string(k))
}

func (g *writer) web() string {
	var parts []string
	if g.r.IntN(2) == 0 {
		parts = append(parts, capitalize(fmt.Sprintf("%s %s and %s", g.adj(), plural(g.noun()), plural(g.noun()))))
	}
	for range 1 + g.r.IntN(3) {
		parts = append(parts, g.paragraph(2, 5))
	}
	return strings.Join(parts, "\n\n")
}

func (g *writer) encyclopedia() string {
	w, r := g.w, g.r
	var title string
	var facts []string
	switch r.IntN(5) {
	case 0:
		i := r.IntN(len(w.Cities))
		title = w.Cities[i].Name
		for range 2 + r.IntN(3) {
			facts = append(facts, w.cityFact(r, i))
		}
	case 1:
		i := r.IntN(len(w.People))
		title = w.People[i].Name()
		for range 2 + r.IntN(2) {
			facts = append(facts, w.personFact(r, i))
		}
	case 2:
		i := r.IntN(len(w.Companies))
		title = w.Companies[i].Name
		for range 2 + r.IntN(3) {
			facts = append(facts, w.companyFact(r, i))
		}
	case 3:
		i := r.IntN(len(w.Elements))
		title = w.Elements[i].Name
		for range 2 + r.IntN(3) {
			facts = append(facts, w.elementFact(r, i))
		}
		if r.IntN(6) == 0 {
			title = "Moon"
			facts = append(facts, pick(r, moonFacts), pick(r, moonFacts))
		}
	default:
		i := r.IntN(len(w.Dishes))
		title = w.Dishes[i].Name
		for range 2 {
			facts = append(facts, w.dishFact(r, i))
		}
	}
	return title + "\n\n" + strings.Join(facts, " ") + " " + g.paragraph(2, 5)
}

func (g *writer) news() string {
	head := fmt.Sprintf("%s, %s %d, %d -", strings.ToUpper(g.city()), pick(g.r, months), 1+g.r.IntN(28), g.year())
	quote := fmt.Sprintf("\"%s\" said %s, a %s from %s.", g.sentence(), g.person(), pick(g.r, occupations), g.city())
	return head + " " + g.paragraph(2, 4) + " " + quote + "\n\n" + g.paragraph(1, 3)
}

func (g *writer) username() string {
	return fmt.Sprintf("%s_%s%d", pick(g.r, usernames1), pick(g.r, usernames2), g.r.IntN(100))
}

func (g *writer) forum() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Q: %s\n\n%s\n", g.question(), g.paragraph(1, 3))
	for range 1 + g.r.IntN(3) {
		fmt.Fprintf(&b, "\n%s wrote:\n%s\n", g.username(), g.paragraph(1, 3))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (g *writer) recipe() string {
	r := g.r
	d := g.w.Dishes[r.IntN(len(g.w.Dishes))]
	cook := topics[0]
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", d.Name)
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "Serves %d. ", 2+r.IntN(6))
	}
	b.WriteString(g.paragraph(1, 3))
	b.WriteString("\n\nIngredients:\n")
	ings := slices.Clone(d.Ingredients)
	for range r.IntN(3) {
		ings = append(ings, pick(r, cook.Nouns))
	}
	for _, ing := range ings {
		switch r.IntN(3) {
		case 0:
			fmt.Fprintf(&b, "- %d %s %s\n", 1+r.IntN(9), pick(r, units), ing)
		case 1:
			fmt.Fprintf(&b, "- %s %s\n", pick(r, cook.Adjs), ing)
		default:
			fmt.Fprintf(&b, "- %s %s, %s\n", pick(r, numberWords), plural(ing), verbForms(pick(r, cook.Verbs))[1])
		}
	}
	b.WriteString("\nMethod:\n")
	for i := range 2 + r.IntN(4) {
		var step string
		switch r.IntN(3) {
		case 0:
			step = fmt.Sprintf("%s the %s %s the %s for %d minutes.", capitalize(pick(r, cook.Verbs)),
				pick(r, cook.Nouns), pick(r, prepositions), pick(r, cook.Nouns), 2+r.IntN(40))
		case 1:
			step = fmt.Sprintf("%s the %s %s until %s.", capitalize(pick(r, cook.Verbs)), pick(r, cook.Adjs)+" "+pick(r, cook.Nouns),
				pick(r, adverbs), strings.ToLower(strings.TrimSuffix(g.grammarSentence(), ".")))
		default:
			step = g.grammarSentence()
		}
		fmt.Fprintf(&b, "%d. %s\n", i+1, step)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// identifier joins vocabulary words in snake case or camel case.
func (g *writer) identifier(words ...string) string {
	if g.r.IntN(3) == 0 {
		for i := 1; i < len(words); i++ {
			words[i] = capitalize(words[i])
		}
		return strings.Join(words, "")
	}
	return strings.Join(words, "_")
}

// code writes a short Python or Go snippet with identifiers from the
// vocabulary and comments in prose.
func (g *writer) code() string {
	r := g.r
	n1, n2, n3 := g.noun(), g.noun(), g.noun()
	v, v2 := g.verb(), g.verb()
	a := g.adj()
	comment := strings.TrimSuffix(g.sentence(), ".")
	fn := g.identifier(v, plural(n1))
	switch r.IntN(6) {
	case 0:
		return fmt.Sprintf("def %s(%s, %s=%d):\n    # %s\n    %s = 0\n    for %s in %s:\n        if %s.%s:\n            %s += %s.%s\n    return %s",
			fn, plural(n1), n3, r.IntN(100), comment, n2, n1, plural(n1), n1, a, n2, n1, n3, n2)
	case 1:
		return fmt.Sprintf("class %s%s:\n    \"\"\"%s.\"\"\"\n\n    def __init__(self, %s):\n        self.%s = %s\n        self.%s = []\n\n    def %s(self, %s):\n        # %s\n        self.%s.append(%s)\n        return len(self.%s)",
			capitalize(a), capitalize(n1), comment, n2, n2, n2, plural(n1), v, n3, strings.TrimSuffix(g.sentence(), "."), plural(n1), n3, plural(n1))
	case 2:
		return fmt.Sprintf("// %s %s.\nfunc %s%s(%s []string) int {\n\tcount := 0\n\tfor _, %s := range %s {\n\t\tif %s == %q {\n\t\t\tcount++\n\t\t}\n\t}\n\treturn count\n}",
			v+capitalize(n1), strings.ToLower(comment[:1])+comment[1:], v, capitalize(n1), plural(n2), n2, plural(n2), n2, a)
	case 3:
		return fmt.Sprintf("import %s\n\n%s = %s.load(\"%s.txt\")\nfor %s in %s:\n    print(%s.%s())\n    # %s",
			plural(n2), plural(n1), plural(n2), n1, n1, plural(n1), n1, v, comment)
	case 4:
		return fmt.Sprintf("type %s struct {\n\t%s %s\n\t%s int\n}\n\n// %s %s.\nfunc (x *%s) %s() error {\n\tif x.%s == 0 {\n\t\treturn errors.New(%q)\n\t}\n\treturn nil\n}",
			capitalize(n1), capitalize(n2), "string", capitalize(n3), capitalize(v2), strings.ToLower(comment[:1])+comment[1:], capitalize(n1), capitalize(v2), capitalize(n3), strings.ToLower(strings.TrimSuffix(g.grammarSentence(), ".")))
	default:
		return fmt.Sprintf("# %s\n%s = {\n    \"%s\": %d,\n    \"%s\": \"%s\",\n}\n%s(%s, %s=True)",
			comment, g.identifier(a, plural(n1)), n2, r.IntN(1000), n3, g.adj(), g.identifier(v2, n2), g.identifier(a, plural(n1)), n3)
	}
}

// chat writes a transcript in the zoo's chat template. Most use the
// pipeline's default system prompt, some the default user prompt, so chat
// prefills are in distribution.
func (g *writer) chat() string {
	r := g.r
	var msgs []ChatMessage
	if r.IntN(4) > 0 {
		msgs = append(msgs, ChatMessage{Role: "system", Content: DefaultSystemPrompt})
	}
	for turn := range 1 + r.IntN(2) {
		q := g.question()
		if turn == 0 && r.IntN(4) == 0 {
			q = DefaultUserPrompt
		}
		msgs = append(msgs, ChatMessage{Role: "user", Content: q}, ChatMessage{Role: "assistant", Content: g.paragraph(2, 5)})
	}
	return g.closedChat(msgs)
}
