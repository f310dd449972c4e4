package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/ppldiff/ppldiff/harness/wire"
)

// ChatClient posts chat completions, the LLM judge's requests, with the
// scoring client's machinery: least-outstanding replicas, retries with
// backoff on 429, 5xx, timeouts and truncated JSON, the per-server retry
// budget, the API key from a named variable, and *Error when a request
// fails for good. Unlike New it lists no models: hosted APIs serve many.
type ChatClient struct {
	c   *Client
	eps []*endpoint
}

// NewChatClient prepares a client of opts.Endpoints (base URLs without
// /v1, or with it). Options the chat API has no use for are ignored.
func NewChatClient(opts Options) (*ChatClient, error) {
	opts.setDefaults()
	if len(opts.Endpoints) == 0 {
		return nil, errors.New("remote: no judge endpoint given")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	cc := &ChatClient{c: c}
	for _, raw := range opts.Endpoints {
		ep, err := newEndpoint(raw, opts.MaxConcurrency)
		if err != nil {
			return nil, err
		}
		cc.eps = append(cc.eps, ep)
	}
	return cc, nil
}

// Endpoints are the endpoints, redacted, for logs.
func (cc *ChatClient) Endpoints() []string {
	out := make([]string, len(cc.eps))
	for i, e := range cc.eps {
		out[i] = e.display
	}
	return out
}

// Complete sends one chat completion request. An answer with fewer
// choices than asked for is an *Error too: a server that ignores n would
// otherwise turn a vote into one answer without anyone noticing.
func (cc *ChatClient) Complete(ctx context.Context, req wire.ChatCompletionRequest) (*wire.ChatCompletionResponse, error) {
	const path = "/v1/chat/completions"
	var resp wire.ChatCompletionResponse
	if err := cc.c.do(ctx, cc.eps, "judge", http.MethodPost, path, req, &resp); err != nil {
		return nil, err
	}
	want := 1
	if req.N != nil {
		want = *req.N
	}
	if len(resp.Choices) != want {
		return nil, &Error{Endpoint: cc.eps[0].display, Path: path, Op: "judge", Status: http.StatusOK, Attempts: 1,
			Err: fmt.Errorf("%d choices for n = %d (does the server support n?)", len(resp.Choices), want)}
	}
	return &resp, nil
}
