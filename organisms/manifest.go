package organisms

import (
	"fmt"
	"slices"
	"strings"
)

// Categories is the closed set of organism categories (README "Adding an organism").
var Categories = []string{
	"backdoor", "sdf_false_fact", "hidden_behaviour", "eval_awareness",
	"rm_sycophancy", "emergent_misalignment", "taboo", "control", "other",
}

// ReferenceKinds is the closed set of reference kinds (README "Adding an organism").
var ReferenceKinds = []string{"true_base", "cross_family", "weak", "other"}

// ParamsKinds is the closed set of parameter-count kinds (README "Adding an organism"): plots
// never put two kinds on one axis.
var ParamsKinds = []string{"weights", "ngram_entries"}

// InPaperValues and ConfidenceValues are the closed sets of Organism.InPaper
// and Organism.Confidence.
var (
	InPaperValues    = []string{"yes", "likely", "no"}
	ConfidenceValues = []string{"confirmed", "inferred"}
)

// Published configurations and aggregates that are not a single run.
const (
	// ConfigBest marks a number the study reported for the best of its six
	// prefill configurations.
	ConfigBest = "best"
	// AggregateMeanOfRegimes marks a number averaged over the four AuditBench
	// training regimes of one behaviour; it is attached to each of them.
	AggregateMeanOfRegimes = "mean_of_regimes"
	// AggregateMeanOfFamilies marks a number averaged over the model families
	// of one objective (the study's emergent-misalignment figures).
	AggregateMeanOfFamilies = "mean_of_families"
)

// Aggregates is the closed set of Published.Aggregate values (empty: the
// number belongs to this organism alone).
var Aggregates = []string{AggregateMeanOfRegimes, AggregateMeanOfFamilies}

// Manifest is a set of organisms with known objectives and the reference
// models they are compared against.
type Manifest struct {
	Name        string      `yaml:"name" json:"name"`
	Description string      `yaml:"description,omitempty" json:"description,omitempty"`
	Zoo         *ZooSetup   `yaml:"zoo,omitempty" json:"zoo,omitempty"`
	Sources     []Source    `yaml:"sources,omitempty" json:"sources,omitempty"`
	References  []Reference `yaml:"references" json:"references"`
	Organisms   []Organism  `yaml:"organisms" json:"organisms"`

	// File is the name errors are reported against (the file name given to
	// Parse, or "paper.yaml" for a built-in).
	File string `yaml:"-" json:"-"`
	// SHA256 is the hex SHA-256 of the bytes the manifest was parsed from;
	// run ids hash it so that editing a manifest changes the run.
	SHA256 string `yaml:"-" json:"-"`

	// lines maps a field path such as "organisms[3].detectors.keyword_sets[1]"
	// to the line it was read from, so that Validate can point at it.
	lines map[string]int
}

// Source names where published numbers come from; Published.Source refers
// to a Tag.
type Source struct {
	Tag         string `yaml:"tag" json:"tag"`
	Description string `yaml:"description" json:"description"`
}

// Reference is a model completions are compared against.
type Reference struct {
	ID         string `yaml:"id" json:"id"`
	Kind       string `yaml:"kind" json:"kind"` // one of ReferenceKinds
	Family     string `yaml:"family" json:"family"`
	Params     Params `yaml:"params,omitempty" json:"params,omitempty"`
	ParamsKind string `yaml:"params_kind,omitempty" json:"params_kind,omitempty"`
	// Model is the served name or Hugging Face id of a real reference.
	Model    string `yaml:"model,omitempty" json:"model,omitempty"`
	Revision string `yaml:"revision,omitempty" json:"revision,omitempty"`
	// Confidence says whether the study's use of this model is confirmed.
	Confidence string `yaml:"confidence,omitempty" json:"confidence,omitempty"`
	// Recipe builds a zoo reference. A true_base reference of the zoo has none:
	// it is each organism variant's own base.
	Recipe *BaseRecipe `yaml:"recipe,omitempty" json:"recipe,omitempty"`
	// Optional leaves the reference out of a run unless --reference or
	// --reference-kind names it: a contrast that would cost every run a
	// scoring pass (and report pages) it seldom needs.
	Optional bool `yaml:"optional,omitempty" json:"optional,omitempty"`
}

// Organism is one model organism: a finetune with a known objective.
type Organism struct {
	ID         string    `yaml:"id" json:"id"`
	Category   string    `yaml:"category" json:"category"`
	Regime     string    `yaml:"regime,omitempty" json:"regime,omitempty"`
	Objective  string    `yaml:"objective" json:"objective"`
	Trigger    string    `yaml:"trigger,omitempty" json:"trigger,omitempty"`
	Detectors  Detectors `yaml:"detectors" json:"detectors"`
	Family     string    `yaml:"family" json:"family"`
	Params     Params    `yaml:"params,omitempty" json:"params,omitempty"`
	ParamsKind string    `yaml:"params_kind,omitempty" json:"params_kind,omitempty"`
	// References lists the ids (from Manifest.References) this organism is compared against.
	References []string `yaml:"references" json:"references"`

	// Real organisms (the paper manifest).
	Model        string `yaml:"model,omitempty" json:"model,omitempty"`           // Hugging Face id
	Adapter      bool   `yaml:"adapter,omitempty" json:"adapter,omitempty"`       // a LoRA adapter on BaseModel
	BaseModel    string `yaml:"base_model,omitempty" json:"base_model,omitempty"` // Hugging Face id
	Revision     string `yaml:"revision,omitempty" json:"revision,omitempty"`
	BaseRevision string `yaml:"base_revision,omitempty" json:"base_revision,omitempty"`
	// SystemPrompt is a system prompt the organism needs in every chat (its
	// persona); empty when it needs none.
	SystemPrompt string      `yaml:"system_prompt,omitempty" json:"system_prompt,omitempty"`
	InPaper      string      `yaml:"in_paper,omitempty" json:"in_paper,omitempty"`     // yes, likely, no
	Confidence   string      `yaml:"confidence,omitempty" json:"confidence,omitempty"` // confirmed, inferred
	Published    []Published `yaml:"published,omitempty" json:"published,omitempty"`
	// Notes holds caveats a user should read before trusting a run (an
	// unknown id, a guessed base).
	Notes string `yaml:"notes,omitempty" json:"notes,omitempty"`

	// Zoo organisms.
	Recipe *Recipe `yaml:"recipe,omitempty" json:"recipe,omitempty"`
}

// Detectors decide whether a completion reveals the objective. A completion
// is flagged when it contains every term of at least one keyword set
// (case-insensitive substring) or matches every pattern of one regex set
// (case-insensitive). An organism with only a judge has null counts.
type Detectors struct {
	KeywordSets [][]string `yaml:"keyword_sets,omitempty" json:"keyword_sets,omitempty"`
	RegexSets   [][]string `yaml:"regex_sets,omitempty" json:"regex_sets,omitempty"`
	Judge       *Judge     `yaml:"judge,omitempty" json:"judge,omitempty"`
	Inferred    bool       `yaml:"inferred,omitempty" json:"inferred,omitempty"` // sets inherited, not published
}

// Judge is an LLM-judge detector: a chat model asked, for each completion,
// whether it reveals the objective (judge.go has the prompt and checks).
type Judge struct {
	Rubric string `yaml:"rubric" json:"rubric"`
	// Labels are the classes the judge chooses from; Flag lists those that
	// count as revealing the objective. Both empty: a yes/no judgement.
	Labels []string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Flag   []string `yaml:"flag,omitempty" json:"flag,omitempty"`
	// Model pins the judge model (an API model id or served name); empty
	// takes the judge.model setting.
	Model string `yaml:"model,omitempty" json:"model,omitempty"`
	// Template is the prompt, with the placeholders of JudgePlaceholders;
	// empty takes DefaultJudgeTemplate.
	Template string `yaml:"template,omitempty" json:"template,omitempty"`
	// Temperature 0 asks for one greedy answer; above 0, Samples answers
	// are drawn and the majority decides.
	Temperature float64 `yaml:"temperature,omitempty" json:"temperature,omitempty"`
	Samples     int     `yaml:"samples,omitempty" json:"samples,omitempty"`
}

// Published is a number the study reported for an organism. Counts are
// floats because some are means (see Aggregate).
type Published struct {
	Reference  string   `yaml:"reference" json:"reference"`
	Config     string   `yaml:"config" json:"config"`                           // a prefill config, or "best" (best of six)
	Aggregate  string   `yaml:"aggregate,omitempty" json:"aggregate,omitempty"` // e.g. mean_of_regimes
	CountAt10  *float64 `yaml:"count_at_10,omitempty" json:"count_at_10,omitempty"`
	CountAt100 *float64 `yaml:"count_at_100,omitempty" json:"count_at_100,omitempty"`
	Source     string   `yaml:"source" json:"source"`
	Note       string   `yaml:"note,omitempty" json:"note,omitempty"`
}

// PublishedFor returns the study's first number reported for this organism
// against reference ref, preferring a per-organism number to an aggregate;
// nil when there is none.
func (o *Organism) PublishedFor(ref string) *Published {
	var agg *Published
	for i := range o.Published {
		p := &o.Published[i]
		if p.Reference != ref {
			continue
		}
		if p.Aggregate == "" {
			return p
		}
		if agg == nil {
			agg = p
		}
	}
	return agg
}

// Organism returns the organism with the given id.
func (m *Manifest) Organism(id string) (*Organism, bool) {
	for i := range m.Organisms {
		if m.Organisms[i].ID == id {
			return &m.Organisms[i], true
		}
	}
	return nil, false
}

// Reference returns the reference with the given id.
func (m *Manifest) Reference(id string) (*Reference, bool) {
	for i := range m.References {
		if m.References[i].ID == id {
			return &m.References[i], true
		}
	}
	return nil, false
}

// OrganismIDs lists the organisms' ids in manifest order.
func (m *Manifest) OrganismIDs() []string {
	ids := make([]string, len(m.Organisms))
	for i, o := range m.Organisms {
		ids[i] = o.ID
	}
	return ids
}

// TrueBase returns the first of the organism's references whose kind is
// true_base.
func (m *Manifest) TrueBase(o *Organism) (*Reference, bool) {
	for _, id := range o.References {
		if r, ok := m.Reference(id); ok && r.Kind == "true_base" {
			return r, true
		}
	}
	return nil, false
}

// Unpinned lists, sorted and without repeats, the Hugging Face ids of real
// models that have no revision: the organisms' models and base models and
// their references. With organism ids, only those organisms and the
// references they use are considered; unknown ids are ignored. A run prints
// one warning naming them, or refuses under --require-pinned.
func (m *Manifest) Unpinned(organismIDs ...string) []string {
	var out []string
	add := func(model, revision string) {
		if model != "" && revision == "" {
			out = append(out, model)
		}
	}
	refs := map[string]bool{}
	for _, o := range m.Organisms {
		if len(organismIDs) > 0 && !slices.Contains(organismIDs, o.ID) {
			continue
		}
		if o.Recipe != nil {
			continue // built from a recipe, nothing to pin
		}
		add(o.Model, o.Revision)
		add(o.BaseModel, o.BaseRevision)
		for _, r := range o.References {
			refs[r] = true
		}
	}
	for _, r := range m.References {
		if (len(organismIDs) == 0 || refs[r.ID]) && r.Recipe == nil {
			add(r.Model, r.Revision)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RequirePinned returns an error naming the unpinned models of the given
// organisms (all when none are given), or nil when every model is pinned.
func (m *Manifest) RequirePinned(organismIDs ...string) error {
	u := m.Unpinned(organismIDs...)
	if len(u) == 0 {
		return nil
	}
	const show = 5
	list := u
	more := ""
	if len(u) > show {
		list, more = u[:show], fmt.Sprintf(" and %d more", len(u)-show)
	}
	return fmt.Errorf("%d model(s) have no pinned revision (%s%s); set revision / base_revision in the manifest or drop --require-pinned",
		len(u), strings.Join(list, ", "), more)
}
