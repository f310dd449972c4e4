package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/ppldiff/ppldiff/harness/results"
)

// StampFile records, in a run directory, what its report was written from.
const StampFile = ".report-stamp.json"

type stamp struct {
	Inputs  string  `json:"inputs"`
	Written Written `json:"written"`
}

// WriteIfChanged is Write for the end of a run: when the report in dir was
// written from the same results.json, samples.jsonl and audit.json, with
// the same options, by the same executable, and every file it wrote is
// still there, it keeps that report (a cached re-run rewrites nothing) and
// reports kept. `ppldiff report` always rewrites (Write).
func WriteIfChanged(dir string, opts Options) (w *Written, kept bool, err error) {
	opts = opts.withDefaults()
	inputs, err := reportInputs(dir, opts)
	if err != nil {
		return nil, false, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, StampFile)); err == nil {
		var st stamp
		if json.Unmarshal(b, &st) == nil && st.Inputs == inputs && allExist(st.Written) {
			return &st.Written, true, nil
		}
	}
	// A stale stamp must not survive a failed rewrite.
	if err := os.Remove(filepath.Join(dir, StampFile)); err != nil && !os.IsNotExist(err) {
		return nil, false, fmt.Errorf("reports: %w", err)
	}
	if w, err = Write(dir, opts); err != nil {
		return nil, false, err
	}
	b, err := json.Marshal(stamp{Inputs: inputs, Written: *w})
	if err != nil {
		return nil, false, err
	}
	return w, false, writeFile(filepath.Join(dir, StampFile), b)
}

// reportInputs hashes everything a report is made from: the input files,
// the options and the running executable (another build may write
// another report from the same files).
func reportInputs(dir string, opts Options) (string, error) {
	exe, err := executableHash()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%+v\n", exe, opts)
	for _, name := range []string{results.ResultsFile, results.SamplesFile, results.AuditFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			fmt.Fprintf(h, "%s absent\n", name)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("reports: %w", err)
		}
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("reports: %w", err)
		}
		fmt.Fprintf(h, "\n%s %d\n", name, n)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var exeHash = sync.OnceValues(func() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("reports: %w", err)
	}
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("reports: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reports: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
})

func executableHash() (string, error) { return exeHash() }

func allExist(w Written) bool {
	for _, p := range append(append([]string{w.HTML, w.Markdown}, w.Plots...), w.Pages...) {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}
