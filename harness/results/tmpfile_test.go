package results

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

func TestCleanRemovesOnlyDeadWritersFiles(t *testing.T) {
	dir := t.TempDir()
	// A finished process: its pid is free (until reused, which a test
	// cannot rule out, hence the check below).
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	if alive(dead) {
		t.Skipf("pid %d was reused already", dead)
	}
	mine, err := CreateTemp(dir, "samples.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	mine.Close()
	files := map[string]bool{
		".samples.jsonl.tmp-" + strconv.Itoa(dead) + "-123": true,  // killed writer
		".samples.jsonl.tmp456789":                          true,  // older naming
		filepath.Base(mine.Name()):                          false, // this live process
		".results.json.tmp-" + strconv.Itoa(dead) + "-1":    false, // another file's
		"samples.jsonl":                                     false,
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed := CleanTempFiles(dir, "samples.jsonl")
	for name, gone := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone != os.IsNotExist(err) {
			t.Errorf("%s: removed %v, want %v", name, os.IsNotExist(err), gone)
		}
		if gone != slices.Contains(removed, filepath.Join(dir, name)) {
			t.Errorf("%s: reported %v, want %v", name, !gone, gone)
		}
	}
}
