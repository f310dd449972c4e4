package main

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/spf13/pflag"
)

// settingKeys lists the leaf keys of Settings (maps and pointers are
// leaves), by their mapstructure tags.
func settingKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		key := prefix + f.Tag.Get("mapstructure")
		if f.Type.Kind() == reflect.Struct {
			out = append(out, settingKeys(f.Type, key+".")...)
			continue
		}
		out = append(out, key)
	}
	return out
}

// Fields of pipeline.Config that the run computes rather than reads from
// an option.
var computedConfig = []string{"ManifestSHA256", "Corpora", "Judge"}

// TestOptionTable walks the options table: each setting is declared there
// once, and the table reaches Settings, pipeline.Config, the `run` flags,
// the environment and `config show`. An option added in one place only
// fails here.
func TestOptionTable(t *testing.T) {
	// Settings <-> table, one row per key ("corpora" is a map of sections).
	keys := map[string]bool{}
	flags := map[string]bool{}
	for _, o := range options {
		if keys[o.key] {
			t.Errorf("option %s declared twice", o.key)
		}
		keys[o.key] = true
		if o.flag != "" {
			if flags[o.flag] {
				t.Errorf("flag --%s declared twice", o.flag)
			}
			flags[o.flag] = true
		}
		if o.help == "" {
			t.Errorf("option %s has no help", o.key)
		}
		if (o.valid == nil) != (o.want == "") {
			t.Errorf("option %s: a check needs its want text and the other way round", o.key)
		}
	}
	for _, k := range settingKeys(reflect.TypeOf(Settings{}), "") {
		if k == "corpora" {
			continue
		}
		if !keys[k] {
			t.Errorf("setting %s has no row in the options table", k)
		}
		delete(keys, k)
	}
	for k := range keys {
		t.Errorf("option %s is not a field of Settings", k)
	}

	// pipeline.Config: every field comes from one option or is computed,
	// and the defaults are pipeline.Default's.
	ct := reflect.TypeOf(pipeline.Config{})
	fed := map[string]string{}
	for _, o := range options {
		if o.config == "" {
			continue
		}
		f, ok := ct.FieldByName(o.config)
		if !ok {
			t.Errorf("option %s: pipeline.Config has no field %s", o.key, o.config)
			continue
		}
		var s Settings
		if st := field(&s, o.key).Type(); st != f.Type {
			t.Errorf("option %s is a %s, pipeline.Config.%s a %s", o.key, st, o.config, f.Type)
		}
		if prev, dup := fed[o.config]; dup {
			t.Errorf("pipeline.Config.%s set by %s and %s", o.config, prev, o.key)
		}
		fed[o.config] = o.key
	}
	for i := range ct.NumField() {
		name := ct.Field(i).Name
		if _, ok := fed[name]; !ok && !slices.Contains(computedConfig, name) {
			t.Errorf("pipeline.Config.%s is set by no option (add one, or list it as computed)", name)
		}
	}
	got, want := settingsToConfig(defaultSettings()), pipeline.Default()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the table's defaults make\n%+v\nnot pipeline.Default()\n%+v", got, want)
	}

	// The run flags: the table's, with the table's defaults, and nothing
	// else that is a setting.
	run := newRunCommand(&app{env: &Env{Getenv: os.Getenv}})
	notSettings := []string{"dry-run", "corpus"}
	run.Flags().VisitAll(func(f *pflag.Flag) {
		if slices.Contains(notSettings, f.Name) {
			return
		}
		if !flags[f.Name] {
			t.Errorf("run flag --%s is not in the options table", f.Name)
		}
	})
	for _, o := range options {
		if o.flag == "" {
			continue
		}
		f := run.Flags().Lookup(o.flag)
		if f == nil {
			t.Errorf("option %s: run has no flag --%s", o.key, o.flag)
			continue
		}
		d := fmt.Sprint(o.defaultOf())
		if l, ok := o.defaultOf().([]string); ok {
			d = "[" + strings.Join(l, ",") + "]" // as pflag prints a slice
		}
		if f.DefValue != d {
			t.Errorf("--%s defaults to %q, the table to %q", o.flag, f.DefValue, d)
		}
	}

	// config show prints every option.
	c := newCLI(t)
	out := c.mustRun("config", "show")
	var shown map[string]any
	if err := yaml.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		var at any = shown
		for _, part := range strings.Split(o.key, ".") {
			m, _ := at.(map[string]any)
			var ok bool
			if at, ok = m[part]; !ok {
				t.Errorf("config show lacks %s", o.key)
				break
			}
		}
	}
}

// TestOptionsReachSettings sets every option through its variable and,
// when it has one, its flag, and reads it back from the loaded settings:
// viper binds them all.
func TestOptionsReachSettings(t *testing.T) {
	for _, o := range options {
		val, want, ok := otherValue(o)
		if !ok {
			continue
		}
		t.Run(o.key, func(t *testing.T) {
			env := &Env{Getenv: os.Getenv, Dir: t.TempDir()}
			t.Setenv(envName(o.key), val)
			l, err := newLoader(env, "")
			if err != nil {
				t.Fatal(err)
			}
			s, err := l.settings()
			if err != nil {
				t.Fatalf("%s=%s: %v", envName(o.key), val, err)
			}
			if got := shownValue(field(&s, o.key)); got != want {
				t.Errorf("%s=%s gives %s %s, want %s", envName(o.key), val, o.key, got, want)
			}
			if o.flag == "" {
				return
			}
			os.Unsetenv(envName(o.key))
			run := newRunCommand(&app{env: env})
			if err := run.Flags().Parse([]string{"--" + o.flag + "=" + val}); err != nil {
				t.Fatal(err)
			}
			l, err = newLoader(env, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := l.bind(run.Flags(), runFlagKeys()); err != nil {
				t.Fatal(err)
			}
			if s, err = l.settings(); err != nil {
				t.Fatalf("--%s=%s: %v", o.flag, val, err)
			}
			if got := shownValue(field(&s, o.key)); got != want {
				t.Errorf("--%s=%s gives %s %s, want %s", o.flag, val, o.key, got, want)
			}
		})
	}
}

// otherValue is a valid value of o other than its default, as written in
// a variable, and as shownValue prints it once loaded.
func otherValue(o option) (val, want string, ok bool) {
	var cands [][2]string
	switch d := o.defaultOf().(type) {
	case string:
		cands = [][2]string{{"7s", "7s"}, {"other", "other"}}
	case []string:
		cands = [][2]string{{"a,b", "[a b]"}}
	case int:
		cands = [][2]string{{strconv.Itoa(d + 1), strconv.Itoa(d + 1)}}
	case uint64:
		cands = [][2]string{{strconv.FormatUint(d+1, 10), strconv.FormatUint(d+1, 10)}}
	case float64:
		cands = [][2]string{{"0.5", "0.5"}, {"2.5", "2.5"}}
	case bool:
		cands = [][2]string{{strconv.FormatBool(!d), strconv.FormatBool(!d)}}
	case *bool:
		cands = [][2]string{{"true", "true"}}
	default:
		return "", "", false // a map: ppldiff.yaml only
	}
	for _, c := range cands {
		if c[1] == fmt.Sprint(o.defaultOf()) {
			continue
		}
		if o.valid != nil && !o.valid(parsedLike(o.defaultOf(), c[0])) {
			continue
		}
		return c[0], c[1], true
	}
	return "", "", false
}

func parsedLike(def any, s string) any {
	switch def.(type) {
	case int:
		n, _ := strconv.Atoi(s)
		return n
	case float64:
		x, _ := strconv.ParseFloat(s, 64)
		return x
	}
	return s
}

func shownValue(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "<nil>"
		}
		v = v.Elem()
	}
	return fmt.Sprint(v.Interface())
}
