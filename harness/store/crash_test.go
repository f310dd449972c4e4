package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The crash test re-runs this test binary as a child that writes batches
// until it is killed. These variables tell the child what to do.
const (
	crashChildEnv   = "PPLDIFF_STORE_CRASH_CHILD"
	crashBatchSize  = 50
	crashTokens     = 100
	crashRounds     = 3
	crashAfterLines = 4 // batches the child reports before the parent kills it
)

func crashKey(writer string, batch, i int) string {
	return testKey(writer, batch, i)
}

// TestCrashChild is the child side: it does nothing unless started by
// TestKillMidWriteLosesOnlyTheOpenBatch.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("helper process for TestKillMidWriteLosesOnlyTheOpenBatch")
	}
	writer := os.Getenv(crashChildEnv + "_WRITER")
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for b := 0; ; b++ {
		batch := make([]Completion, crashBatchSize)
		for i := range batch {
			batch[i] = syntheticCompletion(crashKey(writer, b, i), crashTokens)
		}
		if err := s.PutCompletions(context.Background(), batch); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintf(out, "committed %d\n", b)
		out.Flush()
	}
}

// TestKillMidWriteLosesOnlyTheOpenBatch kills a writing child process with
// SIGKILL while the parent writes to the same file, reopens, and checks that
// the file is sound, every reported batch is present, every batch is either
// whole or absent, and every present row decodes to exactly what was written.
func TestKillMidWriteLosesOnlyTheOpenBatch(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("running as the child")
	}
	ctx := context.Background()
	path := tempPath(t)
	parentBatches := 0
	for round := range crashRounds {
		writer := fmt.Sprintf("child%d", round)
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path, crashChildEnv+"_WRITER="+writer)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}

		// The parent writes its own batches meanwhile: a second process
		// contending for the write lock.
		parent, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		lastReported := -1
		lines := bufio.NewScanner(stdout)
		for lastReported+1 < crashAfterLines && lines.Scan() {
			n, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "committed "))
			if err != nil {
				t.Fatalf("child said %q", lines.Text())
			}
			lastReported = n
			batch := make([]Completion, crashBatchSize)
			for i := range batch {
				batch[i] = syntheticCompletion(crashKey("parent", parentBatches, i), crashTokens)
			}
			if err := parent.PutCompletions(ctx, batch); err != nil {
				t.Fatal(err)
			}
			parentBatches++
		}
		if lastReported+1 < crashAfterLines {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child stopped after %d batches", round, lastReported+1)
		}
		// The child spends most of its time inside a transaction, so the
		// kill usually lands mid-batch; the checks hold either way.
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		parent.Close()

		s, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if err := s.IntegrityCheck(ctx); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		present := checkBatches(t, s, writer, lastReported, crashTokens)
		checkBatches(t, s, "parent", parentBatches-1, crashTokens)
		s.Close()
		t.Logf("round %d: child reported %d batches before SIGKILL, %d found whole", round, lastReported+1, present)
	}
}

// checkBatches verifies writer's batches: 0..mustHave must be whole, and
// later ones (committed before the kill but not yet read by the parent)
// whole or absent. Batches are written in order, so the first absent batch
// after mustHave ends the check.
func checkBatches(t *testing.T, s *Store, writer string, mustHave, tokens int) (present int) {
	t.Helper()
	ctx := context.Background()
	for b := 0; ; b++ {
		keys := make([]string, crashBatchSize)
		for i := range keys {
			keys[i] = crashKey(writer, b, i)
		}
		got, err := s.GetCompletions(ctx, keys)
		if err != nil {
			t.Fatalf("%s batch %d: %v", writer, b, err)
		}
		if len(got) == 0 && b > mustHave {
			return b
		}
		if len(got) != crashBatchSize {
			t.Fatalf("%s batch %d: %d of %d rows present; a batch must be whole or absent (reported up to %d)",
				writer, b, len(got), crashBatchSize, mustHave)
		}
		for _, k := range keys {
			if diff := cmp.Diff(syntheticCompletion(k, tokens), got[k]); diff != "" {
				t.Fatalf("%s batch %d: row differs from what was written (-want +got):\n%s", writer, b, diff)
			}
		}
	}
}
