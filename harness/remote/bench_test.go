package remote_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/remote"
)

// simServerEnv, when set in the environment of this test binary, turns it
// into the simulated vLLM server of BenchmarkClientOverhead (see TestMain):
// the server runs in its own process so that the benchmark process's CPU
// time is the client's alone.
const simServerEnv = "PPLDIFF_REMOTE_SIMSERVER"

// Shape of the simulated workload: the 20 ms per batch of 32. The
// number of new tokens per completion is the sub-benchmark's (the simulated
// server reads it from simTokensEnv).
const (
	simBatchTime = 20 * time.Millisecond
	simBatchEnv  = "PPLDIFF_REMOTE_SIMBATCHTIME" // overrides simBatchTime in the helper
	simBatch     = 32
	simPromptLen = 40
	simEOS       = 151643
	simTokensEnv = "PPLDIFF_REMOTE_SIMTOKENS"
)

// simTokenCounts are the completion lengths benchmarked: the pipeline's
// default max_new_tokens (32) and twice that.
var simTokenCounts = []int{32, 64}

func TestMain(m *testing.M) {
	if addr := os.Getenv(simTickEnv); addr != "" {
		if err := runTicker(addr); err != nil {
			fmt.Fprintln(os.Stderr, "ticker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(simServerEnv) != "" {
		if err := runSimServer(); err != nil {
			fmt.Fprintln(os.Stderr, "simserver:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// simServer imitates a vLLM engine that runs one batch at a time, taking
// batchTime per generation request. Its answers are precomputed bytes, so
// it spends almost no CPU itself.
type simServer struct {
	engine    sync.Mutex
	batchTime time.Duration
	busy      time.Duration // guarded by engine
	gen, echo []byte
}

// runSimServer serves on a loopback port, prints the address on stdout and
// exits when stdin closes (the benchmark closes it, or dies).
func runSimServer() error {
	tokens, err := strconv.Atoi(os.Getenv(simTokensEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", simTokensEnv, err)
	}
	batchTime := simBatchTime
	if d, err := time.ParseDuration(os.Getenv(simBatchEnv)); err == nil {
		batchTime = d
	}
	s := &simServer{batchTime: batchTime, gen: remote.SimGenerationBody(simBatch, tokens, simPromptLen, simEOS), echo: simEchoBody()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	go exitWhenStdinCloses()
	return http.Serve(ln, s)
}

// exitWhenStdinCloses ends a helper process when the benchmark that
// started it closes its stdin, or dies.
func exitWhenStdinCloses() {
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

func (s *simServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/models":
		io.WriteString(w, `{"object":"list","data":[{"id":"sim","object":"model","created":1700000000,"owned_by":"vllm","root":"sim","parent":null,"max_model_len":4096}]}`)
	case "/tokenize":
		io.WriteString(w, `{"count":4,"max_model_len":4096,"tokens":[1,2,3,4],"token_strs":null}`)
	case "/sim/busy":
		s.engine.Lock()
		busy := s.busy
		s.engine.Unlock()
		io.WriteString(w, strconv.FormatInt(int64(busy), 10))
	case "/v1/completions":
		// Only the probe scores (echo); everything else is a generation
		// batch. A substring test keeps the server's CPU negligible.
		body, _ := io.ReadAll(r.Body)
		// uvicorn sends a length with every JSON answer, as vLLM's do.
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(body), `"echo":true`) {
			writeJSON(w, s.echo)
			return
		}
		s.engine.Lock()
		start := time.Now()
		time.Sleep(s.batchTime)
		s.busy += time.Since(start)
		s.engine.Unlock()
		writeJSON(w, s.gen)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// simEchoBody answers the capability probe: echo of the 4 ids /tokenize
// gave, with the leading null.
func simEchoBody() []byte {
	return []byte(`{"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"sim","choices":[` +
		`{"index":0,"text":"","logprobs":{"text_offset":[0,10,20,30],"token_logprobs":[null,-1.0,-2.0,-3.0],` +
		`"tokens":["token_id:1","token_id:2","token_id:3","token_id:4"],` +
		`"top_logprobs":[null,{"token_id:2":-1.0},{"token_id:3":-2.0},{"token_id:4":-3.0}]},` +
		`"finish_reason":"length","stop_reason":null,"token_ids":[1,2,3,4],"prompt_logprobs":null,"prompt_token_ids":[1,2,3,4]}],` +
		`"usage":{"prompt_tokens":4,"completion_tokens":0,"total_tokens":4}}`)
}

// startSimServer re-executes this test binary as the simulated server,
// answering every generation batch with completions of the given number of
// tokens, and returns its base URL.
func startSimServer(b *testing.B, tokens int, env ...string) string {
	b.Helper()
	addr, err := startHelper(b, append(env, simServerEnv+"=1", simTokensEnv+"="+strconv.Itoa(tokens))...).ReadString('\n')
	if err != nil {
		b.Fatalf("simulated server did not start: %v", err)
	}
	return "http://" + strings.TrimSpace(addr)
}

// startHelper re-executes this test binary with env added (TestMain then
// runs a helper instead of tests) and returns its stdout. At cleanup its
// stdin is closed, on which it exits (exitWhenStdinCloses).
func startHelper(b *testing.B, env ...string) *bufio.Reader {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	return bufio.NewReader(stdout)
}

func simBusy(b *testing.B, base string) time.Duration {
	b.Helper()
	resp, err := http.Get(base + "/sim/busy")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	ns, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return time.Duration(ns)
}

// processCPU is the user+system CPU time of this process (the client; the
// simulated server is another process).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureAgainstServer runs op b.N times against a simulated server and
// reports the client's CPU time per unit of server busy time, the median
// over ops and over the whole run, and the fraction of wall time the
// simulated engine was busy. The median is the headline: on a shared
// virtual machine a stall of the host now and then inflates the CPU time
// of whichever ops it hits, by several times. One untimed op first opens
// the connections, as a long run has them open.
func measureAgainstServer(b *testing.B, base string, op func() error) {
	b.Helper()
	if err := op(); err != nil {
		b.Fatal(err)
	}
	var cpuTotal, busyTotal time.Duration
	ratios := make([]float64, 0, b.N)
	wall0 := time.Now()
	b.ResetTimer()
	for range b.N {
		busy0 := simBusy(b, base)
		cpu0 := processCPU()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		cpu := processCPU() - cpu0
		busy := simBusy(b, base) - busy0
		cpuTotal += cpu
		busyTotal += busy
		ratios = append(ratios, float64(cpu)/float64(busy))
	}
	b.StopTimer()
	wall := time.Since(wall0)
	slices.Sort(ratios)
	b.ReportMetric(100*ratios[len(ratios)/2], "%cpu/server-time")
	b.ReportMetric(100*float64(cpuTotal)/float64(busyTotal), "%cpu/server-time-mean")
	b.ReportMetric(100*float64(busyTotal)/float64(wall), "%server-busy")
}

// batchesPerOp is the number of generation batches one benchmark op sends.
const batchesPerOp = 16

// BenchmarkClientOverhead generates against a simulated vLLM server in a
// separate process that takes 20 ms per batch of 32 prompts, with
// remote.Options defaults (concurrency 16, batch size 32). Compare with
// BenchmarkHTTPFloor, the cost of the bare HTTP exchanges alone.
func BenchmarkClientOverhead(b *testing.B) {
	for _, tokens := range simTokenCounts {
		b.Run(fmt.Sprintf("tokens=%d", tokens), func(b *testing.B) {
			base := startSimServer(b, tokens)
			c, err := remote.New(context.Background(), remote.Options{Endpoints: []string{base}})
			if err != nil {
				b.Fatal(err)
			}
			m, err := c.Model("sim")
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			ps := make([][]int, simBatch*batchesPerOp)
			for i := range ps {
				ps[i] = make([]int, simPromptLen)
				for k := range ps[i] {
					ps[i][k] = rng.IntN(150000)
				}
			}
			req := lm.GenerateRequest{Prompts: ps, N: 1, MaxNewTokens: tokens, Temperature: 1, Seed: 1}
			measureAgainstServer(b, base, func() error {
				gens, err := m.Generate(context.Background(), req)
				if err != nil {
					return err
				}
				if len(gens) != len(ps) || len(gens[0].Tokens) != tokens || len(gens[3].Tokens) != tokens*3/4-1 {
					return fmt.Errorf("unexpected generations: %d, first has %d tokens", len(gens), len(gens[0].Tokens))
				}
				return nil
			})
		})
	}
}

// BenchmarkHTTPFloor sends the same number of requests as
// BenchmarkClientOverhead with a bare net/http client that reads each
// answer into a reused buffer and decodes nothing: the part of the client's
// CPU time that Go's HTTP stack and the kernel take whatever the client
// does with the bytes.
func BenchmarkHTTPFloor(b *testing.B) {
	for _, tokens := range simTokenCounts {
		b.Run(fmt.Sprintf("tokens=%d", tokens), func(b *testing.B) {
			base := startSimServer(b, tokens)
			// A request of the client's size: 32 prompts of 40 token ids.
			prompt := "[" + strings.Repeat("123456,", simPromptLen-1) + "123456]"
			payload := []byte(`{"model":"sim","prompt":[` + strings.Repeat(prompt+",", simBatch-1) + prompt + `]}`)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: batchesPerOp}}
			var buf [batchesPerOp]bytes.Buffer
			measureAgainstServer(b, base, func() error {
				var g errgroup.Group
				for i := range batchesPerOp {
					g.Go(func() error {
						resp, err := client.Post(base+"/v1/completions", "application/json", bytes.NewReader(payload))
						if err != nil {
							return err
						}
						defer resp.Body.Close()
						buf[i].Reset()
						_, err = buf[i].ReadFrom(resp.Body)
						return err
					})
				}
				return g.Wait()
			})
		})
	}
}

// simTickEnv, when set to an address, turns this test binary into the
// sender of BenchmarkWakeFloor: it connects there and writes 100 bytes
// every simBatchTime until its stdin closes.
const simTickEnv = "PPLDIFF_REMOTE_SIMTICK"

func runTicker(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	go exitWhenStdinCloses()
	msg := make([]byte, 100)
	for {
		time.Sleep(simBatchTime)
		if _, err := conn.Write(msg); err != nil {
			return nil // the benchmark closed the connection: done
		}
	}
}

// BenchmarkWakeFloor measures what no HTTP client can avoid: the CPU a Go
// process spends being woken to read a 100-byte message that another
// process sends every 20 ms (one message per simulated batch). It reports
// that CPU as a share of the 20 ms, the median over ops of 16 messages.
func BenchmarkWakeFloor(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	startHelper(b, simTickEnv+"="+ln.Addr().String())
	conn, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 100)
	read := func(n int) {
		for range n {
			if _, err := io.ReadFull(conn, buf); err != nil {
				b.Fatal(err)
			}
		}
	}
	read(4) // warm up
	ratios := make([]float64, 0, b.N)
	b.ResetTimer()
	for range b.N {
		cpu0 := processCPU()
		read(batchesPerOp)
		ratios = append(ratios, float64(processCPU()-cpu0)/float64(batchesPerOp*simBatchTime))
	}
	b.StopTimer()
	slices.Sort(ratios)
	b.ReportMetric(100*ratios[len(ratios)/2], "%cpu/period")
}
