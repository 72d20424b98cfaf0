// Package memzone is an in-memory zones.Backend: fast, concurrency-safe and
// complete (it passes zonestest.RunBackend), for tests and for short-lived
// pipelines whose data fits in memory. Nothing is persisted.
//
// # Errors
//
// Errors are *zones.Error values matching the zones category sentinels
// (zones.ErrNotFound, zones.ErrAlreadyExists, zones.ErrInvalidInput) or
// wrapping ctx.Err().
//
// # Concurrency
//
// A *Backend is safe for concurrent use. Put is create-only and atomic: of
// several concurrent writers of one key exactly one succeeds.
//
// # Testing
//
// zonestest.New(t) returns a *zones.Store over a fresh memzone backend.
package memzone

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cdpkit/cdpkit/zones"
)

type object struct {
	data    []byte
	modTime time.Time
}

// Backend is an in-memory zones.Backend. The zero value is not usable; call
// New.
type Backend struct {
	now  func() time.Time
	mu   sync.RWMutex
	objs map[string]object
	keys []string // sorted
}

// Options configures a Backend.
type Options struct {
	// Now stamps ModTime. Nil means time.Now.
	Now func() time.Time
}

// New returns an empty Backend.
func New(optFns ...func(*Options)) *Backend {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Backend{now: o.Now, objs: map[string]object{}}
}

var (
	_ zones.Backend = (*Backend)(nil)
	_ zones.Stager  = (*Backend)(nil)
)

// Put implements zones.Backend.
func (b *Backend) Put(ctx context.Context, key string, r io.Reader, opts zones.PutOptions) (zones.Attrs, error) {
	if err := zones.ValidateKey(key); err != nil {
		return zones.Attrs{}, err
	}
	var buf bytes.Buffer
	if opts.SizeKnown && opts.Size > 0 && opts.Size < 1<<30 {
		buf.Grow(int(opts.Size))
	}
	if _, err := buf.ReadFrom(zones.CtxReader(ctx, r)); err != nil {
		return zones.Attrs{}, zones.NewError("put", key, nil, err)
	}
	return b.commit(ctx, key, buf.Bytes())
}

func (b *Backend) commit(ctx context.Context, key string, data []byte) (zones.Attrs, error) {
	if err := ctx.Err(); err != nil {
		return zones.Attrs{}, zones.NewError("put", key, nil, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.objs[key]; ok {
		return zones.Attrs{}, zones.NewError("put", key, zones.ErrAlreadyExists, nil)
	}
	o := object{data: data, modTime: b.now()}
	b.objs[key] = o
	i, _ := slices.BinarySearch(b.keys, key)
	b.keys = slices.Insert(b.keys, i, key)
	return zones.Attrs{Key: key, Size: int64(len(data)), ModTime: o.modTime}, nil
}

// Stage implements zones.Stager.
func (b *Backend) Stage(ctx context.Context, r io.Reader) (zones.Staged, error) {
	data, err := io.ReadAll(zones.CtxReader(ctx, r))
	if err != nil {
		return nil, zones.NewError("stage", "", nil, err)
	}
	return &staged{b: b, data: data}, nil
}

type staged struct {
	b    *Backend
	data []byte
	done bool
}

func (s *staged) Size() int64 { return int64(len(s.data)) }

func (s *staged) Commit(ctx context.Context, key string, _ zones.PutOptions) (zones.Attrs, error) {
	if s.done {
		return zones.Attrs{}, zones.NewError("put", key, zones.ErrInvalidInput, errors.New("staged body already used"))
	}
	s.done = true
	if err := zones.ValidateKey(key); err != nil {
		return zones.Attrs{}, err
	}
	return s.b.commit(ctx, key, s.data)
}

func (s *staged) Discard() error { s.done = true; s.data = nil; return nil }

// Get implements zones.Backend. The reader also implements
// zones.ReaderAtObject.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	o, err := b.lookup(ctx, "get", key)
	if err != nil {
		return nil, err
	}
	return &reader{Reader: bytes.NewReader(o.data)}, nil
}

type reader struct{ *bytes.Reader }

func (r *reader) Close() error { return nil }

// Stat implements zones.Backend.
func (b *Backend) Stat(ctx context.Context, key string) (zones.Attrs, error) {
	o, err := b.lookup(ctx, "stat", key)
	if err != nil {
		return zones.Attrs{}, err
	}
	return zones.Attrs{Key: key, Size: int64(len(o.data)), ModTime: o.modTime}, nil
}

func (b *Backend) lookup(ctx context.Context, op, key string) (object, error) {
	if err := zones.ValidateKey(key); err != nil {
		return object{}, err
	}
	if err := ctx.Err(); err != nil {
		return object{}, zones.NewError(op, key, nil, err)
	}
	b.mu.RLock()
	o, ok := b.objs[key]
	b.mu.RUnlock()
	if !ok {
		return object{}, zones.NewError(op, key, zones.ErrNotFound, nil)
	}
	return o, nil
}

// Delete implements zones.Backend.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if err := zones.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return zones.NewError("delete", key, nil, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.objs[key]; !ok {
		return zones.NewError("delete", key, zones.ErrNotFound, nil)
	}
	delete(b.objs, key)
	if i, ok := slices.BinarySearch(b.keys, key); ok {
		b.keys = slices.Delete(b.keys, i, i+1)
	}
	return nil
}

// listChunk is how many entries List copies per lock acquisition.
const listChunk = 256

// List implements zones.Backend.
func (b *Backend) List(ctx context.Context, prefix, startAfter string) iter.Seq2[zones.Attrs, error] {
	return func(yield func(zones.Attrs, error) bool) {
		after := startAfter
		if after < prefix {
			after = ""
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(zones.Attrs{}, zones.NewError("list", prefix, nil, err))
				return
			}
			chunk := b.chunk(prefix, after)
			for _, a := range chunk {
				if !yield(a, nil) {
					return
				}
			}
			if len(chunk) < listChunk {
				return
			}
			after = chunk[len(chunk)-1].Key
		}
	}
}

func (b *Backend) chunk(prefix, after string) []zones.Attrs {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var i int
	if after == "" {
		i, _ = slices.BinarySearch(b.keys, prefix)
	} else {
		var found bool
		i, found = slices.BinarySearch(b.keys, after)
		if found {
			i++
		}
		if j, _ := slices.BinarySearch(b.keys, prefix); j > i {
			i = j
		}
	}
	out := make([]zones.Attrs, 0, min(listChunk, len(b.keys)-i))
	for ; i < len(b.keys) && len(out) < listChunk; i++ {
		k := b.keys[i]
		if !strings.HasPrefix(k, prefix) {
			break
		}
		o := b.objs[k]
		out = append(out, zones.Attrs{Key: k, Size: int64(len(o.data)), ModTime: o.modTime})
	}
	return out
}
