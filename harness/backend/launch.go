package backend

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ppldiff/ppldiff/harness/launcher"
)

// LaunchAll is the serving.launch key of a server that serves every model.
const LaunchAll = "*"

// launchedServers are the model servers a run started from serving.launch;
// Close stops them all (process groups, SIGTERM then SIGKILL).
type launchedServers struct {
	servers []*launcher.Server
}

// Endpoints are the base URLs of the launched servers.
func (l *launchedServers) Endpoints() []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(l.servers))
	for i, s := range l.servers {
		out[i] = s.Endpoint()
	}
	return out
}

// Close stops the servers, newest first.
func (l *launchedServers) Close() error {
	if l == nil {
		return nil
	}
	for _, s := range slices.Backward(l.servers) {
		s.Close()
	}
	l.servers = nil
	return nil
}

// launchSpec is one server to start: its template and placeholder values.
type launchSpec struct {
	name     string // the serving.launch key it came from
	template string
	vars     map[string]string
}

// launchSpecs picks the serving.launch templates a run needs: "*" always,
// and each served name the run uses. Templates are expanded with {model}
// (the served name) and {revision} (the manifest's pin, else "main");
// {port} and {host} are the launcher's. Two names giving the same command
// (a template without {model}) share one server. A key that names no model
// of the run is ignored, so one ppldiff.yaml can list servers for many
// organisms and a run starts only those it selects.
func launchSpecs(launch map[string]string, served []string, revisions map[string]string) ([]launchSpec, error) {
	var specs []launchSpec
	seen := map[string]bool{}
	add := func(name, template string, vars map[string]string) error {
		// Expanding with {port} and {host} left as they are identifies the
		// server independently of the port it will get.
		all := map[string]string{"port": "{port}", "host": "{host}"}
		for k, v := range vars {
			all[k] = v
		}
		argv, err := launcher.Expand(template, all)
		if err != nil {
			return settingf("serving.launch[%q]: %v (known placeholders: {port}, {host}, {model}, {revision}; {model} and {revision} only under a served name, not %q)", name, err, LaunchAll)
		}
		key := strings.Join(argv, "\x00")
		if !seen[key] {
			seen[key] = true
			specs = append(specs, launchSpec{name: name, template: template, vars: vars})
		}
		return nil
	}
	if t, ok := launch[LaunchAll]; ok {
		if err := add(LaunchAll, t, nil); err != nil {
			return nil, err
		}
	}
	for _, name := range served {
		t, ok := LookupFold(launch, name) // served names are case-sensitive Hugging Face ids
		if !ok {
			continue
		}
		rev := revisions[name]
		if rev == "" {
			rev = "main"
		}
		if err := add(name, t, map[string]string{"model": name, "revision": rev}); err != nil {
			return nil, err
		}
	}
	return specs, nil
}

// launchServers starts the servers of specs one after another (several
// large models loading at once can exhaust GPU memory) in dir, waiting for
// each to answer /health. On failure the servers already started are
// stopped and the error quotes the failing server's last output lines.
func launchServers(ctx context.Context, specs []launchSpec, dir string, timeout time.Duration, log *slog.Logger) (*launchedServers, error) {
	ls := &launchedServers{}
	for _, sp := range specs {
		out := &tailWriter{log: log, server: sp.name, keep: 20}
		log.Info("starting model server", "for", sp.name, "command", sp.template)
		srv, err := launcher.Start(ctx, launcher.Spec{Command: sp.template, Vars: sp.vars, Dir: dir,
			StartTimeout: timeout, Output: out})
		if err != nil {
			ls.Close()
			if tail := out.Tail(); tail != "" {
				err = fmt.Errorf("%w\nlast output of the server:\n%s", err, tail)
			}
			return nil, serverErr(fmt.Errorf("serving.launch[%q]: %w", sp.name, err))
		}
		log.Info("model server ready", "for", sp.name, "endpoint", srv.Endpoint(), "pid", srv.Pid())
		ls.servers = append(ls.servers, srv)
	}
	return ls, nil
}

// tailWriter logs a launched server's output line by line at debug level
// and keeps the last lines for error messages.
type tailWriter struct {
	log    *slog.Logger
	server string
	keep   int

	mu      sync.Mutex
	partial []byte
	lines   []string
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := string(bytes.TrimRight(w.partial[:i], "\r"))
		w.partial = w.partial[i+1:]
		w.log.Debug("server output", "for", w.server, "line", line)
		w.lines = append(w.lines, line)
		if len(w.lines) > w.keep {
			w.lines = w.lines[len(w.lines)-w.keep:]
		}
	}
	return len(p), nil
}

// Tail returns the last lines written, including an unterminated one.
func (w *tailWriter) Tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	lines := slices.Clone(w.lines)
	if len(w.partial) > 0 {
		lines = append(lines, string(w.partial))
	}
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}
