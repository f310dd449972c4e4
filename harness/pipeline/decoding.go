package pipeline

import (
	"slices"
	"strings"
)

// A prefill config may name its own decoding ("zoo-raw-greedy",
// "zoo-chat-sample"), so one run holds greedy and sampled configs side by
// side (the study matrix does). Its entries are then keyed by that name, and
// both draw the same prefills: the decoding is not part of a prefill.

// splitDecoding cuts a trailing "-greedy" or "-sample" off a config name.
func splitDecoding(s string) (rest, decoding string) {
	for _, d := range []string{DecodingGreedy, DecodingSample} {
		if r, ok := strings.CutSuffix(s, "-"+d); ok {
			return r, d
		}
	}
	return s, ""
}

// decoding is the config's own decoding, else the run's.
func (pc PrefillConfig) decoding(cfg Config) string {
	if pc.Decoding != "" {
		return pc.Decoding
	}
	return cfg.Decoding
}

// Samples reports whether any prefill config of the run samples (and so
// needs a positive temperature, which then belongs to the run's identity).
func (c *Config) Samples() bool {
	if len(c.Prefills) == 0 {
		return c.Decoding == DecodingSample
	}
	return slices.ContainsFunc(c.Prefills, func(s string) bool {
		_, d := splitDecoding(s)
		return d == DecodingSample || d == "" && c.Decoding == DecodingSample
	})
}
