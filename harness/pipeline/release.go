package pipeline

import (
	"github.com/ppldiff/ppldiff/harness/results"
)

// ModelReleaser is implemented by Models that hold their models in memory
// and can free each once no unit left needs it (the in-process zoo, whose
// n-gram tables for a whole run would not fit in a small machine's memory).
type ModelReleaser interface {
	// Schedule is told every unit of a run before the first starts and
	// returns the order to run them in (indices into units), so that units
	// sharing models run together and fewer are held at once. The order
	// changes nothing in the results: each unit's output is its own.
	Schedule(units []Unit) ([]int, error)
	// Release is told each unit that finished (or failed).
	Release(u *Unit)
}

// schedule returns the order a fixed-budget run starts its units in: the
// Models' own when they release models, else plan order.
func schedule(p *Plan, m Models) ([]int, ModelReleaser, error) {
	if rel, ok := m.(ModelReleaser); ok {
		order, err := rel.Schedule(p.Units)
		if err != nil {
			return nil, nil, err
		}
		if len(order) != len(p.Units) {
			panic("pipeline: a schedule must hold every unit once")
		}
		return order, rel, nil
	}
	order := make([]int, len(p.Units))
	for i := range order {
		order[i] = i
	}
	return order, nil, nil
}

// trim drops what only the unit's own steps read (rankings, the judge's
// picks, the samples' token-detail requests, which hold completions and
// models) and packs the samples as their lines of samples.jsonl, compressed
// (0.29 of the lines' size, which are a third of the structs'): a finished
// unit keeps its entries and that.
func (o *unitOutput) trim() (*unitOutput, error) {
	o.details, o.orders, o.sampleComps = nil, nil, nil
	if o.samples != nil {
		b, err := results.MarshalSamples(o.samples)
		if err != nil {
			return nil, err
		}
		o.samplesPacked, o.samples = results.PackSamples(b), nil
	}
	return o, nil
}
