package main

import (
	"errors"
	"os"
	"testing"
)

// FuzzSettings loads arbitrary ppldiff.yaml content and one environment
// value. Loading must never panic, every failure must be a usage error
// (exit 2), and settings it accepts must make a configuration whose run id
// can be computed (a NaN used to pass and panic there, after the run).
func FuzzSettings(f *testing.F) {
	f.Add("n: 5\ntemperature: 0.7\n", "1")
	f.Add("temperature: .nan\n", "")
	f.Add("top_p: .inf\nmax_compression_ratio: -1\n", "NaN")
	f.Add("serving:\n  timeout: 5s\n  retries: 3\ncorpora:\n  web:\n    path: a.jsonl\n", "Inf")
	f.Add("prefills: [zoo-raw, zoo-chat\n", "")
	f.Add("chat: {system: \"x\", user: y}\nseed: 18446744073709551615\n", "-0")
	f.Add("n: 1e3\nrepeats: [1]\n", "0x10")
	f.Fuzz(func(t *testing.T, config, envVal string) {
		// Viper reads the process environment.
		t.Setenv("PPLDIFF_TEMPERATURE", envVal)
		t.Setenv("PPLDIFF_SERVING_RATE_LIMIT", envVal)
		env := &Env{Getenv: os.Getenv, Dir: t.TempDir()}
		l := &loader{env: env, v: newViper(), workspace: env.Dir}
		check := func(err error) bool {
			if err == nil {
				return true
			}
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != exitUsage {
				t.Fatalf("not a usage error: %v", err)
			}
			return false
		}
		if !check(l.readConfig("ppldiff.yaml", []byte(config))) {
			return
		}
		s, err := l.settings()
		if !check(err) {
			return
		}
		cfg := settingsToConfig(s)
		cfg.Manifest = "zoo"
		if cfg.Validate() != nil {
			return
		}
		_ = cfg.RunID()
		_ = cfg.AsMap()
	})
}
