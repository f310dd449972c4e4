package importer

import (
	"bytes"
	"context"
	"testing"
)

// FuzzParseWebsite feeds arbitrary bytes to the website-data parser and
// importer: they may reject, never panic.
func FuzzParseWebsite(f *testing.F) {
	m := tiny(f)
	f.Add([]byte(tinyWebsite))
	f.Add([]byte(`var completions = [{"model": "org_kw", "config": "c4-10k-raw", "n_completions": 1, "top_ppl_diff_completions": [{}]}]`))
	f.Add([]byte(`[{"model": "org_kw", "config": "x-1k-chat", "n_completions": -1, "first_rank_ppl_diff": -5}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := parseWebsite("fuzz.js", data); err != nil {
			return
		}
		_, _, _ = Import(context.Background(), bytesReader(data), "fuzz.js", m)
	})
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
