package pipeline

import (
	"strings"
	"sync"
)

// contextMemo keeps the contexts references score completions in. A
// prefill's context under a reference is the same in every unit that
// shares both, as the variants of an organism do (same tokenizer, so the
// same prefill texts, and shared references such as the true base of an
// order), and tokenizing it again in each unit was most of the reference
// tokenizing of a cached re-run. Contexts are read only, never appended
// to. The memo forgets everything once it holds maxContextMemo contexts,
// so its memory stays bounded (a few MB) however large the run.
type contextMemo struct {
	mu sync.Mutex
	m  map[string][]int
}

const maxContextMemo = 1 << 14

// contextKey names a prefill's context: the reference, the prefill
// format, the organism's system prompt (chat prompts carry it) and the
// prefill's bytes. The run's chat strings are the same for every unit.
func contextKey(ref, format, system string, prefill []byte) string {
	var b strings.Builder
	b.Grow(len(ref) + len(format) + len(system) + len(prefill) + 3)
	for _, s := range []string{ref, format, system} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	b.Write(prefill)
	return b.String()
}

// get returns the memoized context of key, computing it with build when
// absent; two units may build the same context at once, harmlessly.
func (c *contextMemo) get(key string, build func() ([]int, error)) ([]int, error) {
	c.mu.Lock()
	ids, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return ids, nil
	}
	ids, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxContextMemo {
		c.m = map[string][]int{}
	}
	c.m[key] = ids
	c.mu.Unlock()
	return ids, nil
}
