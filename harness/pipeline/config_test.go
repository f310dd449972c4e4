package pipeline

import (
	"math"
	"testing"
)

// A non-finite float would pass the old range checks (every comparison with
// NaN is false) and only fail when the run id is hashed, after all the work.
func TestValidateRejectsNonFiniteFloats(t *testing.T) {
	for name, set := range map[string]func(*Config){
		"temperature NaN":       func(c *Config) { c.Temperature = math.NaN() },
		"temperature +Inf":      func(c *Config) { c.Temperature = math.Inf(1) },
		"top_p NaN":             func(c *Config) { c.TopP = math.NaN() },
		"compression ratio NaN": func(c *Config) { c.MaxCompressionRatio = math.NaN() },
		"compression ratio Inf": func(c *Config) { c.MaxCompressionRatio = math.Inf(1) },
		"compression ratio < 0": func(c *Config) { c.MaxCompressionRatio = -1 },
		"greedy, temperature NaN": func(c *Config) {
			c.Decoding = DecodingGreedy
			c.Temperature = math.NaN()
		},
	} {
		c := Default()
		set(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate passed", name)
		}
	}
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
}
