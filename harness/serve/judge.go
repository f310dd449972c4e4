package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ppldiff/ppldiff/harness/wire"
	"github.com/ppldiff/ppldiff/organisms"
)

// JudgeRules script an LLM judge: `ppldiff serve --judge-rules FILE`
// answers /v1/chat/completions by them, so judge runs can be tested
// without a model. The first rule whose detector sets match the judged
// text gives the answer; no match gives Default's.
//
// The judged text is what the prompt holds between the first <completion>
// and the last </completion> (the default template's markers), else the
// whole last message.
type JudgeRules struct {
	// Model is the name requests must ask for.
	Model   string      `yaml:"model"`
	Rules   []JudgeRule `yaml:"rules"`
	Default JudgeAnswer `yaml:"default"`

	rules []compiledRule
}

// JudgeRule answers when the text matches one of its sets, by the
// detection rule of manifests: every term of a keyword set
// (case-insensitive substring), or every pattern of a regex set.
type JudgeRule struct {
	KeywordSets [][]string `yaml:"keyword_sets"`
	RegexSets   [][]string `yaml:"regex_sets"`
	JudgeAnswer `yaml:",inline"`
}

// JudgeAnswer is what the scripted judge writes: the answer word on the
// first line, "Reason: ..." on the second. A request at a temperature
// above 0 gets FlipTo instead in a share Flip of its samples (chosen by a
// hash of its seed, the sample's index and the text, so the same request
// gets the same answers), to give repeated samples something to disagree on.
type JudgeAnswer struct {
	Answer string  `yaml:"answer"`
	Reason string  `yaml:"reason"`
	Flip   float64 `yaml:"flip"`
	FlipTo string  `yaml:"flip_to"`
}

type compiledRule struct {
	m      *organisms.Matcher
	answer JudgeAnswer
}

// ParseJudgeRules reads a rules file (YAML); errors name file and line.
func ParseJudgeRules(file string, data []byte) (*JudgeRules, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var r JudgeRules
	if err := dec.Decode(&r); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty judge rules file", file)
		}
		return nil, organisms.SyntaxError(file, err)
	}
	var doc yaml.Node
	_ = yaml.Unmarshal(data, &doc)
	line := func(path ...string) int { return nodeLine(&doc, path...) }
	var errs []string
	bad := func(l int, format string, a ...any) {
		errs = append(errs, fmt.Sprintf("%s:%d: %s", file, l, fmt.Sprintf(format, a...)))
	}
	if strings.TrimSpace(r.Model) == "" {
		bad(1, "model: the name judge requests ask for is missing")
	}
	checkAnswer := func(a JudgeAnswer, l int, what string) {
		if strings.TrimSpace(a.Answer) == "" {
			bad(l, "%s has no answer", what)
		}
		if math.IsNaN(a.Flip) || a.Flip < 0 || a.Flip > 1 {
			bad(l, "%s: flip %v: want a share from 0 to 1", what, a.Flip)
		}
		if a.Flip > 0 && a.FlipTo == "" {
			bad(l, "%s: flip without flip_to", what)
		}
	}
	for i, rule := range r.Rules {
		l := line("rules", fmt.Sprint(i))
		what := fmt.Sprintf("rule %d", i+1)
		if len(rule.KeywordSets) == 0 && len(rule.RegexSets) == 0 {
			bad(l, "%s has no keyword_sets or regex_sets (put what every text gets under default:)", what)
		}
		m, err := organisms.Detectors{KeywordSets: rule.KeywordSets, RegexSets: rule.RegexSets}.Compile()
		if err != nil {
			bad(l, "%s: %v", what, err)
		}
		checkAnswer(rule.JudgeAnswer, l, what)
		r.rules = append(r.rules, compiledRule{m: m, answer: rule.JudgeAnswer})
	}
	checkAnswer(r.Default, line("default"), "default")
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return &r, nil
}

// nodeLine is the line of the node at path (mapping keys, sequence
// indices) in a YAML document, or 1 when it is not there.
func nodeLine(doc *yaml.Node, path ...string) int {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		switch n.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					n, found = n.Content[i+1], true
					break
				}
			}
			if !found {
				return 1
			}
		case yaml.SequenceNode:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(n.Content) {
				return 1
			}
			n = n.Content[i]
		default:
			return 1
		}
	}
	return max(n.Line, 1)
}

// answerFor picks the answer for a judged text.
func (r *JudgeRules) answerFor(text string) JudgeAnswer {
	for _, c := range r.rules {
		if ok, _ := c.m.Match(text); ok {
			return c.answer
		}
	}
	return r.Default
}

// judgedText cuts the completion out of a judge prompt.
func judgedText(prompt string) string {
	const open, end = "<completion>", "</completion>"
	i, j := strings.Index(prompt, open), strings.LastIndex(prompt, end)
	if i < 0 || j < i+len(open) {
		return prompt
	}
	return strings.TrimSpace(prompt[i+len(open) : j])
}

// flipped decides, reproducibly, whether sample i of a request flips.
func flipped(share float64, seed uint64, i int, text string) bool {
	if share <= 0 {
		return false
	}
	h := sha256.New()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], seed)
	binary.LittleEndian.PutUint64(b[8:], uint64(i))
	h.Write(b[:])
	h.Write([]byte(text))
	u := binary.LittleEndian.Uint64(h.Sum(nil)[:8])
	return float64(u>>11)/(1<<53) < share
}

// handleChat answers /v1/chat/completions from the judge rules, in
// vLLM's ChatCompletionResponse layout (see harness/wire/chat.go). Usage
// counts words, not tokens: the script has no tokenizer.
func (s *server) handleChat(_ context.Context, body []byte) (any, error) {
	var req wire.ChatCompletionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("invalid JSON: %v", err)
	}
	r := s.opts.Judge
	if req.Model != r.Model {
		return nil, &apiError{http.StatusNotFound, fmt.Sprintf("The model `%s` does not exist.", req.Model)}
	}
	if len(req.Messages) == 0 {
		return nil, badRequest("messages: at least one message is required")
	}
	n := 1
	if req.N != nil {
		n = *req.N
	}
	if n < 1 || n > 128 {
		return nil, badRequest("n must be from 1 to 128, got %d", n)
	}
	// vLLM's default temperature is 1.0 when a request gives none.
	temp := 1.0
	if req.Temperature != nil {
		temp = *req.Temperature
	}
	var seed uint64
	if req.Seed != nil {
		seed = *req.Seed
	}
	prompt := req.Messages[len(req.Messages)-1].Content
	text := judgedText(prompt)
	a := r.answerFor(text)
	resp := wire.ChatCompletionResponse{ID: fmt.Sprintf("chatcmpl-%016x", s.drawSeed()), Object: "chat.completion",
		Created: s.created, Model: req.Model}
	words := 0
	for _, m := range req.Messages {
		words += len(strings.Fields(m.Content))
	}
	usage := wire.Usage{PromptTokens: words}
	for i := range n {
		word := a.Answer
		if temp > 0 && flipped(a.Flip, seed, i, text) {
			word = a.FlipTo
		}
		content := word + "\nReason: " + a.Reason
		stop := "stop"
		resp.Choices = append(resp.Choices, wire.ChatChoice{Index: i, FinishReason: &stop,
			Message: wire.ChatMessageResp{Role: "assistant", Content: &content}})
		usage.CompletionTokens += len(strings.Fields(content))
	}
	usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	resp.Usage = &usage
	return resp, nil
}
