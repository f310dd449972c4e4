package remote

import (
	"math"
	"math/bits"
)

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// pow10Int holds 10^0..10^19, every power of ten a uint64 holds.
var pow10Int = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// decimalToFloat returns mant / 10^fracDigits rounded to the nearest
// float64, ties to even: what strconv.ParseFloat returns for the decimal
// those digits spell. It reports false when it cannot be sure, and the
// caller then asks strconv.
//
// Two cases cover the logprobs servers print. A mantissa below 2^53 and a
// power of ten up to 10^22 are both exact float64s, so one IEEE division is
// correctly rounded. Larger mantissas (the 17 digits Python prints for a
// float32 logprob) make the division a guess within an ulp or two, which is
// then checked exactly: the quotient q is right when mant/10^k lies inside
// q's rounding interval, and both sides of that comparison are integers
// below 2^128.
func decimalToFloat(mant uint64, fracDigits int) (float64, bool) {
	if fracDigits < 0 || fracDigits >= len(pow10Int) {
		return 0, false
	}
	if mant < 1<<53 {
		return float64(mant) / pow10[fracDigits], true
	}
	p := pow10Int[fracDigits]
	q := float64(mant) / pow10[fracDigits]
	for range 3 {
		b := math.Float64bits(q)
		biased := int(b >> 52 & 0x7ff)
		if biased == 0 || biased == 0x7ff {
			return 0, false
		}
		m := b&(1<<52-1) | 1<<52 // q = m * 2^e
		e := biased - 1075
		// q's rounding interval is (m ± 1/2) * 2^e, except that below a
		// power of two the next float down is only a quarter-ulp away.
		// Multiplied by 2^(1-e) * 10^k: mant*2^(1-e) against (2m±1)*10^k.
		sh := 1 - e
		up, ok := cmpScaled(mant, sh, 2*m+1, p)
		if !ok {
			return 0, false
		}
		if up > 0 || up == 0 && m&1 == 1 {
			q = math.Nextafter(q, math.Inf(1))
			continue
		}
		var down int
		if m == 1<<52 {
			down, ok = cmpScaled(mant, sh+1, 4*m-1, p)
		} else {
			down, ok = cmpScaled(mant, sh, 2*m-1, p)
		}
		if !ok {
			return 0, false
		}
		if down < 0 || down == 0 && m&1 == 1 {
			q = math.Nextafter(q, 0)
			continue
		}
		return q, true
	}
	return 0, false
}

// cmpScaled compares mant*2^sh with c*p as 128-bit integers (-1, 0, +1),
// reporting false when mant*2^sh does not fit. c*p always fits: c < 2^55
// and p < 2^64.
func cmpScaled(mant uint64, sh int, c, p uint64) (int, bool) {
	if sh < 0 || bits.Len64(mant)+sh > 127 {
		return 0, false
	}
	var lh, ll uint64
	switch {
	case sh == 0:
		ll = mant
	case sh < 64:
		lh, ll = mant>>(64-sh), mant<<sh
	default:
		lh = mant << (sh - 64)
	}
	rh, rl := bits.Mul64(c, p)
	switch {
	case lh != rh:
		if lh < rh {
			return -1, true
		}
		return 1, true
	case ll != rl:
		if ll < rl {
			return -1, true
		}
		return 1, true
	}
	return 0, true
}
