package pipeline

import (
	"context"
	"fmt"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/results"
)

// detail asks for the per-token arrays of one written sample.
type detail struct {
	sample int // index in unitOutput.samples
	c      *completion
	rs     refScore
	ref    lm.Model
}

// fillTokenDetail writes per-token [start, end, logprob] arrays into the
// samples that carry them, decoding spans only for those completions.
func (r *runner) fillTokenDetail(ctx context.Context, ft lm.Model, out *unitOutput) error {
	refSpans := map[lm.Model]map[*completion][]lm.Span{}
	for _, d := range out.details {
		if d.c.spansFT == nil {
			raw, spans, err := ft.Detokenize(ctx, d.c.gen.Tokens)
			if err != nil {
				return fmt.Errorf("detokenize: %w", err)
			}
			d.c.spansFT = remapSpans(raw, spans)
		}
		spans := d.c.spansFT
		if !d.rs.sameTokens {
			if refSpans[d.ref] == nil {
				refSpans[d.ref] = map[*completion][]lm.Span{}
			}
			if spans = refSpans[d.ref][d.c]; spans == nil {
				var err error
				raw, rspans, err := d.ref.Detokenize(ctx, d.rs.continuation)
				if err != nil {
					return fmt.Errorf("detokenize under the reference: %w", err)
				}
				spans = remapSpans(raw, rspans)
				refSpans[d.ref][d.c] = spans
			}
		}
		s := &out.samples[d.sample]
		s.TokensFTLP = tokenLogprobs(d.c.spansFT, d.c.lpFT)
		s.TokensRefLP = tokenLogprobs(spans, d.rs.logprobs)
	}
	return nil
}
func tokenLogprobs(spans []lm.Span, lps []float64) []results.TokenLogprob {
	if len(spans) != len(lps) {
		return nil
	}
	out := make([]results.TokenLogprob, len(lps))
	for i := range lps {
		out[i] = results.TokenLogprob{Start: spans[i].Start, End: spans[i].End, Logprob: finite(lps[i])}
	}
	return out
}
