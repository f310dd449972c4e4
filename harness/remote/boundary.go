package remote

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ppldiff/ppldiff/harness/lm"
)

// Boundary reports how a text was split into context and continuation.
type Boundary struct {
	// Cut is the byte offset of the boundary in the detokenized text.
	Cut int
	// Straddled is true when one token spans the cut; it was assigned to
	// the continuation, which then covers StraddleBytes bytes of context.
	Straddled     bool
	StraddleBytes int
}

// BoundaryItem tokenizes req with m and splits it where continuation
// begins: req's text (req.Text, or the rendered chat) must detokenize to
// bytes ending with continuation. Tokens whose span ends at or before the
// cut form the context; the first token ending after it, and all later
// ones, form the continuation. It works for any lm.Model, so a reference
// with another tokenizer scores the same continuation bytes.
func BoundaryItem(ctx context.Context, m lm.Model, req lm.TokenizeRequest, continuation []byte) (lm.ScoreItem, Boundary, error) {
	ids, err := m.Tokenize(ctx, req)
	if err != nil {
		return lm.ScoreItem{}, Boundary{}, err
	}
	text, spans, err := m.Detokenize(ctx, ids)
	if err != nil {
		return lm.ScoreItem{}, Boundary{}, err
	}
	if !bytes.HasSuffix(text, continuation) {
		return lm.ScoreItem{}, Boundary{}, fmt.Errorf("remote: %s: detokenized text does not end with the continuation (tokenizer not lossless on it)", m.Info().ServedName)
	}
	cut := len(text) - len(continuation)
	k := 0
	for k < len(spans) && spans[k].End <= cut {
		k++
	}
	if k == 0 {
		return lm.ScoreItem{}, Boundary{}, fmt.Errorf("remote: %s: no context token before byte %d", m.Info().ServedName, cut)
	}
	b := Boundary{Cut: cut}
	if k < len(spans) && spans[k].Start < cut {
		b.Straddled, b.StraddleBytes = true, cut-spans[k].Start
	}
	return lm.ScoreItem{Context: ids[:k], Continuation: ids[k:]}, b, nil
}
