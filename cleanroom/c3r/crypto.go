package c3r

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"sync"
)

// Format-02 cell prefixes and sizes.
const (
	prefixHMAC = "02:hmac:"
	prefixEnc  = "02:enc:"
	nonceLen   = 32
	ivLen      = 12
	tagLen     = 16
	padLenLen  = 2

	// MaxPad is the largest padding length a schema may ask for.
	MaxPad = 10000
	// MaxPaddedPlaintext is the largest padded plaintext of a sealed cell
	// (encoded value plus padding), in bytes.
	MaxPaddedPlaintext = 12000
	// MaxCellBytes is the largest marshalled cell (Glue's string limit).
	MaxCellBytes = 16383
	// MaxColumns is the most output columns an encrypted table may have.
	MaxColumns = 1600
)

var aad = []byte(prefixEnc)

// fingerprinter computes one column's fingerprints. Not safe for
// concurrent use.
type fingerprinter struct {
	mac hash.Hash
	sum [sha256.Size]byte
}

func newFingerprinter(key []byte) *fingerprinter {
	return &fingerprinter{mac: hmac.New(sha256.New, key)}
}

// digest returns HMAC-SHA256(key, msg) in f's buffer.
func (f *fingerprinter) digest(msg []byte) []byte {
	f.mac.Reset()
	f.mac.Write(msg)
	return f.mac.Sum(f.sum[:0])
}

// appendCell appends "02:hmac:" + Base64(HMAC(msg)).
func appendHMACCell(dst, digest []byte) []byte {
	dst = append(dst, prefixHMAC...)
	return base64.StdEncoding.AppendEncode(dst, digest)
}

// nullFingerprintMessage is the message of a NULL when NULLs are not
// preserved: 32 random bytes then the class's null tag, so it never joins.
func appendNullFingerprintMessage(dst []byte, t Type) []byte {
	var r [32]byte
	rand.Read(r[:])
	dst = append(dst, r[:]...)
	return append(dst, tag(t.class(), true))
}

// rowCipher seals the cells of one row: the data key is
// SHA-256(root ‖ nonce), shared by the row's sealed columns. Its scratch
// buffers live in the struct so that sealing a cell allocates nothing
// beyond the AES and GCM state the standard library allocates per key.
type rowCipher struct {
	root  []byte
	nonce [nonceLen]byte
	gcm   cipher.AEAD
	msg   []byte      // hash input scratch
	ivb   [ivLen]byte // the current cell's IV
	buf   []byte
}

func newRowCipher(root []byte) *rowCipher {
	return &rowCipher{root: root}
}

// reset derives the row's data key from nonce.
func (c *rowCipher) reset(nonce *[nonceLen]byte) error {
	c.nonce = *nonce
	c.msg = append(append(c.msg[:0], c.root...), nonce[:]...)
	k := sha256.Sum256(c.msg)
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return err
	}
	c.gcm, err = cipher.NewGCM(block)
	return err
}

// iv sets c.ivb to the first 12 bytes of SHA-256(label ‖ nonce).
func (c *rowCipher) iv(label []byte) {
	c.msg = append(append(c.msg[:0], label...), c.nonce[:]...)
	s := sha256.Sum256(c.msg)
	copy(c.ivb[:], s[:])
}

// appendSealed appends a sealed cell for the encoded value, padded with
// padLen zero bytes: "02:enc:" + Base64(nonce ‖ iv ‖ AES-GCM(encoded ‖
// zeros ‖ uint16 padLen)).
func (c *rowCipher) appendSealed(dst []byte, label []byte, encoded []byte, padLen int) []byte {
	c.iv(label)
	n := nonceLen + ivLen + len(encoded) + padLen + padLenLen + tagLen
	if cap(c.buf) < n {
		c.buf = make([]byte, 0, n)
	}
	b := append(c.buf[:0], c.nonce[:]...)
	b = append(b, c.ivb[:]...)
	pt := len(b)
	b = append(b, encoded...)
	b = append(b, make([]byte, padLen)...)
	b = binary.BigEndian.AppendUint16(b, uint16(padLen))
	b = c.gcm.Seal(b[:pt], c.ivb[:], b[pt:], aad)
	c.buf = b
	dst = append(dst, prefixEnc...)
	return base64.StdEncoding.AppendEncode(dst, b)
}

// sealedCellLen is the length of a sealed cell whose padded plaintext
// (encoded value, padding, 2-byte length) is n bytes.
func sealedCellLen(n int) int {
	return len(prefixEnc) + base64.StdEncoding.EncodedLen(nonceLen+ivLen+n+tagLen)
}

// openSealedTo authenticates and decrypts a sealed cell's body (after the
// "02:enc:" prefix) and passes the encoded value, without padding, to use,
// which must not keep it: the buffer is reused. Errors wrap ErrFormat or
// ErrDecrypt, or are use's.
func openSealedTo(root []byte, body []byte, use func(encoded []byte) error) error {
	bp := rawPool.Get().(*[]byte)
	defer rawPool.Put(bp)
	raw := (*bp)[:0]
	if n := base64.StdEncoding.DecodedLen(len(body)); cap(raw) < n {
		raw = make([]byte, n)
		if n <= 64<<10 {
			*bp = raw // keep it for the next cell unless it is huge
		}
	}
	raw = raw[:base64.StdEncoding.DecodedLen(len(body))]
	n, err := base64.StdEncoding.Decode(raw, body)
	if err != nil {
		return &Error{Kind: ErrFormat, Err: detail("not standard Base64")}
	}
	raw = raw[:n]
	if len(raw) < nonceLen+ivLen+tagLen+padLenLen {
		return &Error{Kind: ErrFormat, Err: detail("too short")}
	}
	var kb [96]byte
	key := sha256.Sum256(append(append(kb[:0], root...), raw[:nonceLen]...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	iv := raw[nonceLen : nonceLen+ivLen]
	pt, err := gcm.Open(raw[nonceLen+ivLen:nonceLen+ivLen], iv, raw[nonceLen+ivLen:], aad)
	if err != nil {
		return &Error{Kind: ErrDecrypt}
	}
	if len(pt) < padLenLen {
		return &Error{Kind: ErrFormat, Err: detail("no padding length")}
	}
	pad := int(binary.BigEndian.Uint16(pt[len(pt)-padLenLen:]))
	if pad > len(pt)-padLenLen {
		return &Error{Kind: ErrFormat, Err: detail("padding longer than the plaintext")}
	}
	return use(pt[:len(pt)-padLenLen-pad])
}

// rawPool holds decoding buffers for openSealed.
var rawPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}
