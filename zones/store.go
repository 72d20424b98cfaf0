package zones

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"iter"
	"log/slog"
	"strings"
	"time"
)

// Zone is a top-level area of the lake. A zone's keys live under "<zone>/" in
// its backend and are never visible through another zone.
type Zone string

// The zones. Raw holds immutable originals, Clean normalized Parquet,
// Curated identity/profile/segment outputs, Quarantine rejected rows with
// their reasons.
const (
	Raw        Zone = "raw"
	Clean      Zone = "clean"
	Curated    Zone = "curated"
	Quarantine Zone = "quarantine"
)

// Zones lists every zone in a fixed order.
func Zones() []Zone { return []Zone{Raw, Clean, Curated, Quarantine} }

// Valid reports whether z is one of the four zones.
func (z Zone) Valid() bool {
	switch z {
	case Raw, Clean, Curated, Quarantine:
		return true
	}
	return false
}

// Object describes an object in a zone. Key is relative to the zone.
type Object struct {
	Zone    Zone
	Key     string
	Size    int64
	ModTime time.Time
}

// DefaultSpoolMemory is how many bytes a spooled output (raw ingest on
// backends without Stager, Parquet files, quarantine files) keeps in memory
// before spilling to a temp file.
const DefaultSpoolMemory = 4 << 20

// Options configures a Store. The zero value is valid.
type Options struct {
	// Backends routes zones to their own backends (AWS recommends one bucket
	// per layer, each with its own versioning, encryption and lifecycle).
	// Zones not listed use the Store's default backend.
	Backends map[Zone]Backend
	// Now is the clock used for ingest dates and manifests. Nil means
	// time.Now.
	Now func() time.Time
	// TempDir holds spooled files. "" means os.TempDir().
	TempDir string
	// SpoolMemory is the in-memory part of a spooled output, in bytes.
	// Zero means DefaultSpoolMemory; negative means always use a temp file.
	SpoolMemory int64
	// Logger receives debug events (keys and counts, never data). Nil
	// discards them.
	Logger *slog.Logger
}

// Store is the portable handle on the lake: zone-scoped, validated,
// create-only access to a Backend, raw ingest, quarantine and the
// replace-after-write publishing that datasets build on.
//
// A Store is safe for concurrent use.
type Store struct {
	def  Backend
	opts Options
}

// New returns a Store over b (the default backend for every zone not routed
// elsewhere by Options.Backends).
func New(b Backend, optFns ...func(*Options)) *Store {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SpoolMemory == 0 {
		o.SpoolMemory = DefaultSpoolMemory
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Backends != nil {
		m := make(map[Zone]Backend, len(o.Backends))
		for z, be := range o.Backends {
			m[z] = be
		}
		o.Backends = m
	}
	return &Store{def: b, opts: o}
}

// Options returns a copy of the Store's resolved options.
func (s *Store) Options() Options { return s.opts }

// Backend returns the backend that holds zone z.
func (s *Store) Backend(z Zone) Backend {
	if be, ok := s.opts.Backends[z]; ok && be != nil {
		return be
	}
	return s.def
}

// Location returns the external URI of a key or prefix in zone z, or "" when
// the backend cannot say (see Locator).
func (s *Store) Location(z Zone, key string) string {
	if l, ok := s.Backend(z).(Locator); ok {
		return l.Location(string(z) + "/" + key)
	}
	return ""
}

// resolve validates zone and key and returns the backend and full key.
func (s *Store) resolve(op string, z Zone, key string) (Backend, string, error) {
	if !z.Valid() {
		return nil, "", invalid(op, string(z)+"/"+key, "unknown zone")
	}
	full := string(z) + "/" + key
	if reason := keyProblem(key); reason != "" {
		return nil, "", invalid(op, full, reason)
	}
	if len(full) > MaxKeyLen {
		return nil, "", invalid(op, full, "key longer than 1024 bytes")
	}
	be := s.Backend(z)
	if be == nil {
		return nil, "", invalid(op, full, "no backend for zone")
	}
	return be, full, nil
}

func (s *Store) object(z Zone, a Attrs) Object {
	return Object{Zone: z, Key: strings.TrimPrefix(a.Key, string(z)+"/"), Size: a.Size, ModTime: a.ModTime}
}

// Put stores r under key in zone z, create-only: if the key exists the
// result matches ErrAlreadyExists and the stored object is unchanged.
func (s *Store) Put(ctx context.Context, z Zone, key string, r io.Reader) (Object, error) {
	be, full, err := s.resolve("put", z, key)
	if err != nil {
		return Object{}, err
	}
	a, err := be.Put(ctx, full, r, PutOptions{})
	if err != nil {
		return Object{}, err
	}
	s.opts.Logger.DebugContext(ctx, "zones: put", "zone", z, "key", key, "size", a.Size)
	return s.object(z, a), nil
}

// Get opens an object for reading; the caller closes it. A missing key
// matches ErrNotFound and the error names the key.
func (s *Store) Get(ctx context.Context, z Zone, key string) (io.ReadCloser, error) {
	be, full, err := s.resolve("get", z, key)
	if err != nil {
		return nil, err
	}
	return be.Get(ctx, full)
}

// Stat returns an object's attributes.
func (s *Store) Stat(ctx context.Context, z Zone, key string) (Object, error) {
	be, full, err := s.resolve("stat", z, key)
	if err != nil {
		return Object{}, err
	}
	a, err := be.Stat(ctx, full)
	if err != nil {
		return Object{}, err
	}
	return s.object(z, a), nil
}

// Delete removes an object. The raw zone is immutable: deleting from it
// returns an error matching ErrImmutable.
func (s *Store) Delete(ctx context.Context, z Zone, key string) error {
	be, full, err := s.resolve("delete", z, key)
	if err != nil {
		return err
	}
	if z == Raw {
		return &Error{Op: "delete", Key: full, Kind: ErrImmutable, Err: errors.New("the raw zone is append-only")}
	}
	return be.Delete(ctx, full)
}

// Objects yields the objects of zone z whose keys start with prefix, in
// lexical order. Iteration stops at the first error, which is yielded. The
// iterator may be reused; each use lists afresh.
func (s *Store) Objects(ctx context.Context, z Zone, prefix string) iter.Seq2[Object, error] {
	return s.objectsAfter(ctx, z, prefix, "")
}

func (s *Store) objectsAfter(ctx context.Context, z Zone, prefix, after string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		if !z.Valid() {
			yield(Object{}, invalid("list", string(z)+"/"+prefix, "unknown zone"))
			return
		}
		if reason := validatePrefix(prefix); reason != "" {
			yield(Object{}, invalid("list", string(z)+"/"+prefix, reason))
			return
		}
		be := s.Backend(z)
		if be == nil {
			yield(Object{}, invalid("list", string(z)+"/"+prefix, "no backend for zone"))
			return
		}
		zp := string(z) + "/"
		startAfter := ""
		if after != "" {
			startAfter = zp + after
		}
		for a, err := range be.List(ctx, zp+prefix, startAfter) {
			if err != nil {
				yield(Object{}, err)
				return
			}
			if !yield(s.object(z, a), nil) {
				return
			}
		}
	}
}

// Page is one page of a listing.
type Page struct {
	Objects []Object
	// NextPageToken continues the listing; "" means this was the last page.
	// Tokens stay valid across inserts and deletes: the next page starts
	// after the last key returned, so no key present throughout is skipped
	// or repeated.
	NextPageToken string
}

// DefaultPageSize is ListPage's page size when max <= 0.
const DefaultPageSize = 1000

// ListPage returns up to max objects of zone z under prefix, starting after
// pageToken ("" for the first page). Use it where callers checkpoint between
// pages; otherwise use Objects.
func (s *Store) ListPage(ctx context.Context, z Zone, prefix, pageToken string, max int) (Page, error) {
	if max <= 0 {
		max = DefaultPageSize
	}
	after := ""
	if pageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(pageToken)
		if err != nil || keyProblem(string(b)) != "" {
			return Page{}, invalid("list", string(z)+"/"+prefix, "malformed page token")
		}
		after = string(b)
	}
	var p Page
	for o, err := range s.objectsAfter(ctx, z, prefix, after) {
		if err != nil {
			return Page{}, err
		}
		if len(p.Objects) == max {
			p.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(p.Objects[max-1].Key))
			break
		}
		p.Objects = append(p.Objects, o)
	}
	return p, nil
}
