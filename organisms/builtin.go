package organisms

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

//go:generate go run ./internal/genpaper -facts ../../shared/organisms-facts.tsv -out manifests/paper.yaml

// builtinFS holds the built-in manifests, one <name>.yaml each. The pattern
// matches whatever manifests exist, so a build without zoo.yaml still
// compiles (paper.yaml is always there).
//
//go:embed manifests/*.yaml
var builtinFS embed.FS

// Builtin lists the names of the built-in manifests, sorted (e.g. "paper",
// "zoo").
func Builtin() []string {
	entries, err := fs.ReadDir(builtinFS, "manifests")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// BuiltinBytes returns the text of a built-in manifest.
func BuiltinBytes(name string) ([]byte, bool) {
	b, err := builtinFS.ReadFile(path.Join("manifests", name+".yaml"))
	return b, err == nil
}

// Load returns a parsed and validated manifest: a built-in one by name
// ("zoo", "paper"), else the file at nameOrPath. A built-in name wins over a
// file of the same name; write ./paper to mean the file.
func Load(nameOrPath string) (*Manifest, error) {
	var (
		data []byte
		file string
	)
	if b, ok := BuiltinBytes(nameOrPath); ok {
		data, file = b, nameOrPath+".yaml"
	} else {
		b, err := os.ReadFile(nameOrPath)
		if err != nil {
			if os.IsNotExist(err) && !strings.ContainsAny(nameOrPath, `/\.`) {
				return nil, invalid(fmt.Errorf("manifest %q: no such built-in manifest (built-in: %s) and no such file: %w",
					nameOrPath, strings.Join(Builtin(), ", "), err))
			}
			return nil, invalid(fmt.Errorf("manifest: %w", err))
		}
		data, file = b, nameOrPath
	}
	m, err := Parse(file, data)
	if err != nil {
		return nil, invalid(err)
	}
	if err := m.Validate(); err != nil {
		return nil, invalid(err)
	}
	if _, builtin := BuiltinBytes(nameOrPath); !builtin {
		if err := m.CheckFiles(); err != nil {
			return nil, invalid(err)
		}
	}
	return m, nil
}

// ErrInvalid is matched (errors.Is) by every error of Load caused by the
// manifest itself: missing, unreadable, malformed or inconsistent.
var ErrInvalid = errors.New("invalid manifest")

// invalidError marks err as the manifest's fault, keeping its message and
// its chain (a missing file still matches fs.ErrNotExist).
type invalidError struct{ err error }

func (e *invalidError) Error() string        { return e.err.Error() }
func (e *invalidError) Unwrap() error        { return e.err }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(err error) error { return &invalidError{err} }
