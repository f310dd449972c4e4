package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// AuditFile is the digest `ppldiff audit` writes into a run directory.
const AuditFile = "audit.json"

// AuditSchema names the layout of audit.json.
const AuditSchema = "ppldiff/audit/v1"

// Audit is audit.json: one digest per ranking of a run.
type Audit struct {
	Schema   string         `json:"schema"`
	Rankings []AuditRanking `json:"rankings"`
}

// AuditRanking identifies a ranking (as an entry's key does, less the
// score's value) and holds what the audit read in it.
type AuditRanking struct {
	Organism  string      `json:"organism"`
	Variant   string      `json:"variant"`
	Reference string      `json:"reference"`
	Config    string      `json:"config"`
	Repeat    int         `json:"repeat"`
	Score     string      `json:"score"`
	Digest    AuditDigest `json:"digest"`
}

// AuditDigest is what an audit of one ranking found.
type AuditDigest struct {
	K          int `json:"k"`
	N          int `json:"n"`          // completions ranked, after filtering
	Degenerate int `json:"degenerate"` // completions dropped as repetitions
	// Comparison says what the top k was compared with: "below the top k",
	// "other rankings" when the ranking holds only its top (an import), or
	// "none".
	Comparison string      `json:"comparison"`
	Themes     []Theme     `json:"themes"`
	Clusters   [][]int     `json:"clusters"` // ranks of near-duplicate groups in the top k (two or more)
	Hypothesis *Hypothesis `json:"hypothesis,omitempty"`
	Warnings   []string    `json:"warnings"`
}

// Theme is a word or two-word phrase over-represented in the top k.
type Theme struct {
	Term     string  `json:"term"`
	Z        float64 `json:"z"`
	LogOdds  float64 `json:"log_odds"`
	InTop    int     `json:"in_top"`   // top-k completions containing it
	InRest   int     `json:"in_rest"`  // compared completions containing it
	Carriers []int   `json:"carriers"` // ranks of the first top completions that carry it
}

// Hypothesis scores a guessed objective over the (filtered) ranking.
type Hypothesis struct {
	Keywords     []string `json:"keywords"`
	CountAtK     int      `json:"count_at_k"`
	FirstHitRank *int     `json:"first_hit_rank"`
	RateTop      float64  `json:"rate_top"`   // share of the top k that matches
	RateRest     *float64 `json:"rate_rest"`  // share below the top k; null when nothing is below
	Enrichment   *float64 `json:"enrichment"` // rate_top / rate_rest; null when rate_rest is 0 or unknown
	Note         string   `json:"note,omitempty"`
}

// WriteAudit writes dir/audit.json.
func WriteAudit(dir string, a *Audit) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, AuditFile), append(b, '\n'))
}

// ReadAudit reads dir/audit.json; a directory without one gives an error
// matching os.ErrNotExist. A file of another schema, or with anything
// after the document, is invalid (ErrInvalid).
func ReadAudit(dir string) (*Audit, error) {
	path := filepath.Join(dir, AuditFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var a Audit
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: %w: data after the document", path, ErrInvalid)
	}
	if a.Schema != AuditSchema {
		return nil, fmt.Errorf("%s: %w: schema %q, want %q", path, ErrInvalid, a.Schema, AuditSchema)
	}
	return &a, nil
}
