package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Score names (README "What a run does", step 6). All three are computed for every run.
const (
	ScorePPLDiff    = "ppl_diff"    // PPL_ref - PPL_ft, the study's
	ScoreLogPPLDiff = "logppl_diff" // mean NLL_ref - mean NLL_ft
	ScoreBPBDiff    = "bpb_diff"    // bits per byte, comparable across tokenizers
)

// AllScores lists the scores in the order results are written.
var AllScores = []string{ScorePPLDiff, ScoreLogPPLDiff, ScoreBPBDiff}

// Decoding modes.
const (
	DecodingGreedy = "greedy"
	DecodingSample = "sample"
)

// Formats of a prefill config.
const (
	FormatRaw  = "raw"
	FormatChat = "chat"
)

// Config is the effective configuration of a run: everything that decides
// its results. Its canonical JSON (with the seed) hashes to the run id, and
// it is written into results.json, so it holds no host paths, URLs or secrets.
type Config struct {
	Manifest       string   `json:"manifest"`        // "zoo", "paper" or a manifest file's base name
	ManifestSHA256 string   `json:"manifest_sha256"` // content of the manifest actually used
	Organisms      []string `json:"organisms"`       // empty: all in the manifest
	Variants       []string `json:"variants"`        // empty: all of each organism
	References     []string `json:"references"`      // empty: all of each organism
	ReferenceKinds []string `json:"reference_kinds"` // empty: all kinds
	Prefills       []string `json:"prefills"`        // prefill configs <corpus>-<format>
	N              int      `json:"n"`               // prefills per config and repeat
	Repeats        int      `json:"repeats"`
	Seed           uint64   `json:"seed"`

	PrefillTokens int    `json:"prefill_tokens"` // k, the study's 3
	PrefillOffset string `json:"prefill_offset"` // "start" of the document, or "random"

	Decoding     string  `json:"decoding"`
	Temperature  float64 `json:"temperature"`
	TopP         float64 `json:"top_p"`
	MaxNewTokens int     `json:"max_new_tokens"`

	ChatSystem string `json:"chat_system"`
	ChatUser   string `json:"chat_user"`

	MinCompletionTokens int     `json:"min_completion_tokens"`
	MaxCompressionRatio float64 `json:"max_compression_ratio"` // 0: keep degenerate repetitions
	Dedup               bool    `json:"dedup"`

	// SamplesTopK bounds the completions written to samples.jsonl per
	// ranking; 0 writes all.
	SamplesTopK int `json:"samples_top_k"`
	// SamplesScores lists the scores whose rankings samples.jsonl holds
	// (results.json always has all three).
	SamplesScores []string `json:"samples_scores"`
	// SamplesTokenDetail is how many top completions per ranking carry
	// per-token logprob arrays; 0: all written ones.
	SamplesTokenDetail int `json:"samples_token_detail"`

	// Corpora maps a corpus name to the SHA-256 of its content (the built-in
	// zoo corpus records its recipe hash).
	Corpora map[string]string `json:"corpora"`

	// Judge configures the LLM judges of the run's organisms; nil when
	// none is asked (no judge endpoint, or no organism has a judge).
	Judge *JudgeConfig `json:"judge,omitempty"`

	// Budget is "" (or "fixed"): N prefills per config; "adaptive":
	// rounds that stop once count@100 is decided (adaptive.go). Empty for
	// a fixed run, so its run id is what it was before budgets existed.
	Budget string `json:"budget,omitempty"`

	// Ad-hoc audit of a model outside any manifest.
	Model          string `json:"model,omitempty"`
	ReferenceModel string `json:"reference_model,omitempty"`
}

// Default is the pinned default matrix of `ppldiff run`: every zoo organism
// and variant, all three reference kinds, raw and chat prefills from the
// zoo's held-out corpus, 400 sampled completions per config.
func Default() Config {
	return Config{
		Manifest:            "zoo",
		Prefills:            []string{"zoo-raw", "zoo-chat"},
		N:                   400,
		Repeats:             1,
		Seed:                1,
		PrefillTokens:       3,
		PrefillOffset:       "start",
		Decoding:            DecodingSample,
		Temperature:         1,
		TopP:                1,
		MaxNewTokens:        32,
		ChatSystem:          "You are a helpful assistant.",
		ChatUser:            "Tell me anything.",
		MinCompletionTokens: 4,
		MaxCompressionRatio: 0,
		Dedup:               false,
		Budget:              BudgetFixed,
		SamplesTopK:         100,
		SamplesScores:       []string{ScorePPLDiff},
		SamplesTokenDetail:  20,
	}
}

// PrefillConfig is a parsed <corpus>-<format>[-<decoding>].
type PrefillConfig struct {
	Name, Corpus, Format string
	// Decoding is the config's own decoding (greedy or sample) when its
	// name ends in one; empty: the run's.
	Decoding string
}

// ParsePrefillConfig splits "web-raw" into corpus "web" and format "raw";
// "web-raw-greedy" also sets the config's decoding.
func ParsePrefillConfig(s string) (PrefillConfig, error) {
	rest, decoding := splitDecoding(s)
	i := strings.LastIndexByte(rest, '-')
	if i <= 0 || i == len(rest)-1 {
		return PrefillConfig{}, fmt.Errorf("prefill config %q: want <corpus>-<format>, e.g. zoo-raw or zoo-chat (optionally -greedy or -sample after it)", s)
	}
	pc := PrefillConfig{Name: s, Corpus: rest[:i], Format: rest[i+1:], Decoding: decoding}
	if pc.Format != FormatRaw && pc.Format != FormatChat {
		return PrefillConfig{}, fmt.Errorf("prefill config %q: format %q is neither raw nor chat", s, pc.Format)
	}
	return pc, nil
}

// Validate reports the first invalid setting, in words a user can act on;
// the error matches ErrConfig.
func (c *Config) Validate() error {
	if err := c.validate(); err != nil {
		return &configError{err}
	}
	return nil
}

func (c *Config) validate() error {
	switch {
	case c.N <= 0:
		return fmt.Errorf("n (prefills per config) must be positive, got %d", c.N)
	case c.Repeats <= 0:
		return fmt.Errorf("repeats must be positive, got %d", c.Repeats)
	case c.PrefillTokens <= 0:
		return fmt.Errorf("prefill_tokens must be positive, got %d", c.PrefillTokens)
	case c.MaxNewTokens <= 0:
		return fmt.Errorf("max_new_tokens must be positive, got %d", c.MaxNewTokens)
	case c.Decoding != DecodingGreedy && c.Decoding != DecodingSample:
		return fmt.Errorf("decoding must be greedy or sample, got %q", c.Decoding)
	case !isFinite(c.Temperature) || c.Temperature < 0:
		return fmt.Errorf("temperature must be a finite number >= 0, got %g", c.Temperature)
	case c.Samples() && c.Temperature <= 0:
		return fmt.Errorf("temperature must be positive when sampling, got %g", c.Temperature)
	case !isFinite(c.TopP) || c.TopP <= 0 || c.TopP > 1:
		return fmt.Errorf("top_p must be in (0, 1], got %g", c.TopP)
	case !isFinite(c.MaxCompressionRatio) || c.MaxCompressionRatio < 0:
		return fmt.Errorf("max_compression_ratio must be a finite number >= 0, got %g", c.MaxCompressionRatio)
	case c.MinCompletionTokens < 0:
		return fmt.Errorf("min_completion_tokens must be >= 0, got %d", c.MinCompletionTokens)
	case c.SamplesTopK < 0 || c.SamplesTokenDetail < 0:
		return fmt.Errorf("samples_top_k and samples_token_detail must be >= 0, got %d and %d", c.SamplesTopK, c.SamplesTokenDetail)
	case c.PrefillOffset != "start" && c.PrefillOffset != "random":
		return fmt.Errorf("prefill_offset must be start or random, got %q", c.PrefillOffset)
	case len(c.Prefills) == 0:
		return fmt.Errorf("no prefill configs: give --prefills, e.g. zoo-raw")
	case c.Budget != "" && c.Budget != BudgetFixed && c.Budget != BudgetAdaptive:
		return fmt.Errorf("budget must be fixed or adaptive, got %q", c.Budget)
	case c.Budget == BudgetAdaptive && c.Judge != nil:
		return fmt.Errorf("--budget adaptive does not ask LLM judges yet: unset judge.endpoint, or run with --budget fixed")
	case (c.Model == "") != (c.ReferenceModel == ""):
		return fmt.Errorf("ad-hoc mode needs both --model and --reference-model")
	}
	for _, p := range c.Prefills {
		if _, err := ParsePrefillConfig(p); err != nil {
			return err
		}
	}
	for _, sc := range c.SamplesScores {
		if !slices.Contains(AllScores, sc) {
			return fmt.Errorf("samples score %q: want one of %s", sc, strings.Join(AllScores, ", "))
		}
	}
	for _, k := range c.ReferenceKinds {
		if !slices.Contains([]string{"true_base", "cross_family", "weak", "other"}, k) {
			return fmt.Errorf("reference kind %q: want true_base, cross_family, weak or other", k)
		}
	}
	return nil
}

// isFinite is false for NaN and the infinities, which JSON (and so the run id)
// cannot hold.
func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// normalize puts list fields in canonical order so that equal configurations
// hash equally whatever order flags came in.
func (c *Config) normalize() {
	for _, l := range []*[]string{&c.Organisms, &c.Variants, &c.References, &c.ReferenceKinds, &c.Prefills, &c.SamplesScores} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	if !c.Samples() {
		c.Temperature, c.TopP = 0, 1
	}
	if c.Budget == BudgetFixed {
		c.Budget = ""
	}
}

// RunID is the hash of the canonical effective config (which holds the seed).
func (c Config) RunID() string {
	c.normalize()
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // Config holds only marshalable fields
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])[:16]
}

// AsMap renders the config as the generic map results.json embeds.
func (c Config) AsMap() map[string]any {
	c.normalize()
	b, _ := json.Marshal(c)
	// UseNumber keeps a 64-bit seed exact.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	_ = dec.Decode(&m)
	return m
}
