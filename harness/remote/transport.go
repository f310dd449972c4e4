package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// endpoint is one server; replicas of a model are endpoints serving it.
type endpoint struct {
	base        string // scheme://[user@]host[/prefix], what requests go to
	query       string // the URL's query, sent with every request
	display     string // base and query redacted, for messages and logs
	sem         chan struct{}
	outstanding atomic.Int64 // queued + in flight, for least-outstanding dispatch
	downUntil   atomic.Int64 // unix nanos; transport failures put it aside
	budget      retryBudget  // recent failure rate of this server
}

// downCooldown is how long an endpoint that failed at the transport level
// is avoided while another replica is up.
const downCooldown = 2 * time.Second

func (e *endpoint) down(now time.Time) bool { return e.downUntil.Load() > now.UnixNano() }

// pick returns the up replica with the fewest outstanding requests, or the
// least outstanding of all when every replica is down.
func pick(replicas []*endpoint) *endpoint {
	now := time.Now()
	var best *endpoint
	bestUp := false
	for _, e := range replicas {
		up := !e.down(now)
		if best == nil || (up && !bestUp) || (up == bestUp && e.outstanding.Load() < best.outstanding.Load()) {
			best, bestUp = e, up
		}
	}
	return best
}

// attemptError is one failed attempt: whether a retry may succeed, and
// what the final error reports if none does.
type attemptError struct {
	err       error
	retryable bool
	transport bool          // no answer: connection refused, reset, ...
	status    int           // HTTP status, 0 without an answer
	timeout   time.Duration // set when the attempt timed out
}

// do POSTs (or GETs when body is nil) to one of replicas, retrying
// transient failures, and decodes the JSON answer into out. op names the
// request in errors.
func (c *Client) do(ctx context.Context, replicas []*endpoint, op, method, path string, body any, out any) error {
	return c.doRetrying(ctx, retryPolicy{c.opts.MaxRetries, c.opts.BackoffMax}, replicas, op, method, path, body, out)
}

type retryPolicy struct {
	maxRetries int
	backoffMax time.Duration
}

func (c *Client) doRetrying(ctx context.Context, pol retryPolicy, replicas []*endpoint, op, method, path string, body any, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		ep := pick(replicas)
		ae := c.attempt(ctx, ep, method, path, payload, out)
		// 429 asks the client to slow down; it says nothing of the
		// server's health, so the budget does not count it.
		if ae == nil || ae.status != http.StatusTooManyRequests {
			ep.budget.record(ae != nil)
		}
		if ae == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("remote: %w (last error: %v)", ctx.Err(), ae.err)
		}
		if ae.transport {
			ep.downUntil.Store(time.Now().Add(downCooldown).UnixNano())
		}
		final := &Error{Endpoint: ep.display, Path: path, Op: op, Status: ae.status, Timeout: ae.timeout,
			Attempts: attempt + 1, Err: ae.err}
		if !ae.retryable || attempt >= pol.maxRetries {
			return final
		}
		if !slices.ContainsFunc(replicas, func(e *endpoint) bool { return e.budget.allow(c.opts.RetryBudget) }) {
			final.Err = fmt.Errorf("%w (gave up: %.0f%% of recent requests to %s failed)", ae.err, 100*ep.budget.rate(), ep.display)
			return final
		}
		c.log.Debug("remote: retrying", "endpoint", ep.display, "path", path, "attempt", attempt+1, "err", ae.err)
		if err := sleepCtx(ctx, c.backoff(attempt, pol.backoffMax)); err != nil {
			return fmt.Errorf("remote: %w (last error: %v)", err, ae.err)
		}
	}
}

// retryBudget spends an endpoint's retries over the whole run: it tracks
// an exponentially weighted failure rate of recent attempts (about the
// last 128) and allows retries while it stays below Options.RetryBudget. A
// server that fails a request now and then (the 20% fault test) is retried
// patiently; one that fails nearly everything (dead, or broken) is given up
// on within a few dozen attempts, instead of every request waiting out its
// own retries. A request is retried while any of its replicas is within
// budget, so one dead replica does not stop the others.
type retryBudget struct {
	mu   sync.Mutex
	ewma float64
	seen int
}

// budgetWarmup attempts always allow retries: the rate is not yet known.
const budgetWarmup = 64

// budgetWindow is the weight of history: about the last 128 attempts count.
const budgetWindow = 128

func (b *retryBudget) record(failed bool) {
	x := 0.0
	if failed {
		x = 1
	}
	b.mu.Lock()
	b.ewma += (x - b.ewma) / budgetWindow
	b.seen++
	b.mu.Unlock()
}

func (b *retryBudget) rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ewma
}

func (b *retryBudget) allow(maxRate float64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen < budgetWarmup || b.ewma < maxRate
}

// backoff is full jitter over an exponentially growing cap.
func (c *Client) backoff(attempt int, maxBackoff time.Duration) time.Duration {
	d := c.opts.BackoffBase << min(attempt, 20)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) attempt(ctx context.Context, ep *endpoint, method, path string, payload []byte, out any) *attemptError {
	ep.outstanding.Add(1)
	defer ep.outstanding.Add(-1)
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return &attemptError{err: err}
		}
	}
	select {
	case ep.sem <- struct{}{}:
	case <-ctx.Done():
		return &attemptError{err: ctx.Err()}
	}
	defer func() { <-ep.sem }()

	actx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	target := ep.base + path
	if ep.query != "" {
		target += "?" + ep.query
	}
	req, err := http.NewRequestWithContext(actx, method, target, rd)
	if err != nil {
		return &attemptError{err: errors.New("cannot build the request (check the endpoint URL)")}
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		// Timeouts, refused and reset connections: all transient. The
		// *url.Error's text holds the URL, which may hold credentials: only
		// the cause is kept.
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err
		}
		if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || ue != nil && ue.Timeout()) {
			return &attemptError{err: errors.New("no answer"), retryable: true, timeout: c.opts.RequestTimeout}
		}
		return &attemptError{err: c.redact(cause), retryable: true, transport: true}
	}
	defer resp.Body.Close()
	buf, err := readBody(resp)
	defer releaseBody(buf)
	data := buf.Bytes()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return &attemptError{err: errors.New("the answer did not arrive in time"), retryable: true, timeout: c.opts.RequestTimeout}
		}
		return &attemptError{err: fmt.Errorf("reading the answer: %w", c.redact(err)), retryable: true}
	}
	if resp.StatusCode/100 != 2 {
		return &attemptError{err: errors.New(c.redactString(serverMessage(data))), status: resp.StatusCode,
			retryable: resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500}
	}
	if !json.Valid(data) {
		return &attemptError{err: fmt.Errorf("truncated or invalid JSON body (%d bytes)", len(data)), retryable: true, status: resp.StatusCode}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &attemptError{err: fmt.Errorf("unexpected response layout: %w", err), status: resp.StatusCode}
	}
	return nil
}

// bodyPool recycles response buffers: a generation batch answer is some
// 190 kB, and allocating (and zeroing, and collecting) one per request
// costs more CPU than decoding it. Nothing decoded from a body may alias
// it once attempt returns.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody keeps rare huge answers from pinning memory in the pool.
const maxPooledBody = 4 << 20

// readBody reads a whole body into a pooled buffer, sized up front when
// the server sent a length; the caller hands it back with releaseBody.
func readBody(resp *http.Response) (*bytes.Buffer, error) {
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n <= maxPooledBody {
		buf.Grow(int(n) + bytes.MinRead) // MinRead spare: ReadFrom grows unless that much room is left
	}
	_, err := buf.ReadFrom(resp.Body)
	return buf, err
}

func releaseBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBody {
		bodyPool.Put(buf)
	}
}

// serverMessage extracts the message of an OpenAI/vLLM error
// ({"error":{"message"}}), a FastAPI error ({"detail"}) or an SGLang error
// ({"error":{"message"}} or {"object":"error","message"}), else raw text.
func serverMessage(data []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(data, &e) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		if len(e.Error) > 0 && json.Unmarshal(e.Error, &inner) == nil && inner.Message != "" {
			return inner.Message
		}
		var s string
		if len(e.Error) > 0 && json.Unmarshal(e.Error, &s) == nil && s != "" {
			return s
		}
		if e.Message != "" {
			return e.Message
		}
		if e.Detail != nil {
			return fmt.Sprint(e.Detail)
		}
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func (c *Client) redactString(s string) string {
	if c.key == "" {
		return s
	}
	return strings.ReplaceAll(s, c.key, "[redacted]")
}

type redactedError struct{ msg string }

// Error has no Unwrap on purpose: the wrapped error's text holds the key.
func (e *redactedError) Error() string { return e.msg }

func (c *Client) redact(err error) error {
	if c.key == "" || !strings.Contains(err.Error(), c.key) {
		return err
	}
	return &redactedError{msg: c.redactString(err.Error())}
}
