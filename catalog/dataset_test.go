package catalog_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

type order struct {
	ID      string       `parquet:"order_id"`
	Email   string       `parquet:"email_sha256" cdpkit:"scheme=meta-sha256-v1"`
	Amount  float64      `parquet:"amount"`
	Placed  time.Time    `parquet:"placed_at,timestamp(millisecond)"`
	Day     dataset.Date `parquet:"day,date"`
	Country string       `parquet:"-"`
}

// What zones/dataset wrote is registered by one call: the table with the
// dataset's columns, comments, location and compression, and one
// partition per directory holding files, at its location. A rerun writes
// nothing.
func TestRegisterDataset(t *testing.T) {
	ctx := t.Context()
	b, err := filezone.New(t.TempDir(), func(o *filezone.Options) { o.NoSync = true })
	if err != nil {
		t.Fatal(err)
	}
	store := zones.New(b)
	d, err := dataset.New[order](store, zones.Clean, "orders", func(o *dataset.Options[order]) {
		o.PartitionKeys = []string{"country"}
		o.Partition = func(r order) []string { return []string{r.Country} }
		o.Comments = map[string]string{"order_id": "business key"}
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []order
	for i, c := range []string{"fr", "de", "fr", "us/ca"} {
		rows = append(rows, order{ID: string(rune('a' + i)), Email: "x", Amount: 1, Placed: time.UnixMilli(0).UTC(), Country: c})
	}
	if _, err := d.Write(ctx, "raw/orders.csv", dataset.Slice(rows)); err != nil {
		t.Fatal(err)
	}
	glue := catalogtest.NewGlue()
	r := catalog.New(glue)
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	res, err := r.RegisterDataset(ctx, "lake", "orders", d)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Table.Created || res.Partitions.Added != 3 {
		t.Fatalf("first registration: %+v", res)
	}
	tbl := glue.Table("lake", "orders")
	var cols []string
	for _, c := range tbl.StorageDescriptor.Columns {
		cols = append(cols, aws.ToString(c.Name)+" "+aws.ToString(c.Type)+" "+aws.ToString(c.Comment))
	}
	want := []string{"order_id string business key", "email_sha256 string hashed: meta-sha256-v1", "amount double ", "placed_at timestamp ", "day date "}
	if !slices.Equal(cols, want) {
		t.Errorf("columns %q, want %q", cols, want)
	}
	if len(tbl.PartitionKeys) != 1 || aws.ToString(tbl.PartitionKeys[0].Name) != "country" {
		t.Errorf("partition keys %v", tbl.PartitionKeys)
	}
	if got := aws.ToString(tbl.StorageDescriptor.Location); got != d.Schema().Location {
		t.Errorf("location %q, want %q", got, d.Schema().Location)
	}
	if tbl.Parameters["cdpkit.hash_scheme.email_sha256"] != "meta-sha256-v1" {
		t.Errorf("table parameters %v", tbl.Parameters)
	}
	var locs []string
	for _, p := range glue.Partitions("lake", "orders") {
		locs = append(locs, aws.ToString(p.StorageDescriptor.Location))
	}
	slices.Sort(locs)
	wantLocs := []string{
		store.Location(zones.Clean, "orders/country=de/"),
		store.Location(zones.Clean, "orders/country=fr/"),
		store.Location(zones.Clean, "orders/country=us%2Fca/"),
	}
	if !slices.Equal(locs, wantLocs) {
		t.Errorf("partition locations %q, want %q", locs, wantLocs)
	}
	glue.ResetCalls()
	res, err = r.RegisterDataset(ctx, "lake", "orders", d)
	if err != nil {
		t.Fatal(err)
	}
	if res.Table.Created || res.Table.Updated || res.Partitions.Added != 0 || res.Partitions.Existing != 3 || glue.Writes() != 0 {
		t.Errorf("rerun: %+v, %d writes", res, glue.Writes())
	}
}

// What zones/dataset wrote becomes a Glue table with its partitions in one
// call; a rerun writes nothing. With real AWS, pass glue.NewFromConfig(cfg).
func ExampleRegistrar_RegisterDataset() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "lake")
	defer os.RemoveAll(dir)
	b, _ := filezone.New(dir)
	store := zones.New(b)
	type visit struct {
		Email   string `parquet:"email_sha256"`
		Country string `parquet:"-"`
	}
	d, err := dataset.New[visit](store, zones.Clean, "visits", func(o *dataset.Options[visit]) {
		o.PartitionKeys = []string{"country"}
		o.Partition = func(v visit) []string { return []string{v.Country} }
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := d.Write(ctx, "raw/visits.csv", dataset.Slice([]visit{{"a", "fr"}, {"b", "de"}})); err != nil {
		fmt.Println(err)
		return
	}
	r := catalog.New(catalogtest.NewGlue())
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		res, err := r.RegisterDataset(ctx, "lake", "visits", d)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("table created=%v, partitions added=%d existing=%d\n", res.Table.Created, res.Partitions.Added, res.Partitions.Existing)
	}
	// Output:
	// table created=true, partitions added=2 existing=0
	// table created=false, partitions added=0 existing=2
}
