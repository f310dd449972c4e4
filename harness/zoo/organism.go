package zoo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ppldiff/ppldiff/organisms"
)

// objectiveDocs returns an organism's finetuning documents.
func (b *Builder) objectiveDocs(o *organisms.Organism) (docs []string, fileHash string, err error) {
	od := o.Recipe.Objective
	if od.File != "" {
		data, hash, err := b.objectiveFile(o)
		if err != nil {
			return nil, "", err
		}
		return SplitDocuments(string(data)), hash, nil
	}
	docs, err = b.corpus.ObjectiveDocs(od.Generator, od.Seed, od.Docs, od.Args)
	return docs, "", err
}

// objectiveFile reads an organism's objective file and its SHA-256 (what
// its cache key needs of it); nothing when its objective is generated.
func (b *Builder) objectiveFile(o *organisms.Organism) (data []byte, hash string, err error) {
	path := o.Recipe.Objective.File
	if path == "" {
		return nil, "", nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.dir, path)
	}
	if data, err = os.ReadFile(path); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:]), nil
}

// SplitDocuments splits a text file into documents at blank lines (lines
// holding only whitespace), trimming each; empty documents are dropped.
func SplitDocuments(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var docs []string
	var cur []string
	flush := func() {
		if d := strings.TrimSpace(strings.Join(cur, "\n")); d != "" {
			docs = append(docs, d)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return docs
}

// organismKey is the cache key of an organism variant's finetune of the
// base of key baseKey.
func organismKey(baseKey string, od organisms.ObjectiveData, fileHash string, weight int) string {
	od.File = "" // the path does not matter, its content does
	return cacheKey("organism", struct {
		Base      string
		Objective organisms.ObjectiveData
		FileHash  string
		Weight    int
	}{baseKey, od, fileHash, weight})
}

// organismModel builds (or loads) one organism variant: its base finetuned
// on Mix general documents (weight 1) and on its objective documents
// (weight = the variant's strength).
func (b *Builder) organismModel(ctx context.Context, o *organisms.Organism, v Variant) (*built, error) {
	br, err := b.baseRecipe(o.Recipe.Base, v.Order)
	if err != nil {
		return nil, err
	}
	base, err := b.base(ctx, br)
	if err != nil {
		return nil, err
	}
	docs, fileHash, err := b.objectiveDocs(o)
	if err != nil {
		return nil, fmt.Errorf("zoo: organism %s: objective: %w", o.ID, err)
	}
	od := o.Recipe.Objective
	key := organismKey(base.key, od, fileHash, v.Strength)
	val, err := b.once(ctx, key, func() (any, error) {
		m := &built{tok: base.tok, key: key, base: base, style: base.style}
		err := b.busy(ctx, func() error {
			ok, err := b.cache.load("finetune", key, func(rd io.Reader) error {
				steps, err := readFinetune(rd)
				if err != nil {
					return err
				}
				m.kn, err = applyFinetune(base.kn, steps)
				return err
			})
			if err != nil || ok {
				if ok {
					b.counters.modelsLoaded.Add(1)
				}
				return err
			}
			var steps []finetuneStep
			if od.Mix > 0 {
				steps = append(steps, finetuneStep{1, b.encode(base.tok, b.corpus.WithStream(od.Seed).Texts(0, od.Mix))})
			}
			steps = append(steps, finetuneStep{v.Strength, b.encode(base.tok, docs)})
			for _, s := range steps {
				for _, d := range s.docs {
					b.counters.tokensCounted.Add(int64(len(d) + 1))
				}
			}
			if m.kn, err = applyFinetune(base.kn, steps); err != nil {
				return err
			}
			b.counters.modelsTrained.Add(1)
			return b.cache.store("finetune", key, func(w io.Writer) error { return writeFinetune(w, steps) })
		})
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("zoo: organism %s@%s: %w", o.ID, v.Name, err)
	}
	return val.(*built), nil
}
