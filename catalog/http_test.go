package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// The Registrar behaviours that matter most, through a real *glue.Client
// and the Glue-protocol server: serialisation, error decoding and
// paginators of the SDK are in the loop.
func TestRegistrarOverHTTP(t *testing.T) {
	noWait := func(o *catalog.Options) { o.Backoff = func(int) time.Duration { return 0 } }
	newSrv := func(t *testing.T) (*catalogtest.GlueServer, *catalog.Registrar) {
		srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
		t.Cleanup(srv.Close)
		r := catalog.New(srv.Client(), noWait)
		if _, err := r.EnsureDatabase(t.Context(), catalog.Database{Name: "lake"}); err != nil {
			t.Fatal(err)
		}
		return srv, r
	}

	t.Run("rerun makes no writes", func(t *testing.T) {
		srv, r := newSrv(t)
		ctx := t.Context()
		run := func() {
			if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
				t.Fatal(err)
			}
			if _, err := r.AddPartitions(ctx, "lake", "orders", []catalog.Partition{{Values: []string{"a/b"}}}); err != nil {
				t.Fatal(err)
			}
		}
		run()
		srv.Glue.ResetCalls()
		run()
		if n := srv.Glue.Writes(); n != 0 {
			t.Fatalf("rerun over HTTP made %d writes", n)
		}
	})

	t.Run("1000 partitions in batches", func(t *testing.T) {
		srv, r := newSrv(t)
		ctx := t.Context()
		s := ordersSchema()
		s.PartitionKeys = []catalog.Column{{Name: "dt", Type: "string"}, {Name: "src", Type: "string"}}
		if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
			t.Fatal(err)
		}
		parts := thousand()
		if res, err := r.AddPartitions(ctx, "lake", "orders", parts); err != nil || res.Added != 1000 {
			t.Fatalf("add = %+v, %v", res, err)
		}
		if got := batchSizes(srv.Glue, "BatchCreatePartition"); !slices.Equal(got, slices.Repeat([]int{100}, 10)) {
			t.Errorf("create batches = %v", got)
		}
		n := 0
		for _, err := range r.Partitions(ctx, "lake", "orders") {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 1000 {
			t.Errorf("listed %d", n)
		}
		values := make([][]string, len(parts))
		for i, p := range parts {
			values[i] = p.Values
		}
		if res, err := r.DeletePartitions(ctx, "lake", "orders", values); err != nil || res.Deleted != 1000 {
			t.Fatalf("delete = %+v, %v", res, err)
		}
		if got := batchSizes(srv.Glue, "BatchDeletePartition"); !slices.Equal(got, slices.Repeat([]int{25}, 40)) {
			t.Errorf("delete batches = %v", got)
		}
	})

	t.Run("interleaved writers", func(t *testing.T) {
		srv, r := newSrv(t)
		ctx := t.Context()
		if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		a, b := ordersSchema(), ordersSchema()
		a.Columns = append(a.Columns, catalog.Column{Name: "col_a", Type: "string"})
		b.Columns = append(b.Columns, catalog.Column{Name: "col_b", Type: "string"})
		other := catalog.New(srv.Client(), noWait)
		srv.Glue.Inject(catalogtest.Before("UpdateTable", 1, func(ctx context.Context) {
			if _, err := other.EnsureTable(ctx, "lake", "orders", b); err != nil {
				t.Error(err)
			}
		}))
		ch, err := r.EnsureTable(ctx, "lake", "orders", a)
		if err != nil || ch.Attempts != 2 {
			t.Fatalf("writer A = %+v, %v", ch, err)
		}
		cols := columnNames(srv.Glue.Table("lake", "orders"))
		if !slices.Contains(cols, "col_a") || !slices.Contains(cols, "col_b") {
			t.Errorf("columns = %v, want both writers' columns", cols)
		}
	})

	t.Run("parallel writers", func(t *testing.T) {
		const writers = 4
		srv, r := newSrv(t)
		if _, err := r.EnsureTable(t.Context(), "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		// Each writer has its own client and connection; all of them read
		// the same VersionId before the first write lands.
		var barrier sync.WaitGroup
		barrier.Add(writers)
		var mu sync.Mutex
		updates := 0
		srv.Glue.Inject(func(_ context.Context, c catalogtest.Call) error {
			if c.Op != "UpdateTable" {
				return nil
			}
			mu.Lock()
			updates++
			first := updates <= writers
			mu.Unlock()
			if first {
				barrier.Done()
				barrier.Wait()
			}
			return nil
		})
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				s := ordersSchema()
				s.Columns = append(s.Columns, catalog.Column{Name: fmt.Sprintf("w%d", i), Type: "string"})
				_, errs[i] = catalog.New(srv.Client(), noWait).EnsureTable(t.Context(), "lake", "orders", s)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		cols := columnNames(srv.Glue.Table("lake", "orders"))
		for i := range writers {
			if !slices.Contains(cols, fmt.Sprintf("w%d", i)) {
				t.Errorf("column w%d lost over HTTP; table has %v", i, cols)
			}
		}
		if n := srv.Glue.Count("UpdateTable"); n < 2*writers-1 {
			t.Errorf("UpdateTable calls = %d, want >= %d (the writers really raced)", n, 2*writers-1)
		}
	})

	t.Run("error categories and exception types", func(t *testing.T) {
		srv, r := newSrv(t)
		ctx := t.Context()
		_, err := r.EnsureTable(ctx, "nope", "orders", ordersSchema())
		var enf *types.EntityNotFoundException
		if !errors.Is(err, catalog.ErrNotFound) || !errors.As(err, &enf) {
			t.Errorf("missing database: %v", err)
		}
		srv.Glue.Inject(catalogtest.FailTimes("GetDatabase", 1, &types.AccessDeniedException{}))
		_, err = r.EnsureDatabase(ctx, catalog.Database{Name: "lake"})
		var ade *types.AccessDeniedException
		if !errors.Is(err, catalog.ErrAccessDenied) || !errors.As(err, &ade) {
			t.Errorf("access denied: %v", err)
		}
		srv.Glue.ResetCalls()
		srv.Glue.Inject(catalogtest.FailTimes("CreateTable", 100, &types.InternalServiceException{}))
		_, err = r.EnsureTable(ctx, "lake", "orders", ordersSchema(), func(o *catalog.Options) { o.MaxAttempts = 2 })
		var ise *types.InternalServiceException
		if !errors.Is(err, catalog.ErrUnavailable) || !errors.As(err, &ise) {
			t.Errorf("internal error: %v", err)
		}
		if n := srv.Glue.Count("CreateTable"); n != 2 {
			t.Errorf("CreateTable attempts = %d, want 2", n)
		}
	})
}
