package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/organisms"
)

// ConfigFile is the name of the workspace configuration file.
const ConfigFile = "ppldiff.yaml"

// Settings is everything configurable, layered as defaults < ppldiff.yaml
// (or --config) < PPLDIFF_* environment < flags. Keys are the yaml names;
// nested keys join with "_" in the environment (PPLDIFF_CHAT_SYSTEM).
type Settings struct {
	Manifest            string   `mapstructure:"manifest" yaml:"manifest"`
	Matrix              string   `mapstructure:"matrix" yaml:"matrix"`
	Organisms           []string `mapstructure:"organisms" yaml:"organisms"`
	Variants            []string `mapstructure:"variants" yaml:"variants"`
	References          []string `mapstructure:"references" yaml:"references"`
	ReferenceKinds      []string `mapstructure:"reference_kinds" yaml:"reference_kinds"`
	Prefills            []string `mapstructure:"prefills" yaml:"prefills"`
	N                   int      `mapstructure:"n" yaml:"n"`
	Repeats             int      `mapstructure:"repeats" yaml:"repeats"`
	Seed                uint64   `mapstructure:"seed" yaml:"seed"`
	Decoding            string   `mapstructure:"decoding" yaml:"decoding"`
	Temperature         float64  `mapstructure:"temperature" yaml:"temperature"`
	TopP                float64  `mapstructure:"top_p" yaml:"top_p"`
	MaxNewTokens        int      `mapstructure:"max_new_tokens" yaml:"max_new_tokens"`
	PrefillTokens       int      `mapstructure:"prefill_tokens" yaml:"prefill_tokens"`
	PrefillOffset       string   `mapstructure:"prefill_offset" yaml:"prefill_offset"`
	MinCompletionTokens int      `mapstructure:"min_completion_tokens" yaml:"min_completion_tokens"`
	MaxCompressionRatio float64  `mapstructure:"max_compression_ratio" yaml:"max_compression_ratio"`
	Dedup               bool     `mapstructure:"dedup" yaml:"dedup"`
	Budget              string   `mapstructure:"budget" yaml:"budget"` // fixed or adaptive
	SamplesTopK         int      `mapstructure:"samples_top_k" yaml:"samples_top_k"`
	SamplesScores       []string `mapstructure:"samples_scores" yaml:"samples_scores"`
	SamplesTokenDetail  int      `mapstructure:"samples_token_detail" yaml:"samples_token_detail"`
	Chat                struct {
		System string `mapstructure:"system" yaml:"system"`
		User   string `mapstructure:"user" yaml:"user"`
	} `mapstructure:"chat" yaml:"chat"`
	Corpora map[string]CorpusSetting `mapstructure:"corpora" yaml:"corpora"`

	// Where things go.
	Out   string `mapstructure:"out" yaml:"out"`
	Store string `mapstructure:"store" yaml:"store"`

	// Real models.
	Model          string          `mapstructure:"model" yaml:"model"`
	ReferenceModel string          `mapstructure:"reference_model" yaml:"reference_model"`
	Endpoints      []string        `mapstructure:"endpoints" yaml:"endpoints"`
	RequirePinned  bool            `mapstructure:"require_pinned" yaml:"require_pinned"`
	Serving        ServingSettings `mapstructure:"serving" yaml:"serving"`

	// How the run behaves (not part of the results).
	Concurrency int    `mapstructure:"concurrency" yaml:"concurrency"`
	NoReport    bool   `mapstructure:"no_report" yaml:"no_report"`
	Table       string `mapstructure:"table" yaml:"table"` // terminal summary: headline or full
	LogLevel    string `mapstructure:"log_level" yaml:"log_level"`
}

// CorpusSetting names a user corpus for prefill configs <name>-raw|chat.
type CorpusSetting struct {
	Path      string `mapstructure:"path" yaml:"path"`
	TextField string `mapstructure:"text_field" yaml:"text_field"` // JSON field or parquet column; default "text"
	SkipBad   bool   `mapstructure:"skip_bad" yaml:"skip_bad"`     // skip malformed lines/rows (counted) instead of failing
	// LinePerDoc makes each line of a .txt corpus a document (default:
	// documents are separated by blank lines).
	LinePerDoc bool `mapstructure:"line_per_doc" yaml:"line_per_doc"`
}

// ServingSettings configure HTTP backends.
type ServingSettings struct {
	Dialect     string  `mapstructure:"dialect" yaml:"dialect"`         // vllm, sglang, openai
	APIKeyEnv   string  `mapstructure:"api_key_env" yaml:"api_key_env"` // the variable's name, never its value
	BatchSize   int     `mapstructure:"batch_size" yaml:"batch_size"`
	Concurrency int     `mapstructure:"concurrency" yaml:"concurrency"` // per endpoint
	Timeout     string  `mapstructure:"timeout" yaml:"timeout"`
	Retries     int     `mapstructure:"retries" yaml:"retries"`
	RateLimit   float64 `mapstructure:"rate_limit" yaml:"rate_limit"` // requests per second; 0: none
	// Backoff and BackoffMax shape the retry backoff (exponential from
	// Backoff, capped at BackoffMax, full jitter).
	Backoff    string `mapstructure:"backoff" yaml:"backoff"`
	BackoffMax string `mapstructure:"backoff_max" yaml:"backoff_max"`
	// RawGenerationLogprobs says whether the server's generation logprobs
	// are the model's raw distribution, so the finetuned scoring pass can be
	// skipped; unset (null) takes the dialect's default: true for vllm,
	// false for sglang. false forces the finetuned scoring pass.
	RawGenerationLogprobs *bool `mapstructure:"raw_generation_logprobs" yaml:"raw_generation_logprobs"`
	// Launch maps a served name (or "*" for one server serving every model)
	// to a command template that starts its server; see launch.go.
	Launch map[string]string `mapstructure:"launch" yaml:"launch"`
	// LaunchTimeout bounds the wait for a launched server's /health.
	LaunchTimeout string `mapstructure:"launch_timeout" yaml:"launch_timeout"`
}

func defaultSettings() Settings {
	d := pipeline.Default()
	s := Settings{
		Manifest: d.Manifest, Prefills: d.Prefills, N: d.N, Repeats: d.Repeats, Seed: d.Seed,
		Decoding: d.Decoding, Temperature: d.Temperature, TopP: d.TopP, MaxNewTokens: d.MaxNewTokens,
		PrefillTokens: d.PrefillTokens, PrefillOffset: d.PrefillOffset,
		MinCompletionTokens: d.MinCompletionTokens, MaxCompressionRatio: d.MaxCompressionRatio,
		Dedup: d.Dedup, Budget: pipeline.BudgetFixed, SamplesTopK: d.SamplesTopK, SamplesScores: d.SamplesScores,
		SamplesTokenDetail: d.SamplesTokenDetail, LogLevel: "info", Table: tableHeadline,
		Serving: ServingSettings{Dialect: "vllm", BatchSize: 32, Concurrency: 8, Timeout: "120s", Retries: 12,
			Backoff: "250ms", BackoffMax: "10s", LaunchTimeout: "10m"},
	}
	s.Chat.System, s.Chat.User = d.ChatSystem, d.ChatUser
	return s
}

// loader layers the settings sources for one command invocation.
type loader struct {
	env       *Env
	v         *viper.Viper
	workspace string
	file      string // the config file read, if any
	// flagSet maps the keys a command-line flag set explicitly (they beat
	// the environment) to the flag's name.
	flagSet map[string]string
	// lines maps each key path of the config file to its line.
	lines map[string]int
}

// newLoader finds the workspace and reads its config file strictly: an
// unknown key is an error naming file and line.
func newLoader(env *Env, configPath string) (*loader, error) {
	// The environment is not read by viper's AutomaticEnv (it calls
	// os.Getenv, which tests cannot inject); settings() reads PPLDIFF_* for
	// every key setDefaults registered, nested ones included.
	l := &loader{env: env, v: viper.New()}
	l.workspace = findWorkspace(env.Dir)
	if configPath == "" {
		if p := filepath.Join(l.workspace, ConfigFile); fileExists(p) {
			configPath = p
		}
	} else if !filepath.IsAbs(configPath) {
		configPath = filepath.Join(env.Dir, configPath)
	}
	setDefaults(l.v, "", reflect.ValueOf(defaultSettings()))
	if configPath != "" {
		data, err := os.ReadFile(configPath)
		if err != nil {
			return nil, usageErr(fmt.Errorf("config: %w", err))
		}
		if err := l.readConfig(configPath, data); err != nil {
			return nil, err
		}
		if filepath.Base(configPath) == ConfigFile {
			l.workspace = filepath.Dir(configPath)
		}
	}
	return l, nil
}

// readConfig layers the content of the config file at path.
func (l *loader) readConfig(path string, data []byte) error {
	if err := checkConfigKeys(path, data); err != nil {
		return usageErr(err)
	}
	l.v.SetConfigType("yaml")
	if err := l.v.ReadConfig(bytes.NewReader(data)); err != nil {
		return usageErr(fmt.Errorf("%s: %w", path, err))
	}
	l.file = path
	l.lines = yamlLines(data)
	return nil
}

// bind binds flags one by one to their keys; only flags the user set
// override the lower layers.
func (l *loader) bind(fs *pflag.FlagSet, flagToKey map[string]string) error {
	for flag, key := range flagToKey {
		f := fs.Lookup(flag)
		if f == nil {
			panic("no flag " + flag)
		}
		if err := l.v.BindPFlag(key, f); err != nil {
			return err
		}
		if f.Changed {
			if l.flagSet == nil {
				l.flagSet = map[string]string{}
			}
			l.flagSet[key] = flag
		}
	}
	return nil
}

// settings decodes the layered sources.
func (l *loader) settings() (Settings, error) {
	var s Settings
	// The environment is read through the injected Getenv (so tests
	// control it) for every known key; a flag the user gave still wins.
	for _, key := range l.v.AllKeys() {
		if _, ok := l.flagSet[key]; ok {
			continue
		}
		name := envName(key)
		if val := l.env.Getenv(name); val != "" {
			if err := checkEnvValue(l.v.Get(key), val); err != nil {
				return s, usagef("%s=%q: %v", name, val, err)
			}
			l.v.Set(key, val)
		}
	}
	if err := l.v.Unmarshal(&s); err != nil {
		return s, usageErr(fmt.Errorf("configuration: %w", err))
	}
	return s, l.validateSettings(s)
}

// setDefaults registers every leaf key of the default settings, so that
// environment variables and Unmarshal know all of them.
func setDefaults(v *viper.Viper, prefix string, val reflect.Value) {
	t := val.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key := prefix + f.Tag.Get("mapstructure")
		if f.Type.Kind() == reflect.Struct {
			setDefaults(v, key+".", val.Field(i))
			continue
		}
		v.SetDefault(key, val.Field(i).Interface())
	}
}

// checkConfigKeys rejects keys Settings does not know, naming file and line.
func checkConfigKeys(path string, data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Settings
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var msgs []string
			for _, e := range te.Errors {
				// yaml's "line 3: field sistem not found in type struct {...}"
				// names a Go type; say it in the file's words.
				if m := unknownField.FindStringSubmatch(e); m != nil {
					e = fmt.Sprintf("%s: unknown key %q", m[1], m[2])
				}
				msgs = append(msgs, fmt.Sprintf("%s:%s", path, strings.TrimPrefix(e, "line ")))
			}
			return fmt.Errorf("%s (see `ppldiff config show` for the known keys)", strings.Join(msgs, "; "))
		}
		return organisms.SyntaxError(path, err)
	}
	return nil
}

var unknownField = regexp.MustCompile(`^(line \d+): field (\S+) not found in type`)

// findWorkspace returns the nearest directory at or above dir holding
// ppldiff.yaml, else dir itself.
func findWorkspace(dir string) string {
	for d := dir; ; {
		if fileExists(filepath.Join(d, ConfigFile)) {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// storeDir is <workspace>/.ppldiff unless --store / PPLDIFF_STORE says otherwise.
func (l *loader) storeDir(s Settings) string {
	if s.Store != "" {
		if filepath.IsAbs(s.Store) {
			return s.Store
		}
		return filepath.Join(l.env.Dir, s.Store)
	}
	return filepath.Join(l.workspace, ".ppldiff")
}

// checkEnvValue checks an environment value against the type of its key's
// default, so a bad one is reported by the variable's name.
func checkEnvValue(def any, val string) error {
	var err error
	switch def.(type) {
	case int, int64:
		_, err = strconv.ParseInt(val, 10, 64)
		if err != nil {
			return errors.New("not an integer")
		}
	case uint64:
		_, err = strconv.ParseUint(val, 10, 64)
		if err != nil {
			return errors.New("not a non-negative integer")
		}
	case float64:
		_, err = strconv.ParseFloat(val, 64)
		if err != nil {
			return errors.New("not a number")
		}
	case bool:
		_, err = strconv.ParseBool(val)
		if err != nil {
			return errors.New("not true or false")
		}
	}
	return nil
}

// settingsKey looks name up in a map from the settings. The settings
// loader (viper) lowercases map keys, whatever case ppldiff.yaml gave
// them, so names are matched ignoring case.
func settingsKey[V any](m map[string]V, name string) (V, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	var zero V
	return zero, false
}
