// Package lm holds the language models of ppldiff's embedded zoo and the
// Model API that in-process models and HTTP serving backends share:
// tokenizers (byte-level BPE and word-level), interpolated modified
// Kneser-Ney n-gram models, finetuning as continued counting, generation,
// teacher-forced scoring, and ARPA import and export.
package lm
