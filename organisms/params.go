package organisms

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Params is an absolute parameter count; a manifest may write 14.8B or 350M.
type Params int64

// paramsSyntax accepts a plain decimal with an optional short exponent and
// an optional K/M/B/T suffix. The exponent is limited to two digits so that
// a hostile manifest cannot ask for a billion-digit number.
var paramsSyntax = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)(?:[eE]([+-]?[0-9]{1,2}))?\s*([kKmMbBtT]?)$`)

var paramsSuffix = map[string]int64{
	"": 1, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12,
}

// ParseParams reads a parameter count such as 14800000000, 14.8B, 350M or
// 7e9. The result must be a whole, non-negative number that fits in int64.
func ParseParams(s string) (Params, error) {
	s = strings.TrimSpace(s)
	sub := paramsSyntax.FindStringSubmatch(s)
	if sub == nil {
		return 0, fmt.Errorf("params %q: want a count such as 14800000000, 14.8B or 350M", s)
	}
	r, ok := new(big.Rat).SetString(sub[1])
	if !ok {
		return 0, fmt.Errorf("params %q: not a number", s)
	}
	if sub[2] != "" {
		e, _ := strconv.Atoi(sub[2])
		pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(e))), nil))
		if e < 0 {
			pow.Inv(pow)
		}
		r.Mul(r, pow)
	}
	r.Mul(r, new(big.Rat).SetInt64(paramsSuffix[strings.ToLower(sub[3])]))
	if !r.IsInt() {
		return 0, fmt.Errorf("params %q: not a whole number of parameters", s)
	}
	n := r.Num()
	if !n.IsInt64() {
		return 0, fmt.Errorf("params %q: too large", s)
	}
	return Params(n.Int64()), nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// String renders the count compactly when that is exact (14.8B, 350M),
// else as a plain integer.
func (p Params) String() string {
	for _, u := range []struct {
		suffix string
		scale  int64
	}{{"T", 1e12}, {"B", 1e9}, {"M", 1e6}, {"K", 1e3}} {
		if p != 0 && int64(p)%(u.scale/1000) == 0 && int64(p) >= u.scale {
			return strconv.FormatFloat(float64(p)/float64(u.scale), 'f', -1, 64) + u.suffix
		}
	}
	return strconv.FormatInt(int64(p), 10)
}

// UnmarshalYAML reads an integer or a suffixed count.
func (p *Params) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("params: want a number such as 14.8B, got a %s", kindName(n.Kind))
	}
	v, err := ParseParams(n.Value)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// MarshalYAML writes the compact form (14.8B) when it reads back exactly,
// else the integer.
func (p Params) MarshalYAML() (any, error) {
	if s := p.String(); s != strconv.FormatInt(int64(p), 10) {
		if back, err := ParseParams(s); err == nil && back == p {
			return s, nil
		}
	}
	return int64(p), nil
}
