package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

func partitioned(t *testing.T, optFns ...func(*catalog.Options)) (*catalogtest.Glue, *catalog.Registrar) {
	t.Helper()
	g, r := setup(t, optFns...)
	s := ordersSchema()
	s.PartitionKeys = []catalog.Column{{Name: "dt", Type: "string"}, {Name: "src", Type: "string"}}
	if _, err := r.EnsureTable(t.Context(), "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	g.ResetCalls()
	return g, r
}

func thousand() []catalog.Partition {
	parts := make([]catalog.Partition, 1000)
	for i := range parts {
		parts[i] = catalog.Partition{Values: []string{fmt.Sprintf("2026-%02d-%02d", i/28+1, i%28+1), fmt.Sprintf("s%d", i%3)}}
	}
	return parts
}

func batchSizes(g *catalogtest.Glue, op string) []int {
	var out []int
	for _, c := range g.Calls() {
		if c.Op == op {
			out = append(out, c.Items)
		}
	}
	slices.Sort(out)
	return out
}

func TestPartitionBatchLimits(t *testing.T) {
	g, r := partitioned(t)
	ctx := t.Context()
	parts := thousand()
	res, err := r.AddPartitions(ctx, "lake", "orders", parts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1000 || res.Existing != 0 {
		t.Fatalf("result = %+v, want 1000 added", res)
	}
	if got, want := batchSizes(g, "BatchCreatePartition"), slices.Repeat([]int{100}, 10); !slices.Equal(got, want) {
		t.Errorf("create batch sizes = %v, want %v", got, want)
	}
	if n := g.Count("BatchGetPartition"); n != 1 {
		t.Errorf("BatchGetPartition calls = %d, want 1 (1000 keys per call)", n)
	}
	if n := len(g.Partitions("lake", "orders")); n != 1000 {
		t.Fatalf("stored partitions = %d", n)
	}

	// Listing pages through 1000 per call.
	g.ResetCalls()
	var listed int
	for _, err := range r.Partitions(ctx, "lake", "orders") {
		if err != nil {
			t.Fatal(err)
		}
		listed++
	}
	if listed != 1000 || g.Count("GetPartitions") != 1 {
		t.Errorf("listed %d in %d calls, want 1000 in 1", listed, g.Count("GetPartitions"))
	}

	values := make([][]string, len(parts))
	for i, p := range parts {
		values[i] = p.Values
	}
	g.ResetCalls()
	res, err = r.DeletePartitions(ctx, "lake", "orders", values)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 1000 {
		t.Fatalf("deleted %d, want 1000", res.Deleted)
	}
	if got, want := batchSizes(g, "BatchDeletePartition"), slices.Repeat([]int{25}, 40); !slices.Equal(got, want) {
		t.Errorf("delete batch sizes = %v, want %v", got, want)
	}
	// Deleting again: everything is Missing, nothing fails, nothing is written.
	g.ResetCalls()
	res, err = r.DeletePartitions(ctx, "lake", "orders", values)
	if err != nil || res.Missing != 1000 || res.Deleted != 0 || g.Writes() != 0 {
		t.Fatalf("second delete = %+v, %v, %d writes", res, err, g.Writes())
	}
}

// More partitions than one page: listing follows NextToken.
func TestPartitionsPaging(t *testing.T) {
	if testing.Short() {
		t.Skip("2,500 partitions")
	}
	g, r := partitioned(t)
	ctx := t.Context()
	parts := make([]catalog.Partition, 2500)
	for i := range parts {
		parts[i] = catalog.Partition{Values: []string{fmt.Sprintf("d%05d", i), "x"}}
	}
	if _, err := r.AddPartitions(ctx, "lake", "orders", parts); err != nil {
		t.Fatal(err)
	}
	g.ResetCalls()
	seen := map[string]bool{}
	for p, err := range r.Partitions(ctx, "lake", "orders") {
		if err != nil {
			t.Fatal(err)
		}
		seen[p.Values[0]] = true
	}
	if len(seen) != 2500 || g.Count("GetPartitions") != 3 {
		t.Errorf("listed %d distinct in %d calls, want 2500 in 3", len(seen), g.Count("GetPartitions"))
	}
	page, next, err := r.ListPartitions(ctx, "lake", "orders", "")
	if err != nil || len(page) != 1000 || next == "" {
		t.Fatalf("first page = %d, next=%v, %v", len(page), next != "", err)
	}
}

func TestPartitionEscaping(t *testing.T) {
	g, r := partitioned(t)
	ctx := t.Context()
	tests := []struct {
		values []string
		path   string
	}{
		{[]string{"2026-01-01", "web"}, "dt=2026-01-01/src=web/"},
		{[]string{"a/b", "x=y"}, "dt=a%2Fb/src=x%3Dy/"},
		{[]string{"10:30", "50%"}, "dt=10%3A30/src=50%25/"},
		{[]string{"", "#1"}, "dt=__HIVE_DEFAULT_PARTITION__/src=%231/"},
		{[]string{"münchen", "a b"}, "dt=münchen/src=a b/"},
		{[]string{"q?*", "{[x]}^"}, "dt=q%3F%2A/src=%7B%5Bx%5D}%5E/"},
		{[]string{"tab\there", "'\"\\"}, "dt=tab%09here/src=%27%22%5C/"},
	}
	var parts []catalog.Partition
	for _, tt := range tests {
		parts = append(parts, catalog.Partition{Values: tt.values})
	}
	if _, err := r.AddPartitions(ctx, "lake", "orders", parts); err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for _, p := range g.Partitions("lake", "orders") {
		stored[fmt.Sprint(p.Values)] = aws.ToString(p.StorageDescriptor.Location)
	}
	listed := map[string]string{}
	for p, err := range r.Partitions(ctx, "lake", "orders") {
		if err != nil {
			t.Fatal(err)
		}
		listed[fmt.Sprint(p.Values)] = p.Location
	}
	for i, tt := range tests {
		glueValues := slices.Clone(tt.values)
		for j, v := range glueValues {
			if v == "" {
				glueValues[j] = catalog.HiveDefaultPartition
			}
		}
		want := "s3://lake/clean/orders/" + tt.path
		if got := stored[fmt.Sprint(glueValues)]; got != want {
			t.Errorf("case %d: stored location mismatch (escaping)", i)
		}
		if got := listed[fmt.Sprint(tt.values)]; got != want {
			t.Errorf("case %d: listed values/location do not round-trip", i)
		}
		if got := catalog.PartitionPath([]string{"dt", "src"}, tt.values); got != tt.path {
			t.Errorf("case %d: PartitionPath mismatch", i)
		}
		for _, v := range tt.values {
			if catalog.UnescapePathValue(catalog.EscapePathValue(v)) != v {
				t.Errorf("case %d: escape does not round-trip", i)
			}
		}
	}
}

func TestAddPartitionsErrors(t *testing.T) {
	tests := []struct {
		name    string
		parts   []catalog.Partition
		table   string
		inject  catalogtest.Injector
		wantErr error
		check   func(t *testing.T, err error, g *catalogtest.Glue)
	}{
		{
			name:    "wrong number of values",
			parts:   []catalog.Partition{{Values: []string{"a", "b"}}, {Values: []string{"a"}}},
			wantErr: catalog.ErrInvalidInput,
			check: func(t *testing.T, err error, g *catalogtest.Glue) {
				var ie *catalog.InputError
				if !errors.As(err, &ie) || ie.Index != 1 {
					t.Errorf("want *InputError at index 1, got %v", err)
				}
				if g.Writes() != 0 {
					t.Error("invalid input reached Glue")
				}
			},
		},
		{
			name:    "location outside the table",
			parts:   []catalog.Partition{{Values: []string{"a", "b"}, Location: "s3://lake/clean/orders_old/dt=a/src=b"}},
			wantErr: catalog.ErrInvalidInput,
		},
		{
			name:    "location escaping the table with ..",
			parts:   []catalog.Partition{{Values: []string{"a", "b"}, Location: "s3://lake/clean/orders/../orders_old/dt=a/"}},
			wantErr: catalog.ErrInvalidInput,
		},
		{
			name:    "missing table",
			table:   "nope",
			parts:   []catalog.Partition{{Values: []string{"a", "b"}}},
			wantErr: catalog.ErrNotFound,
			check: func(t *testing.T, err error, _ *catalogtest.Glue) {
				var enf *types.EntityNotFoundException
				if !errors.As(err, &enf) {
					t.Error("no *types.EntityNotFoundException in chain")
				}
			},
		},
		{
			name:    "access denied on the batch",
			parts:   []catalog.Partition{{Values: []string{"a", "b"}}},
			inject:  catalogtest.FailTimes("BatchCreatePartition", 1, &types.AccessDeniedException{}),
			wantErr: catalog.ErrAccessDenied,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, r := partitioned(t)
			if tt.inject != nil {
				g.Inject(tt.inject)
			}
			table := "orders"
			if tt.table != "" {
				table = tt.table
			}
			_, err := r.AddPartitions(t.Context(), "lake", table, tt.parts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, err, g)
			}
		})
	}
}

// itemFailing wraps the fake so BatchCreatePartition reports per-item
// errors for the chosen positions, as Glue does with HTTP 200.
type itemFailing struct {
	*catalogtest.Glue
	code  string
	fail  map[string]bool
	calls int
}

func (f *itemFailing) BatchCreatePartition(ctx context.Context, in *glue.BatchCreatePartitionInput, opts ...func(*glue.Options)) (*glue.BatchCreatePartitionOutput, error) {
	f.calls++
	var keep []types.PartitionInput
	var errs []types.PartitionError
	for _, p := range in.PartitionInputList {
		if f.fail[p.Values[0]] {
			errs = append(errs, types.PartitionError{PartitionValues: p.Values, ErrorDetail: &types.ErrorDetail{ErrorCode: aws.String(f.code), ErrorMessage: aws.String("x")}})
			continue
		}
		keep = append(keep, p)
	}
	in2 := *in
	in2.PartitionInputList = keep
	out, err := f.Glue.BatchCreatePartition(ctx, &in2, opts...)
	if err != nil {
		return nil, err
	}
	out.Errors = append(out.Errors, errs...)
	return out, nil
}

func TestAddPartitionsItemErrors(t *testing.T) {
	g := catalogtest.NewGlue()
	f := &itemFailing{Glue: g, code: "InvalidInputException", fail: map[string]bool{"c": true, "e": true}}
	r := catalog.New(f)
	ctx := t.Context()
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	s := ordersSchema()
	if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	parts := []catalog.Partition{{Values: []string{"a"}}, {Values: []string{"c"}}, {Values: []string{"d"}}, {Values: []string{"e"}}}
	res, err := r.AddPartitions(ctx, "lake", "orders", parts)
	if !errors.Is(err, catalog.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	var pe *catalog.BatchError
	if !errors.As(err, &pe) {
		t.Fatal("no *BatchError")
	}
	if diff := cmp.Diff([]catalog.BatchFailure{{Index: 1, Code: "InvalidInputException", Message: "x"}, {Index: 3, Code: "InvalidInputException", Message: "x"}}, pe.Failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if res.Added != 2 {
		t.Errorf("added = %d, want 2", res.Added)
	}

	// Transient per-item codes are resent, and succeed once Glue recovers.
	synctest.Test(t, func(t *testing.T) {
		g := catalogtest.NewGlue()
		f := &itemFailing{Glue: g, code: "ThrottlingException", fail: map[string]bool{"c": true}}
		r := catalog.New(f)
		ctx := t.Context()
		if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		// The first call reports c as throttled; then Glue recovers.
		g.Inject(catalogtest.Before("BatchCreatePartition", 1, func(context.Context) { f.fail = nil }))
		res, err := r.AddPartitions(ctx, "lake", "orders", parts)
		if err != nil || res.Added != 4 || f.calls != 2 {
			t.Fatalf("result = %+v, calls = %d, err = %v; want 4 added in 2 calls", res, f.calls, err)
		}
	})
}

// A partition already registered at another location is reported, not
// silently accepted.
func TestAddPartitionsLocationMismatch(t *testing.T) {
	g, r := partitioned(t)
	ctx := t.Context()
	p := catalog.Partition{Values: []string{"a", "b"}, Location: "s3://lake/clean/orders/v1/dt=a/src=b"}
	if _, err := r.AddPartitions(ctx, "lake", "orders", []catalog.Partition{p}); err != nil {
		t.Fatal(err)
	}
	g.ResetCalls()
	_, err := r.AddPartitions(ctx, "lake", "orders", []catalog.Partition{{Values: []string{"a", "b"}}})
	if !errors.Is(err, catalog.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	var pe *catalog.BatchError
	if !errors.As(err, &pe) || pe.Failures[0].Code != catalog.CodeLocationMismatch {
		t.Fatalf("want a LocationMismatch failure, got %v", err)
	}
	if g.Writes() != 0 {
		t.Errorf("writes = %d, want 0", g.Writes())
	}
}

// AlreadyExists from a create race counts as success.
func TestAddPartitionsCreateRace(t *testing.T) {
	g, r := partitioned(t)
	ctx := t.Context()
	parts := []catalog.Partition{{Values: []string{"a", "b"}}, {Values: []string{"c", "d"}}}
	other := catalog.New(g)
	g.Inject(catalogtest.Before("BatchCreatePartition", 1, func(ctx context.Context) {
		if _, err := other.AddPartitions(ctx, "lake", "orders", parts[:1]); err != nil {
			t.Error(err)
		}
	}))
	res, err := r.AddPartitions(ctx, "lake", "orders", append(parts, parts[0]))
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || res.Existing != 1 || res.Duplicates != 1 {
		t.Errorf("result = %+v, want 1 added, 1 existing, 1 duplicate", res)
	}
}

func TestPartitionsOnUnpartitionedTable(t *testing.T) {
	_, r := setup(t)
	ctx := t.Context()
	s := ordersSchema()
	s.PartitionKeys = nil
	if _, err := r.EnsureTable(ctx, "lake", "flat", s); err != nil {
		t.Fatal(err)
	}
	_, err := r.AddPartitions(ctx, "lake", "flat", []catalog.Partition{{Values: []string{"x"}}})
	if !errors.Is(err, catalog.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
}

// A table defined by someone else without a storage descriptor is an input
// error, not a crash.
func TestAddPartitionsTableWithoutLocation(t *testing.T) {
	g, r := setup(t)
	ctx := t.Context()
	_, err := g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("lake"), TableInput: &types.TableInput{
		Name: aws.String("bare"), PartitionKeys: []types.Column{{Name: aws.String("p"), Type: aws.String("string")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.AddPartitions(ctx, "lake", "bare", []catalog.Partition{{Values: []string{"x"}}})
	if !errors.Is(err, catalog.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	// EnsureTable over such a table reports it instead of crashing.
	_, err = r.EnsureTable(ctx, "lake", "bare", ordersSchema())
	if !errors.Is(err, catalog.ErrIncompatibleSchema) {
		t.Fatalf("EnsureTable over a bare table: %v", err)
	}
}

// Committing a rewritten partition by switching its location.
func TestRelocatePartitions(t *testing.T) {
	g, r := partitioned(t, func(o *catalog.Options) { o.RelocatePartitions = true })
	ctx := t.Context()
	var v1, v2 []catalog.Partition
	for i := range 150 {
		vals := []string{fmt.Sprintf("d%03d", i), "x"}
		v1 = append(v1, catalog.Partition{Values: vals, Location: fmt.Sprintf("s3://lake/clean/orders/v1/dt=d%03d/src=x/", i)})
		v2 = append(v2, catalog.Partition{Values: vals, Location: fmt.Sprintf("s3://lake/clean/orders/v2/dt=d%03d/src=x/", i)})
	}
	if _, err := r.AddPartitions(ctx, "lake", "orders", v1); err != nil {
		t.Fatal(err)
	}
	g.ResetCalls()
	res, err := r.AddPartitions(ctx, "lake", "orders", append(v2, catalog.Partition{Values: []string{"new", "x"}}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Relocated != 150 || res.Added != 1 || res.Existing != 0 {
		t.Errorf("result = %+v, want 150 relocated, 1 added", res)
	}
	if got := batchSizes(g, "BatchUpdatePartition"); !slices.Equal(got, []int{50, 100}) {
		t.Errorf("update batches = %v, want [50 100]", got)
	}
	for _, p := range g.Partitions("lake", "orders") {
		if loc := aws.ToString(p.StorageDescriptor.Location); p.Values[0] != "new" && !strings.Contains(loc, "/v2/") {
			t.Fatalf("a partition was not relocated")
		}
	}
	// Relocating again is a no-op.
	g.ResetCalls()
	res, err = r.AddPartitions(ctx, "lake", "orders", v2)
	if err != nil || res.Existing != 150 || g.Writes() != 0 {
		t.Errorf("second relocation = %+v, %v, writes %d", res, err, g.Writes())
	}
	// A partition deleted between the lookup and the update is reported.
	g.Inject(catalogtest.Before("BatchUpdatePartition", 1, func(ctx context.Context) {
		if _, err := r.DeletePartitions(ctx, "lake", "orders", [][]string{v1[0].Values}); err != nil {
			t.Error(err)
		}
	}))
	_, err = r.AddPartitions(ctx, "lake", "orders", v1[:2])
	var pe *catalog.BatchError
	if !errors.Is(err, catalog.ErrNotFound) || !errors.As(err, &pe) || len(pe.Failures) != 1 || pe.Failures[0].Index != 0 {
		t.Errorf("err = %v, want one not-found failure at index 0", err)
	}
}

func TestAddNoPartitions(t *testing.T) {
	g, r := partitioned(t)
	res, err := r.AddPartitions(t.Context(), "lake", "orders", nil)
	if err != nil || res != (catalog.PartitionResult{}) || len(g.Calls()) != 0 {
		t.Errorf("empty add = %+v, %v, %d calls", res, err, len(g.Calls()))
	}
	if _, err := r.AddPartitions(t.Context(), "Lake", "orders", nil); !errors.Is(err, catalog.ErrInvalidInput) {
		t.Errorf("bad name: %v", err)
	}
}

func TestPartitionsMatching(t *testing.T) {
	g, r := partitioned(t)
	ctx := t.Context()
	if _, err := r.AddPartitions(ctx, "lake", "orders", thousand()); err != nil {
		t.Fatal(err)
	}
	g.ResetCalls()
	var got []string
	for p, err := range r.PartitionsMatching(ctx, "lake", "orders", "dt BETWEEN '2026-02-01' AND '2026-02-03' AND src = 's0'") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Values[0])
	}
	// i/28+1 = 2 and i%28+1 in 1..3 and i%3 = 0: i in {28, 29, 30} with i%3 == 0 -> 30.
	if fmt.Sprint(got) != "[2026-02-03]" {
		t.Errorf("matched %v", got)
	}
	if g.Count("GetPartitions") != 1 {
		t.Errorf("GetPartitions calls = %d", g.Count("GetPartitions"))
	}
	for _, err := range r.PartitionsMatching(ctx, "lake", "orders", "nope = 1") {
		if !errors.Is(err, catalog.ErrInvalidInput) {
			t.Errorf("bad expression: %v", err)
		}
	}
}

// Partitions carry awswrangler's partition storage descriptor.
func TestPartitionDefinition(t *testing.T) {
	g, r := partitioned(t)
	if _, err := r.AddPartitions(t.Context(), "lake", "orders", []catalog.Partition{{Values: []string{"a", "b"}, Parameters: map[string]string{"k": "v"}}}); err != nil {
		t.Fatal(err)
	}
	p := g.Partitions("lake", "orders")[0]
	sd := p.StorageDescriptor
	if aws.ToString(sd.InputFormat) != catalog.ParquetInputFormat || aws.ToString(sd.OutputFormat) != catalog.ParquetOutputFormat ||
		aws.ToString(sd.SerdeInfo.SerializationLibrary) != catalog.ParquetSerDe || sd.SerdeInfo.Parameters["serialization.format"] != "1" ||
		!sd.Compressed || sd.NumberOfBuckets != -1 || sd.BucketColumns == nil || len(sd.Columns) != 3 ||
		aws.ToString(sd.Location) != "s3://lake/clean/orders/dt=a/src=b/" || p.Parameters["k"] != "v" {
		t.Errorf("partition definition = %+v", sd)
	}
}

// strayErrors is a Glue whose batch calls also report a failure for values
// that were not in the request (a server bug or a mismatch in how values
// are echoed back).
type strayErrors struct{ *catalogtest.Glue }

func stray() types.ErrorDetail {
	return types.ErrorDetail{ErrorCode: aws.String("InvalidInputException"), ErrorMessage: aws.String("x")}
}

func (g strayErrors) BatchCreatePartition(ctx context.Context, in *glue.BatchCreatePartitionInput, o ...func(*glue.Options)) (*glue.BatchCreatePartitionOutput, error) {
	out, err := g.Glue.BatchCreatePartition(ctx, in, o...)
	if out != nil {
		d := stray()
		out.Errors = append(out.Errors, types.PartitionError{PartitionValues: []string{"not", "sent"}, ErrorDetail: &d})
	}
	return out, err
}

func (g strayErrors) BatchDeletePartition(ctx context.Context, in *glue.BatchDeletePartitionInput, o ...func(*glue.Options)) (*glue.BatchDeletePartitionOutput, error) {
	out, err := g.Glue.BatchDeletePartition(ctx, in, o...)
	if out != nil {
		d := stray()
		out.Errors = append(out.Errors, types.PartitionError{PartitionValues: []string{"not", "sent"}, ErrorDetail: &d})
	}
	return out, err
}

func (g strayErrors) BatchUpdatePartition(ctx context.Context, in *glue.BatchUpdatePartitionInput, o ...func(*glue.Options)) (*glue.BatchUpdatePartitionOutput, error) {
	out, err := g.Glue.BatchUpdatePartition(ctx, in, o...)
	if out != nil {
		d := stray()
		out.Errors = append(out.Errors, types.BatchUpdatePartitionFailureEntry{PartitionValueList: []string{"not", "sent"}, ErrorDetail: &d})
	}
	return out, err
}

// A batch failure Glue reports for values that match no input item is
// surfaced with Index -1: it is neither dropped (counted as a success) nor
// pinned on item 0.
func TestBatchFailuresMatchingNoInput(t *testing.T) {
	g := catalogtest.NewGlue()
	r := catalog.New(strayErrors{g})
	ctx := t.Context()
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	s := ordersSchema()
	s.PartitionKeys = []catalog.Column{{Name: "dt", Type: "string"}, {Name: "src", Type: "string"}}
	if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	parts := []catalog.Partition{{Values: []string{"a", "1"}}, {Values: []string{"b", "1"}}}
	want := []catalog.BatchFailure{{Index: -1, Code: "InvalidInputException", Message: "x"}}
	check := func(what string, err error) {
		t.Helper()
		var be *catalog.BatchError
		if !errors.As(err, &be) || !errors.Is(err, catalog.ErrInvalidInput) {
			t.Fatalf("%s: err = %v, want a *BatchError", what, err)
		}
		if diff := cmp.Diff(want, be.Failures); diff != "" {
			t.Errorf("%s: failures (-want +got):\n%s", what, diff)
		}
	}
	res, err := r.AddPartitions(ctx, "lake", "orders", parts)
	check("add", err)
	if res.Added != 2 {
		t.Errorf("add: added = %d, want 2", res.Added)
	}
	moved := []catalog.Partition{{Values: []string{"a", "1"}, Location: "s3://lake/clean/orders/v2/a/"}}
	res, err = r.AddPartitions(ctx, "lake", "orders", moved, func(o *catalog.Options) { o.RelocatePartitions = true })
	check("relocate", err)
	if res.Relocated != 1 {
		t.Errorf("relocate: relocated = %d, want 1", res.Relocated)
	}
	res, err = r.DeletePartitions(ctx, "lake", "orders", [][]string{{"a", "1"}, {"b", "1"}})
	check("delete", err)
	if res.Deleted != 2 {
		t.Errorf("delete: deleted = %d, want 2", res.Deleted)
	}
}

// EscapePathValue escapes exactly Hive's FileUtils.escapePathName set
// (charToEscape: 0x00-0x1F, then " # % ' * / : = ? \ 0x7F { [ ] ^), as
// %XX with uppercase hex, across all of ASCII; other bytes (UTF-8 of
// non-ASCII runes) pass through.
func TestEscapeMatchesHiveCharSet(t *testing.T) {
	hive := map[byte]bool{0x7F: true}
	for c := byte(0); c < ' '; c++ {
		hive[c] = true
	}
	for _, c := range []byte{'"', '#', '%', '\'', '*', '/', ':', '=', '?', '\\', '{', '[', ']', '^'} {
		hive[c] = true
	}
	for c := 0; c < 128; c++ {
		v := "a" + string(rune(c)) + "b"
		want := v
		if hive[byte(c)] {
			want = fmt.Sprintf("a%%%02Xb", c)
		}
		if got := catalog.EscapePathValue(v); got != want {
			t.Errorf("byte 0x%02X: escaped as %q, want %q", c, got, want)
		}
		if catalog.UnescapePathValue(catalog.EscapePathValue(v)) != v {
			t.Errorf("byte 0x%02X: does not round-trip", c)
		}
	}
	for _, v := range []string{"é", "日本", "\u2028", "\U0001F600"} {
		if got := catalog.EscapePathValue(v); got != v {
			t.Errorf("non-ASCII rune %U escaped", []rune(v)[0])
		}
	}
}

// Partition values are compared as tuples: values containing NUL bytes
// that join to the same string are still different partitions (they were
// taken for duplicates of each other).
func TestPartitionValuesWithNUL(t *testing.T) {
	g, r := partitioned(t)
	ctx := t.Context()
	parts := []catalog.Partition{{Values: []string{"a\x00b", "c"}}, {Values: []string{"a", "b\x00c"}}}
	res, err := r.AddPartitions(ctx, "lake", "orders", parts)
	if err != nil || res.Added != 2 || res.Duplicates != 0 {
		t.Fatalf("add = %+v, %v; want 2 added", res, err)
	}
	if n := len(g.Partitions("lake", "orders")); n != 2 {
		t.Errorf("stored %d partitions, want 2", n)
	}
	res, err = r.DeletePartitions(ctx, "lake", "orders", [][]string{parts[0].Values})
	if err != nil || res.Deleted != 1 || len(g.Partitions("lake", "orders")) != 1 {
		t.Errorf("delete one = %+v, %v; %d left, want 1", res, err, len(g.Partitions("lake", "orders")))
	}
}
