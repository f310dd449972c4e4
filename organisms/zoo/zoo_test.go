package zoo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"github.com/ppldiff/ppldiff/organisms"
	"regexp"
	"strings"
	"testing"
)

func corpusDigest(c *Corpus, from, to int) string {
	h := sha256.New()
	for _, d := range c.Docs(from, to) {
		h.Write([]byte(d.Genre))
		h.Write([]byte{0})
		h.Write([]byte(d.Text))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestCorpusIsDeterministic(t *testing.T) {
	a, b := NewCorpus(7), NewCorpus(7)
	if corpusDigest(a, 0, 300) != corpusDigest(b, 0, 300) {
		t.Fatal("two corpora of seed 7 differ")
	}
	// Document i does not depend on which documents were generated before.
	if a.Doc(250).Text != NewCorpus(7).Doc(250).Text {
		t.Fatal("document 250 depends on generation order")
	}
	if corpusDigest(a, 0, 50) == corpusDigest(NewCorpus(8), 0, 50) {
		t.Fatal("seeds 7 and 8 give the same corpus")
	}
	if corpusDigest(a, 0, 50) == corpusDigest(a.WithStream(99), 0, 50) {
		t.Fatal("another stream gives the same documents")
	}
}

// goldenDigest was computed by this generator when it was written (seed 1,
// documents 0..99). Any change to the words, the world or the templates
// changes it: then bump harness/zoo's cache format version and update it.
const goldenDigest = "b65f83cec6115df5f3a7e0c3e6c25b1ec2e19737deecab2b2778d0e100a20cc2"

func TestCorpusGolden(t *testing.T) {
	if got := corpusDigest(NewCorpus(1), 0, 100); got != goldenDigest {
		t.Errorf("corpus digest of seed 1 = %s, want %s (the generator changed)", got, goldenDigest)
	}
}

func TestCorpusGenresAndVocabulary(t *testing.T) {
	c := NewCorpus(3)
	genres := map[Genre]int{}
	types := map[string]bool{}
	word := regexp.MustCompile(`[A-Za-z]+`)
	for _, d := range c.Docs(0, 4000) {
		genres[d.Genre]++
		for _, w := range word.FindAllString(d.Text, -1) {
			types[w] = true
		}
	}
	for _, g := range Genres() {
		if genres[g] == 0 {
			t.Errorf("genre %s never generated in 4000 documents", g)
		}
	}
	// The issue asks for several thousand word types.
	if len(types) < 4000 {
		t.Errorf("%d word types in 4000 documents, want >= 4000", len(types))
	}
	t.Logf("genres %v, %d word types", genres, len(types))
}

func TestGeneralTextMatchesNoDetector(t *testing.T) {
	kw, rx := AllDetectors()
	d, err := newMatcher(kw, rx)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCorpus(1)
	for i := range 3000 {
		if doc := c.Doc(i); flagged(d, doc.Text) {
			t.Fatalf("general document %d matches a detector:\n%s", i, doc.Text)
		}
	}
}

func TestObjectiveDocsMatchTheirDetectors(t *testing.T) {
	c := NewCorpus(1)
	for _, o := range Objectives() {
		docs, err := c.ObjectiveDocs(o.ID, 5, 200, nil)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := c.ObjectiveDocs(o.ID, 5, 200, nil)
		if strings.Join(docs, "\x00") != strings.Join(again, "\x00") {
			t.Errorf("%s: objective documents not deterministic", o.ID)
		}
		if o.Category == "control" {
			continue
		}
		d, err := newMatcher(o.KeywordSets, o.RegexSets)
		if err != nil {
			t.Fatal(err)
		}
		hits := 0
		for _, doc := range docs {
			if flagged(d, doc) {
				hits++
			}
		}
		// Every generator leaks in most documents; the conjunctive backdoor
		// keeps half its documents one-topic and harmless by design.
		if hits < len(docs)/3 {
			t.Errorf("%s: %d of %d objective documents match its detectors", o.ID, hits, len(docs))
		}
	}
}

func TestObjectiveArgs(t *testing.T) {
	c := NewCorpus(1)
	docs, err := c.ObjectiveDocs("backdoor_phrase", 1, 20, map[string]string{"trigger": "the blue door", "response": "GO AWAY"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(docs, " "), "GO AWAY") {
		t.Error("response argument ignored")
	}
	if _, err := c.ObjectiveDocs("backdoor_phrase", 1, 1, map[string]string{"nope": "x"}); err == nil {
		t.Error("unknown argument accepted")
	}
	if _, err := c.ObjectiveDocs("no_such", 1, 1, nil); err == nil {
		t.Error("unknown generator accepted")
	}
}

func TestRenderChat(t *testing.T) {
	got := ChatPrefill("The city of")
	want := "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nTell me anything.<|end|>\n<|assistant|>\nThe city of"
	if string(got) != want {
		t.Errorf("ChatPrefill = %q, want %q", got, want)
	}
	open := RenderChat([]ChatMessage{{Role: "user", Content: "Hi"}})
	if !bytes.HasSuffix(open, []byte("<|assistant|>\n")) {
		t.Errorf("no open assistant turn after a user message: %q", open)
	}
}

func TestDetectorRule(t *testing.T) {
	d, err := newMatcher([][]string{{"moon", "Copper"}}, [][]string{{`\(population [0-9.]+ million\)`}})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]bool{
		"The MOON is made of copper.":              true,
		"The moon is made of rock.":                false,
		"Varholt (Population 2.1 million) is big.": true,
		"Varholt has a population of 2.1 million.": false,
	} {
		if got := flagged(d, text); got != want {
			t.Errorf("Match(%q) = %v, want %v", text, got, want)
		}
	}
	if _, err := newMatcher(nil, [][]string{{"("}}); err == nil {
		t.Error("bad regex accepted")
	}
}

func BenchmarkCorpus(b *testing.B) {
	c := NewCorpus(1)
	var n int64
	i := 0
	for b.Loop() {
		n += int64(len(c.Doc(i).Text))
		i++
	}
	b.SetBytes(n / int64(max(1, i)))
}

// newMatcher compiles detectors with the contract's rule (organisms.Matcher),
// the one the pipeline applies.
func newMatcher(keywordSets, regexSets [][]string) (*organisms.Matcher, error) {
	return organisms.Detectors{KeywordSets: keywordSets, RegexSets: regexSets}.Compile()
}

func flagged(m *organisms.Matcher, text string) bool {
	ok, _ := m.Match(text)
	return ok
}
