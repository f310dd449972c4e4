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
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// endpoint is one server; replicas of a model are endpoints serving it.
type endpoint struct {
	base        string
	sem         chan struct{}
	outstanding atomic.Int64 // queued + in flight, for least-outstanding dispatch
	downUntil   atomic.Int64 // unix nanos; transport failures put it aside
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

// httpError is a non-2xx answer.
type httpError struct {
	endpoint, path string
	status         int
	msg            string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s%s: HTTP %d: %s", e.endpoint, e.path, e.status, e.msg)
}

// transient reports whether an attempt's failure may succeed on retry.
type attemptError struct {
	err       error
	retryable bool
	transport bool
}

// do POSTs (or GETs when body is nil) to one of replicas, retrying
// transient failures, and decodes the JSON answer into out.
func (c *Client) do(ctx context.Context, replicas []*endpoint, method, path string, body any, out any) error {
	return c.doRetrying(ctx, retryPolicy{c.opts.MaxRetries, c.opts.BackoffMax}, replicas, method, path, body, out)
}

type retryPolicy struct {
	maxRetries int
	backoffMax time.Duration
}

func (c *Client) doRetrying(ctx context.Context, pol retryPolicy, replicas []*endpoint, method, path string, body any, out any) error {
	var payload []byte
	switch b := body.(type) {
	case nil:
	case map[string]any:
		var err error
		if payload, err = encodeRequest(b); err != nil {
			return err
		}
	default:
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	var last error
	for attempt := 0; ; attempt++ {
		ep := pick(replicas)
		ae := c.attempt(ctx, ep, method, path, payload, out)
		if ae == nil {
			return nil
		}
		last = ae.err
		if ctx.Err() != nil {
			return fmt.Errorf("remote: %w (last error: %v)", ctx.Err(), last)
		}
		if ae.transport {
			ep.downUntil.Store(time.Now().Add(downCooldown).UnixNano())
		}
		if !ae.retryable || attempt >= pol.maxRetries {
			if ae.retryable {
				return fmt.Errorf("remote: giving up after %d attempts: %w", attempt+1, last)
			}
			return fmt.Errorf("remote: %w", last)
		}
		c.log.Debug("remote: retrying", "endpoint", ep.base, "path", path, "attempt", attempt+1, "err", last)
		if err := sleepCtx(ctx, c.backoff(attempt, pol.backoffMax)); err != nil {
			return fmt.Errorf("remote: %w (last error: %v)", err, last)
		}
	}
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
	req, err := http.NewRequestWithContext(actx, method, ep.base+path, rd)
	if err != nil {
		return &attemptError{err: err}
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
		// *url.Error text holds method and URL only, never headers.
		return &attemptError{err: c.redact(err), retryable: true, transport: !errors.Is(err, context.DeadlineExceeded)}
	}
	defer resp.Body.Close()
	buf, err := readBody(resp)
	defer releaseBody(buf)
	data := buf.Bytes()
	if err != nil {
		return &attemptError{err: fmt.Errorf("%s%s: reading body: %w", ep.base, path, c.redact(err)), retryable: true}
	}
	if resp.StatusCode/100 != 2 {
		he := &httpError{endpoint: ep.base, path: path, status: resp.StatusCode, msg: c.redactString(serverMessage(data))}
		return &attemptError{err: he, retryable: resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500}
	}
	if fd, ok := out.(fastDecoder); ok && fd.decodeFast(data) {
		return nil
	}
	if !json.Valid(data) {
		return &attemptError{err: fmt.Errorf("%s%s: truncated or invalid JSON body (%d bytes)", ep.base, path, len(data)), retryable: true}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &attemptError{err: fmt.Errorf("%s%s: unexpected response layout: %w", ep.base, path, err)}
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
