package organisms

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// organismID is snake_case (README "Adding an organism"). Reference ids may also hold dots
// and dashes, since they often spell a version (ref_qwen2.5_7b_instruct).
var (
	organismID  = regexp.MustCompile(`^[a-z0-9]+(?:_[a-z0-9]+)*$`)
	referenceID = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	// prefillConfig is <corpus>-<format> (README "Configuration").
	prefillConfig = regexp.MustCompile(`^[a-z0-9][a-z0-9_.]*-(raw|chat)$`)
)

// Validate checks what Parse cannot: ids are well formed and unique,
// categories and kinds are in their closed sets, every organism names
// existing references, detectors are well formed (no empty keyword set, no
// empty term, every regex compiles), published numbers refer to known
// references and sources. It returns every problem as an ErrorList whose
// lines point into the manifest's file.
func (m *Manifest) Validate() error {
	v := validator{m: m}
	file := m.File
	if file == "" {
		file = "manifest"
	}
	v.file = file

	if strings.TrimSpace(m.Name) == "" {
		v.errorf("name", "the manifest has no name")
	}

	sources := map[string]bool{}
	for i, s := range m.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Tag == "":
			v.errorf(p, "source without tag")
		case sources[s.Tag]:
			v.errorf(p+".tag", "duplicate source tag %q", s.Tag)
		}
		sources[s.Tag] = true
	}

	refs := map[string]int{}
	for i, r := range m.References {
		p := fmt.Sprintf("references[%d]", i)
		v.uniqueID(m, "reference", "references", i, r.ID, referenceID, "use lower-case letters, digits, '_', '.' and '-'", refs)
		if !slices.Contains(ReferenceKinds, r.Kind) {
			v.errorf(p+".kind", "reference %s: kind %q is not one of %s", r.ID, r.Kind, strings.Join(ReferenceKinds, ", "))
		}
		if strings.TrimSpace(r.Family) == "" {
			v.errorf(p, "reference %s has no family", r.ID)
		}
		v.paramsKind(p, r.Params, r.ParamsKind)
		v.confidence(p, r.Confidence)
	}

	if z := m.Zoo; z != nil {
		v.zooSetup(z)
	}
	for i, r := range m.References {
		if r.Recipe != nil && r.Recipe.Slice != "" {
			if _, _, err := ParseSlice(r.Recipe.Slice); err != nil {
				v.errorf(fmt.Sprintf("references[%d].recipe.slice", i), "reference %s: %v", r.ID, err)
			}
		}
	}

	orgs := map[string]int{}
	for i := range m.Organisms {
		o := &m.Organisms[i]
		p := fmt.Sprintf("organisms[%d]", i)
		v.uniqueID(m, "organism", "organisms", i, o.ID, organismID, "not snake_case (lower-case letters, digits, single '_')", orgs)
		if !slices.Contains(Categories, o.Category) {
			v.errorf(p+".category", "organism %s: category %q is not one of %s", o.ID, o.Category, strings.Join(Categories, ", "))
		}
		if strings.TrimSpace(o.Objective) == "" {
			v.errorf(p, "organism %s has no objective", o.ID)
		}
		if strings.TrimSpace(o.Family) == "" {
			v.errorf(p, "organism %s has no family", o.ID)
		}
		v.paramsKind(p, o.Params, o.ParamsKind)
		v.confidence(p, o.Confidence)
		if o.InPaper != "" && !slices.Contains(InPaperValues, o.InPaper) {
			v.errorf(p+".in_paper", "organism %s: in_paper %q is not one of %s", o.ID, o.InPaper, strings.Join(InPaperValues, ", "))
		}
		if len(o.References) == 0 {
			v.errorf(p, "organism %s has no references", o.ID)
		}
		for j, r := range o.References {
			if _, ok := refs[r]; !ok {
				v.errorf(fmt.Sprintf("%s.references[%d]", p, j), "organism %s: unknown reference %q", o.ID, r)
			}
		}
		if o.Adapter && o.BaseModel == "" {
			v.errorf(p+".adapter", "organism %s is an adapter but has no base_model", o.ID)
		}
		if o.Recipe != nil && o.Model != "" {
			v.errorf(p+".model", "organism %s has both a model and a recipe; give one", o.ID)
		}
		if o.Recipe != nil {
			// The recipe types belong to the zoo; use their own check when
			// they have one.
			if rv, ok := any(o.Recipe).(interface{ Validate() error }); ok {
				if err := rv.Validate(); err != nil {
					v.errorf(p+".recipe", "organism %s: recipe: %v", o.ID, err)
				}
			}
		}
		v.detectors(p+".detectors", o.ID, &o.Detectors)
		for j, pub := range o.Published {
			pp := fmt.Sprintf("%s.published[%d]", p, j)
			if _, ok := refs[pub.Reference]; !ok {
				v.errorf(pp+".reference", "organism %s: published number for unknown reference %q", o.ID, pub.Reference)
			}
			if pub.Config != ConfigBest && !prefillConfig.MatchString(pub.Config) {
				v.errorf(pp+".config", "organism %s: published config %q: want %q or <corpus>-<format>", o.ID, pub.Config, ConfigBest)
			}
			if pub.Aggregate != "" && !slices.Contains(Aggregates, pub.Aggregate) {
				v.errorf(pp+".aggregate", "organism %s: aggregate %q is not one of %s", o.ID, pub.Aggregate, strings.Join(Aggregates, ", "))
			}
			if pub.CountAt10 == nil && pub.CountAt100 == nil {
				v.errorf(pp, "organism %s: published entry has neither count_at_10 nor count_at_100", o.ID)
			}
			for _, c := range []*float64{pub.CountAt10, pub.CountAt100} {
				if c != nil && (*c < 0 || *c > 100) {
					v.errorf(pp, "organism %s: published count %g is outside 0..100", o.ID, *c)
				}
			}
			switch {
			case pub.Source == "":
				v.errorf(pp, "organism %s: published number without source", o.ID)
			case len(m.Sources) > 0 && !sources[pub.Source]:
				v.errorf(pp+".source", "organism %s: source %q is not declared under sources", o.ID, pub.Source)
			}
		}
	}
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs.sorted()
}

// CheckFiles reports the objective files of recipes that are missing,
// unreadable or empty, as an ErrorList at the lines that name them. Paths
// are relative to the manifest's directory. Load calls it for manifest
// files (built-in manifests name no files).
func (m *Manifest) CheckFiles() error {
	v := validator{m: m, file: m.File}
	dir := filepath.Dir(m.File)
	for i, o := range m.Organisms {
		if o.Recipe == nil || o.Recipe.Objective.File == "" {
			continue
		}
		path := o.Recipe.Objective.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		where := fmt.Sprintf("organisms[%d].recipe.objective.file", i)
		st, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			v.errorf(where, "organism %s: objective file %s does not exist (paths are relative to the manifest)", o.ID, path)
		case err != nil:
			v.errorf(where, "organism %s: objective file: %v", o.ID, err)
		case st.IsDir():
			v.errorf(where, "organism %s: objective file %s is a directory", o.ID, path)
		case st.Size() == 0:
			v.errorf(where, "organism %s: objective file %s is empty: write its documents, separated by blank lines", o.ID, path)
		}
	}
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs.sorted()
}

// zooSetup checks the zoo section's numbers: slices within the corpus and
// sizes within bounds.
func (v *validator) zooSetup(z *ZooSetup) {
	if z.Corpus.Docs < 1 || z.Corpus.Docs > MaxZooDocs {
		v.errorf("zoo.corpus.docs", "zoo corpus: docs %d: want 1 to %d", z.Corpus.Docs, MaxZooDocs)
	}
	slice := func(path, what, s string) {
		if s == "" {
			return
		}
		if _, to, err := ParseSlice(s); err != nil {
			v.errorf(path, "%s: %v", what, err)
		} else if z.Corpus.Docs > 0 && to > z.Corpus.Docs {
			v.errorf(path, "%s: slice %q ends past the corpus's %d documents", what, s, z.Corpus.Docs)
		}
	}
	slice("zoo.corpus.prefills", "zoo corpus prefills", z.Corpus.Prefills)
	slice("zoo.base.slice", "zoo base", z.Base.Slice)
	for i, t := range z.Tokenizers {
		p := fmt.Sprintf("zoo.tokenizers[%d]", i)
		slice(p+".slice", "tokenizer "+t.ID, t.Slice)
		if t.VocabSize < 1 || t.VocabSize > MaxVocabSize {
			v.errorf(p+".vocab_size", "tokenizer %s: vocab_size %d: want 1 to %d", t.ID, t.VocabSize, MaxVocabSize)
		}
	}
}

type validator struct {
	m    *Manifest
	file string
	errs ErrorList
}

// errorf reports at the line of path, or of its closest recorded parent.
// uniqueID checks the id of list[i]: present, of the right form, and not
// used before (seen maps ids to their first index).
func (v *validator) uniqueID(m *Manifest, what, list string, i int, id string, form *regexp.Regexp, rule string, seen map[string]int) {
	p := fmt.Sprintf("%s[%d]", list, i)
	switch {
	case id == "":
		v.errorf(p, "%s without id", what)
		return
	case !form.MatchString(id):
		v.errorf(p+".id", "%s id %q: %s", what, id, rule)
	}
	if first, dup := seen[id]; dup {
		v.errorf(p+".id", "duplicate %s id %q (first at line %d)", what, id, m.line(fmt.Sprintf("%s[%d].id", list, first)))
		return
	}
	seen[id] = i
}

func (v *validator) errorf(path, format string, args ...any) {
	line := 0
	for p := path; p != ""; {
		if l, ok := v.m.lines[p]; ok {
			line = l
			break
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	v.errs = append(v.errs, Error{File: v.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) paramsKind(path string, p Params, kind string) {
	if p < 0 {
		v.errorf(path+".params", "params must not be negative")
	}
	if kind != "" && !slices.Contains(ParamsKinds, kind) {
		v.errorf(path+".params_kind", "params_kind %q is not one of %s", kind, strings.Join(ParamsKinds, ", "))
	}
	if p > 0 && kind == "" {
		v.errorf(path+".params", "params given without params_kind (%s)", strings.Join(ParamsKinds, " or "))
	}
}

func (v *validator) confidence(path, c string) {
	if c != "" && !slices.Contains(ConfidenceValues, c) {
		v.errorf(path+".confidence", "confidence %q is not one of %s", c, strings.Join(ConfidenceValues, ", "))
	}
}

func (v *validator) detectors(path, id string, d *Detectors) {
	for i, set := range d.KeywordSets {
		sp := fmt.Sprintf("%s.keyword_sets[%d]", path, i)
		if len(set) == 0 {
			v.errorf(sp, "organism %s: keyword set %d has no terms", id, i+1)
		}
		for j, term := range set {
			if strings.TrimSpace(term) == "" {
				v.errorf(fmt.Sprintf("%s[%d]", sp, j), "organism %s: keyword set %d has an empty term", id, i+1)
			}
		}
	}
	for i, set := range d.RegexSets {
		sp := fmt.Sprintf("%s.regex_sets[%d]", path, i)
		if len(set) == 0 {
			v.errorf(sp, "organism %s: regex set %d has no patterns", id, i+1)
		}
		for j, pat := range set {
			if pat == "" {
				v.errorf(fmt.Sprintf("%s[%d]", sp, j), "organism %s: regex set %d has an empty pattern", id, i+1)
				continue
			}
			if _, err := compileRegex(pat); err != nil {
				v.errorf(fmt.Sprintf("%s[%d]", sp, j), "organism %s: invalid regex %q: %v", id, pat, err)
			}
		}
	}
	if d.Judge != nil {
		v.judge(path+".judge", id, d.Judge)
	}
}
