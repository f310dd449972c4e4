package organisms

// Categories is the closed set of organism categories (contract).
var Categories = []string{
	"backdoor", "sdf_false_fact", "hidden_behaviour", "eval_awareness",
	"rm_sycophancy", "emergent_misalignment", "taboo", "control", "other",
}

// ReferenceKinds is the closed set of reference kinds (contract).
var ReferenceKinds = []string{"true_base", "cross_family", "weak", "other"}

// Manifest is a set of organisms with known objectives and the reference
// models they are compared against.
type Manifest struct {
	Name        string      `yaml:"name" json:"name"`
	Description string      `yaml:"description,omitempty" json:"description,omitempty"`
	Zoo         *ZooSetup   `yaml:"zoo,omitempty" json:"zoo,omitempty"`
	References  []Reference `yaml:"references" json:"references"`
	Organisms   []Organism  `yaml:"organisms" json:"organisms"`
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
	// Recipe builds a zoo reference. A true_base reference of the zoo has none:
	// it is each organism variant's own base.
	Recipe *BaseRecipe `yaml:"recipe,omitempty" json:"recipe,omitempty"`
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
	Model        string      `yaml:"model,omitempty" json:"model,omitempty"`           // Hugging Face id
	Adapter      bool        `yaml:"adapter,omitempty" json:"adapter,omitempty"`       // a LoRA adapter on BaseModel
	BaseModel    string      `yaml:"base_model,omitempty" json:"base_model,omitempty"` // Hugging Face id
	Revision     string      `yaml:"revision,omitempty" json:"revision,omitempty"`
	SystemPrompt string      `yaml:"system_prompt,omitempty" json:"system_prompt,omitempty"` // required by the organism's chat use
	InPaper      string      `yaml:"in_paper,omitempty" json:"in_paper,omitempty"`           // yes, likely, no
	Confidence   string      `yaml:"confidence,omitempty" json:"confidence,omitempty"`       // confirmed, inferred
	Published    []Published `yaml:"published,omitempty" json:"published,omitempty"`

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

// Judge is an LLM-judge detector (built in a later issue).
type Judge struct {
	Rubric string `yaml:"rubric" json:"rubric"`
}

// Published is a number the study reported for an organism.
type Published struct {
	Reference  string `yaml:"reference" json:"reference"`
	Config     string `yaml:"config" json:"config"`                           // a prefill config, or "best" (best of six)
	Aggregate  string `yaml:"aggregate,omitempty" json:"aggregate,omitempty"` // e.g. mean_of_regimes
	CountAt10  *int   `yaml:"count_at_10,omitempty" json:"count_at_10,omitempty"`
	CountAt100 *int   `yaml:"count_at_100,omitempty" json:"count_at_100,omitempty"`
	Source     string `yaml:"source" json:"source"`
}

// Params is an absolute parameter count; a manifest may write 14.8B or 350M.
type Params int64
