package main

// matrixStudy names the study's regime (`ppldiff run --matrix study`).
const matrixStudy = "study"

// studyPreset is what the study matrix changes from the defaults: about
// 10,000 prefills per config, read at the top 100 (1 %), decoded greedily as
// the study did. ppldiff.yaml, the environment and flags still win, so
// `--matrix study --decoding sample` is its sampled half.
var studyPreset = map[string]any{"n": 10000, "decoding": "greedy"}

// applyMatrix lays a named matrix preset under the user's settings.
func (l *loader) applyMatrix() error {
	name := l.v.GetString("matrix") // flag, variable, file or default
	switch name {
	case "", "default":
		return nil
	case matrixStudy:
		for k, v := range studyPreset {
			l.v.SetDefault(k, v)
		}
		return nil
	}
	return usagef("matrix %q: want default or study", name)
}
