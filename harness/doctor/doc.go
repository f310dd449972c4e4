// Package doctor runs a conformance self-test of one model on one server:
// the checks ppldiff's results depend on (batch invariance of scores, echo
// versus prompt_logprobs, greedy repeatability, whether generation
// logprobs are raw, BOS handling), reported as a pass/fail table.
package doctor
