package catalog_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// Register a partitioned Parquet dataset end to end: database, table,
// partitions, then a rerun that writes nothing, and a schema evolution.
// With real AWS, pass glue.NewFromConfig(cfg) instead of the fake.
func Example() {
	ctx := context.Background()
	glue := catalogtest.NewGlue()
	r := catalog.New(glue)

	schema := catalog.Schema{
		Columns: []catalog.Column{
			{Name: "order_id", Type: "string", Comment: "business key"},
			{Name: "email_sha256", Type: "string"},
			{Name: "amount", Type: "decimal(12,2)"},
			{Name: "placed_at", Type: "timestamp"},
		},
		PartitionKeys: []catalog.Column{{Name: "dt", Type: "string"}, {Name: "source", Type: "string"}},
		Location:      "s3://acme-lake/clean/orders",
		Compression:   catalog.CompressionSnappy,
		Description:   "orders, hashed PII",
	}
	parts := []catalog.Partition{
		{Values: []string{"2026-11-01", "web"}},
		{Values: []string{"2026-11-01", "crm/export"}}, // "/" is escaped in the path
		{Values: []string{"2026-11-02", "web"}},
	}

	register := func() {
		if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
			fmt.Println(err)
			return
		}
		ch, err := r.EnsureTable(ctx, "lake", "orders", schema)
		if err != nil {
			fmt.Println(err)
			return
		}
		res, err := r.AddPartitions(ctx, "lake", "orders", parts)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("table created=%v updated=%v; partitions added=%d existing=%d\n", ch.Created, ch.Updated, res.Added, res.Existing)
	}

	register()
	glue.ResetCalls()
	register()
	fmt.Println("write calls on rerun:", glue.Writes())

	for p, err := range r.Partitions(ctx, "lake", "orders") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.Values, p.Location)
	}

	// A new column is appended; a type change needs an explicit opt-in.
	schema.Columns = append(schema.Columns, catalog.Column{Name: "channel", Type: "string"})
	ch, err := r.EnsureTable(ctx, "lake", "orders", schema)
	fmt.Println("added:", ch.AddedColumns, err)
	schema.Columns[2].Type = "double"
	_, err = r.EnsureTable(ctx, "lake", "orders", schema)
	fmt.Println(errors.Is(err, catalog.ErrIncompatibleSchema), err)

	t := glue.Table("lake", "orders")
	fmt.Println(*t.TableType, *t.StorageDescriptor.SerdeInfo.SerializationLibrary)
	// Output:
	// table created=true updated=false; partitions added=3 existing=0
	// table created=false updated=false; partitions added=0 existing=3
	// write calls on rerun: 0
	// [2026-11-01 crm/export] s3://acme-lake/clean/orders/dt=2026-11-01/source=crm%2Fexport/
	// [2026-11-01 web] s3://acme-lake/clean/orders/dt=2026-11-01/source=web/
	// [2026-11-02 web] s3://acme-lake/clean/orders/dt=2026-11-02/source=web/
	// added: [channel] <nil>
	// true catalog: ensure table "lake.orders": incompatible schema: "amount" type changed (decimal(12,2) -> double)
	// EXTERNAL_TABLE org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe
}

// Errors carry a category and the Glue exception.
func Example_errors() {
	ctx := context.Background()
	r := catalog.New(catalogtest.NewGlue())
	_, err := r.EnsureTable(ctx, "missing_db", "orders", catalog.Schema{
		Columns:  []catalog.Column{{Name: "id", Type: "string"}},
		Location: "s3://b/orders",
	})
	var enf *types.EntityNotFoundException
	fmt.Println(errors.Is(err, catalog.ErrNotFound), errors.As(err, &enf))

	_, err = r.EnsureTable(ctx, "lake", "Orders", catalog.Schema{})
	var ne *catalog.NameError
	fmt.Println(errors.Is(err, catalog.ErrInvalidInput), errors.As(err, &ne), err)
	// Output:
	// true true
	// true true catalog: ensure table "lake.Orders": invalid input: invalid table name "Orders": must be lowercase
}

func ExampleSanitizeNames() {
	names, renames, err := catalog.SanitizeNames([]string{"Customer ID", "e-mail", "Crème brûlée", "ok"})
	fmt.Println(names, err)
	for _, r := range renames {
		fmt.Printf("%d: %q -> %q\n", r.Index, r.From, r.To)
	}
	// Output:
	// [customer_id e_mail creme_brulee ok] <nil>
	// 0: "Customer ID" -> "customer_id"
	// 1: "e-mail" -> "e_mail"
	// 2: "Crème brûlée" -> "creme_brulee"
}

func ExamplePartitionPath() {
	fmt.Println(catalog.PartitionPath([]string{"dt", "source"}, []string{"2026-11-01", "crm/export"}))
	fmt.Println(catalog.PartitionPath([]string{"dt"}, []string{""}))
	// Output:
	// dt=2026-11-01/source=crm%2Fexport/
	// dt=__HIVE_DEFAULT_PARTITION__/
}

// The same Registrar runs on a real *glue.Client talking to the in-process
// Glue server.
func ExampleNew_server() {
	srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
	defer srv.Close()
	r := catalog.New(srv.Client())
	ctx := context.Background()
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		fmt.Println(err)
		return
	}
	ch, err := r.EnsureTable(ctx, "lake", "events", catalog.Schema{
		Columns:  []catalog.Column{{Name: "event_id", Type: "string"}, {Name: "payload", Type: "struct<kind:string,n:int>"}},
		Location: "s3://acme-lake/clean/events/",
	})
	fmt.Println(ch.Created, err)
	for tb, err := range r.Tables(ctx, "lake") {
		fmt.Println(tb.Name, tb.Location, len(tb.Columns), err)
	}
	// Output:
	// true <nil>
	// events s3://acme-lake/clean/events/ 2 <nil>
}

// List only the partitions an incremental job needs; Glue filters on the
// server side.
func ExampleRegistrar_PartitionsMatching() {
	ctx := context.Background()
	r := catalog.New(catalogtest.NewGlue())
	_, _ = r.EnsureDatabase(ctx, catalog.Database{Name: "lake"})
	_, _ = r.EnsureTable(ctx, "lake", "events", catalog.Schema{
		Columns:       []catalog.Column{{Name: "event_id", Type: "string"}},
		PartitionKeys: []catalog.Column{{Name: "dt", Type: "string"}, {Name: "hour", Type: "int"}},
		Location:      "s3://acme-lake/clean/events/",
	})
	var parts []catalog.Partition
	for _, dt := range []string{"2026-11-20", "2026-11-21", "2026-11-22"} {
		for _, h := range []string{"0", "9", "23"} {
			parts = append(parts, catalog.Partition{Values: []string{dt, h}})
		}
	}
	if _, err := r.AddPartitions(ctx, "lake", "events", parts); err != nil {
		fmt.Println(err)
		return
	}
	for p, err := range r.PartitionsMatching(ctx, "lake", "events", "dt >= '2026-11-21' AND hour BETWEEN 1 AND 12") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.Values)
	}
	// Output:
	// [2026-11-21 9]
	// [2026-11-22 9]
}
