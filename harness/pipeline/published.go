package pipeline

import (
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/organisms"
)

// PublishedFrom converts a manifest's published number into the results
// schema's; nil stays nil. It lives here, not in results, so that the
// results schema imports nothing of ours.
func PublishedFrom(p *organisms.Published) *results.Published {
	if p == nil {
		return nil
	}
	return &results.Published{CountAt10: p.CountAt10, CountAt100: p.CountAt100, Config: p.Config, Aggregate: p.Aggregate, Source: p.Source}
}
