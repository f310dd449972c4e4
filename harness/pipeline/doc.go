// Package pipeline runs perplexity differencing: it expands a configuration
// against a manifest into units (organism variant x prefill config x
// repeat), cuts prefills from a corpus, generates completions with the
// finetuned model, scores them under it and under each reference, ranks
// them by the three scores, applies the organism's detectors and counts.
//
// Every generation, score and cut prefill is stored through Cache under a
// content key before the next batch, so a cancelled run resumes where it
// stopped and a new reference costs only its scoring pass. Results do not
// depend on what the cache held: the same Config gives the same bytes.
package pipeline
