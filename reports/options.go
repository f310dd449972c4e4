package reports

// Options tune a report. The zero value gives the defaults.
type Options struct {
	// TopK is how many top-ranked completions report.html and report.md list
	// per organism x variant x reference. Default 10: a full zoo run has
	// ~200 such listings, and at 20 rows report.html passed 10 MB.
	TopK int
	// Score is the ranking score shown: ppl_diff (default), logppl_diff or
	// bpb_diff.
	Score string
	// OrganismPagesOver moves the completion listings to one page per
	// organism (report-organisms/*.html) when a run has more listings than
	// this; 0 means DefaultOrganismPagesOver, a negative value never.
	OrganismPagesOver int
}

// DefaultTopK is Options.TopK when unset.
const DefaultTopK = 10

func (o Options) withDefaults() Options {
	if o.TopK <= 0 {
		o.TopK = DefaultTopK
	}
	if o.OrganismPagesOver == 0 {
		o.OrganismPagesOver = DefaultOrganismPagesOver
	}
	if o.Score == "" {
		o.Score = DefaultScore
	}
	return o
}
