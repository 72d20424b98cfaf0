package hashing

import (
	"crypto/sha256"
	"sync"
)

// Many hashed cells come from tiny domains: FI and GEN are one character,
// DOBM, DOBD, ST and COUNTRY two, DOBY four digits. Under the unkeyed
// schemes their digests never change, so they are computed once, on first
// use, and copied out of a table (about 100 KB) instead of being hashed per
// row. HMAC digests depend on the Hasher's secret and are not cached.

const (
	shortAlnum = 36                                 // [0-9a-z]
	shortYear0 = 1900                               // first cached year
	shortYears = 200                                // 1900..2099
	shortN     = shortAlnum + shortAlnum*shortAlnum // one or two characters
)

var (
	shortOnce sync.Once
	shortHex  string // 64 hex digits per slot
)

// alnumIndex is b's position in [0-9a-z], or -1.
func alnumIndex(b byte) int {
	switch {
	case b >= '0' && b <= '9':
		return int(b - '0')
	case b >= 'a' && b <= 'z':
		return int(b-'a') + 10
	}
	return -1
}

// shortIndex is the table slot of the digest of b, or -1 when b is not in
// the table.
func shortIndex(b []byte) int {
	switch len(b) {
	case 1:
		return alnumIndex(b[0])
	case 2:
		i, j := alnumIndex(b[0]), alnumIndex(b[1])
		if i < 0 || j < 0 {
			return -1
		}
		return shortAlnum + i*shortAlnum + j
	case 4:
		y := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			y = y*10 + int(c-'0')
		}
		if y < shortYear0 || y >= shortYear0+shortYears {
			return -1
		}
		return shortN + y - shortYear0
	}
	return -1
}

func buildShortHex() {
	t := make([]byte, 0, (shortN+shortYears)*2*sha256.Size)
	const alnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	var in [4]byte
	fill := func(b []byte) {
		sum := sha256.Sum256(b)
		t = appendHex(t, &sum)
	}
	// Slots in shortIndex order: one character, two, then years.
	for i := range shortAlnum {
		in[0] = alnum[i]
		fill(in[:1])
	}
	for i := range shortAlnum {
		for j := range shortAlnum {
			in[0], in[1] = alnum[i], alnum[j]
			fill(in[:2])
		}
	}
	for y := range shortYears {
		v := shortYear0 + y
		in = [4]byte{byte('0' + v/1000), byte('0' + v/100%10), byte('0' + v/10%10), byte('0' + v%10)}
		fill(in[:])
	}
	shortHex = string(t)
}

// appendDigestHex appends the 64 lowercase hex digits of h's digest of b to
// dst. b may alias the bytes after len(dst) (it is read before dst is
// written).
func (h *Hasher) appendDigestHex(dst []byte, b []byte) []byte {
	if s := h.cachedHex(b); s != "" {
		return append(dst, s...)
	}
	sum := h.digest(b)
	return appendHex(dst, &sum)
}

// cachedHex returns the 64 lowercase hex digits of h's digest of b when the
// table holds them, else "". The string is static: a cell can hold it
// without a copy.
func (h *Hasher) cachedHex(b []byte) string {
	if h.macs != nil {
		return ""
	}
	i := shortIndex(b)
	if i < 0 {
		return ""
	}
	shortOnce.Do(buildShortHex)
	return shortHex[i*2*sha256.Size : (i+1)*2*sha256.Size]
}

// digestHexOr is appendDigestHex for a cell: a cached digest comes back as
// a static string with dst unchanged, any other is appended to dst.
func (h *Hasher) digestHexOr(dst []byte, b []byte) ([]byte, string) {
	if s := h.cachedHex(b); s != "" {
		return dst, s
	}
	sum := h.digest(b)
	return appendHex(dst, &sum), ""
}
