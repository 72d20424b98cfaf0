package hashing

import "strings"

// Key names one Meta Custom Audience customer-file key (the column names of a
// multi-key schema) or, for DOB, the Conversions API date-of-birth field.
type Key string

// The keys of the normalization rules (see the package documentation), spelled as Meta spells them on the wire.
const (
	Email          Key = "EMAIL"
	Phone          Key = "PHONE"
	FirstName      Key = "FN"
	LastName       Key = "LN"
	FirstInitial   Key = "FI"
	City           Key = "CT"
	State          Key = "ST"
	Zip            Key = "ZIP"
	Country        Key = "COUNTRY"
	BirthYear      Key = "DOBY"
	BirthMonth     Key = "DOBM"
	BirthDay       Key = "DOBD"
	Gender         Key = "GEN"
	MobileAdID     Key = "MADID"
	ExternID       Key = "EXTERN_ID"
	LookalikeValue Key = "LOOKALIKE_VALUE"
	// DOB is the Conversions API birth date, YYYYMMDD before hashing. It is
	// not a Custom Audience schema key.
	DOB Key = "DOB"
)

// allKeys is the canonical order: the order Meta documents the schema keys in.
var allKeys = [...]Key{
	Email, Phone, FirstName, LastName, FirstInitial, City, State, Zip, Country,
	BirthYear, BirthMonth, BirthDay, Gender, MobileAdID, ExternID, LookalikeValue, DOB,
}

// Keys returns every key in canonical order. The slice is a fresh copy.
func Keys() []Key { k := allKeys; return k[:] }

// Valid reports whether k is one of the keys this package knows.
func (k Key) Valid() bool { return keyIndex(k) >= 0 }

// Hashed reports whether values of k are sent as SHA-256 digests. MADID,
// EXTERN_ID and LOOKALIKE_VALUE are sent normalized but unhashed.
func (k Key) Hashed() bool {
	switch k {
	case MobileAdID, ExternID, LookalikeValue:
		return false
	}
	return keyIndex(k) >= 0
}

// ParseKey returns the key named s, case-insensitively and ignoring
// surrounding white space.
func ParseKey(s string) (Key, bool) {
	k := Key(strings.ToUpper(strings.TrimSpace(s)))
	return k, k.Valid()
}

// Scheme names how a column's values were derived, recorded with datasets so
// that two parties never join columns made under different rules.
type Scheme string

const (
	// SchemeMeta is Meta's Custom Audience rules: normalize, then SHA-256 hex.
	SchemeMeta Scheme = "meta-sha256-v1"
	// SchemeSHA256 is the same digest, for clean-room joins with partners
	// who follow these rules.
	SchemeSHA256 Scheme = "sha256-v1"
	// SchemeHMAC is a keyed HMAC-SHA256 hex digest over the normalized value,
	// for collaborations that must not be joinable with public hashes.
	SchemeHMAC Scheme = "hmac-sha256-v1"
)

// Cell is one value as it goes on the wire to Meta: a lowercase hex digest for
// hashed keys, the normalized value for unhashed keys, or missing. Only this
// package makes non-missing cells, so raw PII cannot reach a payload through
// a Cell. Its String and GoString methods never print the value, so a Cell is
// safe to log; use Value to read the wire form.
type Cell struct {
	key   Key
	val   string
	keyed bool // an hmac-sha256-v1 digest: only joinable by the key's holders
}

// Missing returns the missing cell for k (sent as "").
func Missing(k Key) Cell { return Cell{key: k} }

// Key returns the cell's key.
func (c Cell) Key() Key { return c.key }

// IsMissing reports whether the cell is missing (sent as "").
func (c Cell) IsMissing() bool { return c.val == "" }

// Value returns the wire form of the cell.
func (c Cell) Value() string { return c.val }

// String describes the cell without its value.
func (c Cell) String() string {
	if c.val == "" {
		return string(c.key) + ":missing"
	}
	return string(c.key) + ":redacted"
}

// Keyed reports whether the cell holds a keyed hmac-sha256-v1 digest. Such
// a digest is only joinable by holders of the secret: Meta cannot match it,
// so activation refuses keyed cells. A missing cell holds no digest and is
// never keyed.
func (c Cell) Keyed() bool { return c.keyed && c.val != "" }

// GoString describes the cell without its value, for %#v.
func (c Cell) GoString() string { return "hashing.Cell(" + c.String() + ")" }

// CellFromDigest makes a cell for a hashed key from a digest computed earlier
// under meta-sha256-v1 or sha256-v1 (for example one read back from a
// clean-zone Parquet file); the cell is not Keyed. The digest must
// be 64 hex digits; it is lowercased. An empty digest gives the missing cell.
func CellFromDigest(k Key, digest string) (Cell, error) {
	if !k.Hashed() {
		return Cell{}, &Error{Key: k, Reason: ReasonNotHashedKey}
	}
	if digest == "" {
		return Missing(k), nil
	}
	if !isHex64(digest) {
		return Cell{}, &Error{Key: k, Reason: ReasonBadDigest}
	}
	return Cell{key: k, val: strings.ToLower(digest)}, nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
