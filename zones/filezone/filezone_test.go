package filezone_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

func newBackend(t *testing.T) zones.Backend {
	b, err := filezone.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The large-object checks use 5 MiB: enough for several rounds of
// filezone's 1 MiB copy pipeline.
func TestConformance(t *testing.T) {
	zonestest.RunBackend(t, newBackend, zonestest.Capabilities{LargeObjectSize: 5 << 20})
}

func TestConformanceNoSync(t *testing.T) {
	if testing.Short() {
		t.Skip("the synced run covers the same properties")
	}
	zonestest.RunBackend(t, func(t *testing.T) zones.Backend {
		b, err := filezone.New(t.TempDir(), func(o *filezone.Options) { o.NoSync = true })
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestLayoutIsPlainFiles(t *testing.T) {
	dir := t.TempDir()
	b, err := filezone.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := zones.New(b)
	if _, err := s.Put(t.Context(), zones.Clean, "customers/dt=2026-11-23/part.parquet", strings.NewReader("PAR1")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "clean", "customers", "dt=2026-11-23", "part.parquet"))
	if err != nil || string(got) != "PAR1" {
		t.Fatalf("object is not a plain file at <root>/<zone>/<key>: %v", err)
	}
	if loc := s.Location(zones.Clean, "customers/"); loc != "file://"+filepath.ToSlash(dir)+"/clean/customers/" {
		t.Fatalf("Location = %q", loc)
	}
	// Nothing is left in the staging directory.
	ents, err := os.ReadDir(filepath.Join(dir, zones.ReservedPrefix+"-tmp"))
	if err != nil || len(ents) != 0 {
		t.Fatalf("staging dir holds %d entries (err %v), want 0", len(ents), err)
	}
}

func TestParentConflicts(t *testing.T) {
	b := newBackend(t)
	ctx := t.Context()
	if _, err := b.Put(ctx, "a", strings.NewReader("x"), zones.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(ctx, "a/b", strings.NewReader("x"), zones.PutOptions{}); !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("Put under an object = %v, want ErrInvalidInput", err)
	}
	if _, err := b.Put(ctx, "d/e", strings.NewReader("x"), zones.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(ctx, "d", strings.NewReader("x"), zones.PutOptions{}); !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("Put on a directory = %v, want ErrInvalidInput", err)
	}
	if _, err := b.Get(ctx, "d"); !errors.Is(err, zones.ErrNotFound) {
		t.Fatalf("Get of a directory = %v, want ErrNotFound", err)
	}
	if _, err := b.Get(ctx, "a/b"); !errors.Is(err, zones.ErrNotFound) {
		t.Fatalf("Get below a file = %v, want ErrNotFound", err)
	}
}

func TestDeletePrunesEmptyDirs(t *testing.T) {
	dir := t.TempDir()
	b, _ := filezone.New(dir)
	ctx := t.Context()
	if _, err := b.Put(ctx, "x/y/z", strings.NewReader("1"), zones.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "x/y/z"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("empty parent directories remain: %v", err)
	}
}

func TestNewRemovesAbandonedTempFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := filezone.New(dir); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, zones.ReservedPrefix+"-tmp")
	old, fresh := filepath.Join(tmp, "put-old"), filepath.Join(tmp, "put-fresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	if _, err := filezone.New(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("abandoned temp file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("recent temp file removed: %v", err)
	}
}

// Losing a create-only race, failing mid-body, being cancelled mid-body or
// before starting: none of them leaves a file in the staging directory.
func TestNoStagingLeftovers(t *testing.T) {
	dir := t.TempDir()
	b, err := filezone.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			b.Put(ctx, "race/k", bytes.NewReader(bytes.Repeat([]byte{byte(i)}, 3<<20)), zones.PutOptions{})
		})
	}
	wg.Wait()
	if _, err := b.Put(ctx, "fail/k", io.MultiReader(bytes.NewReader(make([]byte, 2<<20)), iotest.ErrReader(errors.New("body failed"))), zones.PutOptions{}); err == nil {
		t.Fatal("Put with a failing body succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Put(cctx, "cancel/k", strings.NewReader("x"), zones.PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Put = %v", err)
	}
	st, err := b.Stage(ctx, strings.NewReader("staged"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, "race/k", zones.PutOptions{}); !errors.Is(err, zones.ErrAlreadyExists) {
		t.Fatalf("staged commit to a taken key = %v", err)
	}
	ents, err := os.ReadDir(filepath.Join(dir, zones.ReservedPrefix+"-tmp"))
	if err != nil || len(ents) != 0 {
		t.Fatalf("staging directory holds %d files (err %v), want 0", len(ents), err)
	}
}
