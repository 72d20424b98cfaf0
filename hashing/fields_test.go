package hashing_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/zones/records"
)

// A zones/records stream feeds hashing as it is: cells equal HashRow's on
// the same values, each row carries its source record (for the other
// columns) and is numbered by its line.
func TestRowsFromRecords(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("id,mail,tel,land\n")
	const n = 5000 // several batches
	for i := range n {
		mail := fmt.Sprintf("Person%d@Example.com", i)
		if i%1000 == 7 {
			mail = "not an email"
		}
		fmt.Fprintf(&csv, "c%d,%s,+33 6 12 34 %02d %02d,FR\n", i, mail, i%100, i/100%100)
	}
	h, err := hashing.New()
	if err != nil {
		t.Fatal(err)
	}
	schema := []hashing.Key{hashing.Email, hashing.Phone, hashing.Country}
	cols := map[hashing.Key]string{hashing.Email: "mail", hashing.Phone: "tel", hashing.Country: "land"}
	recs := records.CSV(t.Context(), strings.NewReader(csv.String()), "in.csv", nil)
	i := 0
	for row, err := range hashing.RowsFrom(t.Context(), h, schema, cols, recs, 512) {
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := row.Source.Get("id"); id != fmt.Sprintf("c%d", i) {
			t.Fatalf("row %d carries record %q", i, id)
		}
		if row.Number != i+2 {
			t.Fatalf("row %d numbered %d, want its line %d", i, row.Number, i+2)
		}
		var rec hashing.Record
		for k, c := range cols {
			v, _ := row.Source.Get(c)
			rec.Set(k, v)
		}
		want, _ := h.HashRow(nil, schema, &rec)
		for j := range want {
			if row.Cells[j] != want[j] {
				t.Fatalf("row %d cell %d differs from HashRow's", i, j)
			}
		}
		if bad := i%1000 == 7; bad != (len(row.Errs) == 1) || bad && (row.Errs[0].Key != hashing.Email || row.Errs[0].Row != i+2) {
			t.Fatalf("row %d errors %v", i, row.Errs)
		}
		i++
	}
	if i != n {
		t.Fatalf("%d rows, want %d", i, n)
	}
}

type fields map[string]string

func (f fields) Get(name string) (string, bool) { v, ok := f[name]; return v, ok }

// Stopping early is fine, any Fields type works (numbered by position),
// and an input error ends the stream after the rows before it.
func TestRowsFromStopsAndFails(t *testing.T) {
	h, _ := hashing.New()
	errBroken := errors.New("broken input")
	recs := func(yield func(fields, error) bool) {
		for _, m := range []string{"a@b.co", "c@d.co"} {
			if !yield(fields{"mail": m}, nil) {
				return
			}
		}
		yield(nil, errBroken)
	}
	schema, cols := []hashing.Key{hashing.Email}, map[hashing.Key]string{hashing.Email: "mail"}
	for row := range hashing.RowsFrom(t.Context(), h, schema, cols, recs, 1) {
		if row.Number != 1 || row.Source["mail"] != "a@b.co" {
			t.Fatalf("first row %+v", row.Row)
		}
		break
	}
	var got []int
	var last error
	for row, err := range hashing.RowsFrom(t.Context(), h, schema, cols, recs, 1) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, row.Number)
	}
	if len(got) != 2 || got[1] != 2 || !errors.Is(last, errBroken) {
		t.Fatalf("rows %v, error %v", got, last)
	}
}

// A CSV read by zones/records is hashed as it streams, each row with its
// source record for the columns that are not PII.
func ExampleRowsFrom() {
	ctx := context.Background()
	csv := "id,mail,tel\nc1,Ann@Example.com,+1 650 555 1212\nc2,not an email,\n"
	h, _ := hashing.New()
	schema := []hashing.Key{hashing.Email, hashing.Phone}
	cols := map[hashing.Key]string{hashing.Email: "mail", hashing.Phone: "tel"}
	for row, err := range hashing.RowsFrom(ctx, h, schema, cols, records.CSV(ctx, strings.NewReader(csv), "in.csv", nil), 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		id, _ := row.Source.Get("id")
		fmt.Println(id, "line", row.Number, "email hashed:", !row.Cells[0].IsMissing(), "errors:", row.Errs)
	}
	// Output:
	// c1 line 2 email hashed: true errors: []
	// c2 line 3 email hashed: false errors: [hashing: "EMAIL": invalid: email_whitespace (row 3)]
}
