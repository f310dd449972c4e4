package main

// matrixStudy names the study's regime (`ppldiff run --matrix study`).
const matrixStudy = "study"

// studyPreset is what the study matrix changes from the defaults: about
// 10,000 prefills per config, read at the top 100 (1 %); raw and chat
// prefills each decoded greedily (the study's decoding) and sampled, in one
// run; the two reference kinds the study compared (true base and
// cross-family: the zoo's weak reference has no counterpart there, and
// leaving it out saves a third of the scoring). ppldiff.yaml, the
// environment and flags still win.
var studyPreset = map[string]any{
	"n":               10000,
	"decoding":        "greedy",
	"prefills":        []string{"zoo-raw-greedy", "zoo-chat-greedy", "zoo-raw-sample", "zoo-chat-sample"},
	"reference_kinds": []string{"true_base", "cross_family"},
}

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
