package reports

import (
	"cmp"
	"strings"
)

// naturalCompare orders strings with their digit runs compared as numbers,
// so variants read w1 < w4 < w16 and n3 < n4 < n5, and a strength trend
// runs down the tables and charts instead of being scattered by byte order.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		if da && db {
			na, ra := digitRun(a)
			nb, rb := digitRun(b)
			// Longer runs (leading zeros stripped) are larger numbers.
			ta, tb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if c := cmp.Compare(len(ta), len(tb)); c != 0 {
				return c
			}
			if c := cmp.Compare(ta, tb); c != 0 {
				return c
			}
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digitRun(s string) (run, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// kindOrder puts reference kinds in the order a reader compares them: the
// true base first, then the references an auditor would have in practice.
var kindOrder = map[string]int{"true_base": 0, "cross_family": 1, "weak": 2, "other": 3}

// compareKinds orders reference kinds (or ids standing in for them) by
// kindOrder, unknown ones after and alphabetically.
func compareKinds(a, b string) int {
	ra, oka := kindOrder[a]
	rb, okb := kindOrder[b]
	switch {
	case oka && okb:
		return cmp.Compare(ra, rb)
	case oka:
		return -1
	case okb:
		return 1
	}
	return naturalCompare(a, b)
}
