package remote

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The eight-at-a-time helpers against one-byte-at-a-time definitions, on
// buffers biased toward the bytes that matter (digits, quotes, backslashes,
// control and high bytes) so every boundary shows up often.
func TestSWARHelpersMatchByteLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pool := []byte("0123456789\"\\\x00\x1f\x20\x2f\x3a\x7f\x80\xfa\xff.-e")
	for range 20000 {
		d := make([]byte, rng.IntN(40))
		for k := range d {
			if rng.IntN(4) == 0 {
				d[k] = byte(rng.IntN(256))
			} else if rng.IntN(2) == 0 {
				d[k] = byte('0' + rng.IntN(10))
			} else {
				d[k] = pool[rng.IntN(len(pool))]
			}
		}
		i := 0
		if len(d) > 0 {
			i = rng.IntN(len(d))
		}
		want := i
		for want < len(d) && '0' <= d[want] && d[want] <= '9' {
			want++
		}
		if got := skipDigits(d, i); got != want {
			t.Fatalf("skipDigits(%q, %d) = %d, want %d", d, i, got, want)
		}
		want = i
		for want < len(d) && d[want] != '"' && d[want] != '\\' && d[want] >= 0x20 {
			want++
		}
		if got := skipPlain(d, i); got != want {
			t.Fatalf("skipPlain(%q, %d) = %d, want %d", d, i, got, want)
		}
	}
}

func TestEightDigits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range append([]uint64{0, 1, 10, 99999999, 12345678, 10000000}, func() (ns []uint64) {
		for range 10000 {
			ns = append(ns, rng.Uint64N(100000000))
		}
		return
	}()...) {
		s := []byte(strconv.FormatUint(n+100000000, 10)[1:]) // eight digits, zero-padded
		if got := eightDigits(binary.LittleEndian.Uint64(s)); got != n {
			t.Fatalf("eightDigits(%s) = %d", s, got)
		}
	}
}
