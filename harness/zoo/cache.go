package zoo

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FormatVersion is part of every cache key: bump it when the corpus
// generator, the objective generators or the file formats of harness/lm
// change, so that old artifacts are never read as new ones.
const FormatVersion = 1

// cacheKey is the hex SHA-256 of an artifact's canonical recipe: JSON with
// sorted map keys, plus FormatVersion.
func cacheKey(kind string, recipe any) string {
	b, err := json.Marshal(struct {
		Format int    `json:"format"`
		Kind   string `json:"kind"`
		Recipe any    `json:"recipe"`
	}{FormatVersion, kind, recipe})
	if err != nil {
		panic(fmt.Sprintf("zoo: recipe of %s is not JSON: %v", kind, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// cache is a directory of artifacts named <kind>-<key>.bin.
type cache struct{ dir string }

func (c cache) path(kind, key string) string {
	return filepath.Join(c.dir, kind+"-"+key[:32]+".bin")
}

// load opens a cached artifact and decodes it; ok is false when it is absent.
func (c cache) load(kind, key string, decode func(io.Reader) error) (ok bool, err error) {
	if c.dir == "" {
		return false, nil
	}
	f, err := os.Open(c.path(kind, key))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := decode(bufio.NewReaderSize(f, 1<<20)); err != nil {
		return false, fmt.Errorf("zoo: cached %s: %w", filepath.Base(f.Name()), err)
	}
	return true, nil
}

// store writes an artifact atomically: a temporary file in the same
// directory, synced, then renamed over the final name. Concurrent writers of
// the same key write the same bytes, so the last rename wins harmlessly.
func (c cache) store(kind, key string, encode func(io.Writer) error) error {
	if c.dir == "" {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-"+kind+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := encode(w); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.path(kind, key))
}
