package results

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// File names inside a run directory.
const (
	ResultsFile = "results.json"
	SamplesFile = "samples.jsonl"
	RunLogFile  = "run-log.json"
)

// Marshal renders results deterministically: entries sorted by key, map keys
// sorted (encoding/json sorts them), two-space indent, trailing newline.
func Marshal(r *Results) ([]byte, error) {
	if r.Schema == "" {
		r.Schema = Schema
	}
	SortEntries(r.Entries)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SortEntries orders entries by (organism, variant, reference, config, repeat, score).
func SortEntries(es []Entry) {
	slices.SortStableFunc(es, func(a, b Entry) int { return CompareKeys(a.Key(), b.Key()) })
}

// CompareKeys orders keys field by field: organism, variant, reference,
// config, repeat, score (the order of results.json entries).
func CompareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Organism, b.Organism), cmp.Compare(a.Variant, b.Variant),
		cmp.Compare(a.Reference, b.Reference), cmp.Compare(a.Config, b.Config),
		cmp.Compare(a.Repeat, b.Repeat), cmp.Compare(a.Score, b.Score))
}

// WriteFileAtomic writes data to path through a temporary file and a rename,
// so a crash never leaves a half-written file behind.
func WriteFileAtomic(path string, data []byte) error {
	return WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomic is WriteFileAtomic for content that write produces in pieces,
// so that it need not be held in memory whole.
func WriteAtomic(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := CreateTemp(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// CleanTemp removes the temporary files that interrupted writes of a run's
// files (results.json, samples.jsonl, run-log.json) left in dir, skipping
// those of writers still running, and returns their paths.
func CleanTemp(dir string) []string {
	var out []string
	for _, f := range []string{ResultsFile, SamplesFile, RunLogFile} {
		out = append(out, CleanTempFiles(dir, f)...)
	}
	return out
}

// WriteResults writes dir/results.json.
func WriteResults(dir string, r *Results) error {
	b, err := Marshal(r)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, ResultsFile), b)
}

// ReadResults reads dir/results.json (or a path to the file itself).
func ReadResults(path string) (*Results, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ResultsFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseResults(path, b)
}

// ParseResults decodes and validates the content of a results file; path
// names it in errors, which match ErrInvalid.
func ParseResults(path string, b []byte) (*Results, error) {
	var r Results
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return nil, &InvalidError{Path: path, Entry: -1, Reason: "not a results file: " + err.Error()}
	}
	// One JSON document: anything after it is damage (a concatenation,
	// an interrupted edit), not something to ignore.
	if len(bytes.TrimSpace(b[dec.InputOffset():])) > 0 {
		return nil, &InvalidError{Path: path, Entry: -1, Reason: "trailing data after the JSON document"}
	}
	if err := Validate(path, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// MarshalSamples renders samples as JSON lines in the given order.
func MarshalSamples(samples []Sample) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range samples {
		if err := enc.Encode(&samples[i]); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// WriteSamples writes dir/samples.jsonl.
func WriteSamples(dir string, samples []Sample) error {
	b, err := MarshalSamples(samples)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, SamplesFile), b)
}

// ReadSamples reads dir/samples.jsonl (or a path to the file itself). Lines
// may be long: a completion is not limited in size.
func ReadSamples(path string) ([]Sample, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, SamplesFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Sample
	r := bufio.NewReaderSize(f, 1<<16)
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var s Sample
			if jerr := json.Unmarshal(b, &s); jerr != nil {
				return nil, &InvalidError{Path: path, Line: line, Entry: -1, Reason: "not a sample: " + jerr.Error()}
			}
			out = append(out, s)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
