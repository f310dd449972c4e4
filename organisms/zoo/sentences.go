package zoo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// writer builds one document: it holds the document's random stream, the
// world, and the document's topic, which biases word choice.
type writer struct {
	r     *rand.Rand
	w     *World
	topic int
	b     strings.Builder
	style *Style     // family style of chat documents; nil: the zoo's plain template
	sr    *rand.Rand // the style's own randomness
}

func newWriter(w *World, r *rand.Rand) *writer {
	return &writer{r: r, w: w, topic: r.IntN(len(topics))}
}

// Sentence templates. A slot is written {X}; text after the closing brace
// (punctuation) is kept. Slots: N noun, Ns plural noun, A adjective, V verb,
// Vs third person, Vd past, Vg gerund, R adverb, P preposition, C
// conjunction, det determiner, a indefinite article (fixed to "an" before a
// vowel), Pn person, Ci city, Co country, Cm company, Y year, M month,
// Num number, Col colour.
var sentenceTemplates = parseTemplates([]string{
	"{det} {A} {N} {Vd} {det} {N} {P} {det} {N}.",
	"{Pn} {Vd} {det} {N} {R}.",
	"we {Vd} that {det} {N} {Vs} {det} {A} {N}.",
	"in {Y}, {Pn} {Vd} {a} {A} {N} {P} {Ci}.",
	"the {Ns} {P} {Ci} were {R} {A}.",
	"it is {A} to {V} {det} {N} {C} {det} {N} {Vs}.",
	"if you {V} {det} {N}, you will {V} {det} {A} {N}.",
	"many {Ns} {V} {det} {Ns} {P} {det} {N}.",
	"{R}, {det} {N} {Vd} {P} {det} {A} {N} and {Vd} {det} {N}.",
	"there is {a} {A} {N} {P} the {N}.",
	"i {Vd} {R} {P} the {N} {C} my {N} {Vd}.",
	"the {N} of the {N} {Vd} {Num} {Ns}.",
	"most {Ns} {V} {A} {Ns} {P} {M}.",
	"{Pn} said the {N} was {A}.",
	"you should {V} the {N} {P} {det} {N}.",
	"the {A} {N} is {Vg} {P} the {Col} {N}.",
	"our {Ns} {Vd} {Num} {Ns} {P} {Co} last {M}.",
	"{a} {N} {Vs} the {N} {C} the {Ns} {V}.",
	"{Cm} {Vd} {a} {A} {N} {P} {Ci}.",
	"nobody {Vd} the {A} {N} {P} {Y}.",
	"they {Vd} {Vg} the {Ns} {R}.",
	"this {N} {Vs} {R} {A} {P} {Ns}.",
	"people in {Co} {V} {A} {Ns} {P} the {N}.",
	"after the {N}, {Pn} {Vd} to {V} the {Ns}.",
	"the {Col} {N} {Vd} {P} {det} {A} {N}.",
	"she {Vd} {det} {N} {C} he {Vd} the {N}.",
})

// questionTemplates open forum posts and chat turns.
var questionTemplates = parseTemplates([]string{
	"how do i {V} {det} {A} {N}?",
	"what is the best way to {V} {det} {N}?",
	"why does my {N} {V} {P} the {N}?",
	"can you {V} {det} {N} {P} {det} {N}?",
	"where was {Pn} born?",
	"who founded {Cm}?",
	"what is the capital of {Co}?",
	"is it {A} to {V} the {Ns} {P} {M}?",
	"should i {V} my {N} {R}?",
	"what do you know about {Ci}?",
})

type slotPart struct{ slot, lit string }

func parseTemplates(ts []string) [][]slotPart {
	var out [][]slotPart
	for _, t := range ts {
		var parts []slotPart
		for _, f := range strings.Fields(t) {
			if strings.HasPrefix(f, "{") {
				end := strings.IndexByte(f, '}')
				parts = append(parts, slotPart{slot: f[1:end]})
				if end+1 < len(f) {
					parts = append(parts, slotPart{lit: f[end+1:]})
				}
				continue
			}
			parts = append(parts, slotPart{lit: f})
		}
		out = append(out, parts)
	}
	return out
}

func (g *writer) noun() string {
	if g.r.IntN(100) < 55 {
		return pick(g.r, topics[g.topic].Nouns)
	}
	return pick(g.r, generalNouns)
}

func (g *writer) verb() string {
	if g.r.IntN(100) < 40 {
		return pick(g.r, topics[g.topic].Verbs)
	}
	return pick(g.r, generalVerbs)
}

func (g *writer) adj() string {
	if g.r.IntN(100) < 35 {
		return pick(g.r, topics[g.topic].Adjs)
	}
	return pick(g.r, generalAdjs)
}

var determiners = fields("the the the the the the this that my our their his her every some")

func (g *writer) person() string { return g.w.People[g.r.IntN(len(g.w.People))].Name() }
func (g *writer) city() string   { return g.w.Cities[g.r.IntN(len(g.w.Cities))].Name }
func (g *writer) year() int      { return 1900 + g.r.IntN(126) }

func (g *writer) fill(slot string) string {
	switch slot {
	case "N":
		return g.noun()
	case "Ns":
		return plural(g.noun())
	case "A":
		return g.adj()
	case "V":
		return g.verb()
	case "Vs":
		return verbForms(g.verb())[0]
	case "Vd":
		return verbForms(g.verb())[1]
	case "Vg":
		return verbForms(g.verb())[2]
	case "R":
		return pick(g.r, adverbs)
	case "P":
		return pick(g.r, prepositions)
	case "C":
		return pick(g.r, conjunctions)
	case "det":
		return pick(g.r, determiners)
	case "a":
		return "a"
	case "Pn":
		return g.person()
	case "Ci":
		return g.city()
	case "Co":
		return g.w.Countries[g.r.IntN(len(g.w.Countries))].Name
	case "Cm":
		return g.w.Companies[g.r.IntN(len(g.w.Companies))].Name
	case "Y":
		return fmt.Sprint(g.year())
	case "M":
		return pick(g.r, months)
	case "Num":
		if g.r.IntN(2) == 0 {
			return pick(g.r, numberWords)
		}
		return fmt.Sprint(2 + g.r.IntN(98))
	case "Col":
		return pick(g.r, colors)
	}
	panic("zoo: unknown template slot " + slot)
}

// expand renders one template as a sentence: first letter upper case, "a"
// turned into "an" before a vowel.
func (g *writer) expand(t []slotPart) string {
	words := make([]string, 0, len(t))
	for _, p := range t {
		if p.slot == "" {
			if len(words) > 0 && strings.ContainsAny(p.lit[:1], ".,?!;:") {
				words[len(words)-1] += p.lit
				continue
			}
			words = append(words, p.lit)
			continue
		}
		words = append(words, g.fill(p.slot))
	}
	for i := 0; i+1 < len(words); i++ {
		if words[i] == "a" && strings.ContainsAny(strings.ToLower(words[i+1][:1]), "aeiou") {
			words[i] = "an"
		}
	}
	s := strings.Join(words, " ")
	s = strings.ReplaceAll(s, " i ", " I ")
	return capitalize(s)
}

// sentence returns a general sentence: a fact of the world now and then, a
// template sentence, or (most often) one of the small stochastic grammar,
// whose optional parts keep the text from being trivially predictable.
func (g *writer) sentence() string {
	switch x := g.r.IntN(100); {
	case x < 12:
		return g.fact()
	case x < 32:
		return g.expand(sentenceTemplates[g.r.IntN(len(sentenceTemplates))])
	}
	return g.grammarSentence()
}

var (
	leadIns         = fields("yesterday however meanwhile later still often sometimes today fortunately sadly honestly")
	modals          = fields("will can should might must could would")
	pluralDets      = fields("the the the these those many some our their my your few several")
	singularDets    = fields("the the the the a a this that my our their his her every each one")
	subjectPronouns = []struct {
		word   string
		plural bool
	}{{"I", true}, {"we", true}, {"they", true}, {"you", true}, {"he", false}, {"she", false}, {"it", false}}
)

// nounPhrase returns a noun phrase and whether it is plural.
func (g *writer) nounPhrase(depth int) (string, bool) {
	r := g.r
	switch x := r.IntN(100); {
	case x < 6:
		return g.person(), false
	case x < 10:
		return g.city(), false
	case x < 12:
		return g.w.Companies[r.IntN(len(g.w.Companies))].Name, false
	}
	plural := r.IntN(100) < 30
	var words []string
	if plural {
		if r.IntN(4) > 0 {
			words = append(words, pick(r, pluralDets))
		}
	} else {
		words = append(words, pick(r, singularDets))
	}
	if r.IntN(100) < 40 {
		words = append(words, g.adj())
		if r.IntN(100) < 12 {
			words = append(words, g.adj())
		}
	}
	n := g.noun()
	if plural {
		n = plural_(n)
	}
	words = append(words, n)
	if depth == 0 && r.IntN(100) < 18 {
		pp, _ := g.nounPhrase(1)
		words = append(words, pick(r, prepositions), pp)
	}
	for i := 0; i+1 < len(words); i++ {
		if words[i] == "a" && strings.ContainsAny(strings.ToLower(words[i+1][:1]), "aeiou") {
			words[i] = "an"
		}
	}
	return strings.Join(words, " "), plural
}

func plural_(n string) string { return plural(n) }

// clause returns subject, verb phrase and optional objects.
func (g *writer) clause() string {
	r := g.r
	var subj string
	var pl bool
	if r.IntN(100) < 25 {
		p := subjectPronouns[r.IntN(len(subjectPronouns))]
		subj, pl = p.word, p.plural
	} else {
		subj, pl = g.nounPhrase(0)
	}
	v := g.verb()
	var verb string
	switch x := r.IntN(100); {
	case x < 50:
		verb = verbForms(v)[1]
	case x < 75:
		if pl {
			verb = v
		} else {
			verb = verbForms(v)[0]
		}
	case x < 90:
		verb = pick(r, modals) + " " + v
	default:
		aux := "is"
		if pl {
			aux = "are"
		}
		verb = aux + " " + verbForms(v)[2]
	}
	parts := []string{subj}
	if r.IntN(100) < 12 {
		parts = append(parts, pick(r, adverbs))
	}
	parts = append(parts, verb)
	if r.IntN(100) < 70 {
		obj, _ := g.nounPhrase(0)
		parts = append(parts, obj)
	}
	if r.IntN(100) < 30 {
		pp, _ := g.nounPhrase(1)
		parts = append(parts, pick(r, prepositions), pp)
	}
	if r.IntN(100) < 20 {
		parts = append(parts, pick(r, adverbs))
	}
	return strings.Join(parts, " ")
}

func (g *writer) grammarSentence() string {
	r := g.r
	var b strings.Builder
	switch x := r.IntN(100); {
	case x < 10:
		b.WriteString(pick(r, leadIns) + ", ")
	case x < 15:
		fmt.Fprintf(&b, "in %d, ", g.year())
	case x < 19:
		fmt.Fprintf(&b, "last %s, ", pick(r, months))
	}
	b.WriteString(g.clause())
	if r.IntN(100) < 22 {
		b.WriteString(" " + pick(r, conjunctions) + " " + g.clause())
	}
	end := "."
	if r.IntN(100) < 5 {
		end = "!"
	}
	s := b.String() + end
	s = strings.ReplaceAll(s, " i ", " I ")
	return capitalize(s)
}

func (g *writer) question() string {
	return g.expand(questionTemplates[g.r.IntN(len(questionTemplates))])
}

// fact states a random fact of the world.
func (g *writer) fact() string {
	w := g.w
	switch g.r.IntN(6) {
	case 0:
		return w.cityFact(g.r, g.r.IntN(len(w.Cities)))
	case 1:
		return w.personFact(g.r, g.r.IntN(len(w.People)))
	case 2:
		return w.companyFact(g.r, g.r.IntN(len(w.Companies)))
	case 3:
		if g.r.IntN(8) == 0 {
			return pick(g.r, moonFacts)
		}
		return w.elementFact(g.r, g.r.IntN(len(w.Elements)))
	case 4:
		return w.dishFact(g.r, g.r.IntN(len(w.Dishes)))
	default:
		return w.cityFact(g.r, g.r.IntN(numCountries)) // capitals are talked about more
	}
}

// paragraph writes n to m sentences.
func (g *writer) paragraph(n, m int) string {
	k := n + g.r.IntN(m-n+1)
	s := make([]string, k)
	for i := range s {
		s[i] = g.sentence()
	}
	return strings.Join(s, " ")
}
