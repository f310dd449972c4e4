// Package corpus reads the user corpora that prefills are drawn from.
//
// A corpus is a file, a directory of shards (its files in name order, dot
// files left out) or a glob of shards ("c4/*.json.gz", matches in name
// order); shards are read one after another as one corpus, each document's
// Source naming its shard. Every shard must have a supported extension.
// Hash fingerprints a corpus for the store: a file by its bytes, shards by
// their names and bytes.
//
// Open picks each file's format from its name (case-insensitive):
//
//   - .txt: documents are separated by one or more blank lines (lines empty
//     or holding only whitespace); a document is its lines joined with "\n",
//     each line kept as written apart from its "\n" or "\r\n" ending. With
//     Options.LinePerDoc every non-blank line is a document instead.
//     Every line must be UTF-8 text: a NUL byte or invalid UTF-8 is an
//     error naming file and line (not silently U+FFFD in a prefill).
//   - .jsonl, and .json as C4 names its JSON-lines shards: one JSON object
//     per line; the document is the string in Options.TextField (default
//     "text"). Blank lines are ignored. Lines of any length are read (there
//     is no 64 KiB line limit). A line with invalid UTF-8 is a malformed
//     record.
//   - .txt.gz, .jsonl.gz, .json.gz, and the same with .zst: gzip- or
//     zstd-compressed, decoded as a stream.
//   - .parquet: the document is the value of the top-level string
//     (BYTE_ARRAY) column named by Options.TextField (default "text"),
//     streamed page by page.
//
// A UTF-8 byte order mark at the start of a text file is dropped. Documents
// whose text is empty or only whitespace are skipped and counted in
// Warnings under SkipEmpty.
//
// A Reader yields Docs in file order with a dense Index from 0 and a Source
// of the form "web.jsonl:17" (1-based line where the document starts) or
// "web.parquet:row=16" (0-based row), using the file's base name only.
//
// # Bad input
//
// Every problem with the corpus file itself is an *InputError, which
// matches ErrBadInput under errors.Is and names the file and, where it can,
// the place: "path:LINE: ..." for a line, "path:row=N: ..." for a parquet row,
// "path:compressed byte N: ..." for a damaged zstd stream (the offset is where
// the decoder had read up to when it failed). Cases:
//
//   - a missing file (also matches fs.ErrNotExist), a directory, an unknown
//     extension (the message lists Extensions);
//   - a corrupt or truncated .gz or .zst stream, or a file that is not one;
//   - a directory without corpus files, a glob that matches none, a shard
//     with an unsupported extension;
//   - an unreadable parquet file, a missing text column (the message lists
//     the columns), a column that is not a string column;
//   - a record that is malformed: a .jsonl line that is not a JSON object, a
//     missing, null or non-string text field, invalid UTF-8, a null parquet
//     value. With
//     Options.SkipBad these records are skipped instead and counted in
//     Warnings by SkipReason, with the first few quoted;
//   - a file that yields no document at all (empty, only blank lines, or
//     every record skipped): Next returns an InputError instead of io.EOF.
//
// Other errors (a failing disk) are returned wrapped, without ErrBadInput.
package corpus
