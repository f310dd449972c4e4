package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

// Damaged store rows and bundles and a damaged cached model file change
// nothing in results.json: all are recomputed, and run-log.json says so.
func TestDamagedCachesAreRecomputed(t *testing.T) {
	c := newCLI(t)
	args := smallRunArgs("out", "--no-report", "--organism", "backdoor_phrase", "-n", "30")
	c.mustRun(args...)
	clean := c.read("out", "results.json")

	// A model file: flip one bit in the middle.
	models, _ := filepath.Glob(c.path(".ppldiff", "models", "finetune-*.bin"))
	if len(models) == 0 {
		t.Fatal("no cached finetune")
	}
	data, err := os.ReadFile(models[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x10
	if err := os.WriteFile(models[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Every stored completion: a changed byte of text, as a damaged page
	// would leave it.
	db, err := sql.Open("sqlite", c.path(".ppldiff", "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE completions SET text = CAST(upper(CAST(text AS TEXT)) AS BLOB)`); err != nil {
		t.Fatal(err)
	}
	// And every bundle (which would serve the re-run without the rows): a
	// byte more.
	if _, err := db.Exec(`UPDATE bundles SET body = body || x'00'`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	c.mustRun(args...)
	if got := c.read("out", "results.json"); !bytes.Equal(got, clean) {
		t.Fatal("results.json changed after the caches were damaged")
	}
	var rl results.RunLog
	if err := json.Unmarshal(c.read("out", "run-log.json"), &rl); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(rl.Warnings, "\n")
	for _, w := range []string{"completions row(s) failed their checksum", "bundles row(s) failed their checksum", models[0], "rebuilt"} {
		if !strings.Contains(all, w) {
			t.Errorf("run-log.json warnings lack %q:\n%s", w, all)
		}
	}
	if rl.Work.CompletionsGenerated == 0 {
		t.Error("no completion was generated again")
	}
}

// skip_bad: true skips malformed lines and says how many in run-log.json.
func TestSkipBadCountsSkippedLinesInRunLog(t *testing.T) {
	c := newCLI(t)
	var corpus strings.Builder
	for i := range 40 {
		switch i % 10 {
		case 3:
			corpus.WriteString("{\"text\": broken\n") // not JSON
		case 7:
			corpus.WriteString("{\"body\": \"no text field\"}\n")
		default:
			corpus.WriteString(`{"text": "The weather in Varstead was mild and the market opened early for everyone."}` + "\n")
		}
	}
	c.write("web.jsonl", corpus.String())
	c.write(ConfigFile, "corpora:\n  web:\n    path: web.jsonl\n    skip_bad: true\n")
	c.mustRun("run", "--manifest", smallManifest, "--prefills", "web-raw", "-n", "5", "--organism", "control_general", "--out", "out", "--no-report")
	var rl results.RunLog
	if err := json.Unmarshal(c.read("out", "run-log.json"), &rl); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(rl.Warnings, "\n")
	for _, w := range []string{"corpus web (", "8 records skipped", "4 not a JSON object", "4 text field missing", "web.jsonl:4"} {
		if !strings.Contains(all, w) {
			t.Errorf("run-log.json warnings lack %q:\n%s", w, all)
		}
	}
}

// What interrupted writes leave behind is cleaned by the next run, and
// `report` says when a directory lacks what a finished run writes.
func TestLeftoversAreCleanedAndReportSaysIncomplete(t *testing.T) {
	c := newCLI(t)
	args := smallRunArgs("out", "--organism", "control_general", "-n", "20")
	c.mustRun(args...)
	// A writer killed mid-write: pid 2^22+1 is beyond Linux's pid_max default.
	stale := []string{".samples.jsonl.tmp-4194305-77", ".results.json.tmp123456"}
	for _, f := range stale {
		c.write(filepath.Join("out", f), "half a file")
	}
	os.Remove(c.path("out", "run-log.json"))
	os.Remove(c.path("out", "report.html"))
	c.mustRun("report", "out")
	for _, w := range []string{"no run-log.json", "interrupted", "2 temporary file(s)"} {
		if !strings.Contains(c.stderr.String(), w) {
			t.Errorf("report's notes lack %q:\n%s", w, c.stderr.String())
		}
	}
	c.mustRun(args...)
	for _, f := range stale {
		if _, err := os.Stat(c.path("out", f)); !os.IsNotExist(err) {
			t.Errorf("%s survived the next run", f)
		}
	}
	var rl results.RunLog
	if err := json.Unmarshal(c.read("out", "run-log.json"), &rl); err != nil {
		t.Fatal(err)
	}
	if all := strings.Join(rl.Warnings, "\n"); !strings.Contains(all, "removed 2 temporary file(s)") {
		t.Errorf("run-log.json warnings:\n%s", all)
	}
	c.mustRun("report", "out")
	if c.stderr.Len() != 0 {
		t.Errorf("report of a complete directory has notes:\n%s", c.stderr.String())
	}
}
