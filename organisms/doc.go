// Package organisms declares what ppldiff studies: the manifest schema and its
// validation, the built-in manifests (zoo, paper), and detectors. It is pure
// data: it imports nothing of ppldiff's.
package organisms
