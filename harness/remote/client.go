package remote

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/wire"
)

// Client routes lm.Model calls to the endpoints serving each model.
type Client struct {
	opts    Options
	key     string // never logged; redacted from server messages
	log     *slog.Logger
	limiter *rate.Limiter
	routes  map[string][]route // served name -> replicas

	mu     sync.Mutex
	models map[string]*Model
}

type route struct {
	ep   *endpoint
	card wire.ModelCard // /v1/models entry; LoRA modules carry their base in Parent
}

// New reads /v1/models of every endpoint. Endpoints that do not answer are
// left out (and logged); New fails when none answers.
func New(ctx context.Context, opts Options) (*Client, error) {
	opts.setDefaults()
	switch opts.Dialect {
	case DialectVLLM, DialectSGLang, DialectOpenAI:
	default:
		return nil, fmt.Errorf("remote: unknown dialect %q (want vllm, sglang or openai)", opts.Dialect)
	}
	if opts.ScoreMethod != ScoreEcho && opts.ScoreMethod != ScorePromptLogprobs {
		return nil, fmt.Errorf("remote: unknown score method %q", opts.ScoreMethod)
	}
	if opts.EchoMaxTokens != 0 && opts.EchoMaxTokens != 1 {
		return nil, fmt.Errorf("remote: EchoMaxTokens must be 0 or 1")
	}
	if len(opts.Endpoints) == 0 {
		return nil, errors.New("remote: no endpoints given")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}

	// Listing models is retried briefly only: an endpoint that is down now
	// should fail the run fast, not after the full backoff schedule.
	probe := retryPolicy{min(opts.MaxRetries, 2), min(opts.BackoffMax, 500*time.Millisecond)}
	var failures []string
	for _, raw := range opts.Endpoints {
		ep, err := newEndpoint(raw, opts.MaxConcurrency)
		if err != nil {
			return nil, err
		}
		var list wire.ModelList
		if err := c.doRetrying(ctx, probe, []*endpoint{ep}, "list models", http.MethodGet, "/v1/models", nil, &list); err != nil {
			c.log.Warn("remote: endpoint unavailable", "endpoint", ep.display, "err", err)
			failures = append(failures, err.Error())
			continue
		}
		for _, card := range list.Data {
			c.routes[card.ID] = append(c.routes[card.ID], route{ep: ep, card: card})
		}
	}
	if len(c.routes) == 0 {
		if len(failures) > 0 {
			return nil, fmt.Errorf("remote: no endpoint answered /v1/models:\n  %s", strings.Join(failures, "\n  "))
		}
		return nil, errors.New("remote: the endpoints serve no models")
	}
	return c, nil
}

// newClient is a client without routes: the API key read, the rate
// limiter set. opts has its defaults.
func newClient(opts Options) (*Client, error) {
	c := &Client{opts: opts, log: opts.Logger, routes: map[string][]route{}, models: map[string]*Model{}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if opts.APIKeyEnv != "" {
		c.key = opts.Getenv(opts.APIKeyEnv)
		if c.key == "" {
			return nil, fmt.Errorf("remote: environment variable %s (the API key) is empty", opts.APIKeyEnv)
		}
	}
	if opts.RateLimit > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), opts.RateBurst)
	}
	return c, nil
}

// newEndpoint parses a base URL: a trailing /v1 is dropped (paths carry
// it), a query (?token=...) is kept apart and sent with every request, and
// a redacted form is kept for messages.
func newEndpoint(raw string, concurrency int) (*endpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL may hold a key: the message shows it redacted.
		return nil, fmt.Errorf("remote: endpoint %s is not an http(s) URL", RedactURL(raw))
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v1")
	u.RawPath, u.Fragment = "", ""
	query := u.RawQuery
	u.RawQuery = ""
	ep := &endpoint{base: u.String(), query: query, sem: make(chan struct{}, concurrency)}
	u.RawQuery = query
	ep.display = redactedURL(u)
	return ep, nil
}

// Served returns every served name, sorted, with the endpoints serving it.
func (c *Client) Served() map[string][]string {
	out := map[string][]string{}
	for name, rs := range c.routes {
		for _, r := range rs {
			out[name] = append(out[name], r.ep.display)
		}
	}
	return out
}

func (c *Client) servedList() string {
	return strings.Join(slices.Sorted(maps.Keys(c.routes)), ", ")
}

// Model returns the model served under servedName, after a capability
// probe that checks the endpoints can tokenize and score prompts.
func (c *Client) Model(servedName string) (lm.Model, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.RequestTimeout*time.Duration(c.opts.MaxRetries+2))
	defer cancel()
	return c.Remote(ctx, servedName)
}

// Remote is Model with a context and the concrete type, for callers (such
// as doctor) that need the dialect-specific methods.
func (c *Client) Remote(ctx context.Context, servedName string) (*Model, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.models[servedName]; ok {
		return m, nil
	}
	rs, ok := c.routes[servedName]
	if !ok {
		return nil, fmt.Errorf("remote: no endpoint serves model %q; served: %s", servedName, c.servedList())
	}
	m := &Model{c: c, name: servedName}
	for _, r := range rs {
		m.replicas = append(m.replicas, r.ep)
	}
	card := rs[0].card
	cfg := c.opts.Models[servedName]
	if x := card.Ppldiff; x != nil {
		// Configuration wins; the server's own description fills the gaps.
		cfg.Family = cmp.Or(cfg.Family, x.Family)
		cfg.Params = cmp.Or(cfg.Params, x.Params)
		cfg.ParamsKind = cmp.Or(cfg.ParamsKind, x.ParamsKind)
		cfg.Revision = cmp.Or(cfg.Revision, x.Revision)
		cfg.TokenizerID = cmp.Or(cfg.TokenizerID, x.TokenizerID)
	}
	m.info = lm.ModelInfo{ServedName: servedName, Revision: cfg.Revision, Family: cfg.Family,
		Params: cfg.Params, ParamsKind: cfg.ParamsKind, TokenizerID: cfg.TokenizerID,
		RawGenerationLogprobs: c.opts.Dialect == DialectVLLM}
	if cfg.RawGenerationLogprobs != nil {
		m.info.RawGenerationLogprobs = *cfg.RawGenerationLogprobs
	}
	if card.Parent != nil && *card.Parent != "" {
		m.adapterOf = *card.Parent
	}
	if m.info.TokenizerID == "" {
		// An adapter shares its base model's tokenizer.
		root := card.Root
		if m.adapterOf != "" {
			root = m.adapterOf
			if prs, ok := c.routes[m.adapterOf]; ok && prs[0].card.Root != "" {
				root = prs[0].card.Root
			}
		}
		if root == "" {
			root = servedName
		}
		m.info.TokenizerID = "hf:" + root
	}
	if err := m.probe(ctx); err != nil {
		return nil, err
	}
	c.models[servedName] = m
	return m, nil
}
