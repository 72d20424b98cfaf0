package records_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/records"
)

func ExampleCSV() {
	ctx := context.Background()
	store := zones.New(memzone.New())
	const file = "raw/source=crm/ingest_date=2026-11-23/sha256=ab.csv"
	q, _ := store.NewRejectWriter("contacts", file)

	in := "id,email\n1,a@example.com\n2,b@example.com,extra\n3,c@example.com\n"
	for rec, err := range records.CSV(ctx, strings.NewReader(in), file, q) {
		if err != nil {
			panic(err)
		}
		id, _ := rec.Get("id")
		fmt.Println("line", rec.Line, "id", id)
	}
	obj, _ := q.Commit(ctx)
	for r, err := range store.Rejections(ctx, obj.Key) {
		if err != nil {
			panic(err)
		}
		fmt.Println("rejected line", r.Line, r.Reason)
	}
	// Output:
	// line 2 id 1
	// line 4 id 3
	// rejected line 3 field_count
}

func ExampleJSONLines() {
	ctx := context.Background()
	store := zones.New(memzone.New())
	q, _ := store.NewRejectWriter("events", "raw/e.jsonl")
	in := `{"user":"u1","n":3,"tags":["a"]}` + "\n" + `not json` + "\n"
	for rec, err := range records.JSONLines(ctx, strings.NewReader(in), "raw/e.jsonl", q) {
		if err != nil {
			panic(err)
		}
		fmt.Println(rec.Names(), rec.Values())
	}
	fmt.Println(q.Len(), "rejected")
	// Output:
	// [user n tags] [u1 3 ["a"]]
	// 1 rejected
}
