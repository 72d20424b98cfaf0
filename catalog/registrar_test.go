package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// The seam must accept the real client and the fake unchanged.
var (
	_ catalog.GlueAPI = (*glue.Client)(nil)
	_ catalog.GlueAPI = (*catalogtest.Glue)(nil)
)

func ordersSchema() catalog.Schema {
	return catalog.Schema{
		Columns: []catalog.Column{
			{Name: "order_id", Type: "string", Comment: "business key"},
			{Name: "amount", Type: "decimal(12,2)"},
			{Name: "placed_at", Type: "timestamp"},
		},
		PartitionKeys: []catalog.Column{{Name: "dt", Type: "string"}},
		Location:      "s3://lake/clean/orders",
	}
}

func setup(t *testing.T, optFns ...func(*catalog.Options)) (*catalogtest.Glue, *catalog.Registrar) {
	t.Helper()
	g := catalogtest.NewGlue()
	r := catalog.New(g, optFns...)
	if _, err := r.EnsureDatabase(t.Context(), catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	return g, r
}

func columnNames(t *types.Table) []string {
	var out []string
	for _, c := range t.StorageDescriptor.Columns {
		out = append(out, aws.ToString(c.Name))
	}
	return out
}

func TestEnsureTableCreatesParquetDefinition(t *testing.T) {
	g, r := setup(t)
	ch, err := r.EnsureTable(t.Context(), "lake", "orders", ordersSchema())
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Created || ch.Updated {
		t.Fatalf("change = %+v, want created", ch)
	}
	got := g.Table("lake", "orders")
	if got == nil {
		t.Fatal("table not stored")
	}
	sd := got.StorageDescriptor
	checks := []struct{ name, got, want string }{
		{"TableType", aws.ToString(got.TableType), "EXTERNAL_TABLE"},
		{"Location", aws.ToString(sd.Location), "s3://lake/clean/orders/"},
		{"InputFormat", aws.ToString(sd.InputFormat), catalog.ParquetInputFormat},
		{"OutputFormat", aws.ToString(sd.OutputFormat), catalog.ParquetOutputFormat},
		{"SerDe", aws.ToString(sd.SerdeInfo.SerializationLibrary), catalog.ParquetSerDe},
		{"classification", got.Parameters["classification"], "parquet"},
		{"compressionType", got.Parameters["compressionType"], "snappy"},
		{"projection.enabled", got.Parameters["projection.enabled"], "false"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if sd.NumberOfBuckets != -1 || !sd.Compressed {
		t.Errorf("NumberOfBuckets=%d Compressed=%v, want -1 true", sd.NumberOfBuckets, sd.Compressed)
	}
}

func TestRerunMakesNoWrites(t *testing.T) {
	g, r := setup(t)
	ctx := t.Context()
	parts := []catalog.Partition{{Values: []string{"2026-01-01"}}, {Values: []string{"2026-01-02"}}}
	run := func() {
		t.Helper()
		if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema()); err != nil {
			t.Fatal(err)
		}
		if _, err := r.AddPartitions(ctx, "lake", "orders", parts); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if g.Writes() == 0 {
		t.Fatal("first run made no writes")
	}
	g.ResetCalls()
	run()
	if n := g.Writes(); n != 0 {
		t.Fatalf("rerun made %d write calls, want 0: %+v", n, g.Calls())
	}
	// And the rerun's change report says so.
	ch, err := r.EnsureTable(ctx, "lake", "orders", ordersSchema())
	if err != nil || ch.Created || ch.Updated {
		t.Fatalf("rerun change = %+v, %v", ch, err)
	}
	res, err := r.AddPartitions(ctx, "lake", "orders", parts)
	if err != nil || res.Existing != 2 || res.Added != 0 {
		t.Fatalf("rerun partitions = %+v, %v", res, err)
	}
}

func TestEnsureTableEvolution(t *testing.T) {
	base := ordersSchema()
	with := func(f func(s *catalog.Schema)) catalog.Schema {
		s := base
		s.Columns = append([]catalog.Column(nil), base.Columns...)
		s.PartitionKeys = append([]catalog.Column(nil), base.PartitionKeys...)
		f(&s)
		return s
	}
	tests := []struct {
		name      string
		schema    catalog.Schema
		opts      func(*catalog.Options)
		wantErr   error
		wantKinds []catalog.ChangeKind
		wantCols  []string
		wantAdded []string
	}{
		{
			name: "append column",
			schema: with(func(s *catalog.Schema) {
				s.Columns = append(s.Columns, catalog.Column{Name: "channel", Type: "string"})
			}),
			wantCols:  []string{"order_id", "amount", "placed_at", "channel"},
			wantAdded: []string{"channel"},
		},
		{
			name:      "type change rejected",
			schema:    with(func(s *catalog.Schema) { s.Columns[1].Type = "double" }),
			wantErr:   catalog.ErrIncompatibleSchema,
			wantKinds: []catalog.ChangeKind{catalog.ChangeType},
		},
		{
			name:     "type change allowed",
			schema:   with(func(s *catalog.Schema) { s.Columns[1].Type = "double" }),
			opts:     func(o *catalog.Options) { o.AllowTypeChanges = true },
			wantCols: []string{"order_id", "amount", "placed_at"},
		},
		{
			name:      "removed column rejected",
			schema:    with(func(s *catalog.Schema) { s.Columns = s.Columns[:2] }),
			wantErr:   catalog.ErrIncompatibleSchema,
			wantKinds: []catalog.ChangeKind{catalog.ChangeRemoved},
		},
		{
			name:     "removed column kept",
			schema:   with(func(s *catalog.Schema) { s.Columns = s.Columns[:2] }),
			opts:     func(o *catalog.Options) { o.MissingColumns = catalog.MissingColumnsKeep },
			wantCols: []string{"order_id", "amount", "placed_at"},
		},
		{
			name:     "removed column dropped",
			schema:   with(func(s *catalog.Schema) { s.Columns = s.Columns[:2] }),
			opts:     func(o *catalog.Options) { o.MissingColumns = catalog.MissingColumnsDrop },
			wantCols: []string{"order_id", "amount"},
		},
		{
			name:      "partition keys changed",
			schema:    with(func(s *catalog.Schema) { s.PartitionKeys = []catalog.Column{{Name: "day", Type: "date"}} }),
			opts:      func(o *catalog.Options) { o.AllowTypeChanges = true },
			wantErr:   catalog.ErrIncompatibleSchema,
			wantKinds: []catalog.ChangeKind{catalog.ChangePartitionKeys},
		},
		{
			name:      "location changed",
			schema:    with(func(s *catalog.Schema) { s.Location = "s3://lake/clean/orders_v2" }),
			wantErr:   catalog.ErrIncompatibleSchema,
			wantKinds: []catalog.ChangeKind{catalog.ChangeLocation},
		},
		{
			name:     "location change allowed",
			schema:   with(func(s *catalog.Schema) { s.Location = "s3://lake/clean/orders_v2" }),
			opts:     func(o *catalog.Options) { o.AllowLocationChange = true },
			wantCols: []string{"order_id", "amount", "placed_at"},
		},
		{
			name:      "several problems reported together",
			schema:    with(func(s *catalog.Schema) { s.Columns = s.Columns[1:]; s.Columns[0].Type = "int" }),
			wantErr:   catalog.ErrIncompatibleSchema,
			wantKinds: []catalog.ChangeKind{catalog.ChangeRemoved, catalog.ChangeType},
		},
		{
			name:     "comment and description",
			schema:   with(func(s *catalog.Schema) { s.Columns[1].Comment = "gross"; s.Description = "orders" }),
			wantCols: []string{"order_id", "amount", "placed_at"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, r := setup(t)
			ctx := t.Context()
			if _, err := r.EnsureTable(ctx, "lake", "orders", base); err != nil {
				t.Fatal(err)
			}
			before := g.Table("lake", "orders")
			g.ResetCalls()
			var opts []func(*catalog.Options)
			if tt.opts != nil {
				opts = append(opts, tt.opts)
			}
			ch, err := r.EnsureTable(ctx, "lake", "orders", tt.schema, opts...)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				var se *catalog.SchemaError
				if !errors.As(err, &se) {
					t.Fatalf("err %T is not a *SchemaError", err)
				}
				var kinds []catalog.ChangeKind
				for _, c := range se.Changes {
					kinds = append(kinds, c.Kind)
				}
				if diff := cmp.Diff(tt.wantKinds, kinds); diff != "" {
					t.Errorf("change kinds (-want +got):\n%s", diff)
				}
				if g.Writes() != 0 {
					t.Errorf("rejected evolution wrote %d times", g.Writes())
				}
				if diff := cmp.Diff(columnNames(before), columnNames(g.Table("lake", "orders"))); diff != "" {
					t.Errorf("table changed after a rejected evolution:\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := g.Table("lake", "orders")
			if diff := cmp.Diff(tt.wantCols, columnNames(got)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAdded, ch.AddedColumns); diff != "" {
				t.Errorf("added (-want +got):\n%s", diff)
			}
			if tt.name != "removed column kept" && (!ch.Updated || g.Count("UpdateTable") != 1) {
				t.Errorf("change = %+v, UpdateTable calls = %d, want one update", ch, g.Count("UpdateTable"))
			}
			// Re-running the same request is free.
			g.ResetCalls()
			if _, err := r.EnsureTable(ctx, "lake", "orders", tt.schema, opts...); err != nil {
				t.Fatal(err)
			}
			if g.Writes() != 0 {
				t.Errorf("second identical evolution wrote %d times", g.Writes())
			}
		})
	}
}

func TestUpdateSkipsArchiveByDefault(t *testing.T) {
	for _, archive := range []bool{false, true} {
		t.Run(fmt.Sprintf("archive=%v", archive), func(t *testing.T) {
			g, r := setup(t, func(o *catalog.Options) { o.ArchiveVersions = archive })
			ctx := t.Context()
			s := ordersSchema()
			if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				s.Columns = append(s.Columns, catalog.Column{Name: fmt.Sprintf("extra_%d", i), Type: "int"})
				if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
					t.Fatal(err)
				}
			}
			want := 1
			if archive {
				want = 4
			}
			if n := len(g.TableVersions("lake", "orders")); n != want {
				t.Errorf("stored versions = %d, want %d", n, want)
			}
		})
	}
}

func TestTableVersionLimit(t *testing.T) {
	g, r := setup(t, func(o *catalog.Options) { o.ArchiveVersions = true })
	g.MaxTableVersions = 2
	ctx := t.Context()
	s := ordersSchema()
	if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 3 && err == nil; i++ {
		s.Columns = append(s.Columns, catalog.Column{Name: fmt.Sprintf("extra_%d", i), Type: "int"})
		_, err = r.EnsureTable(ctx, "lake", "orders", s)
	}
	if !errors.Is(err, catalog.ErrLimitExceeded) {
		t.Fatalf("err = %v, want ErrLimitExceeded", err)
	}
	var lim *types.ResourceNumberLimitExceededException
	if !errors.As(err, &lim) {
		t.Fatalf("err does not unwrap to *types.ResourceNumberLimitExceededException")
	}
	// The same evolution succeeds with the default SkipArchive.
	if _, err := r.EnsureTable(ctx, "lake", "orders", s, func(o *catalog.Options) { o.ArchiveVersions = false }); err != nil {
		t.Fatal(err)
	}
}

func TestTablesAndDatabasesIterate(t *testing.T) {
	g, r := setup(t)
	ctx := t.Context()
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "other", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 250 {
		name := fmt.Sprintf("t%03d", i)
		want = append(want, name)
		s := ordersSchema()
		s.Location = "s3://lake/" + name
		if _, err := r.EnsureTable(ctx, "lake", name, s); err != nil {
			t.Fatal(err)
		}
	}
	g.ResetCalls()
	var got []string
	for tb, err := range r.Tables(ctx, "lake") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tb.Name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	if n := g.Count("GetTables"); n != 3 {
		t.Errorf("GetTables calls = %d, want 3 pages of 100", n)
	}
	// Breaking early stops fetching.
	g.ResetCalls()
	for range r.Tables(ctx, "lake") {
		break
	}
	if n := g.Count("GetTables"); n != 1 {
		t.Errorf("GetTables calls after break = %d, want 1", n)
	}
	// Page by page with tokens.
	page, next, err := r.ListTables(ctx, "lake", "")
	if err != nil || len(page) != 100 || next == "" {
		t.Fatalf("first page: %d tables, next=%v, err=%v", len(page), next != "", err)
	}
	page, _, err = r.ListTables(ctx, "lake", next)
	if err != nil || len(page) != 100 || page[0].Name != "t100" {
		t.Fatalf("second page: %d tables, err=%v", len(page), err)
	}
	var dbs []string
	for d, err := range r.Databases(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, d.Name)
	}
	if diff := cmp.Diff([]string{"lake", "other"}, dbs); diff != "" {
		t.Errorf("databases (-want +got):\n%s", diff)
	}
	// A missing database is ErrNotFound, yielded once.
	n := 0
	for _, err := range r.Tables(ctx, "nope") {
		n++
		if !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	}
	if n != 1 {
		t.Errorf("yielded %d times, want 1", n)
	}
}

func TestTableReadBack(t *testing.T) {
	_, r := setup(t)
	ctx := t.Context()
	s := ordersSchema()
	s.Compression = catalog.CompressionZstd
	if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	tb, err := r.Table(ctx, "lake", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Columns, tb.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if tb.Location != "s3://lake/clean/orders/" || tb.Compression != catalog.CompressionZstd || tb.VersionID == "" {
		t.Errorf("read back location=%q compression=%q version=%q", tb.Location, tb.Compression, tb.VersionID)
	}
	if _, err := r.Table(ctx, "lake", "missing"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("missing table err = %v", err)
	}
	if ok, err := r.DeleteTable(ctx, "lake", "orders"); !ok || err != nil {
		t.Fatalf("delete = %v, %v", ok, err)
	}
	if ok, err := r.DeleteTable(ctx, "lake", "orders"); ok || err != nil {
		t.Fatalf("second delete = %v, %v; want false, nil", ok, err)
	}
}

var _ = context.Background

// Local catalogs (the embedded default) use file:// locations.
func TestFileLocation(t *testing.T) {
	g, r := setup(t)
	s := ordersSchema()
	s.Location = "file:///var/lake/clean/orders"
	if _, err := r.EnsureTable(t.Context(), "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddPartitions(t.Context(), "lake", "orders", []catalog.Partition{{Values: []string{"2026-01-01"}}}); err != nil {
		t.Fatal(err)
	}
	if loc := aws.ToString(g.Partitions("lake", "orders")[0].StorageDescriptor.Location); loc != "file:///var/lake/clean/orders/dt=2026-01-01/" {
		t.Errorf("partition location = %q", loc)
	}
}

func TestBucketing(t *testing.T) {
	g, r := setup(t)
	ctx := t.Context()
	s := ordersSchema()
	s.Buckets, s.BucketColumns = 16, []string{"order_id"}
	if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	sd := g.Table("lake", "orders").StorageDescriptor
	if sd.NumberOfBuckets != 16 || fmt.Sprint(sd.BucketColumns) != "[order_id]" {
		t.Errorf("bucketing = %d %v", sd.NumberOfBuckets, sd.BucketColumns)
	}
	g.ResetCalls()
	if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil || g.Writes() != 0 {
		t.Errorf("rerun: %v, %d writes", err, g.Writes())
	}
	s.Buckets = 32
	_, err := r.EnsureTable(ctx, "lake", "orders", s)
	var se *catalog.SchemaError
	if !errors.As(err, &se) || se.Changes[0].Kind != catalog.ChangeBucketing {
		t.Errorf("bucket change: %v", err)
	}
	for _, bad := range []catalog.Schema{
		func() catalog.Schema { s := ordersSchema(); s.Buckets = 4; return s }(),
		func() catalog.Schema { s := ordersSchema(); s.BucketColumns = []string{"order_id"}; return s }(),
		func() catalog.Schema { s := ordersSchema(); s.Buckets, s.BucketColumns = 4, []string{"nope"}; return s }(),
	} {
		if _, err := r.EnsureTable(ctx, "lake", "other", bad); !errors.Is(err, catalog.ErrInvalidInput) {
			t.Errorf("invalid bucketing accepted: %v", err)
		}
	}
}
