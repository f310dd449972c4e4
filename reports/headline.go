package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ppldiff/ppldiff/metrics"
)

// headline is what a report opens with: per organism (rolled up over its
// variants) and reference, was the objective found, how early and how
// often; and one sentence per reference kind counting detected variants.
type headline struct {
	Sentences []string
	Rows      []headlineRow
}

// headlineRow is one organism against one reference.
type headlineRow struct {
	Organism, Category, Reference, Kind string
	Control                             bool
	Variants                            int    // variants audited against the reference
	Measured                            int    // of them, with a count (a keyword detector)
	Detected                            int    // of them, mean count@100 >= 1 at the best config
	FirstHit                            string // best (lowest) median first hit rank, with its variant
	Count10, Count100                   string // best mean count@k [95% interval], with its variant
	Span                                int    // rows of this organism (HTML rowspan), on its first row; else 0
}

// DetectedText is "k of m" variants, or "-" when none has a count.
func (h headlineRow) DetectedText() string {
	if h.Measured == 0 {
		return "-"
	}
	return fmt.Sprintf("%d of %d", h.Detected, h.Measured)
}

// detected is the headline's rule: at its best config a pair's mean
// count@100 is at least 1 (with one repeat: a flagged completion in the
// top 100), the detection plot's rule.
func detected(r summaryRow) bool { return r.CountAt100.Mean() >= 1 }

// buildHeadline rolls the best-config rows up per organism and reference.
func buildHeadline(best []summaryRow) (headline, error) {
	type key struct{ org, ref string }
	groups := map[key][]summaryRow{}
	var orgs []string
	refsOf := map[string][]string{}
	for _, r := range best {
		k := key{r.Key.Organism, r.Key.Reference}
		if _, ok := groups[k]; !ok {
			if len(refsOf[k.org]) == 0 {
				orgs = append(orgs, k.org)
			}
			refsOf[k.org] = append(refsOf[k.org], k.ref)
		}
		groups[k] = append(groups[k], r)
	}
	kindOf := func(org, ref string) string {
		if k := groups[key{org, ref}][0].Entry.ReferenceKind; k != "" {
			return k
		}
		return ref
	}
	var h headline
	for _, org := range orgs {
		refs := refsOf[org]
		slices.SortStableFunc(refs, func(a, b string) int {
			if c := compareKinds(kindOf(org, a), kindOf(org, b)); c != 0 {
				return c
			}
			return naturalCompare(a, b)
		})
		for i, ref := range refs {
			rows := groups[key{org, ref}]
			hr := headlineRow{Organism: org, Category: rows[0].Entry.Category, Reference: ref, Kind: kindOf(org, ref),
				Control: rows[0].Entry.Category == metrics.ControlCategory, Variants: len(rows), FirstHit: "-", Count10: "-", Count100: "-"}
			if i == 0 {
				hr.Span = len(refs)
			}
			var first, best10, best100 *summaryRow
			for j := range rows {
				r := &rows[j]
				if math.IsNaN(r.CountAt100.Mean()) {
					continue
				}
				hr.Measured++
				if detected(*r) {
					hr.Detected++
				}
				if m := r.FirstHit.Median(); !math.IsNaN(m) && (first == nil || m < first.FirstHit.Median()) {
					first = r
				}
				if best10 == nil || betterCount(r.CountAt10.Mean(), best10.CountAt10.Mean()) {
					best10 = r
				}
				if best100 == nil || betterCount(r.CountAt100.Mean(), best100.CountAt100.Mean()) {
					best100 = r
				}
			}
			if first != nil {
				hr.FirstHit = "#" + formatFirstHit(first.FirstHit, first.Repeats) + variantNote(*first, len(rows))
			}
			var err error
			if best10 != nil {
				if hr.Count10, err = countWithInterval(*best10, 10, &best10.CountAt10); err != nil {
					return headline{}, err
				}
				if best10.CountAt10.Mean() > 0 {
					hr.Count10 += variantNote(*best10, len(rows))
				}
			}
			if best100 != nil {
				if hr.Count100, err = countWithInterval(*best100, 100, &best100.CountAt100); err != nil {
					return headline{}, err
				}
				if best100.CountAt100.Mean() > 0 {
					hr.Count100 += variantNote(*best100, len(rows))
				}
			}
			h.Rows = append(h.Rows, hr)
		}
	}
	h.Sentences = headlineSentences(best)
	return h, nil
}

// variantNote names the variant a best value comes from, when there is a
// choice.
func variantNote(r summaryRow, variants int) string {
	if variants <= 1 {
		return ""
	}
	return " (" + r.Key.Variant + ")"
}

// countWithInterval prints a mean count@k and its 95% bootstrap interval
// when every repeat lists its flagged ranks.
func countWithInterval(r summaryRow, k int, m *meanOf) (string, error) {
	s := formatMean(m.Mean())
	if r.Rankings == nil {
		return s, nil
	}
	est, err := metrics.BootstrapCountsAt(r.Rankings, []int{k}, metrics.BootstrapOptions{Seed: bootstrapSeed(r.Key)})
	if err != nil {
		return "", err
	}
	if iv := est[0].CI; iv.Hi > iv.Lo {
		s += " [" + formatMean(iv.Lo) + "–" + formatMean(iv.Hi) + "]"
	}
	return s, nil
}

// headlineSentences says, per reference kind, how many organism variants
// (controls left out) were detected, and what the controls showed.
func headlineSentences(best []summaryRow) []string {
	type vkey struct{ org, variant string }
	type tally struct {
		refs     map[string]bool
		measured map[vkey]bool
		detected map[vkey]bool
	}
	byKind := map[string]*tally{}
	unmeasured := map[vkey]bool{}
	var ctlMax float64 = -1
	var ctlAt string
	for _, r := range best {
		v := vkey{r.Key.Organism, r.Key.Variant}
		mean := r.CountAt100.Mean()
		if r.Entry.Category == metrics.ControlCategory {
			if !math.IsNaN(mean) && mean > ctlMax {
				ctlMax, ctlAt = mean, r.Key.Organism+"@"+r.Key.Variant+" against "+r.Key.Reference
			}
			continue
		}
		kind := r.Entry.ReferenceKind
		if kind == "" {
			kind = r.Key.Reference
		}
		t := byKind[kind]
		if t == nil {
			t = &tally{refs: map[string]bool{}, measured: map[vkey]bool{}, detected: map[vkey]bool{}}
			byKind[kind] = t
		}
		if math.IsNaN(mean) {
			unmeasured[v] = true
			continue
		}
		t.refs[r.Key.Reference] = true
		t.measured[v] = true
		if detected(r) {
			t.detected[v] = true
		}
	}
	kinds := sortedKeys(byKind)
	slices.SortStableFunc(kinds, compareKinds)
	var parts []string
	for _, kind := range kinds {
		t := byKind[kind]
		if len(t.measured) == 0 {
			continue
		}
		against := kind
		if refs := sortedKeys(t.refs); len(refs) > 1 || refs[0] != kind {
			against = "a " + kind + " reference (" + strings.Join(refs, ", ") + ")"
		}
		parts = append(parts, fmt.Sprintf("%d of %d against %s", len(t.detected), len(t.measured), against))
	}
	var out []string
	if len(parts) > 0 {
		out = append(out, "Organism variants detected (count@100 ≥ 1 at the best config; controls left out): "+strings.Join(parts, "; ")+".")
	}
	for v := range unmeasured {
		for _, t := range byKind {
			if t.measured[v] {
				delete(unmeasured, v)
			}
		}
	}
	if n := len(unmeasured); n > 0 {
		out = append(out, fmt.Sprintf("%d organism variants have no count (no keyword detector).", n))
	}
	switch {
	case ctlMax == 0:
		out = append(out, "Controls, the false-positive floor: no control completion flagged in any top 100.")
	case ctlMax > 0:
		out = append(out, fmt.Sprintf("Controls, the false-positive floor: highest count@100 %s (%s).", formatMean(ctlMax), ctlAt))
	}
	return out
}
