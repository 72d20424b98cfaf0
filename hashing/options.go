package hashing

import (
	"crypto/sha256"
	"runtime"
	"sync"
	"time"
)

// DateOrder says how an ambiguous date such as 02/03/1990 is read.
type DateOrder uint8

const (
	// MonthFirst reads NN/NN/YYYY as MM/DD/YYYY (the default, as Meta's
	// examples do).
	MonthFirst DateOrder = iota
	// DayFirst reads NN/NN/YYYY as DD/MM/YYYY.
	DayFirst
)

// Options configures normalization and hashing. The zero value is the
// default: no default country, month-first dates, pre-hashed input accepted,
// scheme meta-sha256-v1.
type Options struct {
	// Country is the default region, used for PHONE, ST and ZIP when a row
	// has no (valid) COUNTRY of its own. Any form COUNTRY accepts works
	// ("GB", "gbr", "United Kingdom", "UK"); "" means none.
	Country string
	// DateOrder says how NN/NN/YYYY dates are read.
	DateOrder DateOrder
	// RejectPreHashed switches off the pass-through of 64-hex input for
	// hashed keys; such values are then normalized like any other text.
	RejectPreHashed bool
	// Scheme selects the digest: SchemeMeta (the default when empty),
	// SchemeSHA256 (the same digest under its clean-room name) or
	// SchemeHMAC, which needs Secret.
	Scheme Scheme
	// Secret is the HMAC key for SchemeHMAC. It is copied by New.
	Secret []byte
	// Now, when set, gives "this year" for the DOBY range check (called
	// once, by New); nil means the clock at each check.
	Now func() time.Time
	// Workers bounds the goroutines HashBatch uses; 0 means GOMAXPROCS.
	Workers int
}

// WithCountry sets the default region (see Options.Country).
func WithCountry(country string) func(*Options) {
	return func(o *Options) { o.Country = country }
}

// WithDateOrder sets how NN/NN/YYYY dates are read.
func WithDateOrder(d DateOrder) func(*Options) {
	return func(o *Options) { o.DateOrder = d }
}

// WithRejectPreHashed sets Options.RejectPreHashed: 64-hex input is
// normalized like any other text instead of passed through.
func WithRejectPreHashed() func(*Options) {
	return func(o *Options) { o.RejectPreHashed = true }
}

// WithoutPreHashed is the former name of WithRejectPreHashed.
func WithoutPreHashed() func(*Options) { return WithRejectPreHashed() }

// WithHMAC selects the keyed hmac-sha256-v1 scheme with secret.
func WithHMAC(secret []byte) func(*Options) {
	return func(o *Options) { o.Scheme = SchemeHMAC; o.Secret = secret }
}

// Hasher normalizes and hashes values under one set of Options. Build it
// once with New and reuse it: its methods are safe for concurrent use and
// its Append methods do not allocate for ASCII input. The zero Hasher works
// like New() with no options, except that HashBatch then uses one worker.
type Hasher struct {
	opts    Options
	country string     // resolved default region, alpha-2 lowercase, or ""
	year    int        // fixed "this year", or 0 for time.Now
	minYear int        // the year at New: "this year" is never earlier
	macs    *sync.Pool // of *macState, for SchemeHMAC
	scratch *sync.Pool // of *chunkScratch, for HashBatch
	ipad    *[sha256.BlockSize]byte
	opad    *[sha256.BlockSize]byte
}

// New returns a Hasher for the options. It fails with an error matching
// ErrConfig on an unknown scheme, an HMAC scheme without a secret or an
// unknown default country.
func New(opts ...func(*Options)) (*Hasher, error) {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	return NewFromOptions(o)
}

// NewFromOptions is New for a filled-in Options value.
func NewFromOptions(o Options) (*Hasher, error) {
	h := &Hasher{opts: o, scratch: newScratchPool()}
	switch o.Scheme {
	case "":
		h.opts.Scheme = SchemeMeta
	case SchemeMeta, SchemeSHA256:
	case SchemeHMAC:
		if len(o.Secret) == 0 {
			return nil, &configError{"hmac-sha256-v1 needs a secret"}
		}
		h.opts.Secret = append([]byte(nil), o.Secret...)
		// HMAC (RFC 2104) over sha256.Sum256 with precomputed pads: unlike
		// crypto/hmac's hash.Hash it does not make the caller's buffer
		// escape, which keeps AppendHash allocation-free.
		key := o.Secret
		if len(key) > sha256.BlockSize {
			sum := sha256.Sum256(key)
			key = sum[:]
		}
		h.ipad, h.opad = new([sha256.BlockSize]byte), new([sha256.BlockSize]byte)
		copy(h.ipad[:], key)
		copy(h.opad[:], key)
		for i := range h.ipad {
			h.ipad[i] ^= 0x36
			h.opad[i] ^= 0x5c
		}
		h.macs = &sync.Pool{New: func() any { return new(macState) }}
	default:
		return nil, &configError{"unknown scheme " + string(o.Scheme)}
	}
	if o.Scheme != SchemeHMAC {
		h.opts.Secret = nil
	}
	if o.Country != "" {
		cc, ok := lookupCountry(o.Country)
		if !ok {
			return nil, &configError{"unknown default country"}
		}
		h.country = cc
	}
	if o.Now != nil {
		h.year = o.Now().Year()
	} else {
		h.minYear = time.Now().Year()
	}
	if h.opts.Workers <= 0 {
		h.opts.Workers = runtime.GOMAXPROCS(0)
	}
	return h, nil
}

// Scheme returns the name of the scheme the Hasher's digests are made
// under, to be recorded with the data.
func (h *Hasher) Scheme() Scheme {
	if h.opts.Scheme == "" {
		return SchemeMeta
	}
	return h.opts.Scheme
}

// Options returns a copy of the options the Hasher was built with (without
// the secret).
func (h *Hasher) Options() Options {
	o := h.opts
	o.Secret = nil
	return o
}

// yearOK reports whether y is in 1900…this year. Years up to the year the
// Hasher was made are always fine, so the clock is read only for later ones.
func (h *Hasher) yearOK(y int) bool {
	if y < 1900 {
		return false
	}
	if h.year != 0 {
		return y <= h.year
	}
	return y <= h.minYear || y <= time.Now().Year()
}

type macState struct{ buf []byte }

// digest returns the scheme's digest of b.
func (h *Hasher) digest(b []byte) [sha256.Size]byte {
	if h.macs == nil {
		return sha256.Sum256(b)
	}
	m := h.macs.Get().(*macState)
	m.buf = append(append(m.buf[:0], h.ipad[:]...), b...)
	inner := sha256.Sum256(m.buf)
	h.macs.Put(m)
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], h.opad[:])
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:])
}

// defaultHasher serves the package-level functions called without options.
var defaultHasher = &Hasher{opts: Options{Scheme: SchemeMeta, Workers: 1}, scratch: newScratchPool()}

func newScratchPool() *sync.Pool {
	return &sync.Pool{New: func() any { return new(chunkScratch) }}
}

func hasherFor(opts []func(*Options)) (*Hasher, error) {
	if len(opts) == 0 {
		return defaultHasher, nil
	}
	return New(opts...)
}

// keyed reports whether h's cells for k hold keyed digests.
func (h *Hasher) keyed(k Key) bool { return h.macs != nil && k.Hashed() }

// keyedAt is keyed for the key at position i of allKeys. h.macs is set
// exactly when the scheme is SchemeHMAC.
func (h *Hasher) keyedAt(i int) bool {
	return h.macs != nil && i != idxMADID && i != idxExternID && i != idxLookalike
}
