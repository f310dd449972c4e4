// Package organisms declares what ppldiff studies: the manifest schema
// (Manifest, Organism, Reference), its strict parser (Parse: unknown fields
// rejected, every error as file:line: message) and validation (Validate),
// the built-in manifests embedded from manifests/*.yaml (Load, Builtin),
// and the detection rule (Detectors.Compile, Matcher.Match). It is pure
// data: it imports nothing of ppldiff's.
//
// The paper manifest is generated from the study's facts table by
// ./internal/genpaper (go generate); the YAML is committed, so a build never
// needs the table.
package organisms
