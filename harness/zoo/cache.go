package zoo

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/ppldiff/ppldiff/harness/results"
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

// cache is a directory of artifacts named <kind>-<key>.bin. Each file ends
// with a trailer, sumMagic and the SHA-256 of everything before it, checked
// on every load: a damaged file is deleted and rebuilt (rebuilt lists it),
// never read as another model.
type cache struct {
	dir     string
	mu      sync.Mutex
	rebuilt []string // warnings, one per file that failed its check
}

// newCache opens a cache directory, removing what writers killed mid-write
// left behind.
func newCache(dir string) *cache {
	if dir != "" {
		results.CleanTempFiles(dir, "model")
	}
	return &cache{dir: dir}
}

// sumMagic opens the trailer of a cache file.
const sumMagic = "ppldsum1"

const trailerLen = len(sumMagic) + sha256.Size

func (c *cache) path(kind, key string) string {
	return filepath.Join(c.dir, kind+"-"+key[:32]+".bin")
}

// load reads a cached artifact, checks its trailer and decodes it; ok is
// false when it is absent or failed the check (then it is removed, to be
// rebuilt and stored again).
func (c *cache) load(kind, key string, decode func(io.Reader) error) (ok bool, err error) {
	if c.dir == "" {
		return false, nil
	}
	path := c.path(kind, key)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("zoo: cached model file %s: %w", path, err)
	}
	body, problem := checkTrailer(data)
	if problem != "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("zoo: cached model file %s %s and cannot be removed: %w", path, problem, err)
		}
		c.mu.Lock()
		c.rebuilt = append(c.rebuilt, fmt.Sprintf("model cache %s %s; it was rebuilt", path, problem))
		c.mu.Unlock()
		return false, nil
	}
	if err := decode(bytes.NewReader(body)); err != nil {
		return false, fmt.Errorf("zoo: cached model file %s: %w (delete it to rebuild)", path, err)
	}
	return true, nil
}

// checkTrailer splits a cache file into its body and checks the body's
// SHA-256; problem says what is wrong, "" when nothing is.
func checkTrailer(data []byte) (body []byte, problem string) {
	if len(data) < trailerLen || string(data[len(data)-trailerLen:len(data)-sha256.Size]) != sumMagic {
		return nil, "has no checksum (damaged, or written by an older ppldiff)"
	}
	body = data[:len(data)-trailerLen]
	sum := sha256.Sum256(body)
	if !bytes.Equal(sum[:], data[len(data)-sha256.Size:]) {
		return nil, "failed its checksum (the file is damaged)"
	}
	return body, ""
}

// Rebuilt lists the cache files that failed their check and were rebuilt.
func (c *cache) Rebuilt() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.rebuilt...)
}

// store writes an artifact atomically: a temporary file in the same
// directory, synced, then renamed over the final name. Concurrent writers of
// the same key write the same bytes, so the last rename wins harmlessly.
func (c *cache) store(kind, key string, encode func(io.Writer) error) error {
	if c.dir == "" {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	tmp, err := results.CreateTemp(c.dir, "model")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(tmp, h), 1<<20)
	if err := encode(w); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append([]byte(sumMagic), h.Sum(nil)...)); err != nil {
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

// has reports whether the artifact's file exists (its content is checked
// when it is loaded).
func (c *cache) has(kind, key string) bool {
	if c.dir == "" {
		return false
	}
	_, err := os.Stat(c.path(kind, key))
	return err == nil
}
