package zones

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"path"
	"strings"
	"time"
)

// RawObject is the result of PutRaw.
type RawObject struct {
	// Object is the stored original, in the raw zone.
	Object
	// Manifest describes it; it is stored at ManifestKey.
	Manifest Manifest
	// ManifestKey is the manifest's key in the raw zone.
	ManifestKey string
	// Existing reports that the same bytes from the same source had been
	// ingested before and that object was returned instead of a copy. If the
	// object an older manifest names is gone (deleted outside the library),
	// the bytes are stored again, Existing is false, and Manifest describes
	// the new object while the stored manifest, which raw's create-only
	// writes cannot replace, still names the old key.
	Existing bool
}

// Manifest is the small JSON document stored next to every raw object.
type Manifest struct {
	Source string `json:"source"`
	// Key is the object's key in the raw zone.
	Key string `json:"key"`
	// Size in bytes.
	Size int64 `json:"size"`
	// SHA256 is the lowercase hex digest of the file's bytes.
	SHA256 string `json:"sha256"`
	// IngestedAt is the ingest time (UTC, millisecond precision).
	IngestedAt time.Time `json:"ingested_at"`
	// Name is the original file name as given to PutRaw.
	Name string `json:"name,omitempty"`
}

// manifestDir holds manifests; the leading '_' makes Hive, Spark and Glue
// crawlers ignore it.
const manifestDir = "_manifests"

// ManifestKey returns the raw-zone key of the manifest for source and a
// content digest (lowercase hex). It does not depend on the ingest date, so
// the same bytes from the same source always map to one manifest.
func ManifestKey(source, sha256Hex string) string {
	return manifestDir + "/source=" + EscapePartition(source) + "/sha256=" + sha256Hex + ".json"
}

// PutRaw ingests one original file into the raw zone. It reads r once,
// computing its SHA-256 while the bytes go to the backend (or its staging
// area), and stores them create-only under
//
//	source=<source>/ingest_date=YYYY-MM-DD/sha256=<hex>.<ext>
//
// (values Hive-escaped, ext taken from name, "bin" when absent) with a
// Manifest at ManifestKey. Ingesting bytes that the same source already
// delivered returns the existing object with Existing set and stores
// nothing new. name is the original file name, kept in the manifest; it may
// be "".
//
// The key depends on the digest, so the bytes must be held somewhere until
// it is known: backends that implement Stager (filezone, memzone) stage
// them in place; others (s3zone) get them spooled to Options.TempDir
// first, then uploaded from that seekable file with the digest as the
// object's checksum, so the temp directory needs room for the largest
// file.
func (s *Store) PutRaw(ctx context.Context, source, name string, r io.Reader) (RawObject, error) {
	if source == "" {
		return RawObject{}, invalid("put", "raw/", "empty source")
	}
	be := s.Backend(Raw)
	if be == nil {
		return RawObject{}, invalid("put", "raw/", "no backend for zone")
	}
	now := s.opts.Now().UTC().Truncate(time.Millisecond)
	h := sha256.New()
	var sum []byte

	// Stage the bytes once, hashing on the way.
	var (
		staged Staged
		out    *Output
	)
	if st, ok := be.(Stager); ok {
		tee := newPipeHasher(r, h)
		defer tee.stop()
		var err error
		staged, err = st.Stage(ctx, tee)
		sum = tee.sum()
		if err != nil {
			return RawObject{}, err
		}
	} else {
		out = s.NewOutput()
		if _, err := copyCtx(ctx, out, r); err != nil {
			out.Discard()
			return RawObject{}, &Error{Op: "put", Key: "raw/", Err: err}
		}
		sum = out.h.Sum(nil)
	}
	discard := func() {
		if staged != nil {
			staged.Discard()
		} else {
			out.Discard()
		}
	}
	digest := hex.EncodeToString(sum)
	var size int64
	if staged != nil {
		size = staged.Size()
	} else {
		size = out.Size()
	}

	mkey := ManifestKey(source, digest)
	if m, err := s.readManifest(ctx, mkey); err == nil {
		if o, err := s.Stat(ctx, Raw, m.Key); err == nil {
			discard()
			s.opts.Logger.DebugContext(ctx, "zones: raw ingest found existing object", "key", m.Key)
			return RawObject{Object: o, Manifest: m, ManifestKey: mkey, Existing: true}, nil
		}
	} else if !errors.Is(err, ErrNotFound) {
		discard()
		return RawObject{}, err
	}

	key := "source=" + EscapePartition(source) + "/ingest_date=" + now.Format("2006-01-02") + "/sha256=" + digest + "." + rawExt(name)
	_, full, err := s.resolve("put", Raw, key)
	if err != nil {
		discard()
		return RawObject{}, err
	}
	popts := PutOptions{Size: size, SizeKnown: true, SHA256: sum}
	var a Attrs
	if staged != nil {
		a, err = staged.Commit(ctx, full, popts)
	} else {
		var rd io.Reader
		if rd, err = out.reader(); err == nil {
			a, err = be.Put(ctx, full, rd, popts)
		}
		out.Discard()
	}
	existing := false
	if errors.Is(err, ErrAlreadyExists) {
		// Same bytes, same source, same day: the object is already there.
		existing = true
		a, err = be.Stat(ctx, full)
	}
	if err != nil {
		return RawObject{}, err
	}
	m := Manifest{Source: source, Key: key, Size: a.Size, SHA256: digest, IngestedAt: now, Name: name}
	body, _ := json.Marshal(m)
	_, err = s.Put(ctx, Raw, mkey, strings.NewReader(string(body)))
	if errors.Is(err, ErrAlreadyExists) {
		// A manifest for these bytes exists: a concurrent ingest won, or
		// an older manifest names an object that is gone (deleted outside
		// the library) and cannot be replaced, raw being create-only.
		won, rerr := s.readManifest(ctx, mkey)
		if rerr != nil {
			return RawObject{}, rerr
		}
		switch _, serr := s.Stat(ctx, Raw, won.Key); {
		case won.Key == key:
			// The same object this call stored or found.
			m = won
		case serr == nil:
			// The bytes are stored under another day's key: remove the
			// copy this call just made (the library's own duplicate,
			// not user data).
			if !existing {
				if derr := be.Delete(ctx, full); derr != nil {
					s.opts.Logger.DebugContext(ctx, "zones: could not remove a duplicate raw object", "key", key, "err", derr)
				}
			}
			m, existing = won, true
		case errors.Is(serr, ErrNotFound):
			// The manifest names a missing object: keep this copy.
			s.opts.Logger.DebugContext(ctx, "zones: raw manifest names a missing object; kept the new copy", "manifest", mkey, "key", key)
		default:
			return RawObject{}, serr
		}
		err = nil
	}
	if err != nil {
		return RawObject{}, err
	}
	s.opts.Logger.DebugContext(ctx, "zones: raw ingest", "key", m.Key, "size", m.Size, "existing", existing)
	return RawObject{Object: Object{Zone: Raw, Key: m.Key, Size: m.Size, ModTime: a.ModTime}, Manifest: m, ManifestKey: mkey, Existing: existing}, nil
}

// ReadManifest reads the manifest stored at key (see ManifestKey).
func (s *Store) ReadManifest(ctx context.Context, key string) (Manifest, error) {
	return s.readManifest(ctx, key)
}

func (s *Store) readManifest(ctx context.Context, key string) (Manifest, error) {
	rc, err := s.Get(ctx, Raw, key)
	if err != nil {
		return Manifest{}, err
	}
	defer rc.Close()
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&m); err != nil {
		return Manifest{}, &Error{Op: "get", Key: "raw/" + key, Kind: ErrInvalidInput, Err: errors.New("malformed manifest")}
	}
	return m, nil
}

// rawExt derives a safe extension from an original file name: lowercase
// [a-z0-9] only, keeping a compression suffix with its inner extension
// ("csv.gz"); "bin" when there is none.
func rawExt(name string) string {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	parts := strings.Split(base, ".")
	if len(parts) < 2 {
		return "bin"
	}
	ext := parts[len(parts)-1]
	if !alnum(ext) {
		return "bin"
	}
	switch ext {
	case "gz", "bz2", "zst", "xz", "lz4", "snappy", "br":
		if len(parts) >= 3 && alnum(parts[len(parts)-2]) {
			return parts[len(parts)-2] + "." + ext
		}
	}
	return ext
}

func alnum(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// copyCtx is io.Copy that stops when ctx is done.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	return io.CopyBuffer(dst, CtxReader(ctx, src), make([]byte, 256<<10))
}

// CtxReader returns a reader that fails with ctx.Err() once ctx is done,
// checked before every Read. Backends use it so that long copies notice
// cancellation.
func CtxReader(ctx context.Context, r io.Reader) io.Reader {
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
