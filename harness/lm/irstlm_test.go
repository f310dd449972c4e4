package lm

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const irstlmBin = "/usr/lib/irstlm/bin"

// zipfMarkovText writes sentences of whitespace words: each word is either
// drawn from a Zipf(1) law over vocab words or, with probability markov,
// a deterministic function of the previous word plus a small Zipf offset,
// so that n-grams repeat. Lines are wrapped in <s> ... </s> as IRSTLM's
// add-start-end.sh does.
func zipfMarkovText(r *rand.Rand, sentences, vocab int, markov float64) []byte {
	cum := make([]float64, vocab)
	total := 0.0
	for i := range cum {
		total += 1 / float64(i+1)
		cum[i] = total
	}
	zipf := func() int {
		u := r.Float64() * total
		lo, hi := 0, vocab-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cum[mid] < u {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return lo
	}
	var b bytes.Buffer
	for range sentences {
		n := 3 + r.IntN(18)
		prev := zipf()
		b.WriteString("<s>")
		for range n {
			w := zipf()
			if r.Float64() < markov {
				w = (prev*31 + zipf()%7) % vocab
			}
			fmt.Fprintf(&b, " w%d", w)
			prev = w
		}
		b.WriteString(" </s>\n")
	}
	return b.Bytes()
}

var (
	irstNgramLine = regexp.MustCompile(`^(.*)\t1 \[(\d+)-gram\] (\S+)$`)
	irstSummary   = regexp.MustCompile(`(?m)^%% Nw=(\d+) .* Noov=(\d+) .* logPr=(\S+)\s*$`)
)

// TestIRSTLMParity builds a trigram with IRSTLM's tlm (modified shift-beta),
// reads it with ReadARPA and checks EvalWords against compile-lm --eval.
func TestIRSTLMParity(t *testing.T) {
	if _, err := os.Stat(filepath.Join(irstlmBin, "tlm")); err != nil {
		t.Skip("IRSTLM not installed (apt-get install irstlm)")
	}
	if testing.Short() {
		t.Skip("builds an IRSTLM model")
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(2026, 11))
	train := zipfMarkovText(r, 20000, 50000, 0.2)
	test := zipfMarkovText(r, 1000, 50000, 0.2)
	test = append(test, "<s> zzz unknownword w1 qqq </s>\n"...)
	must(t, os.WriteFile(filepath.Join(dir, "train.se"), train, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "test.se"), test, 0o644))
	run := func(name string, args ...string) string {
		cmd := exec.Command(filepath.Join(irstlmBin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "IRSTLM=/usr/lib/irstlm")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	run("tlm", "-tr=train.se", "-n=3", "-lm=msb", "-o=model.arpa")
	f, err := os.Open(filepath.Join(dir, "model.arpa"))
	must(t, err)
	m, err := ReadARPA(f)
	f.Close()
	must(t, err)

	for _, dub := range []float64{DefaultDictUpperBound, float64(len(m.Words()) + 10)} {
		got, err := EvalWords(m, bytes.NewReader(test), dub)
		must(t, err)
		dubArg := "--dub=" + strconv.FormatFloat(dub, 'f', 0, 64)
		var lines []string
		sc := bufio.NewScanner(strings.NewReader(run("compile-lm", "model.arpa", "--eval=test.se", "--debug=2", dubArg)))
		for sc.Scan() {
			if irstNgramLine.MatchString(sc.Text()) {
				lines = append(lines, sc.Text())
			}
		}
		if len(lines) != len(got.Words) {
			t.Fatalf("dub %g: compile-lm scored %d n-grams, EvalWords %d", dub, len(lines), len(got.Words))
		}
		for i, l := range lines {
			mm := irstNgramLine.FindStringSubmatch(l)
			order, _ := strconv.Atoi(mm[2])
			want, _ := strconv.ParseFloat(mm[3], 64)
			w := got.Words[i]
			if w.String() != mm[1] || w.Order != order || math.Abs(w.Log10-want) > 0.005+1e-9 {
				t.Fatalf("dub %g, n-gram %d: compile-lm %q, EvalWords %q [%d-gram] %.4f", dub, i, l, w, w.Order, w.Log10)
			}
		}
		summary := irstSummary.FindStringSubmatch(run("compile-lm", "model.arpa", "--eval=test.se", "--debug=1", dubArg))
		if summary == nil || summary[3] == "" {
			t.Fatal("no compile-lm summary with logPr")
		}
		nw, _ := strconv.Atoi(summary[1])
		noov, _ := strconv.Atoi(summary[2])
		logPr, _ := strconv.ParseFloat(summary[3], 64)
		if nw != got.Nw || noov != got.Noov {
			t.Errorf("dub %g: Nw=%d Noov=%d, compile-lm Nw=%d Noov=%d", dub, got.Nw, got.Noov, nw, noov)
		}
		if got.Nw < 10000 || got.Noov == 0 {
			t.Errorf("test text too small: Nw=%d Noov=%d", got.Nw, got.Noov)
		}
		// compile-lm prints logPr with 2 decimals; ARPA values carry 6
		// significant digits, so allow their rounding per word on top.
		if tol := 0.005 + 1e-6*float64(got.Nw); math.Abs(got.LogPr-logPr) > tol {
			t.Errorf("dub %g: logPr %.4f, compile-lm %.2f (tolerance %.4f)", dub, got.LogPr, logPr, tol)
		}
		t.Logf("dub %g: Nw=%d Noov=%d logPr=%.3f (compile-lm %.2f) PP=%.2f", dub, got.Nw, got.Noov, got.LogPr, logPr, got.PP())
	}
}
