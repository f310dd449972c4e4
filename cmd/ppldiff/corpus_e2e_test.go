package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"strings"
	"testing"
)

func (c *cli) writeGzip(name, content string) {
	c.t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(content))
	zw.Close()
	if err := os.WriteFile(c.path(name), b.Bytes(), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// shardLines writes n JSON lines of small web documents.
func shardLines(from, n int) string {
	var b strings.Builder
	for i := from; i < from+n; i++ {
		b.WriteString(`{"text": "The harbour of town ` + strings.Repeat("x", i%7+1) + ` opened its market on a cold morning.", "url": "u"}` + "\n")
	}
	return b.String()
}

// TestCorpusFlagReadsShards runs with --corpus NAME=DIR over gzipped
// shards, no ppldiff.yaml, and the same corpus as a glob plans the same run.
func TestCorpusFlagReadsShards(t *testing.T) {
	c := newCLI(t)
	if err := os.Mkdir(c.path("web"), 0o755); err != nil {
		t.Fatal(err)
	}
	c.writeGzip("web/part-0.json.gz", shardLines(0, 6))
	c.writeGzip("web/part-1.json.gz", shardLines(6, 6))
	c.mustRun("run", "--manifest", smallManifest, "--organism", "control_general", "--prefills", "web-raw",
		"-n", "5", "--corpus", "web=web", "--out", "out", "--no-report")
	res, err := readResults(c.path("out"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) == 0 || res.Entries[0].Config != "web-raw" || res.Entries[0].NCompletions == 0 {
		t.Fatalf("entries %+v, want web-raw entries with completions", res.Entries)
	}
	dir := c.mustRun("run", "--manifest", smallManifest, "--organism", "control_general", "--prefills", "web-raw",
		"-n", "5", "--corpus", "web=web", "--dry-run")
	glob := c.mustRun("run", "--manifest", smallManifest, "--organism", "control_general", "--prefills", "web-raw",
		"-n", "5", "--corpus", "web=web/part-*.json.gz", "--dry-run")
	if dir != glob {
		t.Errorf("a directory and a glob of the same shards plan differently:\n%s\n%s", dir, glob)
	}
}

func TestCorpusFlagErrors(t *testing.T) {
	base := []string{"run", "--manifest", smallManifest, "--organism", "control_general", "--prefills", "web-raw", "-n", "5", "--no-report"}
	for _, tc := range []struct {
		name  string
		setup func(c *cli)
		args  []string
		code  int
		want  []string
	}{{
		name: "bad line in a later gzip shard",
		setup: func(c *cli) {
			os.Mkdir(c.path("web"), 0o755)
			c.writeGzip("web/a.json.gz", shardLines(0, 6))
			c.writeGzip("web/b.json.gz", `{"text": "fine"}`+"\n"+`{"body": "no text"}`+"\n")
		},
		args: []string{"--corpus", "web=web"},
		code: exitInput, want: []string{"b.json.gz:2:", `no field "text"`},
	}, {
		name:  "binary txt",
		setup: func(c *cli) { c.write("web.txt", "fine text\n\nbinary \x00\x01 here\n") },
		args:  []string{"--corpus", "web=web.txt"},
		code:  exitInput, want: []string{"web.txt:3:", "NUL byte"},
	}, {
		name:  "latin-1 txt",
		setup: func(c *cli) { c.write("web.txt", "caf\xe9\n") },
		args:  []string{"--corpus", "web=web.txt"},
		code:  exitInput, want: []string{"web.txt:1:", "invalid UTF-8"},
	}, {
		name: "no equals sign",
		args: []string{"--corpus", "web.jsonl"},
		code: exitUsage, want: []string{"NAME=PATH"},
	}, {
		name: "dash in the name",
		args: []string{"--corpus", "my-web=web.jsonl"},
		code: exitUsage, want: []string{"NAME=PATH"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			code := c.run(context.Background(), append(append([]string{}, base...), tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tc.code, c.stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(c.stderr.String(), w) {
					t.Errorf("stderr lacks %q: %s", w, c.stderr.String())
				}
			}
		})
	}
}
