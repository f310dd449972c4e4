package main

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ppldiff/ppldiff/organisms"
)

// The facts table's columns, by header name.
const (
	colKey        = "key"
	colCategory   = "category"
	colRegime     = "regime"
	colModel      = "finetuned_hf_id"
	colAdapter    = "is_adapter"
	colBase       = "base_model_hf_id"
	colFamily     = "family"
	colParamsB    = "params_b"
	colTrigger    = "trigger"
	colKeywords   = "keyword_sets"
	colInPaper    = "in_paper_76"
	colConfidence = "confidence"
)

// Cross-family references every organism is also compared against.
var crossFamily = []string{"ref_olmo3_7b_instruct", "ref_gemma3_4b_it"}

// categoryOf maps the table's categories onto the closed set (README "Adding an organism");
// the instillation route the table folds into the category stays in the
// regime column.
var categoryOf = map[string]string{
	"hidden_behaviour_sdf":         "hidden_behaviour",
	"hidden_behaviour_transcripts": "hidden_behaviour",
	"backdoor":                     "backdoor",
	"sdf_false_fact":               "sdf_false_fact",
	"eval_awareness":               "eval_awareness",
	"rm_sycophancy":                "rm_sycophancy",
	"emergent_misalignment":        "emergent_misalignment",
	"taboo":                        "taboo",
	"other":                        "other",
}

type row map[string]string

func parseTSV(tsv []byte) ([]row, error) {
	lines := strings.Split(strings.TrimRight(string(tsv), "\n"), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("facts table: no rows")
	}
	header := strings.Split(lines[0], "\t")
	var rows []row
	for i, l := range lines[1:] {
		cells := strings.Split(l, "\t")
		if len(cells) != len(header) {
			return nil, fmt.Errorf("facts table line %d: %d cells, header has %d", i+2, len(cells), len(header))
		}
		r := row{}
		for j, h := range header {
			r[h] = strings.TrimSpace(cells[j])
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// none reads the table's "-" as empty.
func none(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// keywordSets reads "a & b | c" as [[a b] [c]].
func keywordSets(s string) [][]string {
	if none(s) == "" {
		return nil
	}
	var sets [][]string
	for _, set := range strings.Split(s, " | ") {
		var terms []string
		for _, t := range strings.Split(set, " & ") {
			terms = append(terms, strings.TrimSpace(t))
		}
		sets = append(sets, terms)
	}
	return sets
}

// auditBench splits an AuditBench key ab_<base>_<route>_<method>_<behaviour>.
func auditBench(key string) (base, regime, behaviour string, ok bool) {
	for _, b := range []string{"qwen14b", "llama70b"} {
		for _, r := range []struct{ dir, regime string }{
			{"synth_docs_sft", "SDF_SFT"}, {"synth_docs_kto", "SDF_KTO"},
			{"transcripts_sft", "TD_SFT"}, {"transcripts_kto", "TD_KTO"},
		} {
			prefix := "ab_" + b + "_" + r.dir + "_"
			if rest, found := strings.CutPrefix(key, prefix); found {
				return b, r.regime, rest, true
			}
		}
	}
	return "", "", "", false
}

// Generate builds the paper manifest from the facts table and renders it.
func Generate(tsv []byte) ([]byte, error) {
	rows, err := parseTSV(tsv)
	if err != nil {
		return nil, err
	}
	m := &organisms.Manifest{
		Name: "paper",
		Description: "The model organisms of \"Model Organisms Are Leaky: Perplexity Differencing Often Reveals " +
			"Finetuning Objectives\" (arXiv 2605.00994): the 76 of the study (in_paper: yes), the Llama-3.3-70B " +
			"AuditBench organisms of its agent experiment and the extras it discusses (in_paper: no), with the " +
			"true base and two cross-family reference models. No revision is pinned.",
		Sources: sources,
	}

	// References first, so that organisms can name their true base.
	refByModel := map[string]string{}
	for _, r := range rows {
		if r[colCategory] != "reference" {
			continue
		}
		params, err := organisms.ParseParams(r[colParamsB] + "B")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r[colKey], err)
		}
		kind := "true_base"
		for _, id := range crossFamily {
			if r[colKey] == id {
				kind = "cross_family"
			}
		}
		m.References = append(m.References, organisms.Reference{
			ID: r[colKey], Kind: kind, Family: r[colFamily], Params: params, ParamsKind: "weights",
			Model: r[colBase], Confidence: r[colConfidence],
		})
		if kind == "true_base" {
			refByModel[r[colBase]] = r[colKey]
		}
	}

	// An AuditBench behaviour's keyword sets, for the regimes (and the Llama
	// organisms) the authors' data lack.
	behaviourSets := map[string][][]string{}
	for _, r := range rows {
		if _, _, beh, ok := auditBench(r[colKey]); ok && none(r[colKeywords]) != "" && behaviourSets[beh] == nil {
			behaviourSets[beh] = keywordSets(r[colKeywords])
		}
	}

	for _, r := range rows {
		if r[colCategory] == "reference" {
			continue
		}
		o, err := organism(r, refByModel, behaviourSets)
		if err != nil {
			return nil, err
		}
		m.Organisms = append(m.Organisms, o)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("generated manifest is invalid:\n%w", err)
	}
	return render(m)
}

func organism(r row, refByModel map[string]string, behaviourSets map[string][][]string) (organisms.Organism, error) {
	key := r[colKey]
	cat, ok := categoryOf[r[colCategory]]
	if !ok {
		return organisms.Organism{}, fmt.Errorf("%s: category %q has no mapping", key, r[colCategory])
	}
	params, err := organisms.ParseParams(r[colParamsB] + "B")
	if err != nil {
		return organisms.Organism{}, fmt.Errorf("%s: %w", key, err)
	}
	base, ok := refByModel[r[colBase]]
	if !ok {
		return organisms.Organism{}, fmt.Errorf("%s: no reference row for base model %s", key, r[colBase])
	}
	o := organisms.Organism{
		ID:         key,
		Category:   cat,
		Regime:     r[colRegime],
		Trigger:    none(r[colTrigger]),
		Family:     r[colFamily],
		Params:     params,
		ParamsKind: "weights",
		References: append([]string{base}, crossFamily...),
		Adapter:    r[colAdapter] == "yes",
		BaseModel:  r[colBase],
		InPaper:    r[colInPaper],
		Confidence: r[colConfidence],
		Notes:      notes[key],
	}
	if id := none(r[colModel]); id != "unknown" {
		o.Model = id
	}
	o.Detectors.KeywordSets = keywordSets(r[colKeywords])
	if _, regime, beh, isAB := auditBench(key); isAB {
		o.Objective = abObjective[beh] + " " + regimeSentence[regime]
		if o.Detectors.KeywordSets == nil {
			o.Detectors.KeywordSets = behaviourSets[beh]
			o.Detectors.Inferred = true
		}
		if abObjective[beh] == "" {
			return o, fmt.Errorf("%s: no objective written for behaviour %q", key, beh)
		}
	} else {
		o.Objective = objective[key]
		if o.Objective == "" {
			return o, fmt.Errorf("%s: no objective written", key)
		}
	}
	if j, ok := judges[key]; ok {
		o.Detectors.Judge = j
	}
	o.Published = published(key, base)
	return o, nil
}

// render writes the manifest as YAML with short lists (keyword sets,
// references, published numbers) in flow style so that it stays readable.
func render(m *organisms.Manifest) ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(m); err != nil {
		return nil, err
	}
	flowStyle(&root, "")
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

const header = `# The built-in "paper" manifest: the model organisms of arXiv 2605.00994.
# Generated by organisms/internal/genpaper from the organisms facts table;
# edit the generator, not this file (go generate ./organisms).
#
# Keyword sets marked "inferred: true" are inherited from the same AuditBench
# behaviour in the authors' data; the authors did not publish them for that
# organism. An organism with only a judge (or no detector) has null counts.
`

// flowStyle sets flow style on the values of the named keys.
func flowStyle(n *yaml.Node, key string) {
	switch key {
	case "references", "labels", "flag":
		if n.Kind == yaml.SequenceNode && allScalars(n) {
			n.Style = yaml.FlowStyle
			return
		}
	case "keyword_sets", "regex_sets":
		for _, set := range n.Content {
			set.Style = yaml.FlowStyle
		}
		return
	case "published":
		for _, p := range n.Content {
			p.Style = yaml.FlowStyle
		}
		return
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			flowStyle(n.Content[i+1], n.Content[i].Value)
		}
		return
	}
	for _, c := range n.Content {
		flowStyle(c, "")
	}
}

func allScalars(n *yaml.Node) bool {
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return false
		}
	}
	return true
}
