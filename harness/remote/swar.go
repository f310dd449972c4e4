package remote

import (
	"encoding/binary"
	"math/bits"
)

// Eight bytes at a time: a generation answer is mostly digits and short
// strings, and testing them one byte at a time was most of the client's
// decoding time. Each test marks the bytes it is after with their high
// bit; a borrow or carry can mark bytes after (above) the first true mark
// too, never before it, so the lowest mark is always exact.

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// firstMark returns the index of the lowest marked byte of m (m != 0).
func firstMark(m uint64) int { return bits.TrailingZeros64(m) / 8 }

// nonDigits marks bytes of v that are not ASCII digits (0x30-0x39):
// bytes below 0x30, bytes from 0x3A (which adding 0x46 lifts to 0x80 or
// more), and bytes with the high bit set.
func nonDigits(v uint64) uint64 {
	return ((v-0x30*swarOnes)&^v | (v + 0x46*swarOnes) | v) & swarHighs
}

// skipDigits returns the end of the run of digits starting at i.
func skipDigits(d []byte, i int) int {
	for ; i+8 <= len(d); i += 8 {
		if m := nonDigits(binary.LittleEndian.Uint64(d[i:])); m != 0 {
			return i + firstMark(m)
		}
	}
	for i < len(d) && isDigit(d[i]) {
		i++
	}
	return i
}

// eightDigits is the value of eight ASCII digits packed little-endian
// (the first digit in the lowest byte), combined pairwise in three
// multiplications.
func eightDigits(v uint64) uint64 {
	v -= 0x3030303030303030
	v = (v * (10<<8 + 1)) >> 8 & 0x00FF00FF00FF00FF
	v = (v * (100<<16 + 1)) >> 16 & 0x0000FFFF0000FFFF
	return (v * (10000<<32 + 1)) >> 32
}

// stringStops marks bytes that end or interrupt a plain run of string
// contents: a quote, a backslash, or a control character.
func stringStops(v uint64) uint64 {
	quote := v ^ '"'*swarOnes
	slash := v ^ '\\'*swarOnes
	// (x - ones) &^ x marks the zero bytes of x; (v - 0x20s) &^ v the
	// bytes of v under 0x20.
	return ((quote-swarOnes)&^quote | (slash-swarOnes)&^slash | (v-0x20*swarOnes)&^v) & swarHighs
}

// skipPlain returns the index of the first quote, backslash or control
// character at or after i, or len(d).
func skipPlain(d []byte, i int) int {
	for ; i+8 <= len(d); i += 8 {
		if m := stringStops(binary.LittleEndian.Uint64(d[i:])); m != 0 {
			return i + firstMark(m)
		}
	}
	for i < len(d) && d[i] != '"' && d[i] != '\\' && d[i] >= 0x20 {
		i++
	}
	return i
}
