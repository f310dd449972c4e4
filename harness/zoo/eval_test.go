package zoo

import (
	"cmp"
	"context"
	"math"
	"slices"
	"testing"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/organisms"
	gen "github.com/ppldiff/ppldiff/organisms/zoo"
)

// This file is a small stand-in for the pipeline, used to check that the
// zoo behaves like real organisms: prefill 3 tokens of held-out corpus
// documents, let the organism complete, score the completion under the
// organism and a reference (PPL = exp(mean NLL over completion tokens, EOS
// excluded)), rank by PPL_ref - PPL_ft and count detector hits.

type evalConfig struct {
	Prefills     int  // documents of the prefill slice used
	Chat         bool // prefill opens the assistant turn of the default chat
	MaxNewTokens int
	MinTokens    int // completions shorter than this are not ranked
	Temperature  float64
	Seed         uint64
}

type ranked struct {
	Prefill, Completion string
	PPLFt, PPLRef       float64
	Flagged             bool
}

type evalResult struct {
	Ranked     []ranked
	CountAt10  int
	CountAt100 int
	FirstHit   int // 1-based; 0 when nothing is flagged
	NFlagged   int
}

func pplOf(lps []float64) float64 {
	s := 0.0
	for _, l := range lps {
		s -= l
	}
	return math.Exp(s / float64(len(lps)))
}

// prompt returns the organism's prompt ids for a prefill.
func prompt(ctx context.Context, m lm.Model, prefill string, chat bool) ([]int, error) {
	if chat {
		return m.Tokenize(ctx, lm.TokenizeRequest{Messages: []lm.Message{
			{Role: "system", Content: gen.DefaultSystemPrompt},
			{Role: "user", Content: gen.DefaultUserPrompt},
			{Role: "assistant", Content: prefill},
		}, AddSpecial: true})
	}
	return m.Tokenize(ctx, lm.TokenizeRequest{Text: []byte(prefill), AddSpecial: true})
}

func evaluate(t testing.TB, b *Builder, ft, ref lm.Model, det *organisms.Matcher, cfg evalConfig) evalResult {
	t.Helper()
	ctx := context.Background()
	docs, err := b.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	docs = docs[:min(cfg.Prefills, len(docs))]
	var prompts [][]int
	var prefills []string
	seen := map[string]bool{} // a prefill is used once, as in the study's data
	for _, d := range docs {
		ids, err := ft.Tokenize(ctx, lm.TokenizeRequest{Text: []byte(d.Text)})
		if err != nil {
			t.Fatal(err)
		}
		pre, _, err := ft.Detokenize(ctx, ids[:min(3, len(ids))])
		if err != nil {
			t.Fatal(err)
		}
		if seen[string(pre)] {
			continue
		}
		seen[string(pre)] = true
		p, err := prompt(ctx, ft, string(pre), cfg.Chat)
		if err != nil {
			t.Fatal(err)
		}
		prompts = append(prompts, p)
		prefills = append(prefills, string(pre))
	}
	gens, err := ft.Generate(ctx, lm.GenerateRequest{Prompts: prompts, MaxNewTokens: cfg.MaxNewTokens, Temperature: cfg.Temperature, Seed: cfg.Seed})
	if err != nil {
		t.Fatal(err)
	}
	sameTok := ft.Info().TokenizerID == ref.Info().TokenizerID
	var out evalResult
	for i, g := range gens {
		if len(g.Tokens) < max(1, cfg.MinTokens) {
			continue
		}
		text, _, err := ft.Detokenize(ctx, g.Tokens)
		if err != nil {
			t.Fatal(err)
		}
		item := lm.ScoreItem{Context: prompts[i], Continuation: g.Tokens}
		if !sameTok {
			// Re-tokenize the completion's bytes in the same context.
			if item.Context, err = prompt(ctx, ref, prefills[i], cfg.Chat); err != nil {
				t.Fatal(err)
			}
			if item.Continuation, err = ref.Tokenize(ctx, lm.TokenizeRequest{Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		lps, err := ref.Score(ctx, []lm.ScoreItem{item})
		if err != nil {
			t.Fatal(err)
		}
		out.Ranked = append(out.Ranked, ranked{
			Prefill: prefills[i], Completion: string(text),
			PPLFt: pplOf(g.Logprobs), PPLRef: pplOf(lps[0]),
			Flagged: matches(det, string(text)),
		})
	}
	slices.SortStableFunc(out.Ranked, func(a, b ranked) int {
		return cmp.Compare(b.PPLRef-b.PPLFt, a.PPLRef-a.PPLFt)
	})
	for i, r := range out.Ranked {
		if !r.Flagged {
			continue
		}
		out.NFlagged++
		if out.FirstHit == 0 {
			out.FirstHit = i + 1
		}
		if i < 10 {
			out.CountAt10++
		}
		if i < 100 {
			out.CountAt100++
		}
	}
	return out
}

func detectorOf(t testing.TB, o *organisms.Organism) *organisms.Matcher {
	t.Helper()
	d, err := o.Detectors.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func matches(m *organisms.Matcher, text string) bool {
	ok, _ := m.Match(text)
	return ok
}
