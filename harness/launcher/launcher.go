package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Spec says how to start one server.
type Spec struct {
	// Command is split on whitespace into arguments (no shell, no quoting),
	// then each {name} placeholder is replaced inside its argument, so a
	// value with spaces stays one argument. {port} and {host} are filled in;
	// the rest come from Vars (e.g. model, revision, tp).
	Command string
	Vars    map[string]string
	// Host is the loopback address to bind (default 127.0.0.1).
	Host string
	// HealthPath is polled until 200 (default /health).
	HealthPath string
	// StartTimeout bounds the wait for health (default 10 min: large models
	// load slowly).
	StartTimeout time.Duration
	// StopGrace is the wait between SIGTERM and SIGKILL (default 10 s).
	StopGrace time.Duration
	Env       []string  // added to the current environment
	Dir       string    // working directory
	Output    io.Writer // stdout and stderr of the server; nil discards
}

// Server is a running server process.
type Server struct {
	cmd      *exec.Cmd
	endpoint string
	grace    time.Duration
	done     chan struct{}
	waitErr  error
}

var placeholder = regexp.MustCompile(`\{([a-z_][a-z0-9_]*)\}`)

// Expand returns the argv of spec.Command with placeholders filled in; an
// unknown placeholder is an error.
func Expand(command string, vars map[string]string) ([]string, error) {
	fields := strings.Fields(command)
	if len(fields) == 0 {
		return nil, errors.New("launcher: empty command")
	}
	var missing []string
	for i, f := range fields {
		fields[i] = placeholder.ReplaceAllStringFunc(f, func(m string) string {
			name := m[1 : len(m)-1]
			v, ok := vars[name]
			if !ok {
				missing = append(missing, name)
			}
			return v
		})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("launcher: command template uses unknown placeholders %v", missing)
	}
	return fields, nil
}

// freePort asks the kernel for a free port on host. Another process could
// take it before the server binds; Start then fails on health, clearly.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start launches the server and waits for it to be healthy.
func Start(ctx context.Context, spec Spec) (*Server, error) {
	if spec.Host == "" {
		spec.Host = "127.0.0.1"
	}
	if ip := net.ParseIP(spec.Host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("launcher: host %q is not a loopback address", spec.Host)
	}
	if spec.HealthPath == "" {
		spec.HealthPath = "/health"
	}
	if spec.StartTimeout <= 0 {
		spec.StartTimeout = 10 * time.Minute
	}
	if spec.StopGrace <= 0 {
		spec.StopGrace = 10 * time.Second
	}
	port, err := freePort(spec.Host)
	if err != nil {
		return nil, fmt.Errorf("launcher: finding a free port: %w", err)
	}
	vars := map[string]string{"port": strconv.Itoa(port), "host": spec.Host}
	for k, v := range spec.Vars {
		vars[k] = v
	}
	argv, err := Expand(spec.Command, vars)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Close kills the group
	cmd.Env = append(os.Environ(), spec.Env...)
	cmd.Dir = spec.Dir
	out := spec.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("launcher: starting %s: %w", argv[0], err)
	}
	s := &Server{cmd: cmd, endpoint: "http://" + net.JoinHostPort(spec.Host, strconv.Itoa(port)),
		grace: spec.StopGrace, done: make(chan struct{})}
	go func() { s.waitErr = cmd.Wait(); close(s.done) }()
	if err := s.waitHealthy(ctx, spec.HealthPath, spec.StartTimeout); err != nil {
		s.Close()
		return nil, fmt.Errorf("launcher: %s: %w", argv[0], err)
	}
	return s, nil
}

func (s *Server) waitHealthy(ctx context.Context, path string, timeout time.Duration) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.endpoint+path, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("exited before becoming healthy: %v", s.waitErr)
		case <-ctx.Done():
			if err := parent.Err(); err != nil {
				// Cancelled by the caller (an interrupted run), not a slow server.
				return fmt.Errorf("waiting for %s%s: %w", s.endpoint, path, err)
			}
			return fmt.Errorf("not healthy at %s%s after %v", s.endpoint, path, timeout)
		case <-tick.C:
		}
	}
}

// Endpoint is the server's base URL.
func (s *Server) Endpoint() string { return s.endpoint }

// Pid is the server's process id (also its process group id).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Close stops the process group: SIGTERM, then SIGKILL after the grace.
func (s *Server) Close() error {
	pgid := s.cmd.Process.Pid
	select {
	case <-s.done:
		return nil
	default:
	}
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(s.grace):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.done
	}
	// Children that ignored SIGTERM but outlived the leader.
	syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}
