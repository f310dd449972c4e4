package remote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/remote"
)

// simServer imitates a vLLM engine that runs one batch at a time and takes
// batchTime per request (a batch of up to 32 prompts); its answers are
// canned so that nearly all CPU measured in the process is the client's.
type simServer struct {
	engine    sync.Mutex
	batchTime time.Duration
	busy      time.Duration // guarded by engine
	gen, echo []byte
}

func newSimServer(batchTime time.Duration, prompts, tokens int) *simServer {
	s := &simServer{batchTime: batchTime}
	choice := func(i int) map[string]any {
		ids := make([]int, tokens)
		strs := make([]string, tokens)
		lps := make([]float64, tokens)
		for k := range ids {
			ids[k] = 1000 + k
			strs[k] = fmt.Sprintf("token_id:%d", ids[k])
			lps[k] = -1.5
		}
		return map[string]any{"index": i, "text": "", "finish_reason": "length", "stop_reason": nil, "token_ids": ids,
			"logprobs": map[string]any{"token_logprobs": lps, "tokens": strs, "text_offset": make([]int, tokens)}}
	}
	var cs []map[string]any
	for i := range prompts {
		cs = append(cs, choice(i))
	}
	s.gen, _ = json.Marshal(map[string]any{"choices": cs})
	s.echo, _ = json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "finish_reason": "length",
		"logprobs": map[string]any{"token_logprobs": []any{nil, -1.0, -2.0, -3.0},
			"tokens": []string{"token_id:1", "token_id:2", "token_id:3", "token_id:4"}}}}})
	return s
}

func (s *simServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/models":
		io.WriteString(w, `{"object":"list","data":[{"id":"sim","root":"sim","parent":null}]}`)
	case "/tokenize":
		io.WriteString(w, `{"count":4,"tokens":[1,2,3,4]}`)
	case "/v1/completions":
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"echo":true`)) {
			w.Write(s.echo)
			return
		}
		s.engine.Lock()
		start := time.Now()
		time.Sleep(s.batchTime)
		s.busy += time.Since(start)
		s.engine.Unlock()
		w.Write(s.gen)
	default:
		http.NotFound(w, r)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkClientOverhead: 20 ms per batch of 32 prompts x 64 tokens.
// Reports process CPU (client plus the canned server's HTTP handling, an
// upper bound on the client's) per unit of server busy time, and the
// fraction of wall time the simulated engine was busy.
func BenchmarkClientOverhead(b *testing.B) {
	const batch, tokens, batchesPerOp = 32, 64, 16
	sim := newSimServer(20*time.Millisecond, batch, tokens)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := remote.New(context.Background(), remote.Options{Endpoints: []string{srv.URL}})
	if err != nil {
		b.Fatal(err)
	}
	m, err := c.Model("sim")
	if err != nil {
		b.Fatal(err)
	}
	ps := make([][]int, batch*batchesPerOp)
	for i := range ps {
		ps[i] = make([]int, 40)
		for k := range ps[i] {
			ps[i][k] = 100 + (i+k)%500
		}
	}
	req := lm.GenerateRequest{Prompts: ps, N: 1, MaxNewTokens: tokens, Temperature: 1, Seed: 1}
	sim.engine.Lock()
	sim.busy = 0
	sim.engine.Unlock()
	cpu0, wall0 := cpuTime(), time.Now()
	b.ResetTimer()
	for range b.N {
		if _, err := m.Generate(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	sim.engine.Lock()
	busy := sim.busy
	sim.engine.Unlock()
	b.ReportMetric(100*float64(cpu)/float64(busy), "%cpu/server-time")
	b.ReportMetric(100*float64(busy)/float64(wall), "%server-busy")
}
