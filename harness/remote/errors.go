package remote

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Error is a request to a model server that failed for good: the server
// could not be reached, kept failing past the retries, timed out, or
// refused the request. Callers tell it apart with errors.As (the CLI maps
// it to its backend exit code). Endpoint is redacted: credentials in the
// URL never reach a message.
type Error struct {
	Endpoint string        // redacted base URL
	Path     string        // e.g. /v1/completions
	Op       string        // what the request was for: generate, score, tokenize, ...
	Status   int           // HTTP status of the last answer; 0 when none came
	Timeout  time.Duration // non-zero when the last attempt timed out after this long
	Attempts int
	Err      error // the last attempt's error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "remote: %s request to %s%s", e.Op, e.Endpoint, e.Path)
	switch {
	case e.Timeout > 0:
		fmt.Fprintf(&b, " timed out (no answer within %s)", e.Timeout)
	case e.Status != 0:
		fmt.Fprintf(&b, " failed with HTTP %d", e.Status)
	default:
		b.WriteString(" failed")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// RedactURL returns an endpoint URL fit for logs and run-log.json: user
// information and the values of query parameters (where hosted APIs and
// proxies put keys) are replaced.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparseable URL]"
	}
	return redactedURL(u)
}

func redactedURL(u *url.URL) string {
	r := *u
	if r.User != nil {
		r.User = url.User("REDACTED")
	}
	if r.RawQuery != "" {
		q := r.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		r.RawQuery = q.Encode()
	}
	r.Fragment = ""
	return r.String()
}
