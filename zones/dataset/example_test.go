package dataset_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

// Contact is a clean-zone row: email holds a hashed value.
type Contact struct {
	ID      string    `parquet:"id"`
	Email   string    `parquet:"email" cdpkit:"scheme=meta-sha256-v1"`
	City    string    `parquet:"city,dict"`
	Seen    time.Time `parquet:"seen,timestamp(millisecond)"`
	Country string    `parquet:"-"`
}

func Example() {
	ctx := context.Background()
	store := zones.New(memzone.New())
	d, err := dataset.New[Contact](store, zones.Clean, "contacts", func(o *dataset.Options[Contact]) {
		o.PartitionKeys = []string{"country"}
		o.Partition = func(c Contact) []string { return []string{c.Country} }
	})
	if err != nil {
		panic(err)
	}
	seen := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	rows := []Contact{
		{ID: "1", Email: "<hashed>", City: "Paris", Seen: seen, Country: "FR"},
		{ID: "2", Email: "<hashed>", City: "Austin", Seen: seen, Country: "US"},
		{ID: "3", Email: "<hashed>", City: "Lyon", Seen: seen, Country: "FR"},
	}
	res, err := d.Write(ctx, "raw/source=crm/ingest_date=2026-11-23/sha256=ab.csv", dataset.Slice(rows))
	if err != nil {
		panic(err)
	}
	for _, p := range res.Partitions {
		fmt.Println(p.Prefix, p.Values)
	}
	for _, f := range res.Files {
		fmt.Println(f.Partition["country"], f.Rows)
	}

	// What catalog needs for a Glue table.
	s := d.Schema()
	for _, c := range s.Columns {
		fmt.Printf("%s %s %q\n", c.Name, c.Type, c.Comment)
	}
	fmt.Println(s.PartitionKeys, s.Compression)

	n := 0
	for _, err := range d.Rows(ctx) {
		if err != nil {
			panic(err)
		}
		n++
	}
	fmt.Println(n, "rows read back")
	// Output:
	// contacts/country=FR/ [FR]
	// contacts/country=US/ [US]
	// FR 2
	// US 1
	// id string ""
	// email string "hashed: meta-sha256-v1"
	// city string ""
	// seen timestamp ""
	// [{country string }] snappy
	// 3 rows read back
}
