package organisms

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a manifest, at a line of its file.
type Error struct {
	File string
	Line int // 0 when the manifest was not read from text
	Msg  string
}

func (e Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ErrorList collects every problem found in a manifest, in line order.
type ErrorList []Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// maxErrors bounds what one manifest can report: past it the rest is noise.
const maxErrors = 200

// Parse decodes a manifest strictly: unknown fields, duplicate keys, wrong
// types, anchors and aliases are errors. It collects every such error, each
// as file:line: message, in an ErrorList. Parse checks the shape only; call
// Validate for the meaning (ids, categories, references, detectors).
func Parse(filename string, data []byte) (*Manifest, error) {
	sum := sha256.Sum256(data)
	m := &Manifest{File: filename, SHA256: hex.EncodeToString(sum[:]), lines: map[string]int{}}
	d := &nodeDecoder{file: filename, lines: m.lines}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrorList{{File: filename, Msg: "empty manifest"}}
		}
		return nil, ErrorList{SyntaxError(filename, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, ErrorList{{File: filename, Line: extra.Line, Msg: "more than one YAML document; a manifest is one document"}}
	} else if !errors.Is(err, io.EOF) {
		return nil, ErrorList{SyntaxError(filename, err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.decode(root, reflect.ValueOf(m).Elem(), "")
	if len(d.errs) > 0 {
		return nil, d.errs.sorted()
	}
	return m, nil
}

// yamlLine finds the "line N" that yaml.v3 puts in its syntax errors.
var yamlLine = regexp.MustCompile(`line (\d+)`)

// SyntaxError turns a yaml.v3 syntax error into file:line: message. yaml.v3
// numbers a parser error (an unclosed bracket, a missing key: its messages
// begin "did not find expected") from 0, where its scanner errors count
// from 1, so those lines are moved one down, to the line where the broken
// construct starts. Config files and manifests share this form.
func SyntaxError(file string, err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := Error{File: file, Msg: msg}
	if sub := yamlLine.FindStringSubmatch(msg); sub != nil {
		e.Line, _ = strconv.Atoi(sub[1])
		e.Msg = strings.TrimSpace(strings.TrimPrefix(strings.Replace(msg, sub[0], "", 1), ":"))
		if strings.HasPrefix(e.Msg, "did not find expected") {
			e.Line++
		}
	}
	return e
}

func (l ErrorList) sorted() ErrorList {
	slices.SortStableFunc(l, func(a, b Error) int { return cmp.Compare(a.Line, b.Line) })
	return l
}

// nodeDecoder fills Go values from a yaml.Node tree field by field, so that
// it can reject unknown fields, report every error with its line, and record
// where each field was read (for Validate's messages).
type nodeDecoder struct {
	file  string
	lines map[string]int
	errs  ErrorList
}

func (d *nodeDecoder) errorf(line int, format string, args ...any) {
	if len(d.errs) < maxErrors {
		d.errs = append(d.errs, Error{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func (d *nodeDecoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if path != "" {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		d.errorf(n.Line, "%s: anchors and aliases are not supported in manifests", pathName(path))
		return
	}
	if isNull(n) {
		return // leave the zero value
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		d.leaf(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n.Line, "%s: want a list, got a %s", pathName(path), kindName(n.Kind))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n.Line, "%s: want a mapping, got a %s", pathName(path), kindName(n.Kind))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if first, dup := seen[k.Value]; dup {
				d.errorf(k.Line, "%s: key %q already given at line %d", pathName(path), k.Value, first)
				continue
			}
			seen[k.Value] = k.Line
			key := reflect.New(v.Type().Key()).Elem()
			d.leaf(k, key, path)
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, elem, path+"."+k.Value)
			v.SetMapIndex(key, elem)
		}
	default:
		d.leaf(n, v, path)
	}
}

// decodeStruct matches mapping keys to the struct's yaml field names.
func (d *nodeDecoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, "%s: want a mapping, got a %s", pathName(path), kindName(n.Kind))
		return
	}
	fields := yamlFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, "%s: a field name must be a plain string", pathName(path))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k.Line, "%s: field %q already given at line %d", pathName(path), k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			d.errorf(k.Line, "%s: unknown field %q (known: %s)", pathName(path), k.Value, knownFields(fields))
			continue
		}
		sub := k.Value
		if path != "" {
			sub = path + "." + k.Value
		}
		d.decode(val, v.Field(idx), sub)
	}
}

// leaf decodes a scalar (or a custom Unmarshaler) with yaml.v3 itself and
// rewrites its error to carry this file and line.
func (d *nodeDecoder) leaf(n *yaml.Node, v reflect.Value, path string) {
	err := n.Decode(v.Addr().Interface())
	if err == nil {
		return
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, msg := range te.Errors {
			line := n.Line
			if sub := yamlLine.FindStringSubmatch(msg); sub != nil {
				line, _ = strconv.Atoi(sub[1])
				msg = strings.TrimSpace(strings.TrimPrefix(strings.Replace(msg, sub[0], "", 1), ":"))
			}
			d.errorf(line, "%s: %s", pathName(path), msg)
		}
		return
	}
	d.errorf(n.Line, "%s: %s", pathName(path), strings.TrimPrefix(err.Error(), "yaml: "))
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.ScalarNode:
		return "scalar"
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "node"
}

func pathName(path string) string {
	if path == "" {
		return "manifest"
	}
	return path
}

// yamlFields maps a struct's yaml field names to field indices.
func yamlFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = i
	}
	return out
}

func knownFields(fields map[string]int) string {
	return strings.Join(slices.Sorted(maps.Keys(fields)), ", ")
}

// line returns where a field path was read, 0 when unknown.
func (m *Manifest) line(path string) int {
	return m.lines[path]
}
