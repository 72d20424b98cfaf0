// Package zonestest is the test kit for zones: the conformance suite every
// zones.Backend must pass, a ready in-memory Store for users' own tests, and
// fault injection to exercise retry and compensation paths.
//
// # Conformance
//
// [RunBackend] (inside go test) and [TestBackend] (anywhere, returns an error)
// check one contract on any Backend: ErrNotFound naming the key, round
// trips, create-only writes and the concurrent-writer race (exactly one
// winner), cancellation before and during a write with no partial object
// left, failed bodies leaving nothing, listing order/prefix/pagination while
// keys are inserted and deleted, odd keys (unicode, spaces, '=', '%') and
// rejected ones ("../", empty segments, control characters), zone
// isolation through a zones.Store, staging (when the backend is a
// zones.Stager), concurrent mixed use, and large objects (the multipart
// path on S3) including a create-only race between two large writers.
// Backends that differ legitimately say so with [Capabilities].
//
// This module runs the suite on memzone, filezone, s3zone against an
// in-process gofakes3 server (see s3zone/s3zonetest for what it does and
// does not model) and, when CDPKIT_S3_ENDPOINT is set, on a real
// S3-compatible endpoint.
//
// # Fakes
//
// [New] returns a *zones.Store over memzone with its temp files in
// t.TempDir(). [NewFaulty] wraps any Backend and fails chosen calls (the
// Nth call, calls on keys matching a glob, one operation kind), before or
// after the call reaches the backend, with errors shaped like real ones.
//
// # Fidelity
//
// memzone is a complete backend, not an approximation: it passes the same
// suite as filezone and s3zone. It does not model S3's eventual
// consistency of bucket configuration, request throttling (inject
// zones.ErrThrottled with a Fault instead) or storage classes.
//
// # Errors
//
// Injected faults are *zones.Error values whose cause is [ErrInjected] and
// whose category is the Fault's Kind, the same shape as real failures.
// Conformance findings name keys, sizes and indexes, never object bytes.
//
// # Concurrency
//
// Everything here is safe for concurrent use; the suite itself runs
// concurrent writers and listers and is meant to be run with -race.
//
// # Testing
//
// For an ISV: zonestest.New(t) in unit tests; zonestest.RunBackend against your
// own Backend; NewFaulty around any backend to test retries.
package zonestest

import (
	"context"
	"errors"
	"io"
	"iter"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

// New returns a *zones.Store over a fresh in-memory backend whose spooled
// files live in t.TempDir(). optFns adjust the Store's options.
func New(t testing.TB, optFns ...func(*zones.Options)) *zones.Store {
	t.Helper()
	dir := t.TempDir()
	return zones.New(memzone.New(), append([]func(*zones.Options){func(o *zones.Options) { o.TempDir = dir }}, optFns...)...)
}

// Op names a Backend method, for fault matching and call records.
type Op string

// Operations.
const (
	OpPut    Op = "put"
	OpGet    Op = "get"
	OpStat   Op = "stat"
	OpList   Op = "list"
	OpDelete Op = "delete"
)

// ErrInjected is the cause of every injected fault; errors.Is(err,
// zonestest.ErrInjected) tells injected failures from real ones.
var ErrInjected = errors.New("zonestest: injected fault")

// Fault describes calls to fail. All set fields must match.
type Fault struct {
	// Op restricts the fault to one operation; "" matches all.
	Op Op
	// Key is a path.Match glob on the backend key (the prefix for List);
	// "" matches all keys. "raw/*/*" matches two levels under raw/.
	// A pattern without glob metacharacters that ends in '/' matches
	// every key with that prefix.
	Key string
	// Nth fails only the Nth matching call (1-based); 0 fails every
	// matching call.
	Nth int
	// Kind is the category of the injected error (zones.ErrThrottled,
	// zones.ErrConflict, …); nil gives an unclassified error.
	Kind error
	// AfterCall lets a matching Put or Delete reach the backend and then
	// reports the fault: the write happened but the caller sees an error,
	// as after a lost response. A retry then meets ErrAlreadyExists or
	// ErrNotFound. Ignored for other operations.
	AfterCall bool
}

func (f Fault) matches(op Op, key string) bool {
	if f.Op != "" && f.Op != op {
		return false
	}
	if f.Key == "" {
		return true
	}
	if strings.HasSuffix(f.Key, "/") && !strings.ContainsAny(f.Key, "*?[\\") {
		return strings.HasPrefix(key, f.Key)
	}
	ok, _ := path.Match(f.Key, key)
	return ok
}

// Call records one call through a Faulty backend.
type Call struct {
	Op  Op
	Key string
	// Injected reports whether this call got an injected fault.
	Injected bool
}

// Faulty is a zones.Backend that forwards to another and injects faults.
// It is safe for concurrent use.
type Faulty struct {
	b      zones.Backend
	mu     sync.Mutex
	faults []Fault
	seen   []int
	calls  []Call
}

var _ zones.Backend = (*Faulty)(nil)

// NewFaulty wraps b with the given faults.
func NewFaulty(b zones.Backend, faults ...Fault) *Faulty {
	f := &Faulty{b: b}
	f.SetFaults(faults...)
	return f
}

// SetFaults replaces the faults and resets their match counters.
func (f *Faulty) SetFaults(faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append([]Fault(nil), faults...)
	f.seen = make([]int, len(faults))
}

// Calls returns a copy of the calls made so far.
func (f *Faulty) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// fault returns the fault to inject for this call, if any.
func (f *Faulty) fault(op Op, key string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var hit *Fault
	for i := range f.faults {
		ft := f.faults[i]
		if !ft.matches(op, key) {
			continue
		}
		f.seen[i]++
		if hit == nil && (ft.Nth == 0 || ft.Nth == f.seen[i]) {
			hit = &f.faults[i]
		}
	}
	f.calls = append(f.calls, Call{Op: op, Key: key, Injected: hit != nil})
	if hit == nil {
		return Fault{}, false
	}
	return *hit, true
}

func (f *Faulty) err(op Op, key string, ft Fault) error {
	return zones.NewError(string(op), key, ft.Kind, ErrInjected)
}

// Put implements zones.Backend.
func (f *Faulty) Put(ctx context.Context, key string, r io.Reader, opts zones.PutOptions) (zones.Attrs, error) {
	ft, hit := f.fault(OpPut, key)
	if hit && !ft.AfterCall {
		return zones.Attrs{}, f.err(OpPut, key, ft)
	}
	a, err := f.b.Put(ctx, key, r, opts)
	if hit && err == nil {
		return zones.Attrs{}, f.err(OpPut, key, ft)
	}
	return a, err
}

// Get implements zones.Backend.
func (f *Faulty) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if ft, hit := f.fault(OpGet, key); hit {
		return nil, f.err(OpGet, key, ft)
	}
	return f.b.Get(ctx, key)
}

// Stat implements zones.Backend.
func (f *Faulty) Stat(ctx context.Context, key string) (zones.Attrs, error) {
	if ft, hit := f.fault(OpStat, key); hit {
		return zones.Attrs{}, f.err(OpStat, key, ft)
	}
	return f.b.Stat(ctx, key)
}

// Delete implements zones.Backend.
func (f *Faulty) Delete(ctx context.Context, key string) error {
	ft, hit := f.fault(OpDelete, key)
	if hit && !ft.AfterCall {
		return f.err(OpDelete, key, ft)
	}
	err := f.b.Delete(ctx, key)
	if hit && err == nil {
		return f.err(OpDelete, key, ft)
	}
	return err
}

// List implements zones.Backend. A List fault is yielded as the first
// element.
func (f *Faulty) List(ctx context.Context, prefix, startAfter string) iter.Seq2[zones.Attrs, error] {
	return func(yield func(zones.Attrs, error) bool) {
		if ft, hit := f.fault(OpList, prefix); hit {
			yield(zones.Attrs{}, f.err(OpList, prefix, ft))
			return
		}
		for a, err := range f.b.List(ctx, prefix, startAfter) {
			if !yield(a, err) {
				return
			}
		}
	}
}
