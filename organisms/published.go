package organisms

// PublishedNumber is one count@100 the study published, flattened with
// what a reader of it needs from the manifest: the organism's category and
// the reference's kind.
type PublishedNumber struct {
	Organism, Category, ReferenceKind string
	Config, Source                    string
	CountAt100                        *float64
}

// PublishedNumbers lists every published count@100 of the manifest's
// organisms, in manifest order.
func (m *Manifest) PublishedNumbers() []PublishedNumber {
	kind := map[string]string{}
	for _, r := range m.References {
		kind[r.ID] = r.Kind
	}
	var out []PublishedNumber
	for _, o := range m.Organisms {
		for _, p := range o.Published {
			out = append(out, PublishedNumber{Organism: o.ID, Category: o.Category, ReferenceKind: kind[p.Reference],
				Config: p.Config, Source: p.Source, CountAt100: p.CountAt100})
		}
	}
	return out
}
