package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// Writer B's whole EnsureTable runs between writer A's GetTable and A's
// UpdateTable. A's update carries the stale VersionId, Glue rejects it, A
// re-reads and re-merges: both columns end up in the table.
func TestConcurrentWritersInterleaved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, r := setup(t)
		ctx := t.Context()
		if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		schemaA, schemaB := ordersSchema(), ordersSchema()
		schemaA.Columns = append(schemaA.Columns, catalog.Column{Name: "col_a", Type: "string"})
		schemaB.Columns = append(schemaB.Columns, catalog.Column{Name: "col_b", Type: "bigint"})
		rb := catalog.New(g)
		var bErr error
		var bChange catalog.TableChange
		g.Inject(catalogtest.Before("UpdateTable", 1, func(ctx context.Context) {
			bChange, bErr = rb.EnsureTable(ctx, "lake", "orders", schemaB)
		}))
		start := time.Now()
		ch, err := r.EnsureTable(ctx, "lake", "orders", schemaA)
		if err != nil {
			t.Fatal(err)
		}
		if bErr != nil || !bChange.Updated {
			t.Fatalf("writer B: %+v, %v", bChange, bErr)
		}
		if ch.Attempts != 2 || !ch.Updated {
			t.Errorf("writer A change = %+v, want updated on attempt 2", ch)
		}
		if waited := time.Since(start); waited <= 0 || waited > 5*time.Second {
			t.Errorf("backoff waited %v, want a bounded positive wait", waited)
		}
		got := columnNames(g.Table("lake", "orders"))
		want := []string{"order_id", "amount", "placed_at", "col_b", "col_a"}
		if !slices.Equal(got, want) {
			t.Errorf("columns = %v, want %v", got, want)
		}
		if n := g.Count("UpdateTable"); n != 3 {
			t.Errorf("UpdateTable calls = %d, want 3 (B, A stale, A retried)", n)
		}
	})
}

// N writers read the same version, then all write: one wins each round, the
// others conflict, re-read and re-merge. Every column lands, with the default
// policy. Run with -race.
func TestConcurrentWritersRace(t *testing.T) {
	const writers = 4
	synctest.Test(t, func(t *testing.T) {
		g, r := setup(t)
		ctx := t.Context()
		if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		var barrier sync.WaitGroup
		barrier.Add(writers)
		var mu sync.Mutex
		updates := 0
		g.Inject(func(_ context.Context, c catalogtest.Call) error {
			if c.Op != "UpdateTable" {
				return nil
			}
			mu.Lock()
			updates++
			first := updates <= writers
			mu.Unlock()
			if first { // every writer has read the same version before any writes
				barrier.Done()
				barrier.Wait()
			}
			return nil
		})
		runWriters(t, r, writers, nil)
		got := columnNames(g.Table("lake", "orders"))
		for i := range writers {
			if !slices.Contains(got, fmt.Sprintf("w%d", i)) {
				t.Errorf("column w%d lost; table has %v", i, got)
			}
		}
		// One winner and writers-1 conflicts in the first round; each loser
		// retries after a jittered backoff, colliding again at most as often
		// as the rounds allow.
		if n := g.Count("UpdateTable"); n < 2*writers-1 || n > writers*(writers+1)/2 {
			t.Errorf("UpdateTable calls = %d, want %d-%d", n, 2*writers-1, writers*(writers+1)/2)
		}
	})
}

// Writers that each own a subset of the columns and start at arbitrary
// times (a later one may first read a table that already has another's
// column) use MissingColumnsKeep; every column lands.
func TestConcurrentWritersKeep(t *testing.T) {
	const writers = 8
	synctest.Test(t, func(t *testing.T) {
		g, r := setup(t)
		if _, err := r.EnsureTable(t.Context(), "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		runWriters(t, r, writers, func(o *catalog.Options) { o.MissingColumns = catalog.MissingColumnsKeep })
		got := columnNames(g.Table("lake", "orders"))
		for i := range writers {
			if !slices.Contains(got, fmt.Sprintf("w%d", i)) {
				t.Errorf("column w%d lost; table has %v", i, got)
			}
		}
	})
}

func runWriters(t *testing.T, r *catalog.Registrar, writers int, opt func(*catalog.Options)) {
	t.Helper()
	var opts []func(*catalog.Options)
	if opt != nil {
		opts = append(opts, opt)
	}
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			s := ordersSchema()
			s.Columns = append(s.Columns, catalog.Column{Name: fmt.Sprintf("w%d", i), Type: "string"})
			_, errs[i] = r.EnsureTable(t.Context(), "lake", "orders", s, opts...)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// Conflicts that never stop exhaust MaxAttempts and surface as ErrConflict
// with the Glue exception in the chain.
func TestConflictRetriesExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, r := setup(t, func(o *catalog.Options) { o.MaxAttempts = 3 })
		ctx := t.Context()
		if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		g.Inject(catalogtest.FailTimes("UpdateTable", 100, &types.ConcurrentModificationException{}))
		s := ordersSchema()
		s.Columns = append(s.Columns, catalog.Column{Name: "x", Type: "int"})
		_, err := r.EnsureTable(ctx, "lake", "orders", s)
		if !errors.Is(err, catalog.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		var cme *types.ConcurrentModificationException
		if !errors.As(err, &cme) {
			t.Fatal("err does not unwrap to *types.ConcurrentModificationException")
		}
		if n := g.Count("UpdateTable"); n != 3 {
			t.Errorf("UpdateTable calls = %d, want 3", n)
		}
		if n := g.Count("GetTable"); n != 4 { // setup's create read + 3 cycles
			t.Errorf("GetTable calls = %d, want 4 (each conflict re-reads)", n)
		}
	})
}

// Throttling is retried with backoff; the waits are virtual under synctest.
func TestThrottlingBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, r := setup(t)
		ctx := t.Context()
		g.Inject(catalogtest.FailTimes("CreateTable", 3, &types.ThrottlingException{}))
		start := time.Now()
		ch, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema())
		if err != nil || !ch.Created {
			t.Fatalf("ensure = %+v, %v", ch, err)
		}
		waited := time.Since(start)
		// DefaultBackoff: >=50ms, >=100ms, >=200ms.
		if waited < 350*time.Millisecond || waited > 700*time.Millisecond {
			t.Errorf("waited %v, want 350ms-700ms of backoff", waited)
		}
		if n := g.Count("CreateTable"); n != 4 {
			t.Errorf("CreateTable calls = %d, want 4", n)
		}
	})
}

func TestThrottlingExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, r := setup(t, func(o *catalog.Options) { o.MaxAttempts = 2 })
		g.Inject(catalogtest.FailTimes("GetTable", 10, &types.ThrottlingException{}))
		_, err := r.EnsureTable(t.Context(), "lake", "orders", ordersSchema())
		if !errors.Is(err, catalog.ErrThrottled) {
			t.Fatalf("err = %v, want ErrThrottled", err)
		}
		var te *types.ThrottlingException
		if !errors.As(err, &te) {
			t.Fatal("err does not unwrap to *types.ThrottlingException")
		}
	})
}

// A context canceled during a backoff wait ends the call at once.
func TestCancelDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, r := setup(t, func(o *catalog.Options) {
			o.Backoff = func(int) time.Duration { return time.Hour }
		})
		g.Inject(catalogtest.FailTimes("CreateTable", 1, &types.ThrottlingException{}))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema())
			done <- err
		}()
		synctest.Wait() // blocked in the one-hour wait
		start := time.Now()
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if time.Since(start) != 0 {
			t.Errorf("returned after %v of virtual time, want immediately", time.Since(start))
		}
	})
}
