package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Bounds of the numeric settings. The upper bounds only catch typos (an
// extra zero or three): no sensible run comes near them.
const (
	maxN             = 10_000_000
	maxRepeats       = 10_000
	maxNewTokensCap  = 1 << 16
	maxPrefillTokens = 4096
	maxConcurrency   = 4096
	maxBatchSize     = 65536
	maxRetries       = 100
	maxTemperature   = 100
)

// yamlLines maps every key path of a YAML file ("serving.timeout",
// "corpora.web.path") to the line it is written on.
func yamlLines(data []byte) map[string]int {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	lines := map[string]int{}
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := prefix + strings.ToLower(n.Content[i].Value)
			lines[k] = n.Content[i].Line
			walk(k+".", n.Content[i+1])
		}
	}
	walk("", doc.Content[0])
	return lines
}

// origin names where a setting's value came from, in the form a user finds
// it by: "--flag", "PPLDIFF_NAME" or "file:line"; "" for the default.
func (l *loader) origin(key string) string {
	if f, ok := l.flagSet[key]; ok {
		return "--" + f
	}
	if name := envName(key); l.env.Getenv(name) != "" {
		return name
	}
	if line, ok := l.lines[key]; ok {
		return fmt.Sprintf("%s:%d", l.file, line)
	}
	return ""
}

func envName(key string) string {
	return "PPLDIFF_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// settingCheck is one rule on one setting.
type settingCheck struct {
	key  string
	bad  bool
	val  any
	want string
}

// validateSettings rejects every numeric setting that is not finite or out
// of its range, before any work: a NaN temperature would otherwise run the
// whole matrix and fail when the results are written. The message names the
// flag, variable or file:line the value came from.
func (l *loader) validateSettings(s Settings) error {
	var checks []settingCheck
	for _, o := range options {
		if o.valid == nil {
			continue
		}
		v := field(&s, o.key).Interface()
		shown := v
		if str, ok := v.(string); ok {
			shown = strconv.Quote(str)
		}
		checks = append(checks, settingCheck{o.key, !o.valid(v), shown, o.want})
	}
	if s.Decoding == "sample" && s.Temperature == 0 {
		checks = append(checks, settingCheck{"temperature", true, s.Temperature, "above 0 when sampling (or --decoding greedy)"})
	}
	for name, c := range s.Corpora {
		if strings.TrimSpace(c.Path) == "" {
			checks = append(checks, settingCheck{"corpora." + name + ".path", true, `""`, "the corpus file's path"})
		}
	}
	var msgs []string
	for _, c := range checks {
		if !c.bad {
			continue
		}
		switch where := l.origin(c.key); {
		case strings.HasPrefix(where, "--"):
			msgs = append(msgs, fmt.Sprintf("%s %v: want %s", where, c.val, c.want))
		case where == "":
			msgs = append(msgs, fmt.Sprintf("%s %v (default): want %s", c.key, c.val, c.want))
		default: // file:line or the variable
			msgs = append(msgs, fmt.Sprintf("%s: %s %v: want %s", where, c.key, c.val, c.want))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	slices.Sort(msgs)
	return usageErr(errors.New(strings.Join(msgs, "; ")))
}
