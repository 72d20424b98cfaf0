package hashing

import (
	"crypto/sha256"
	"slices"
)

// Normalize returns v normalized under the rules for k: the string that is
// hashed (or, for MADID, EXTERN_ID and LOOKALIKE_VALUE, sent). It returns ""
// for a missing value. A rejected value gives "" and an error matching
// ErrInvalid; a value kept with a warning gives the value and an error
// matching ErrWarning. A pre-hashed value (64 hex digits, for hashed keys)
// normalizes to itself, lowercased.
//
// Options are applied per call; to normalize many values build a Hasher
// once with New.
func Normalize(k Key, v string, opts ...func(*Options)) (string, error) {
	h, err := hasherFor(opts)
	if err != nil {
		return "", err
	}
	return h.Normalize(k, v)
}

// Hash returns v as it goes on the wire: the lowercase hex digest of the
// normalized value for hashed keys, the normalized value for the others,
// "" for missing or rejected values. Errors are as for Normalize.
func Hash(k Key, v string, opts ...func(*Options)) (string, error) {
	h, err := hasherFor(opts)
	if err != nil {
		return "", err
	}
	return h.Hash(k, v)
}

// HashCell is Hash returning a Cell, ready for a multi-key row.
func HashCell(k Key, v string, opts ...func(*Options)) (Cell, error) {
	h, err := hasherFor(opts)
	if err != nil {
		return Missing(k), err
	}
	return h.Cell(k, v)
}

// Normalize is the package-level Normalize under h's options.
func (h *Hasher) Normalize(k Key, v string) (string, error) {
	return h.normalizeIn(k, v, h.country)
}

// NormalizeIn is Normalize for a row whose country is cc, in any form
// COUNTRY accepts (an alpha-2 code is cheapest); "" or an unknown country
// falls back to the default region.
func (h *Hasher) NormalizeIn(k Key, v, cc string) (string, error) {
	return h.normalizeIn(k, v, h.rowCountry(cc))
}

func (h *Hasher) normalizeIn(k Key, v, cc string) (string, error) {
	var buf [128]byte
	out, _, r := h.appendNorm(buf[:0], k, v, cc)
	return h.result(k, v, out, r)
}

// result turns appended bytes into a string, reusing v when the bytes are
// exactly v (common for already-clean ASCII input), to spare an allocation.
func (h *Hasher) result(k Key, v string, out []byte, r Reason) (string, error) {
	var s string
	if string(out) == v {
		s = v
	} else if len(out) > 0 {
		s = string(out)
	}
	if r != "" {
		return s, &Error{Key: k, Reason: r}
	}
	return s, nil
}

// Hash is the package-level Hash under h's options.
func (h *Hasher) Hash(k Key, v string) (string, error) {
	return h.hashIn(k, v, h.country)
}

// HashIn is Hash for a row whose country is cc (see NormalizeIn).
func (h *Hasher) HashIn(k Key, v, cc string) (string, error) {
	return h.hashIn(k, v, h.rowCountry(cc))
}

func (h *Hasher) hashIn(k Key, v, cc string) (string, error) {
	var buf [128]byte
	out, r := h.appendWire(buf[:0], k, v, cc)
	return h.result(k, v, out, r)
}

// Cell is Hash returning a Cell.
func (h *Hasher) Cell(k Key, v string) (Cell, error) {
	s, err := h.Hash(k, v)
	if !k.Valid() {
		return Cell{}, err
	}
	return Cell{key: k, val: s, keyed: h.keyed(k)}, err
}

// CellIn is Cell for a row whose country is cc (see NormalizeIn).
func (h *Hasher) CellIn(k Key, v, cc string) (Cell, error) {
	s, err := h.HashIn(k, v, cc)
	if !k.Valid() {
		return Cell{}, err
	}
	return Cell{key: k, val: s, keyed: h.keyed(k)}, err
}

// AppendNormalized appends the normalized value of v (see Normalize) to dst
// and returns the extended slice. On rejection dst is returned unchanged
// with the reason. For ASCII input it does not allocate, except when dst
// must grow.
func (h *Hasher) AppendNormalized(dst []byte, k Key, v string) ([]byte, Reason) {
	out, _, r := h.appendNorm(dst, k, v, h.country)
	return out, r
}

// AppendHash appends the wire form of v (see Hash) to dst: 64 lowercase hex
// digits for a hashed key, nothing for a missing or rejected value. It is
// the hot path: for ASCII input it does not allocate, except when dst must
// grow (give it room for the normalized value, 64 digits and some slack).
// The reason is "" on success; a warning reason comes with the value.
func (h *Hasher) AppendHash(dst []byte, k Key, v string) ([]byte, Reason) {
	return h.appendWire(dst, k, v, h.country)
}

// AppendHashIn is AppendHash for a row whose country is cc (see
// NormalizeIn). It does not allocate for an ASCII cc.
func (h *Hasher) AppendHashIn(dst []byte, k Key, v, cc string) ([]byte, Reason) {
	return h.appendWire(dst, k, v, h.rowCountry(cc))
}

// rowCountry resolves the row's country (any form COUNTRY accepts), falling
// back to the default region when it is empty or unknown.
func (h *Hasher) rowCountry(cc string) string {
	if cc != "" {
		if c, ok := lookupCountry(cc); ok {
			return c
		}
	}
	return h.country
}

func (h *Hasher) appendWire(dst []byte, k Key, v, cc string) ([]byte, Reason) {
	return h.appendWireAt(dst, keyIndex(k), v, cc)
}

// appendWireAt is appendWire for the key at position ki of allKeys.
func (h *Hasher) appendWireAt(dst []byte, ki int, v, cc string) ([]byte, Reason) {
	n := len(dst)
	dst, st, r := h.appendNormAt(dst, ki, v, cc)
	if st != stValue {
		return dst, r
	}
	return h.appendDigestHex(dst[:n], dst[n:]), r
}

// wireAt is appendWireAt for a cell: a digest from the table of short
// values comes back as a static string, with dst unchanged.
func (h *Hasher) wireAt(dst []byte, ki int, v, cc string) ([]byte, string, Reason) {
	n := len(dst)
	dst, st, r := h.appendNormAt(dst, ki, v, cc)
	if st != stValue {
		return dst, "", r
	}
	dst, s := h.digestHexOr(dst[:n], dst[n:])
	return dst, s, r
}

// hexPairs holds the two lowercase hex digits of every byte value.
var hexPairs = func() (t [256][2]byte) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = [2]byte{digits[i>>4], digits[i&0xf]}
	}
	return t
}()

// appendHex appends the 64 lowercase hex digits of sum, one table lookup
// per byte (encoding/hex does two).
func appendHex(dst []byte, sum *[sha256.Size]byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*sha256.Size)[:n+2*sha256.Size]
	out := dst[n : n+2*sha256.Size]
	for i, b := range sum {
		p := hexPairs[b]
		out[2*i], out[2*i+1] = p[0], p[1]
	}
	return dst
}
