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

	"github.com/ppldiff/ppldiff/organisms"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

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
	l := &loader{env: env, v: newViper()}
	l.workspace = findWorkspace(env.Dir)
	if configPath == "" {
		if p := filepath.Join(l.workspace, ConfigFile); fileExists(p) {
			configPath = p
		}
	} else if !filepath.IsAbs(configPath) {
		configPath = filepath.Join(env.Dir, configPath)
	}
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

// newViper layers the settings: the options' defaults < the config file
// < PPLDIFF_* variables < flags the user gave (bound by bind). Viper reads
// the environment itself (AutomaticEnv); nested keys join with "_".
func newViper() *viper.Viper {
	v := viper.NewWithOptions(viper.ExperimentalBindStruct())
	for _, o := range options {
		v.SetDefault(o.key, o.defaultOf())
	}
	v.SetEnvPrefix("PPLDIFF")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	return v
}

// settings decodes the layered sources. A variable whose value does not
// parse as its key's type is reported by the variable's name first.
func (l *loader) settings() (Settings, error) {
	var s Settings
	for _, key := range l.v.AllKeys() {
		if _, ok := l.flagSet[key]; ok {
			continue
		}
		name := envName(key)
		if val := l.env.Getenv(name); val != "" {
			if err := checkEnvValue(kindOf(key), val); err != nil {
				return s, usagef("%s=%q: %v", name, val, err)
			}
		}
	}
	if err := l.v.Unmarshal(&s); err != nil {
		return s, usageErr(fmt.Errorf("configuration: %w", err))
	}
	return s, l.validateSettings(s)
}

// kindOf is a zero value of a key's type: the option's default, or the
// field of a corpus (corpora.NAME.FIELD).
func kindOf(key string) any {
	for _, o := range options {
		if o.key == key {
			return o.defaultOf()
		}
	}
	if rest, ok := strings.CutPrefix(key, "corpora."); ok {
		if _, f, ok := strings.Cut(rest, "."); ok {
			var cs CorpusSetting
			t := reflect.TypeOf(cs)
			for i := range t.NumField() {
				if t.Field(i).Tag.Get("mapstructure") == f {
					return reflect.Zero(t.Field(i).Type).Interface()
				}
			}
		}
	}
	return ""
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
