package c3r

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
)

// MinSecretLen is the shortest shared secret C3R accepts, in bytes.
const MinSecretLen = 32

// HKDF info strings of format version 02.
const (
	infoPrimary      = "c3r-encryption-primary-aes-gcm-256"
	infoColumnPrefix = "c3r-hmac-sha256-col-"
)

// Secret is the collaboration's shared secret. It is never printed: its
// String, GoString, Format and LogValue methods all redact it.
type Secret struct{ b []byte }

// NewSecret copies b into a Secret. b must hold at least MinSecretLen
// bytes.
func NewSecret(b []byte) (Secret, error) {
	if len(b) < MinSecretLen {
		return Secret{}, newErr("secret", "", 0, ErrSecret, fmt.Sprintf("%d bytes, need at least %d", len(b), MinSecretLen))
	}
	return Secret{b: append([]byte(nil), b...)}, nil
}

// SecretFromBase64 decodes a standard-Base64 secret, as the official
// client reads it from C3R_SHARED_SECRET.
func SecretFromBase64(s string) (Secret, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return Secret{}, newErr("secret", "", 0, ErrSecret, "not standard Base64")
	}
	return NewSecret(b)
}

// Len is the secret's length in bytes.
func (s Secret) Len() int { return len(s.b) }

const redacted = "c3r.Secret(redacted)"

func (Secret) String() string   { return redacted }
func (Secret) GoString() string { return redacted }

// Format redacts the secret for every verb (%x, %v, %#v, …).
func (Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, redacted) }

// LogValue redacts the secret in slog output.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// keys holds the keys derived from one secret and salt.
type keys struct {
	secret []byte
	salt   []byte
	root   []byte // sealed root key; also the shared fingerprint key
	shared bool   // allowJoinsOnColumnsWithDifferentNames
}

// newKeys derives the keys; secret length is the caller's concern (the
// official client's test vectors use a 17-byte secret).
func newKeys(secret []byte, salt string, shared bool) (*keys, error) {
	k := &keys{secret: secret, salt: []byte(salt), shared: shared}
	root, err := hkdf.Key(sha256.New, secret, k.salt, infoPrimary, 32)
	if err != nil {
		return nil, err
	}
	k.root = root
	return k, nil
}

// fingerprintKey is the HMAC key of a target column: the root key when
// joins across column names are allowed, else a per-column key.
func (k *keys) fingerprintKey(target string) ([]byte, error) {
	if k.shared {
		return k.root, nil
	}
	return hkdf.Key(sha256.New, k.secret, k.salt, infoColumnPrefix+target, 32)
}
