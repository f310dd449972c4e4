// Package lm holds the language models of ppldiff's embedded zoo and the
// Model API that in-process models and HTTP serving backends share:
// tokenizers (byte-level BPE and word-level), interpolated modified
// Kneser-Ney n-gram models, finetuning as continued counting, generation,
// teacher-forced scoring, and ARPA import and export.
//
// # Tokenizers
//
// Both families share one id layout: BOSToken 0, EOSToken 1, the 256 byte
// tokens 2..257, then learned tokens. Text is pre-tokenized on word
// boundaries (letters, digits or punctuation with one leading space;
// newline runs; other whitespace; pieces cut at 48 bytes). TrainBPE merges
// pairs inside pieces with incremental pair counts and a lazy max-heap (ties
// to the smaller pair); TrainWord keeps the most frequent pieces and falls
// back to bytes. ID is family + vocabulary size + a hash of the content.
//
// # Counts and KN
//
// Count builds a forward trie of raw counts: order-n n-grams are keyed by
// (id of their prefix, token) in open-addressing tables of uint64 keys,
// renumbered so that siblings are contiguous. Documents are padded with
// Order-1 BOS, so every token has a full context; adjusted counts are raw
// at the highest order and for n-grams starting with BOS, continuation
// counts below. NewKN derives adjusted counts, per-context statistics (sum,
// N1, N2, N3+) and per-order discounts; probabilities are computed at query
// time from them, so a scoring step costs one table lookup per order
// (knState carries the ids of the n-grams ending at the current position).
//
// # Finetuning as an overlay
//
// Finetune(objective, w) equals counting base + w copies of the objective
// documents. It never copies the base: the result shares the base's counts
// and adjusted counts and holds an overlay with the n-grams new to the base
// and the new values of every touched n-gram (and a copy of the unigram
// level, which is vocabulary-sized). Raw counts grow by w times the
// objective's; a continuation count grows by one per left extension that is
// new to the model (levels are processed top-down so this reads the old
// values); count-of-counts and context statistics are updated for the
// touched n-grams only, and the discounts re-estimated from them. Lookups
// consult the base and then the overlay.
//
// # Generation
//
// At temperature 1 without nucleus filtering, sampling follows the
// interpolation: at the longest context with continuations, with
// probability 1 - gamma it picks an observed continuation in proportion to
// its discounted count, else it backs off one order; below the unigrams it
// draws uniformly. Greedy decoding is exact without scanning every
// continuation: a token's probability is its value interpolated up to the
// longest level where it was observed, times the backoff weights above, so
// each context level's continuations are walked in order of that value
// (sorted once per context, in a bounded per-model cache) until they cannot
// beat the best so far; the unobserved tokens are represented by the most
// probable unigram among them (a list sorted once). Other settings build
// the full distribution. Reported logprobs are always the raw model's. Sample j of a
// prompt uses a PCG seeded from SHA-256(seed, j, prompt ids).
//
// # ARPA
//
// WriteARPA writes a KN as an equivalent backoff model: each stored n-gram
// gets its interpolated log10 probability and each context its gamma as
// backoff weight; unigrams list the whole vocabulary in id order. Word
// strings are the tokens' bytes with bytes outside 0x21-0x7e, backslash and
// a leading '<' escaped as \xHH; BOS and EOS are <s> and </s>. ReadARPA
// reads any ARPA file; EvalWords scores whitespace words over it the way
// IRSTLM's compile-lm --eval does, OOV penalty included (see EvalWords).
//
// # Caches
//
// KN.WriteTo stores the base counts and each finetune step (weight,
// objective counts); ReadKN replays them. WriteTokenizer/ReadTokenizer store
// the learned tokens (and BPE merges).
package lm
