// Package backend turns a run's settings into what the pipeline runs on:
// the models (the zoo in process, model servers over HTTP, or none for a
// dry run), served-name routing, the servers a run launches, the prefill
// corpora, and the run's persistence (results.json, samples.jsonl and
// run-log.json written beside a copy in the store).
//
// The CLI parses and wires; everything here is usable without it. Errors
// that the user fixes carry a kind (ErrSetting, ErrInput, ErrServer) that
// the CLI maps to its exit codes.
package backend
