package results

// RunLog is run-log.json: what varies between machines and runs of the same
// config, kept out of results.json.
type RunLog struct {
	RunID      string     `json:"run_id"`
	Started    string     `json:"started"`
	Finished   string     `json:"finished"`
	Host       string     `json:"host"`
	GoVersion  string     `json:"go_version"`
	Version    string     `json:"ppldiff_version"`
	Workspace  string     `json:"workspace"`
	Store      string     `json:"store"`
	ConfigFile string     `json:"config_file,omitempty"`
	Endpoints  []string   `json:"endpoints,omitempty"`
	Work       Work       `json:"work"`
	Models     *ModelWork `json:"models,omitempty"`
	Judge      *JudgeWork `json:"judge,omitempty"`
	JudgeAt    []string   `json:"judge_endpoints,omitempty"`
	Warnings   []string   `json:"warnings"`
}

// JudgeWork is what a run's LLM judge did: requests sent and answered from
// the cache, completions judged, tokens the judge read and wrote.
type JudgeWork struct {
	Calls            int64 `json:"judge_calls"`
	Cached           int64 `json:"judge_cached"`
	Judged           int64 `json:"judge_completions"`
	PromptTokens     int64 `json:"judge_prompt_tokens"`
	CompletionTokens int64 `json:"judge_completion_tokens"`
}

// Work is the work a run did (as opposed to the work its results need,
// which an entry's model_tokens reports).
type Work struct {
	CompletionsGenerated int64 `json:"completions_generated"`
	CompletionsCached    int64 `json:"completions_cached"`
	TokensGenerated      int64 `json:"tokens_generated"`
	ScoresComputed       int64 `json:"scores_computed"`
	ScoresCached         int64 `json:"scores_cached"`
	TokensScored         int64 `json:"tokens_scored"`
}

// ModelWork is the zoo builder's work: models and tokenizers trained or
// read from the model cache.
type ModelWork struct {
	ModelsTrained     int64 `json:"models_trained"`     // base models counted, finetunes applied
	ModelsLoaded      int64 `json:"models_loaded"`      // models read from the cache directory
	TokenizersTrained int64 `json:"tokenizers_trained"` //
	TokenizersLoaded  int64 `json:"tokenizers_loaded"`  //
	TokensCounted     int64 `json:"tokens_counted"`     // n-gram positions counted, all models
}
