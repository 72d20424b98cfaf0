package athenarun_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
	"github.com/cdpkit/cdpkit/identity/sqlgen"
)

// Resolve four records on the fake Athena and give them person ids.
func Example() {
	ctx := context.Background()
	// Queries end as soon as they are looked at; tests use a synctest clock.
	fake := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = -1, -1 })
	defer fake.Close()
	str := func(names ...string) []athenatest.Column {
		var cols []athenatest.Column
		for _, n := range names {
			cols = append(cols, athenatest.Column{Name: n, Type: "varchar"})
		}
		return cols
	}
	_ = fake.PutTable("lake", "records", "s3://lake/clean/records/", str("source", "record_key"), [][]any{
		{"crm", "1"}, {"crm", "2"}, {"web", "a"}, {"web", "b"},
	})
	_ = fake.PutTable("lake", "identifiers", "s3://lake/clean/identifiers/", str("source", "record_key", "kind", "value"), [][]any{
		{"crm", "1", "EMAIL", "e1"}, {"web", "a", "EMAIL", "e1"}, {"web", "a", "PHONE", "p1"}, {"crm", "2", "PHONE", "p1"},
	})

	r, err := athenarun.New(fake, fake.S3(), func(o *athenarun.Options) {
		o.Database = "lake"
		o.ResultLocation = "s3://lake/athena-results/"
		o.PollInterval = time.Millisecond
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := r.Resolve(ctx, "load-1", sqlgen.Config{
		Records: "records", Identifiers: "identifiers", Output: "resolved",
		Location: "s3://lake/identity-tmp/",
		Rules:    []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}, {Name: "phone", Kinds: []string{"PHONE"}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("iterations:", res.Iterations, "data scanned > 0:", res.DataScanned > 0)
	persons, err := r.Persons(ctx, res)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The ids are those identity.Resolve gives the same records in process.
	for p := range persons.Persons() {
		fmt.Println(p.ID, "has", p.Size, "records from", p.Sources)
	}
	fmt.Println("tables left:", fake.Tables("lake"))
	// Output:
	// iterations: 3 data scanned > 0: true
	// p7d62f61ad81bfb88 has 3 records from [crm web]
	// p7a1802bfe8674777 has 1 records from [web]
	// tables left: [identifiers records resolved]
}
