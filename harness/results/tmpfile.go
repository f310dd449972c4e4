package results

// Temporary files of atomic writes are named after the process that writes
// them, so that a later process can remove the ones an interrupted writer
// (kill -9, power loss) left behind without touching those a live writer is
// still filling. The zoo's model cache uses them too.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// CreateTemp creates a temporary file in dir for an atomic write of the
// file named base: ".<base>.tmp-<pid>-<random>". It is made 0644, as the
// file it becomes must be: os.CreateTemp's 0600 would keep results, reports
// and a shared model cache from other users.
func CreateTemp(dir, base string) (*os.File, error) {
	f, err := os.CreateTemp(dir, tempPrefix(base)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

func tempPrefix(base string) string { return "." + base + ".tmp-" }

// CleanTempFiles removes the temporary files for base in dir whose writer
// is no longer running, and returns their paths. Files of older ppldiff
// versions (".<base>.tmp<random>", no pid) are removed too.
func CleanTempFiles(dir, base string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "."+base+".tmp") || e.IsDir() {
			continue
		}
		if rest, ok := strings.CutPrefix(name, tempPrefix(base)); ok {
			pidText, _, _ := strings.Cut(rest, "-")
			if pid, err := strconv.Atoi(pidText); err == nil && alive(pid) {
				continue
			}
		}
		p := filepath.Join(dir, name)
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}

// alive reports whether a process with this pid runs on this machine.
func alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || err == syscall.EPERM
}
