// Command hashparquet is examples/hashcsv's job on the library's Parquet
// path, for measuring it: a CSV read with zones/records, hashed with
// hashing.Hasher.Rows on all cores, written as a clean-zone Parquet dataset
// with zones/dataset on a local directory, rejected cells to quarantine.
//
//	go run ./examples/hashcsv/bench/hashparquet -in customers.csv -out /tmp/lake
package main

import (
	"context"
	"flag"
	"fmt"
	"iter"
	"os"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/filezone"
	"github.com/cdpkit/cdpkit/zones/records"
)

// Customer is one clean row: the wire value of every key.
type Customer struct {
	ExternID  string `parquet:"extern_id"`
	Email     string `parquet:"email"`
	Phone     string `parquet:"phone"`
	FirstName string `parquet:"fn"`
	LastName  string `parquet:"ln"`
	City      string `parquet:"ct"`
	State     string `parquet:"st"`
	Zip       string `parquet:"zip"`
	Country   string `parquet:"country"`
	BirthYear string `parquet:"doby"`
	Gender    string `parquet:"gen"`
}

var schema = []hashing.Key{hashing.ExternID, hashing.Email, hashing.Phone, hashing.FirstName, hashing.LastName,
	hashing.City, hashing.State, hashing.Zip, hashing.Country, hashing.BirthYear, hashing.Gender}

// columns maps the examples' customer layout to keys.
var columns = map[hashing.Key]string{hashing.ExternID: "customer_id", hashing.Email: "e_mail", hashing.Phone: "mobile",
	hashing.FirstName: "first_name", hashing.LastName: "last_name", hashing.City: "city", hashing.State: "state",
	hashing.Zip: "zip", hashing.Country: "country", hashing.DOB: "dob", hashing.Gender: "gender"}

// column names the input column a key's value came from: the parts of the
// birth date (the schema outputs the year) come from dob.
func column(k hashing.Key) string {
	switch k {
	case hashing.BirthYear, hashing.BirthMonth, hashing.BirthDay:
		k = hashing.DOB
	}
	return columns[k]
}

func main() {
	in := flag.String("in", "examples/testdata/customers.csv", "input CSV")
	out := flag.String("out", "examples/out/hashparquet", "lake directory")
	flag.Parse()
	n, err := run(context.Background(), *in, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hashparquet:", err)
		os.Exit(1)
	}
	fmt.Printf("hashparquet: %d rows written\n", n)
}

func run(ctx context.Context, in, out string) (int64, error) {
	backend, err := filezone.New(out)
	if err != nil {
		return 0, err
	}
	store := zones.New(backend)
	// A row group is buffered whole before it is written: 8k rows of
	// eleven 64-character digests keep that near 6 MB (and the process under 64 MiB).
	ds, err := dataset.New[Customer](store, zones.Clean, "customers", func(o *dataset.Options[Customer]) {
		o.RowGroupRows = 8 << 10
	})
	if err != nil {
		return 0, err
	}
	h, err := hashing.New()
	if err != nil {
		return 0, err
	}
	f, err := os.Open(in)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	q, err := store.NewRejectWriter("customers", "customers.csv")
	if err != nil {
		return 0, err
	}
	defer q.Discard()
	recs := func(yield func(hashing.Record, error) bool) {
		for r, err := range records.CSV(ctx, f, "customers.csv", q) {
			if err != nil {
				yield(hashing.Record{}, err)
				return
			}
			var hr hashing.Record
			hr.Row = int(r.Line)
			for k, col := range columns {
				if v, ok := r.Get(col); ok {
					hr.Set(k, v)
				}
			}
			if !yield(hr, nil) {
				return
			}
		}
	}
	var rows iter.Seq2[Customer, error] = func(yield func(Customer, error) bool) {
		// Batches of 1024 rows: Rows holds three at once (one read, one
		// hashed, one written), which with the row group keeps the
		// process under 64 MiB.
		for r, err := range h.Rows(ctx, schema, recs, 1024) {
			if err != nil {
				yield(Customer{}, err)
				return
			}
			for _, e := range r.Errs {
				if err := q.Add(zones.Rejection{File: "customers.csv", Line: int64(r.Number), Column: column(e.Key), Reason: string(e.Reason)}); err != nil {
					yield(Customer{}, err)
					return
				}
			}
			c := r.Cells
			if !yield(Customer{c[0].Value(), c[1].Value(), c[2].Value(), c[3].Value(), c[4].Value(), c[5].Value(),
				c[6].Value(), c[7].Value(), c[8].Value(), c[9].Value(), c[10].Value()}, nil) {
				return
			}
		}
	}
	res, err := ds.Write(ctx, "customers.csv", rows)
	if err != nil {
		return 0, err
	}
	if _, err := q.Commit(ctx); err != nil {
		return 0, err
	}
	return res.Rows, nil
}
