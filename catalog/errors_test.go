package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&catalog.Error{Op: "ensure database", Database: "lake", Kind: catalog.ErrNotFound, Err: errors.New("cause")}, `catalog: ensure database "lake": not found: cause`},
		{&catalog.Error{Op: "list databases", Err: context.Canceled}, `catalog: list databases: context canceled`},
		{&catalog.NameError{What: "column", Name: "A", Reason: "must be lowercase"}, `invalid column name "A": must be lowercase`},
		{&catalog.TypeError{Column: "c", Type: "uint64", Reason: `unknown type "uint64"`}, `invalid type "uint64" for column "c": unknown type "uint64"`},
		{&catalog.InputError{Field: "partition", Index: 3, Reason: "no values"}, `invalid partition (item 3): no values`},
		{&catalog.InputError{Field: "location", Index: -1, Reason: "must be a URI"}, `invalid location: must be a URI`},
		{&catalog.SchemaError{Changes: []catalog.SchemaChange{{Kind: catalog.ChangeLocation, From: "s3://a/", To: "s3://b/"}, {Kind: catalog.ChangeRemoved, Column: "x", From: "int"}}}, `location changed (s3://a/ -> s3://b/); "x" column removed (was int)`},
		{&catalog.BatchError{Failures: []catalog.BatchFailure{{Code: "InvalidInputException"}, {Code: "InvalidInputException"}, {Code: "LocationMismatch"}}}, `3 items failed (2 InvalidInputException, 1 LocationMismatch)`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	pe := &catalog.BatchError{Failures: []catalog.BatchFailure{{Code: "InvalidInputException"}, {Code: "LocationMismatch"}, {Code: "Weird"}}}
	if !errors.Is(pe, catalog.ErrInvalidInput) || !errors.Is(pe, catalog.ErrConflict) || errors.Is(pe, catalog.ErrNotFound) {
		t.Error("BatchError categories wrong")
	}
}

// Partition values never appear in error messages, even when Glue's own
// per-item message quotes them.
func TestErrorsDoNotLeakValues(t *testing.T) {
	const secret = "jane.doe@example.com"
	g := catalogtest.NewGlue()
	f := &itemFailing{Glue: g, code: "InvalidInputException", fail: map[string]bool{secret: true}}
	r := catalog.New(f)
	ctx := t.Context()
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
		t.Fatal(err)
	}
	_, err := r.AddPartitions(ctx, "lake", "orders", []catalog.Partition{{Values: []string{secret}}})
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "jane") {
		t.Error("error message contains a partition value")
	}
	_, err = r.AddPartitions(ctx, "lake", "orders", []catalog.Partition{{Values: []string{secret, "extra"}}})
	if err == nil || strings.Contains(err.Error(), "jane") {
		t.Errorf("input error leaks or is missing: %v", err == nil)
	}
}

// unprocessed makes BatchGetPartition leave keys unprocessed, as Glue does
// under load.
type unprocessed struct {
	*catalogtest.Glue
	mu    sync.Mutex
	times int
}

func (u *unprocessed) BatchGetPartition(ctx context.Context, in *glue.BatchGetPartitionInput, o ...func(*glue.Options)) (*glue.BatchGetPartitionOutput, error) {
	u.mu.Lock()
	skip := u.times > 0
	u.times--
	u.mu.Unlock()
	if !skip {
		return u.Glue.BatchGetPartition(ctx, in, o...)
	}
	c := *in
	c.PartitionsToGet = in.PartitionsToGet[:len(in.PartitionsToGet)/2]
	out, err := u.Glue.BatchGetPartition(ctx, &c, o...)
	if err != nil {
		return nil, err
	}
	out.UnprocessedKeys = in.PartitionsToGet[len(in.PartitionsToGet)/2:]
	return out, nil
}

func TestUnprocessedKeysAreRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := catalogtest.NewGlue()
		u := &unprocessed{Glue: g, times: 1}
		r := catalog.New(u)
		ctx := t.Context()
		if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		parts := []catalog.Partition{{Values: []string{"a"}}, {Values: []string{"b"}}, {Values: []string{"c"}}, {Values: []string{"d"}}}
		if _, err := r.AddPartitions(ctx, "lake", "orders", parts); err != nil {
			t.Fatal(err)
		}
		g.ResetCalls()
		u.times = 1
		res, err := r.AddPartitions(ctx, "lake", "orders", parts)
		if err != nil || res.Existing != 4 || g.Writes() != 0 {
			t.Fatalf("rerun with unprocessed keys = %+v, %v, writes %d", res, err, g.Writes())
		}
		if n := g.Count("BatchGetPartition"); n != 2 {
			t.Errorf("BatchGetPartition calls = %d, want 2", n)
		}
		// Keys that stay unprocessed exhaust the attempts: ErrThrottled.
		u.times = 100
		_, err = r.AddPartitions(ctx, "lake", "orders", parts, func(o *catalog.Options) { o.MaxAttempts = 3 })
		if !errors.Is(err, catalog.ErrThrottled) {
			t.Fatalf("err = %v, want ErrThrottled", err)
		}
		// The error names the operation the caller called, once.
		u.times = 100
		_, err = r.DeletePartitions(ctx, "lake", "orders", [][]string{parts[0].Values}, func(o *catalog.Options) { o.MaxAttempts = 3 })
		want := `catalog: delete partitions "lake.orders": throttled: BatchGetPartition left keys unprocessed after every attempt`
		if !errors.Is(err, catalog.ErrThrottled) || err.Error() != want {
			t.Errorf("delete with unprocessed keys: %v, want %q", err, want)
		}
	})
}

func TestDeletePartitionsErrors(t *testing.T) {
	g, r := partitioned(t)
	ctx := t.Context()
	if _, err := r.DeletePartitions(ctx, "lake", "nope", [][]string{{"a", "b"}}); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("missing table: %v", err)
	}
	if _, err := r.DeletePartitions(ctx, "lake", "orders", [][]string{{"a", "b"}, {}}); !errors.Is(err, catalog.ErrInvalidInput) {
		t.Errorf("empty values: %v", err)
	}
	// A value list that does not match the partition keys is the caller's
	// mistake, reported with its index, not counted as Missing.
	g.ResetCalls()
	_, err := r.DeletePartitions(ctx, "lake", "orders", [][]string{{"a", "b"}, {"a"}})
	var ie *catalog.InputError
	if !errors.As(err, &ie) || ie.Index != 1 || g.Writes() != 0 {
		t.Errorf("wrong number of values: %v (writes %d), want an *InputError for item 1", err, g.Writes())
	}
	if _, err := r.DeletePartitions(ctx, "Lake", "orders", nil); !errors.Is(err, catalog.ErrInvalidInput) {
		t.Errorf("bad name: %v", err)
	}
	if _, err := r.AddPartitions(ctx, "lake", "orders", []catalog.Partition{{Values: []string{"a", "b"}}}); err != nil {
		t.Fatal(err)
	}
	g.Inject(catalogtest.FailTimes("BatchDeletePartition", 1, &types.AccessDeniedException{}))
	if _, err := r.DeletePartitions(ctx, "lake", "orders", [][]string{{"a", "b"}}); !errors.Is(err, catalog.ErrAccessDenied) {
		t.Errorf("access denied: %v", err)
	}
	res, err := r.DeletePartitions(ctx, "lake", "orders", [][]string{{"a", "b"}, {"a", "b"}})
	if err != nil || res.Duplicates != 1 || res.Deleted != 1 {
		t.Errorf("duplicates: %+v, %v", res, err)
	}
	g.Inject(catalogtest.FailTimes("BatchGetPartition", 1, &types.AccessDeniedException{}))
	if _, err := r.DeletePartitions(ctx, "lake", "orders", [][]string{{"a", "b"}}); !errors.Is(err, catalog.ErrAccessDenied) {
		t.Errorf("lookup denied: %v", err)
	}
	// A partition deleted between the lookup and the delete counts as Missing.
	if _, err := r.AddPartitions(ctx, "lake", "orders", []catalog.Partition{{Values: []string{"c", "d"}}}); err != nil {
		t.Fatal(err)
	}
	g.Inject(catalogtest.Before("BatchDeletePartition", 1, func(ctx context.Context) {
		if _, err := catalog.New(g).DeletePartitions(ctx, "lake", "orders", [][]string{{"c", "d"}}); err != nil {
			t.Error(err)
		}
	}))
	res, err = r.DeletePartitions(ctx, "lake", "orders", [][]string{{"c", "d"}})
	if err != nil || res.Missing != 1 || res.Deleted != 0 {
		t.Errorf("duplicates: %+v, %v", res, err)
	}
}

func TestIteratorErrors(t *testing.T) {
	g, r := partitioned(t)
	ctx := t.Context()
	parts := make([]catalog.Partition, 1500)
	for i := range parts {
		parts[i] = catalog.Partition{Values: []string{fmt.Sprintf("%04d", i), "x"}}
	}
	if _, err := r.AddPartitions(ctx, "lake", "orders", parts); err != nil {
		t.Fatal(err)
	}
	// The second page fails: the first page's partitions, then one error.
	g.Inject(func(_ context.Context, c catalogtest.Call) error {
		if c.Op == "GetPartitions" && g.Count("GetPartitions") == 2 {
			return &types.AccessDeniedException{}
		}
		return nil
	})
	n, errs := 0, 0
	for _, err := range r.Partitions(ctx, "lake", "orders") {
		if err != nil {
			errs++
			if !errors.Is(err, catalog.ErrAccessDenied) {
				t.Errorf("err = %v", err)
			}
			continue
		}
		n++
	}
	if n != 1000 || errs != 1 {
		t.Errorf("got %d partitions and %d errors, want 1000 and 1", n, errs)
	}
	g.ClearInjectors()
	for _, err := range r.Partitions(ctx, "Bad", "orders") {
		if !errors.Is(err, catalog.ErrInvalidInput) {
			t.Errorf("bad name: %v", err)
		}
	}
	if _, _, err := r.ListPartitions(ctx, "lake", "nope", ""); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("ListPartitions missing table: %v", err)
	}
	if _, _, err := r.ListTables(ctx, "Bad", ""); !errors.Is(err, catalog.ErrInvalidInput) {
		t.Errorf("ListTables bad name: %v", err)
	}
	g.Inject(catalogtest.FailTimes("GetDatabases", 1, &types.AccessDeniedException{}))
	for _, err := range r.Databases(ctx) {
		if !errors.Is(err, catalog.ErrAccessDenied) {
			t.Errorf("Databases: %v", err)
		}
		break
	}
	if _, _, err := r.ListTables(ctx, "lake", "garbage-token"); !errors.Is(err, catalog.ErrInvalidInput) {
		t.Errorf("bad page token: %v", err)
	}
}

// Per-call options apply to that call only; CatalogID reaches Glue.
func TestOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := catalogtest.NewGlue()
		r := catalog.New(g, func(o *catalog.Options) { o.CatalogID = "999999999999" })
		ctx := t.Context()
		if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake", Description: "d", LocationURI: "s3://lake/", Parameters: map[string]string{"k": "v"}}); err != nil {
			t.Fatal(err)
		}
		d := g.Database("lake")
		if aws.ToString(d.CatalogId) != "999999999999" || aws.ToString(d.Description) != "d" || aws.ToString(d.LocationUri) != "s3://lake/" || d.Parameters["k"] != "v" {
			t.Errorf("database = %+v", d)
		}
		g.Inject(catalogtest.FailTimes("GetTable", 1, &types.ThrottlingException{}))
		_, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema(), func(o *catalog.Options) { o.MaxAttempts = 1 })
		if !errors.Is(err, catalog.ErrThrottled) {
			t.Fatalf("per-call MaxAttempts=1: %v", err)
		}
		g.Inject(catalogtest.FailTimes("GetTable", 1, &types.ThrottlingException{}))
		if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
			t.Fatalf("default attempts after a per-call override: %v", err)
		}
		// A second creator losing the race is not an error.
		g.Inject(catalogtest.FailTimes("GetDatabase", 1, &types.EntityNotFoundException{}))
		created, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"})
		if created || err != nil {
			t.Errorf("EnsureDatabase after a lost race = %v, %v", created, err)
		}
	})
}

// Losing a CreateTable race re-reads and merges instead of failing.
func TestEnsureTableCreateRace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, r := setup(t)
		ctx := t.Context()
		other := catalog.New(g)
		theirs := ordersSchema()
		theirs.Columns = append(theirs.Columns, catalog.Column{Name: "theirs", Type: "int"})
		g.Inject(catalogtest.Before("CreateTable", 1, func(ctx context.Context) {
			if _, err := other.EnsureTable(ctx, "lake", "orders", theirs); err != nil {
				t.Error(err)
			}
		}))
		mine := ordersSchema()
		mine.Columns = append(mine.Columns, catalog.Column{Name: "mine", Type: "int"})
		ch, err := r.EnsureTable(ctx, "lake", "orders", mine)
		if err != nil || !ch.Updated || ch.Attempts != 2 {
			t.Fatalf("change = %+v, %v", ch, err)
		}
		cols := columnNames(g.Table("lake", "orders"))
		if want := []string{"order_id", "amount", "placed_at", "theirs", "mine"}; fmt.Sprint(cols) != fmt.Sprint(want) {
			t.Errorf("columns = %v, want %v", cols, want)
		}
	})
}

// A whole-call Glue error on a partition operation may quote the partition
// values or the filter expression in its message; that message stays out of
// Error() while the exception, message included, stays reachable with
// errors.As.
func TestPartitionCallErrorsWithholdGlueMessages(t *testing.T) {
	const secret = "jane.doe@example.com"
	glueErr := func() error {
		return &types.InvalidInputException{Message: aws.String("invalid partition value " + secret)}
	}
	tests := []struct {
		name string
		op   string
		call func(r *catalog.Registrar) error
	}{
		{"add: lookup", "BatchGetPartition", func(r *catalog.Registrar) error {
			_, err := r.AddPartitions(t.Context(), "lake", "orders", []catalog.Partition{{Values: []string{secret}}})
			return err
		}},
		{"add: create", "BatchCreatePartition", func(r *catalog.Registrar) error {
			_, err := r.AddPartitions(t.Context(), "lake", "orders", []catalog.Partition{{Values: []string{secret}}})
			return err
		}},
		{"relocate", "BatchUpdatePartition", func(r *catalog.Registrar) error {
			_, err := r.AddPartitions(t.Context(), "lake", "orders", []catalog.Partition{{Values: []string{"old"}, Location: "s3://lake/clean/orders/v2/"}},
				func(o *catalog.Options) { o.RelocatePartitions = true })
			return err
		}},
		{"delete", "BatchDeletePartition", func(r *catalog.Registrar) error {
			_, err := r.DeletePartitions(t.Context(), "lake", "orders", [][]string{{"old"}})
			return err
		}},
		{"list page", "GetPartitions", func(r *catalog.Registrar) error {
			_, _, err := r.ListPartitions(t.Context(), "lake", "orders", "")
			return err
		}},
		{"matching", "GetPartitions", func(r *catalog.Registrar) error {
			for _, err := range r.PartitionsMatching(t.Context(), "lake", "orders", "dt = '"+secret+"'") {
				return err
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, r := setup(t)
			if _, err := r.EnsureTable(t.Context(), "lake", "orders", ordersSchema()); err != nil {
				t.Fatal(err)
			}
			if _, err := r.AddPartitions(t.Context(), "lake", "orders", []catalog.Partition{{Values: []string{"old"}}}); err != nil {
				t.Fatal(err)
			}
			g.Inject(catalogtest.FailTimes(tt.op, 1, glueErr()))
			err := tt.call(r)
			var iie *types.InvalidInputException
			if !errors.Is(err, catalog.ErrInvalidInput) || !errors.As(err, &iie) || !strings.Contains(aws.ToString(iie.Message), secret) {
				t.Fatalf("error %T: want ErrInvalidInput with the Glue exception reachable", err)
			}
			var oe *smithy.OperationError
			if !errors.As(err, &oe) || oe.Operation() != tt.op {
				t.Errorf("*smithy.OperationError for %s not reachable", tt.op)
			}
			if msg := err.Error(); strings.Contains(msg, "jane") {
				t.Error("error message contains a partition value")
			} else if !strings.Contains(msg, "InvalidInputException") || !strings.Contains(msg, tt.op) {
				t.Errorf("error message %q does not name the operation and code", msg)
			}
		})
	}
}
