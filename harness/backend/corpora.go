package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ppldiff/ppldiff/harness/corpus"
	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/zoo"
	"github.com/ppldiff/ppldiff/organisms"
)

// CorpusSpec names a user corpus for prefill configs <name>-raw|chat
// (ppldiff.yaml's corpora.NAME).
type CorpusSpec struct {
	Path       string // a file, a directory or a glob; relative to the working directory
	TextField  string
	SkipBad    bool
	LinePerDoc bool
}

// skipLog collects, per user corpus, the records a reader skipped
// (skip_bad, empty texts), for run-log.json's warnings.
type skipLog struct {
	mu sync.Mutex
	by map[string]corpus.Warnings // by "name (path)"
}

// record keeps the fullest count seen: every unit reads the corpus afresh,
// and a pass cut short by cancellation sees fewer.
func (l *skipLog) record(corpusName string, w corpus.Warnings) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[string]corpus.Warnings{}
	}
	if w.Total() > l.by[corpusName].Total() {
		l.by[corpusName] = w
	}
}

// warnings lists one line per corpus that skipped records, sorted.
func (l *skipLog) warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, name := range slices.Sorted(maps.Keys(l.by)) {
		out = append(out, fmt.Sprintf("corpus %s: %s", name, l.by[name]))
	}
	return out
}

// openCorpora opens the corpora the prefill configs name: "zoo" is the
// zoo's held-out procedural corpus; others come from specs (`corpora:` in
// ppldiff.yaml), relative paths under dir. It returns each corpus's content
// hash too, for the run's config.
func openCorpora(prefills []string, specs map[string]CorpusSpec, dir string, b *zoo.Builder, skips *skipLog) (pipeline.CorpusSet, map[string]string, error) {
	set := pipeline.CorpusSet{}
	hashes := map[string]string{}
	for _, p := range prefills {
		pc, _ := pipeline.ParsePrefillConfig(p)
		name := pc.Corpus
		if _, done := set[name]; done {
			continue
		}
		if cs, ok := LookupFold(specs, name); ok {
			path := cs.Path
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			h, err := corpus.Hash(path)
			if err != nil {
				return nil, nil, inputErr(fmt.Errorf("corpus %s: %w (check --corpus %s=PATH or corpora.%s.path in ppldiff.yaml)", name, err, name, name))
			}
			opts := corpus.Options{TextField: cs.TextField, SkipBad: cs.SkipBad, LinePerDoc: cs.LinePerDoc}
			set[name] = pipeline.CorpusOpener{Hash: h, Open: func() (pipeline.DocSource, error) {
				r, err := corpus.Open(path, opts)
				if err != nil {
					return nil, err
				}
				return &fileSource{r: r, done: func(w corpus.Warnings) { skips.record(name+" ("+path+")", w) }}, nil
			}}
			hashes[name] = h
			continue
		}
		if name == "zoo" {
			opener, err := zooCorpus(b)
			if err != nil {
				return nil, nil, err
			}
			set[name] = opener
			hashes[name] = opener.Hash
			continue
		}
		known := slices.Sorted(maps.Keys(specs))
		known = slices.Insert(known, 0, "zoo")
		slices.Sort(known)
		return nil, nil, settingf("prefill config %q: unknown corpus %q (known: %s); give --corpus %s=PATH or define it under corpora: in ppldiff.yaml", p, name, strings.Join(known, ", "), name)
	}
	return set, hashes, nil
}

var newline = []byte{'\n'}

// zooCorpus opens the zoo's held-out documents. A manifest of real models
// (b nil) may still take prefills from the built-in zoo's corpus (handy for
// a first check of a server); only the corpus is built then.
func zooCorpus(b *zoo.Builder) (pipeline.CorpusOpener, error) {
	if b == nil {
		zm, err := organisms.Load("zoo")
		if err != nil {
			return pipeline.CorpusOpener{}, err
		}
		if b, err = zoo.NewBuilder(zm, ""); err != nil {
			return pipeline.CorpusOpener{}, err
		}
	}
	docs, err := b.Corpus()
	if err != nil {
		return pipeline.CorpusOpener{}, inputErr(err)
	}
	ds := make([]pipeline.Document, len(docs))
	h := sha256.New()
	var head []byte
	for i, d := range docs {
		ds[i] = pipeline.Document{Index: i, Text: []byte(d.Text)}
		// "<length>:<text>\n" per document, written without fmt (a tenth
		// of a cached re-run's corpus setup).
		head = append(strconv.AppendInt(head[:0], int64(len(d.Text)), 10), ':')
		h.Write(head)
		h.Write(ds[i].Text)
		h.Write(newline)
	}
	return pipeline.CorpusOpener{Hash: hex.EncodeToString(h.Sum(nil)), Open: func() (pipeline.DocSource, error) {
		return &pipeline.SliceSource{Docs: ds}, nil
	}}, nil
}

// fileSource adapts a corpus reader to the pipeline; done sees the
// reader's skipped records when it is closed.
type fileSource struct {
	r    corpus.Reader
	done func(corpus.Warnings)
}

func (f *fileSource) Next() (pipeline.Document, error) {
	d, err := f.r.Next()
	if err != nil {
		return pipeline.Document{}, err
	}
	return pipeline.Document{Index: d.Index, Text: d.Text}, nil
}

func (f *fileSource) Close() error {
	if f.done != nil {
		f.done(f.r.Warnings())
	}
	return f.r.Close()
}
