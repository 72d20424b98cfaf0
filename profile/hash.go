package profile

// Fixed, seeded hashes: output order depends on them, so they must not
// change between processes or versions (maphash would).

const (
	seedRecA  = 0x243f6a8885a308d3
	seedRecB  = 0x13198a2e03707344
	seedOdd   = 0xa4093822299f31d0
	seedOrder = 0x082efa98ec4e6c89
)

func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

func strHash(s string, seed uint64) uint64 {
	h := seed ^ (uint64(len(s)) * 0x9e3779b97f4a7c15)
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = fmix64(h^w) + 0x9e3779b97f4a7c15
		s = s[8:]
	}
	var w uint64
	for i := 0; i < len(s); i++ {
		w |= uint64(s[i]) << (8 * i)
	}
	return fmix64(h ^ w ^ 0x5555555555555555)
}

// recordHash is a 128-bit hash of a record's source and key: two records
// of 10^10 collide with probability below 10^-18.
func recordHash(source, key string) (uint64, uint64) {
	a := strHash(key, strHash(source, seedRecA))
	b := strHash(key, strHash(source, seedRecB)^0x5bd1e995)
	if a == 0 && b == 0 {
		a = 1
	}
	return a, b
}

// personCode is a person id as 64 bits: identity's ids ("p" and 16 hex
// digits) parse to their number; other ids (carried over from elsewhere)
// hash, and the Result remembers their text.
func personCode(id string) (code uint64, odd bool) {
	if len(id) == 17 && id[0] == 'p' {
		var v uint64
		ok := true
		for i := 1; i < 17; i++ {
			c := id[i]
			switch {
			case '0' <= c && c <= '9':
				v = v<<4 | uint64(c-'0')
			case 'a' <= c && c <= 'f':
				v = v<<4 | uint64(c-'a'+10)
			default:
				ok = false
			}
		}
		if ok {
			return v, false
		}
	}
	return strHash(id, seedOdd), true
}

// orderKey orders persons in every output: by orderKey, then id. It is a
// function of the id only, so the order never depends on input order or
// on how the work was partitioned.
func orderKey(code uint64) uint64 { return fmix64(code ^ seedOrder) }

const hexdigits = "0123456789abcdef"

func formatPID(v uint64) string {
	var b [17]byte
	b[0] = 'p'
	for i := 16; i >= 1; i-- {
		b[i] = hexdigits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}
