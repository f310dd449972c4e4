package lm

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkEvalVsIRSTLM scores the same text under the same ARPA trigram
// (built by IRSTLM's tlm) with EvalWords and with IRSTLM's compile-lm
// --eval, and reports both throughputs and their ratio measured in this
// one run. compile-lm's time is a process that loads the binary model
// (model.blm, which it writes on first use) and evaluates, minus the same
// process on a one-sentence text: the model load and process start are
// taken out, as EvalWords runs on a model already in memory.
//
//	go test -run '^$' -bench EvalVsIRSTLM -benchtime 10x ./harness/lm
func BenchmarkEvalVsIRSTLM(b *testing.B) {
	if _, err := os.Stat(filepath.Join(irstlmBin, "compile-lm")); err != nil {
		b.Skip("IRSTLM not installed (apt-get install irstlm)")
	}
	dir := b.TempDir()
	r := rand.New(rand.NewPCG(2026, 12))
	train := zipfMarkovText(r, 20000, 50000, 0.2)
	test := zipfMarkovText(r, 40000, 50000, 0.2)
	one := zipfMarkovText(r, 1, 50000, 0.2)
	must(b, os.WriteFile(filepath.Join(dir, "train.se"), train, 0o644))
	must(b, os.WriteFile(filepath.Join(dir, "test.se"), test, 0o644))
	must(b, os.WriteFile(filepath.Join(dir, "one.se"), one, 0o644))
	irst := func(name string, args ...string) time.Duration {
		cmd := exec.Command(filepath.Join(irstlmBin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "IRSTLM=/usr/lib/irstlm")
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return time.Since(start)
	}
	irst("tlm", "-tr=train.se", "-n=3", "-lm=msb", "-o=model.arpa")
	irst("compile-lm", "model.arpa", "model.blm")
	f, err := os.Open(filepath.Join(dir, "model.arpa"))
	must(b, err)
	m, err := ReadARPA(f)
	f.Close()
	must(b, err)
	res, err := EvalWords(m, bytes.NewReader(test), DefaultDictUpperBound)
	must(b, err)
	words := float64(res.Nw)

	// compile-lm: the median of 5 runs of each, full text and one sentence.
	var full, empty []time.Duration
	for range 5 {
		full = append(full, irst("compile-lm", "model.blm", "--eval=test.se"))
		empty = append(empty, irst("compile-lm", "model.blm", "--eval=one.se"))
	}
	slices.Sort(full)
	slices.Sort(empty)
	irstScoring := full[2] - empty[2]
	if irstScoring <= 0 {
		b.Fatalf("compile-lm took no longer on %d words than on one sentence", res.Nw)
	}

	b.ResetTimer()
	for b.Loop() {
		if _, err := EvalTotals(m, bytes.NewReader(test), DefaultDictUpperBound); err != nil {
			b.Fatal(err)
		}
	}
	ours := words / (b.Elapsed().Seconds() / float64(b.N))
	theirs := words / irstScoring.Seconds()
	b.ReportMetric(ours, "ours-words/s")
	b.ReportMetric(theirs, "irstlm-words/s")
	b.ReportMetric(ours/theirs, "ratio")
}

// TestEvalTotalsMatchesEvalWords: the totals-only path gives the same sums.
func TestEvalTotalsMatchesEvalWords(t *testing.T) {
	const arpa = `\data\
ngram 1=6
ngram 2=3

\1-grams:
-1.0 <unk>
-99 <s> -0.5
-0.7 </s>
-0.5 w1 -0.3
-0.6 w2 -0.2
-0.8 w3

\2-grams:
-0.2 <s> w1
-0.3 w1 w2
-0.4 w2 </s>

\end\
`
	m, err := ReadARPA(strings.NewReader(arpa))
	must(t, err)
	text := "<s> w1 w2 </s>\n<s> w3 unseenword w1 w2 </s>\n"
	a, err := EvalWords(m, strings.NewReader(text), DefaultDictUpperBound)
	must(t, err)
	b, err := EvalTotals(m, strings.NewReader(text), DefaultDictUpperBound)
	must(t, err)
	if a.Nw != b.Nw || a.Noov != b.Noov || a.LogPr != b.LogPr || b.Words != nil || a.Noov != 1 || a.Nw != 8 {
		t.Fatalf("EvalWords Nw=%d Noov=%d LogPr=%g; EvalTotals Nw=%d Noov=%d LogPr=%g words=%d", a.Nw, a.Noov, a.LogPr, b.Nw, b.Noov, b.LogPr, len(b.Words))
	}
}
