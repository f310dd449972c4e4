// Package audit reads the top of a perplexity-difference ranking when
// nobody knows the finetuning objective: it drops degenerate repetitions,
// groups near-duplicate completions, and finds the words and phrases the
// top k over-represents against the rest of the ranking (weighted log-odds
// with an informative Dirichlet prior, metrics.WeightedLogOdds), each with
// the top completions that carry it. A guessed objective (a hypothesis, a
// set of keywords) is scored the way a detector is: count@k, first-hit
// rank, and its rate in the top k against the rate below it.
//
// The result is a Digest, written as audit.json by `ppldiff audit`, for an
// investigator, a person or an agent, to read.
package audit
