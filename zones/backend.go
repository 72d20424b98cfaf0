package zones

import (
	"context"
	"io"
	"iter"
	"time"
)

// Attrs describes a stored object.
type Attrs struct {
	// Key is the backend key (for a Store, the zone prefix is included).
	Key string
	// Size is the object's length in bytes.
	Size int64
	// ModTime is when the object was created.
	ModTime time.Time
}

// PutOptions carries what a caller knows about a body before writing it.
type PutOptions struct {
	// Size is the body's length when known, or 0 with SizeKnown false.
	Size int64
	// SizeKnown reports whether Size is set (a zero-length body is valid).
	SizeKnown bool
	// SHA256 is the body's SHA-256 digest when the caller already computed
	// it (raw ingest does). Backends that can have the server verify it (S3
	// ChecksumSHA256) send it; others may ignore it.
	SHA256 []byte
}

// Backend is the storage contract behind a Store. It is implemented by
// filezone, s3zone and memzone, and by anyone who passes [zonestest.Run].
// Callers normally use *Store; Backend is for implementers.
//
// Keys passed to a Backend are already valid per ValidateKey; backends must
// validate again anyway (they are usable on their own) and return
// ErrInvalidInput for invalid keys. All methods are safe for concurrent use
// and return ctx.Err() (possibly wrapped) when ctx is done.
type Backend interface {
	// Put stores the bytes of r under key only if key does not exist yet.
	// If it exists, or a concurrent Put of the same key wins, Put returns an
	// error matching ErrAlreadyExists and the existing object is unchanged.
	// A Put that fails or is cancelled leaves nothing visible under key.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Attrs, error)

	// Get opens the object for reading. A missing key gives an error
	// matching ErrNotFound that names the key. The caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, error)

	// Stat returns the object's attributes, or ErrNotFound.
	Stat(ctx context.Context, key string) (Attrs, error)

	// List yields the objects whose keys start with prefix and sort strictly
	// after startAfter ("" for the beginning), in lexical byte order. Keys
	// inserted or deleted during iteration may or may not be seen, but no
	// key present throughout is skipped or repeated. Iteration stops at the
	// first error, which is yielded.
	List(ctx context.Context, prefix, startAfter string) iter.Seq2[Attrs, error]

	// Delete removes the object, or returns ErrNotFound.
	Delete(ctx context.Context, key string) error
}

// Stager is an optional Backend capability: write a body once to a hidden
// staging area and publish it later under a key chosen after the bytes were
// seen (content addressing). filezone implements it with a temp file and a
// link, so raw ingest writes the bytes once. Store falls back to a local
// temp file and Put for backends without it.
type Stager interface {
	Stage(ctx context.Context, r io.Reader) (Staged, error)
}

// Staged is a staged body. Exactly one of Commit or Discard must be called.
type Staged interface {
	// Size is the staged body's length.
	Size() int64
	// Commit publishes the body under key with Put's create-only semantics.
	// After Commit, whatever its result, the staged body is gone.
	Commit(ctx context.Context, key string, opts PutOptions) (Attrs, error)
	// Discard drops the staged body.
	Discard() error
}

// Locator is an optional Backend capability: the URI of a key or prefix as a
// reader outside this library sees it ("s3://bucket/k", "file:///dir/k").
// catalog uses it for Glue table locations.
type Locator interface {
	Location(key string) string
}

// ReaderAtObject is what Backend.Get may return when the object supports
// random access (filezone's files, memzone's buffers); Parquet readers use
// it to avoid copying the object to a temp file.
type ReaderAtObject interface {
	io.ReadCloser
	io.ReaderAt
	Size() int64
}
