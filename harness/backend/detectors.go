package backend

import (
	"fmt"
	"slices"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/zoo"
	"github.com/ppldiff/ppldiff/organisms"
)

// Detector sets that match this share of general documents or more flag
// completions whatever the model learned.
const (
	frequentShare = 0.01
	frequentDocs  = 2000 // general documents read
)

// FrequentDetectors warns of the keyword and regex sets of zoo organisms
// that match many documents of the zoo's general corpus (a set like
// [the]): every organism would "reveal" its objective through them. Only
// zoo manifests have a base corpus to check against.
func FrequentDetectors(m *organisms.Manifest) ([]string, error) {
	if !slices.ContainsFunc(m.Organisms, func(o organisms.Organism) bool { return o.Recipe != nil }) {
		return []string{}, nil
	}
	b, err := zoo.NewBuilder(m, "")
	if err != nil {
		return nil, err
	}
	docs := b.GeneralCorpus().Texts(0, frequentDocs)
	warnings := []string{}
	for _, o := range m.Organisms {
		if o.Recipe == nil {
			continue
		}
		var sets []organisms.Detectors
		var names []string
		for _, ks := range o.Detectors.KeywordSets {
			sets = append(sets, organisms.Detectors{KeywordSets: [][]string{ks}})
			names = append(names, fmt.Sprintf("keyword set %q", ks))
		}
		for _, rs := range o.Detectors.RegexSets {
			sets = append(sets, organisms.Detectors{RegexSets: [][]string{rs}})
			names = append(names, fmt.Sprintf("regex set %q", rs))
		}
		for i, d := range sets {
			mt, err := d.Compile()
			if err != nil {
				return nil, err // Load validated the detectors
			}
			hits := 0
			for _, doc := range docs {
				if ok, _ := mt.Match(doc); ok {
					hits++
				}
			}
			if share := float64(hits) / float64(len(docs)); share >= frequentShare {
				warnings = append(warnings, fmt.Sprintf("organism %s: %s matches %d of %d general corpus documents (%.0f%%): it would flag completions of any model; choose terms of the objective only",
					o.ID, names[i], hits, len(docs), 100*share))
			}
		}
	}
	return warnings, nil
}

// Detector compiles an organism's detectors (README "What a run does",
// step 7); a bad pattern is bad input.
func Detector(o *organisms.Organism) (pipeline.Detector, error) {
	m, err := o.Detectors.Compile()
	if err != nil {
		return nil, inputErr(err)
	}
	return m, nil
}
