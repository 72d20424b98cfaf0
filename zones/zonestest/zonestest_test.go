package zonestest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

func TestTestBackendForm(t *testing.T) {
	if err := zonestest.TestBackend(t.Context(), func() (zones.Backend, error) { return memzone.New(), nil }, zonestest.Capabilities{LargeObjectSize: 4 << 20}); err != nil {
		t.Fatal(err)
	}
}

// Broken backends: each violates one rule, and the suite must report the
// check that covers it.
type (
	deleteNeverFails struct{ *memzone.Backend }
	overwrites       struct{ *memzone.Backend }
	unsortedList     struct{ *memzone.Backend }
	leavesPartial    struct{ *memzone.Backend }
)

func (b deleteNeverFails) Delete(ctx context.Context, key string) error { return nil }

func (b overwrites) Put(ctx context.Context, key string, r io.Reader, o zones.PutOptions) (zones.Attrs, error) {
	b.Backend.Delete(ctx, key)
	return b.Backend.Put(ctx, key, r, o)
}

func (b unsortedList) List(ctx context.Context, prefix, after string) iter.Seq2[zones.Attrs, error] {
	return func(yield func(zones.Attrs, error) bool) {
		var all []zones.Attrs
		for a, err := range b.Backend.List(ctx, prefix, after) {
			if err != nil {
				yield(a, err)
				return
			}
			all = append(all, a)
		}
		slices.Reverse(all)
		for _, a := range all {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// leavesPartial stores whatever it read before the body failed.
func (b leavesPartial) Put(ctx context.Context, key string, r io.Reader, o zones.PutOptions) (zones.Attrs, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		b.Backend.Put(context.WithoutCancel(ctx), key, bytes.NewReader(data), zones.PutOptions{})
		return zones.Attrs{}, err
	}
	return b.Backend.Put(ctx, key, bytes.NewReader(data), o)
}

func TestSuiteCatchesBrokenBackends(t *testing.T) {
	for _, tc := range []struct {
		check string
		make  func() zones.Backend
	}{
		{"MissingKeys", func() zones.Backend { return deleteNeverFails{memzone.New()} }},
		{"CreateOnly", func() zones.Backend { return overwrites{memzone.New()} }},
		{"ListOrderAndPrefix", func() zones.Backend { return unsortedList{memzone.New()} }},
		{"FailedBodyLeavesNothing", func() zones.Backend { return leavesPartial{memzone.New()} }},
	} {
		err := zonestest.TestBackend(t.Context(), func() (zones.Backend, error) { return tc.make(), nil }, zonestest.Capabilities{SkipLarge: true})
		if err == nil || !strings.Contains(err.Error(), tc.check+":") {
			t.Errorf("a backend broken for %s passed that check (suite error: %v)", tc.check, err != nil)
		}
	}
}

func TestFaulty(t *testing.T) {
	ctx := t.Context()
	f := zonestest.NewFaulty(memzone.New(),
		zonestest.Fault{Op: zonestest.OpPut, Nth: 2, Kind: zones.ErrThrottled},
		zonestest.Fault{Op: zonestest.OpGet, Key: "clean/*/secret*"},
		zonestest.Fault{Op: zonestest.OpDelete, Key: "curated/", AfterCall: true},
	)
	s := zones.New(f)
	if _, err := s.Put(ctx, zones.Clean, "a/one", strings.NewReader("1")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Put(ctx, zones.Clean, "a/two", strings.NewReader("2"))
	if !errors.Is(err, zones.ErrThrottled) || !errors.Is(err, zonestest.ErrInjected) {
		t.Fatalf("2nd Put = %v, want injected ErrThrottled", err)
	}
	if _, err := s.Stat(ctx, zones.Clean, "a/two"); !errors.Is(err, zones.ErrNotFound) {
		t.Fatalf("a fault before the call must not write: Stat = %v", err)
	}
	if _, err := s.Put(ctx, zones.Clean, "a/two", strings.NewReader("2")); err != nil {
		t.Fatalf("3rd Put (retry) = %v", err)
	}
	if _, err := s.Put(ctx, zones.Clean, "a/secret.csv", strings.NewReader("3")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, zones.Clean, "a/secret.csv"); !errors.Is(err, zonestest.ErrInjected) {
		t.Fatalf("Get on a glob-matched key = %v, want injected", err)
	}
	if _, err := s.Get(ctx, zones.Clean, "a/one"); err != nil {
		t.Fatalf("Get on an unmatched key = %v", err)
	}
	if _, err := s.Put(ctx, zones.Curated, "p/x", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, zones.Curated, "p/x"); !errors.Is(err, zonestest.ErrInjected) {
		t.Fatalf("Delete with AfterCall = %v, want injected", err)
	}
	if err := s.Delete(ctx, zones.Curated, "p/x"); !errors.Is(err, zones.ErrNotFound) {
		t.Fatalf("retried Delete after a lost response = %v, want ErrNotFound (the first one happened)", err)
	}
	var injectedCalls int
	for _, c := range f.Calls() {
		if c.Injected {
			injectedCalls++
		}
	}
	if injectedCalls != 4 {
		t.Fatalf("Calls() shows %d injected calls, want 4", injectedCalls)
	}
}

func TestNew(t *testing.T) {
	s := zonestest.New(t)
	if _, err := s.Put(t.Context(), zones.Clean, "k", strings.NewReader("v")); err != nil {
		t.Fatal(err)
	}
	if s.Options().TempDir == "" {
		t.Fatal("New must put spooled files under t.TempDir()")
	}
}
