package launcher

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var helperBin string

// TestMain builds the helper server once for all tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "launcher-helper")
	if err != nil {
		panic(err)
	}
	helperBin = filepath.Join(dir, "helper")
	if out, err := exec.Command("go", "build", "-o", helperBin, "./testdata/helper").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building helper: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildHelper(*testing.T) string { return helperBin }

// alive reports whether pid runs; a zombie (killed, not yet reaped by
// whichever ancestor adopted it) counts as dead.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func TestExpand(t *testing.T) {
	argv, err := Expand("vllm serve {model} --revision {revision} --port {port} --tensor-parallel-size {tp}",
		map[string]string{"model": "org/m x", "revision": "abc", "port": "8000", "tp": "4"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"vllm", "serve", "org/m x", "--revision", "abc", "--port", "8000", "--tensor-parallel-size", "4"}
	if strings.Join(argv, "|") != strings.Join(want, "|") {
		t.Fatalf("argv %q, want %q", argv, want)
	}
	if _, err := Expand("x {nope}", nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown placeholder: %v", err)
	}
}

func TestStartHealthyAndClose(t *testing.T) {
	bin := buildHelper(t)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	s, err := Start(context.Background(), Spec{Command: bin + " -port {port} -delay {delay} -child",
		Vars: map[string]string{"delay": "300ms"}, Env: []string{"HELPER_CHILD_PID_FILE=" + pidFile},
		StartTimeout: 20 * time.Second, StopGrace: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.Endpoint() + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health after Start: %v %v", resp, err)
	}
	resp.Body.Close()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(string(b))
	pid := s.Pid()
	s.Close()
	if alive(pid) {
		t.Fatal("server still running after Close")
	}
	// The child is reaped by init after the kill; poll briefly.
	for i := 0; i < 50 && alive(child); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(child) {
		t.Fatalf("child %d outlived Close: process group not killed", child)
	}
}

func TestStartFailsClearly(t *testing.T) {
	bin := buildHelper(t)
	_, err := Start(context.Background(), Spec{Command: bin + " -port 1 -bogus-flag", StartTimeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "exited before becoming healthy") {
		t.Fatalf("want an early-exit error, got %v", err)
	}
	_, err = Start(context.Background(), Spec{Command: bin + " -port {port}", Host: "0.0.0.0"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback host must be refused: %v", err)
	}
}
