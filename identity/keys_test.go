package identity

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestRadixSort sorts random keys of several widths and skews, with one
// goroutine and with sortParallel's 2 and 3, and checks keys are sorted
// and idx follows them as a permutation.
func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		n    int
		mask uint64
		skew bool // 90% of keys share their top 8 bits
	}{{0, ^uint64(0), false}, {1, ^uint64(0), false}, {50, ^uint64(0), false}, {65, ^uint64(0), false}, {1000, ^uint64(0), false}, {100000, ^uint64(0), false}, {100000, 0xf, false}, {30000, 0xffff0000, false}, {20000, 1<<40 - 1, false}, {100000, ^uint64(0), true}, {3000, 0, false}} {
		for _, workers := range []int{1, 2, 3} {
			keys := make([]uint64, tc.n)
			idx := make([]uint32, tc.n)
			for i := range keys {
				keys[i] = rng.Uint64() & tc.mask
				if tc.skew && rng.IntN(10) > 0 {
					keys[i] = keys[i]>>8 | 0xab<<56
				}
				idx[i] = uint32(i)
			}
			orig := slices.Clone(keys)
			if workers == 1 {
				radixSort(keys, idx)
			} else {
				var sc radixScratch
				sc.sortParallel(keys, idx, workers)
			}
			if !slices.IsSorted(keys) {
				t.Fatalf("n=%d mask=%x skew=%v workers=%d: not sorted", tc.n, tc.mask, tc.skew, workers)
			}
			for i, x := range idx {
				if orig[x] != keys[i] {
					t.Fatalf("n=%d workers=%d: idx does not follow keys", tc.n, workers)
				}
			}
			slices.Sort(idx)
			for i, x := range idx {
				if x != uint32(i) {
					t.Fatalf("n=%d workers=%d: idx is not a permutation", tc.n, workers)
				}
			}
		}
	}
}

func BenchmarkRadixSort(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1 << 20
	src := make([]uint64, n)
	for i := range src {
		src[i] = rng.Uint64()
	}
	keys := make([]uint64, n)
	idx := make([]uint32, n)
	for b.Loop() {
		copy(keys, src)
		for i := range idx {
			idx[i] = uint32(i)
		}
		radixSort(keys, idx)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
}

func TestAppendValueInjective(t *testing.T) {
	hex := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	upper := "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"
	a, b := appendValue(nil, hex), appendValue(nil, upper)
	if len(a) != 33 || a[0] != tagHex || b[0] != tagRaw || string(a) == string(b) {
		t.Errorf("encodings: %d/%d bytes, tags %d/%d", len(a), len(b), a[0], b[0])
	}
	if string(appendValue(nil, "x")) == string(appendValue(nil, "y")) {
		t.Errorf("raw values collide")
	}
	// Appending after other values: a 64-character value that is not
	// lowercase hex leaves nothing of its attempted decoding behind.
	pre := appendValue(nil, hex)
	if got, want := string(appendValue(pre, upper)), string(a)+string(b); got != want {
		t.Errorf("appending a non-hex value after a digest: got %d bytes, want %d", len(got), len(want))
	}
	if got, want := string(appendValue(appendValue(nil, "x"), hex)), string(appendValue(nil, "x"))+string(a); got != want {
		t.Errorf("appending a digest after a raw value: got %d bytes, want %d", len(got), len(want))
	}
}

func TestArenaModes(t *testing.T) {
	var a arena
	vals := [][]byte{[]byte("abc"), []byte("def"), []byte("ghij"), nil, []byte("k")}
	for _, v := range vals {
		a.add(v)
	}
	for i, v := range vals {
		if string(a.get(i)) != string(v) {
			t.Errorf("get(%d) wrong", i)
		}
	}
	c := a.clone()
	c.add([]byte("new"))
	if a.n != 5 || c.n != 6 || string(c.get(5)) != "new" || string(a.get(4)) != "k" {
		t.Errorf("clone shares writes")
	}
	var f arena
	for i := range 300000 {
		f.add([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
	}
	if g := f.get(299999); g[0] != byte(299999&0xff) || f.stride != 3 {
		t.Errorf("fixed-stride arena broken")
	}
}

// hexRef decodes through the hexVal table, the byte-at-a-time definition
// decodeHex64 must agree with.
func hexRef(v string) ([32]byte, bool) {
	var out [32]byte
	var bad byte
	for i := range 32 {
		hi, lo := hexVal[v[2*i]], hexVal[v[2*i+1]]
		bad |= hi | lo
		out[i] = hi<<4 | lo
	}
	return out, bad&0xf0 == 0
}

func TestDecodeHex64(t *testing.T) {
	check := func(name string, v string) {
		t.Helper()
		want, wantOK := hexRef(v)
		var got [32]byte
		ok := decodeHex64(&got, v)
		if ok != wantOK || (ok && got != want) {
			t.Fatalf("%s: decodeHex64 ok=%v, reference ok=%v (or bytes differ)", name, ok, wantOK)
		}
	}
	const hexd = "0123456789abcdef"
	base := []byte(strings.Repeat(hexd, 4))
	check("all digits", string(base))
	// every byte value at every position, the rest valid
	for pos := range 64 {
		for c := range 256 {
			b := slices.Clone(base)
			b[pos] = byte(c)
			check("byte at position", string(b))
		}
	}
	// random strings over valid digits and their neighbours
	alpha := []byte("0123456789abcdef/:`gAFGz\x00\x7f\x80\xff")
	rng := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 64)
	for range 20000 {
		for i := range b {
			if rng.IntN(8) == 0 {
				b[i] = alpha[rng.IntN(len(alpha))]
			} else {
				b[i] = hexd[rng.IntN(16)]
			}
		}
		check("random", string(b))
	}
}

func BenchmarkDecodeHex64(b *testing.B) {
	v := strings.Repeat("0123456789abcdef", 4)
	var out [32]byte
	b.Run("swar", func(b *testing.B) {
		for b.Loop() {
			decodeHex64(&out, v)
		}
	})
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			out, _ = hexRef(v)
		}
	})
}
