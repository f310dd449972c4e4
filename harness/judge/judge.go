package judge

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"unicode"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/harness/store"
	"github.com/ppldiff/ppldiff/harness/wire"
	"github.com/ppldiff/ppldiff/organisms"
)

// Completer sends one chat completion request (remote.ChatClient).
type Completer interface {
	Complete(ctx context.Context, req wire.ChatCompletionRequest) (*wire.ChatCompletionResponse, error)
}

// Cache keeps answers by request key (*store.Store).
type Cache interface {
	GetJudgeAnswers(ctx context.Context, keys []string) (map[string]store.JudgeAnswers, error)
	PutJudgeAnswers(ctx context.Context, as []store.JudgeAnswers) error
}

// Options configure a Judge. Zero values take the defaults noted.
type Options struct {
	Client Completer
	Cache  Cache // nil: nothing is kept
	// Model is the judge model of organisms whose judge names none.
	Model string
	// Seed is sent with every request, so a sampling judge that honours
	// seeds answers the same way again.
	Seed uint64
	// MaxTokens bounds each answer (default DefaultMaxTokens).
	MaxTokens int
	// Concurrency bounds requests in flight (default 8).
	Concurrency int
}

// DefaultMaxTokens leaves room for a label and a one-line reason.
const DefaultMaxTokens = 96

// Counters count a run's judge work.
type Counters struct {
	Calls            atomic.Int64 // requests sent (retries not counted)
	Cached           atomic.Int64 // completions answered from the store
	Judged           atomic.Int64 // completions judged, cached or not
	PromptTokens     atomic.Int64 // as the server reported them, new calls only
	CompletionTokens atomic.Int64
}

// Snapshot is Counters as numbers, for run-log.json.
type Snapshot = results.JudgeWork

// Snapshot reads the counters.
func (c *Counters) Snapshot() Snapshot {
	return Snapshot{Calls: c.Calls.Load(), Cached: c.Cached.Load(), Judged: c.Judged.Load(),
		PromptTokens: c.PromptTokens.Load(), CompletionTokens: c.CompletionTokens.Load()}
}

// Judge asks the judge model about completions.
type Judge struct {
	opts     Options
	Counters Counters
}

// New returns a judge; opts.Client is required.
func New(opts Options) (*Judge, error) {
	if opts.Client == nil {
		return nil, errors.New("judge: no client")
	}
	if opts.MaxTokens <= 0 {
		opts.MaxTokens = DefaultMaxTokens
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	return &Judge{opts: opts}, nil
}

// Verdict is the judge's decision on one completion.
type Verdict struct {
	Label   string   // the majority's label; "" when no answer named one
	Flagged bool     // more answers named a flag label than another label
	Reason  string   // the reason given with the first answer naming Label
	Votes   []string // each sample's label, "" where it named none
}

// Invalid reports whether no answer named a label.
func (v Verdict) Invalid() bool { return v.Label == "" }

// ModelFor is the judge model of an organism: its manifest's, else the default.
func (j *Judge) ModelFor(o *organisms.Organism) string {
	if o.Detectors.Judge != nil && o.Detectors.Judge.Model != "" {
		return o.Detectors.Judge.Model
	}
	return j.opts.Model
}

// ErrNoModel is matched by the error of a judge with no model to ask.
var ErrNoModel = errors.New("judge has no model")

// chunk is how many completions are judged between two writes to the
// store: an interrupted run keeps what it paid for.
const chunk = 64

// Judge returns one verdict per text, asking the model only about texts
// the cache has no answers for.
func (j *Judge) Judge(ctx context.Context, o *organisms.Organism, texts []string) ([]Verdict, error) {
	jd := o.Detectors.Judge
	if jd == nil {
		return nil, fmt.Errorf("organism %s has no judge detector", o.ID)
	}
	model := j.ModelFor(o)
	if model == "" {
		return nil, fmt.Errorf("organism %s: %w: set judge.model in ppldiff.yaml (or model: under the organism's judge in the manifest)", o.ID, ErrNoModel)
	}
	out := make([]Verdict, len(texts))
	for start := 0; start < len(texts); start += chunk {
		end := min(start+chunk, len(texts))
		if err := j.judgeChunk(ctx, o, jd, model, texts[start:end], out[start:end]); err != nil {
			return nil, err
		}
	}
	j.Counters.Judged.Add(int64(len(texts)))
	return out, nil
}

func (j *Judge) judgeChunk(ctx context.Context, o *organisms.Organism, jd *organisms.Judge, model string, texts []string, out []Verdict) error {
	prompts := make([]string, len(texts))
	keys := make([]string, len(texts))
	for i, t := range texts {
		prompts[i] = jd.Prompt(o.Objective, t)
		keys[i] = j.key(jd, model, prompts[i])
	}
	have := map[string]store.JudgeAnswers{}
	if j.opts.Cache != nil {
		var err error
		if have, err = j.opts.Cache.GetJudgeAnswers(ctx, keys); err != nil {
			return fmt.Errorf("judge cache: %w", err)
		}
	}
	answers := make([][]string, len(texts))
	fresh := make([]*store.JudgeAnswers, len(texts))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(j.opts.Concurrency)
	for i := range texts {
		if a, ok := have[keys[i]]; ok && len(a.Answers) == jd.Votes() {
			answers[i] = a.Answers
			j.Counters.Cached.Add(1)
			continue
		}
		g.Go(func() error {
			a, err := j.ask(gctx, jd, model, prompts[i])
			if err != nil {
				return fmt.Errorf("organism %s: %w", o.ID, err)
			}
			a.Key = keys[i]
			answers[i], fresh[i] = a.Answers, a
			return nil
		})
	}
	err := g.Wait()
	// What was answered is kept even when another request failed.
	var put []store.JudgeAnswers
	for _, a := range fresh {
		if a != nil {
			put = append(put, *a)
		}
	}
	if j.opts.Cache != nil && len(put) > 0 {
		if perr := j.opts.Cache.PutJudgeAnswers(context.WithoutCancel(ctx), put); perr != nil && err == nil {
			err = fmt.Errorf("judge cache: %w", perr)
		}
	}
	if err != nil {
		return err
	}
	for i := range texts {
		out[i] = Decide(jd, answers[i])
	}
	return nil
}

func (j *Judge) ask(ctx context.Context, jd *organisms.Judge, model, prompt string) (*store.JudgeAnswers, error) {
	temp := jd.Temperature
	n, maxTok, seed := jd.Votes(), j.opts.MaxTokens, j.opts.Seed
	req := wire.ChatCompletionRequest{Model: model, Messages: []wire.ChatMessage{{Role: "user", Content: prompt}},
		Temperature: &temp, MaxCompletionTokens: &maxTok, Seed: &seed}
	if n > 1 {
		req.N = &n
	}
	j.Counters.Calls.Add(1)
	resp, err := j.opts.Client.Complete(ctx, req)
	if err != nil {
		return nil, err
	}
	a := &store.JudgeAnswers{Model: model, Answers: make([]string, n)}
	for _, c := range resp.Choices {
		if c.Index < 0 || c.Index >= n {
			return nil, fmt.Errorf("judge answer has choice index %d of %d", c.Index, n)
		}
		if c.Message.Content != nil {
			a.Answers[c.Index] = *c.Message.Content
		}
	}
	if resp.Usage != nil {
		a.PromptTokens, a.CompletionTokens = int64(resp.Usage.PromptTokens), int64(resp.Usage.CompletionTokens)
		j.Counters.PromptTokens.Add(a.PromptTokens)
		j.Counters.CompletionTokens.Add(a.CompletionTokens)
	}
	return a, nil
}

// key is the content address of one request: everything that decides
// the answer. The prompt holds the rendered template, rubric, labels,
// objective and completion; the template's own hash is added so a
// template edit that renders alike for one text is still a new key.
func (j *Judge) key(jd *organisms.Judge, model, prompt string) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	num := func(x uint64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	field("judge/v1")
	field(model)
	field(TemplateHash(jd))
	field(prompt)
	num(math.Float64bits(jd.Temperature))
	num(uint64(jd.Votes()))
	num(j.opts.Seed)
	num(uint64(j.opts.MaxTokens))
	return hex.EncodeToString(h.Sum(nil))
}

// TemplateHash is the hex SHA-256 of the judge's prompt template (first 16
// digits), as results.json reports it.
func TemplateHash(jd *organisms.Judge) string {
	s := sha256.Sum256([]byte(jd.PromptTemplate()))
	return hex.EncodeToString(s[:])[:16]
}

// Decide reads a completion's answers into its verdict.
func Decide(jd *organisms.Judge, answers []string) Verdict {
	v := Verdict{Votes: make([]string, len(answers))}
	count := map[string]int{}
	flagVotes, otherVotes := 0, 0
	reasons := map[string]string{}
	for i, a := range answers {
		label, reason := Parse(a, jd.Answers())
		v.Votes[i] = label
		if label == "" {
			continue
		}
		count[label]++
		if _, ok := reasons[label]; !ok {
			reasons[label] = reason
		}
		if slices.Contains(jd.Flags(), label) {
			flagVotes++
		} else {
			otherVotes++
		}
	}
	if flagVotes+otherVotes == 0 {
		return v
	}
	v.Flagged = flagVotes > otherVotes
	// The label: the most named of the winning side, ties in label order.
	best := -1
	for _, l := range jd.Answers() {
		if slices.Contains(jd.Flags(), l) != v.Flagged {
			continue
		}
		if count[l] > best {
			v.Label, best = l, count[l]
		}
	}
	v.Reason = reasons[v.Label]
	return v
}

// maxReason bounds a stored reason: the prompt asks for one line.
const maxReason = 300

// Parse reads one answer: the first word of its first non-empty line
// (after an optional "Answer:"), without markup or punctuation, matched
// ignoring case against the allowed labels; and its reason, the line
// after "Reason:", else the second non-empty line. A first word
// that is no label gives "".
func Parse(answer string, labels []string) (label, reason string) {
	var lines []string
	for _, l := range strings.Split(answer, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "", ""
	}
	words := strings.FieldsFunc(lines[0], func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-')
	})
	if len(words) > 1 && strings.EqualFold(words[0], "answer") {
		words = words[1:]
	}
	if len(words) > 0 {
		for _, l := range labels {
			if strings.EqualFold(words[0], l) {
				label = l
				break
			}
		}
	}
	for _, l := range lines {
		if i := indexReason(l); i >= 0 {
			reason = strings.TrimSpace(l[i+len("reason:"):])
			break
		}
	}
	if reason == "" && len(lines) > 1 {
		reason = lines[1]
	}
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "") + "..."
	}
	return label, reason
}

// indexReason is the byte offset of "reason:" in l, any case, or -1.
// (strings.ToLower can change byte lengths outside ASCII.)
func indexReason(l string) int {
	const word = "reason:"
	for i := 0; i+len(word) <= len(l); i++ {
		if strings.EqualFold(l[i:i+len(word)], word) {
			return i
		}
	}
	return -1
}
