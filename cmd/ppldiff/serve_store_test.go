package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// `ppldiff serve` keeps its zoo models where `run` does: PPLDIFF_STORE and
// store: in ppldiff.yaml move the model cache, as for `run`.
func TestServeHonoursStoreSetting(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(c *cli) string // returns the store directory expected
	}{
		{"env", func(c *cli) string { c.env["PPLDIFF_STORE"] = c.path("envstore"); return c.path("envstore") }},
		{"yaml", func(c *cli) string { c.write(ConfigFile, "store: yamlstore\n"); return c.path("yamlstore") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			want := tc.setup(c)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int)
			go func() { done <- c.run(ctx, "serve", "--addr", "127.0.0.1:0", "--manifest", smallManifest) }()
			// Wait for the first model file in either place, then stop.
			wrong := c.path(".ppldiff", "models")
			var got string
			for i := 0; i < 6000 && got == ""; i++ {
				for _, dir := range []string{filepath.Join(want, "models"), wrong} {
					if es, _ := os.ReadDir(dir); len(es) > 0 {
						got = dir
					}
				}
				if got == "" {
					time.Sleep(20 * time.Millisecond)
				}
			}
			cancel()
			<-done
			if got != filepath.Join(want, "models") {
				t.Errorf("serve wrote its model cache to %q, want %q\nstderr:\n%s", got, filepath.Join(want, "models"), c.stderr.String())
			}
		})
	}
}
