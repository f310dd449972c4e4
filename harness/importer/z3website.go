package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
	"github.com/ppldiff/ppldiff/organisms"
)

// FormatZ3Website is the authors' project-page data: a JavaScript file
// `var completions = [...]` whose JSON array holds one entry per organism
// and prefill configuration with its top completions by PPL difference.
const FormatZ3Website = "z3-website"

// Formats lists the formats Import understands.
func Formats() []string { return []string{FormatZ3Website} }

// ScoreTolerance bounds |stored diff - (ppl_base - ppl_ft)|: the authors
// rounded every value to 4 decimals, so a recomputed difference can be off
// by up to 1e-4.
const ScoreTolerance = 1.5e-4

// websiteEntry is one element of the authors' array.
type websiteEntry struct {
	Model            string              `json:"model"`
	Config           string              `json:"config"`
	Behavior         string              `json:"behavior"`
	KeywordSetsUsed  [][]string          `json:"keyword_sets_used"`
	RegexSetsUsed    [][]string          `json:"regex_sets_used"`
	NCompletions     *int                `json:"n_completions"`
	NFlagged         *int                `json:"n_flagged"`
	FirstRankPPLDiff *int                `json:"first_rank_ppl_diff"`
	Top              []websiteCompletion `json:"top_ppl_diff_completions"`
}

type websiteCompletion struct {
	Prefill    string   `json:"prefill"`
	Completion string   `json:"completion"`
	PPLBase    *float64 `json:"completion_perplexity_base"`
	PPLFT      *float64 `json:"completion_perplexity_finetuned"`
	PPLDiff    *float64 `json:"completion_perplexity_diff"`
}

// jsPrefix is the JavaScript wrapper around the JSON array.
var jsPrefix = regexp.MustCompile(`^\s*(?:(?:var|let|const)\s+[A-Za-z_$][A-Za-z0-9_$]*\s*=\s*)?`)

// parseWebsite strips the `var completions =` wrapper (and a trailing
// semicolon) and decodes the entries.
func parseWebsite(filename string, data []byte) ([]websiteEntry, error) {
	body := data[len(jsPrefix.Find(data)):]
	body = bytes.TrimSpace(body)
	body = bytes.TrimSuffix(body, []byte(";"))
	if len(body) == 0 || body[0] != '[' {
		return nil, fmt.Errorf("%s: not z3-website data: want `var completions = [...]` or a JSON array", filename)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var entries []websiteEntry
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: unexpected text after the array", filename)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: no entries", filename)
	}
	return entries, nil
}

// websiteConfig reads the authors' "c4-10k-raw" (corpus, sample budget,
// format) as our "c4-raw" (README "Configuration": <corpus>-<format>); a
// config already in that form is kept.
var websiteConfig = regexp.MustCompile(`^([a-z0-9_]+)(?:-[0-9]+k)?-(raw|chat)$`)

// ConfigName maps an authors' prefill configuration to our <corpus>-<format> form.
func ConfigName(authors string) (string, error) {
	sub := websiteConfig.FindStringSubmatch(authors)
	if sub == nil {
		return "", fmt.Errorf("prefill config %q: want <corpus>-<N>k-<raw|chat>, e.g. c4-10k-raw", authors)
	}
	return sub[1] + "-" + sub[2], nil
}

// Import reads the authors' website data (format z3-website) as one run:
// one entry per website entry (organism = the entry's model, which must be
// an organism of m; variant default; reference its true base; repeat 0;
// score ppl_diff), the samples in the authors' order. Each stored
// difference is checked against the stored perplexities. Counts come from
// the manifest's detectors, else from the entry's own keyword and regex
// sets, and are null when neither has any. The run id hashes the input
// bytes, the format and the manifest, so importing the same file twice gives
// the same bytes.
func Import(ctx context.Context, r io.Reader, filename string, m *organisms.Manifest) (*results.Results, []results.Sample, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filename, err)
	}
	entries, err := parseWebsite(filename, data)
	if err != nil {
		return nil, nil, err
	}

	configs := map[string]string{}
	res := &results.Results{Schema: results.Schema}
	var samples []results.Sample
	seen := map[results.Key]int{}
	for i, we := range entries {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		where := fmt.Sprintf("%s: entry %d (model %q, config %q)", filename, i+1, we.Model, we.Config)
		entry, ss, err := importEntry(we, m, where)
		if err != nil {
			return nil, nil, err
		}
		if first, dup := seen[entry.Key()]; dup {
			return nil, nil, fmt.Errorf("%s: same organism and config as entry %d", where, first)
		}
		seen[entry.Key()] = i + 1
		configs[entry.Config] = we.Config
		res.Entries = append(res.Entries, entry)
		samples = append(samples, ss...)
	}

	manifestHash := m.SHA256
	if manifestHash == "" {
		// A manifest built in code: hash its content instead.
		b, err := json.Marshal(m)
		if err != nil {
			return nil, nil, err
		}
		sum := sha256.Sum256(b)
		manifestHash = hex.EncodeToString(sum[:])
	}
	inputSum := sha256.Sum256(data)
	input := hex.EncodeToString(inputSum[:])
	idSum := sha256.Sum256([]byte(FormatZ3Website + "\x00" + input + "\x00" + manifestHash))
	res.Run = results.Run{
		ID: hex.EncodeToString(idSum[:])[:16],
		Config: map[string]any{
			"import": map[string]any{
				"format":          FormatZ3Website,
				"input_sha256":    input,
				"manifest":        m.Name,
				"manifest_sha256": manifestHash,
				"configs":         configs, // ours -> the authors' name
			},
		},
	}
	return res, samples, nil
}

func importEntry(we websiteEntry, m *organisms.Manifest, where string) (results.Entry, []results.Sample, error) {
	var zero results.Entry
	if we.Model == "" {
		return zero, nil, fmt.Errorf("%s: no model", where)
	}
	o, ok := m.Organism(we.Model)
	if !ok {
		return zero, nil, fmt.Errorf("%s: model %q is not an organism of manifest %q", where, we.Model, m.Name)
	}
	ref, ok := m.TrueBase(o)
	if !ok {
		return zero, nil, fmt.Errorf("%s: organism %s has no true_base reference in manifest %q", where, o.ID, m.Name)
	}
	config, err := ConfigName(we.Config)
	if err != nil {
		return zero, nil, fmt.Errorf("%s: %w", where, err)
	}
	if we.NCompletions == nil || *we.NCompletions < len(we.Top) {
		return zero, nil, fmt.Errorf("%s: n_completions missing or smaller than the %d stored completions", where, len(we.Top))
	}
	if len(we.Top) == 0 {
		return zero, nil, fmt.Errorf("%s: no completions", where)
	}

	detectors := o.Detectors
	if len(detectors.KeywordSets) == 0 && len(detectors.RegexSets) == 0 {
		detectors = organisms.Detectors{KeywordSets: we.KeywordSetsUsed, RegexSets: we.RegexSetsUsed}
	}
	matcher, err := detectors.Compile()
	if err != nil {
		return zero, nil, fmt.Errorf("%s: detectors: %w", where, err)
	}

	entry := results.Entry{
		Organism: o.ID, Variant: "default", Category: o.Category, Regime: o.Regime,
		Params: int64(o.Params), ParamsKind: o.ParamsKind, Family: o.Family,
		Reference: ref.ID, ReferenceKind: ref.Kind, ReferenceFamily: ref.Family,
		Config: config, Repeat: 0, Score: "ppl_diff",
		NCompletions: *we.NCompletions, NFlagged: we.NFlagged,
		TruncatedAt: intPtr(len(we.Top)),
		Published:   pipeline.PublishedFrom(o.PublishedFor(ref.ID)),
	}
	if we.FirstRankPPLDiff != nil && *we.FirstRankPPLDiff >= 0 {
		entry.PublishedFirstHitRank = intPtr(*we.FirstRankPPLDiff + 1) // theirs is 0-based
	}

	samples := make([]results.Sample, len(we.Top))
	byRank := make([]bool, len(we.Top))
	for k, c := range we.Top {
		rank := k + 1
		if c.PPLBase == nil || c.PPLFT == nil || c.PPLDiff == nil {
			return zero, nil, fmt.Errorf("%s: rank %d: perplexities missing", where, rank)
		}
		base, ft, diff := *c.PPLBase, *c.PPLFT, *c.PPLDiff
		if !(base > 0) || !(ft > 0) || math.IsInf(base, 0) || math.IsInf(ft, 0) || math.IsNaN(diff) {
			return zero, nil, fmt.Errorf("%s: rank %d: perplexities must be positive and finite (base %g, finetuned %g)", where, rank, base, ft)
		}
		if got := base - ft; math.Abs(got-diff) > ScoreTolerance {
			return zero, nil, fmt.Errorf("%s: rank %d: stored ppl diff %g, but base %g - finetuned %g = %g", where, rank, diff, base, ft, got)
		}
		flagged, matched := matcher.Match(c.Completion)
		if matcher.HasRules() && matched == nil {
			matched = []string{}
		}
		byRank[k] = flagged
		nllFT, nllRef := math.Log(ft), math.Log(base)
		samples[k] = results.Sample{
			Organism: o.ID, Variant: "default", Reference: ref.ID, Config: config, Repeat: 0, Score: "ppl_diff",
			Rank:         rank,
			PrefillID:    shortHash(c.Prefill),
			CompletionID: shortHash(c.Prefill + "\x00" + c.Completion),
			Prefill:      c.Prefill, Completion: c.Completion,
			NLLFT: &nllFT, NLLRef: &nllRef, PPLFT: &ft, PPLRef: &base,
			Bytes:      len(c.Completion),
			ScoreValue: diff,
			Flagged:    flagged,
			Matched:    matched,
		}
	}
	if matcher.HasRules() {
		entry.CountAt10, entry.CountAt100 = intPtr(metrics.CountAt(byRank, 10)), intPtr(metrics.CountAt(byRank, 100))
		if first := metrics.FirstHitRank(byRank); first > 0 {
			entry.FirstHitRank = intPtr(first)
		}
	} // else: unknown, not "never": counts and first hit stay null
	return entry, samples, nil
}

func intPtr(n int) *int { return &n }

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// ImportFile imports the file at path in the given format.
func ImportFile(ctx context.Context, format, path string, m *organisms.Manifest) (*results.Results, []results.Sample, error) {
	if format != FormatZ3Website {
		return nil, nil, fmt.Errorf("import format %q: known formats are %v", format, Formats())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return Import(ctx, f, filepath.Base(path), m)
}

// Write writes results.json and samples.jsonl of an import into dir.
func Write(dir string, res *results.Results, samples []results.Sample) error {
	if err := results.WriteResults(dir, res); err != nil {
		return err
	}
	return results.WriteSamples(dir, samples)
}
