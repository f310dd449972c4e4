package backend

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of errors, matched with errors.Is: the CLI maps each to an exit code.
var (
	// ErrSetting is a setting the user must change (a flag, a variable, a
	// key of ppldiff.yaml).
	ErrSetting = errors.New("invalid setting")
	// ErrInput is a file the run reads that is missing or malformed.
	ErrInput = errors.New("bad input")
	// ErrServer is a model server that cannot be reached or lacks a
	// capability the run needs.
	ErrServer = errors.New("model server")
)

// kindError is err classified as kind; its message is err's alone.
type kindError struct{ kind, err error }

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

func settingErr(err error) error { return &kindError{ErrSetting, err} }
func inputErr(err error) error   { return &kindError{ErrInput, err} }
func serverErr(err error) error  { return &kindError{ErrServer, err} }

func settingf(format string, a ...any) error { return settingErr(fmt.Errorf(format, a...)) }

// LookupFold looks name up in a map read from the settings. The settings
// loader (viper) lowercases map keys, whatever case ppldiff.yaml gave them,
// so names are matched ignoring case.
func LookupFold[V any](m map[string]V, name string) (V, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	var zero V
	return zero, false
}
