package profile_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/profile"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

func day(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }

func email(s string) hashing.Cell {
	c, err := hashing.HashCell(hashing.Email, s)
	if err != nil {
		panic(err)
	}
	return c
}

func Example() {
	ctx := context.Background()
	// Two CRM rows and a web order, resolved by identity into one person.
	rows := []profile.Row{
		{Source: "crm", Key: "c1", Time: day(1), Values: []profile.Value{profile.StringValue("Ann"), profile.StringValue("Paris"), profile.Null},
			Identifiers: []hashing.Cell{email("ann@example.com")}},
		{Source: "crm", Key: "c2", Time: day(20), Values: []profile.Value{profile.StringValue("Anne"), profile.Null, profile.Null}},
		{Source: "web", Key: "o9", Time: day(25), Values: []profile.Value{profile.StringValue("annie"), profile.StringValue("Lyon"), profile.FloatValue(42.5)},
			Identifiers: []hashing.Cell{email("annie@example.com")}},
	}
	res, err := identity.Resolve(ctx, func(yield func(identity.Record, error) bool) {
		for _, r := range rows {
			// In a pipeline, identity reads the same clean rows.
			if !yield(identity.Record{Source: r.Source, Key: r.Key, Time: r.Time,
				Identifiers: []identity.Identifier{{Kind: "CUSTOMER", Value: "42"}}}, nil) {
				return
			}
		}
	})
	if err != nil {
		panic(err)
	}

	b, err := profile.NewBuilder(profile.Spec{
		Columns: []profile.Column{{Name: "first_name", Type: profile.String}, {Name: "city", Type: profile.String}, {Name: "amount", Type: profile.Float}},
		Fields: []profile.Field{
			{Name: "first_name", Policy: profile.SourcePriority, Sources: []string{"crm"}},
			{Name: "city", Policy: profile.MostRecent},
			{Name: "spend", Column: "amount", Policy: profile.Sum},
		},
		Traits: []profile.Trait{{Name: "orders_30d", Agg: profile.AggCount, Column: "amount", Window: 30 * 24 * time.Hour}},
		Segments: []profile.Segment{
			{Name: "buyers", Text: `spend >= 40 and last_seen within 7d and exists id.EMAIL`},
			{Name: "lapsed", Where: profile.Not(profile.Within("last_seen", 30*24*time.Hour))},
		},
	}, func(o *profile.Options) { o.RunAt = day(28) })
	if err != nil {
		panic(err)
	}
	defer b.Close()
	built, err := b.Build(ctx, res.Assignments(), profile.Rows(rows))
	if err != nil {
		panic(err)
	}
	for p, err := range built.Profiles(ctx) {
		if err != nil {
			panic(err)
		}
		for _, f := range p.Fields {
			fmt.Printf("%s = %v (from %s/%s)\n", f.Name, f.Value, f.Lineage.Source, f.Lineage.RecordKey)
		}
		fmt.Println("orders_30d =", p.Trait("orders_30d"), "records =", p.Traits.Records, "emails =", len(p.Identifiers))
		fmt.Println("segments:", p.Segments)
	}

	// The segment's members as Meta Custom Audience rows.
	schema := built.AudienceSchema()
	n := 0
	for _, err := range built.AudienceRows(ctx, "buyers") {
		if err != nil {
			panic(err)
		}
		n++
	}
	fmt.Println("audience schema:", schema, "rows:", n)

	// The curated zone.
	ds, err := profile.NewDatasets(zones.New(memzone.New()), "")
	if err != nil {
		panic(err)
	}
	w, err := ds.Write(ctx, built)
	if err != nil {
		panic(err)
	}
	fmt.Println("written:", w.Profiles.Rows, "profile,", w.Fields.Rows, "field values,", w.Members.Rows, "membership")
	// Output:
	// first_name = "Anne" (from crm/c2)
	// city = "Lyon" (from web/o9)
	// spend = 42.5 (from web/o9)
	// orders_30d = 1 records = 3 emails = 2
	// segments: [buyers]
	// audience schema: [EMAIL] rows: 2
	// written: 1 profile, 3 field values, 1 membership
}

// WideProfile is a caller's own curated table: one column per field.
type WideProfile struct {
	PersonID string `parquet:"person_id"`
	Email    string `parquet:"hashed_email" cdpkit:"scheme=meta-sha256-v1"`
	City     string `parquet:"city"`
	Sources  int64  `parquet:"sources"`
}

func ExampleWriteWide() {
	ctx := context.Background()
	rows := []profile.Row{
		{Source: "crm", Key: "1", Time: day(1), Values: []profile.Value{profile.StringValue("Paris")}, Identifiers: []hashing.Cell{email("a@example.com")}},
		{Source: "web", Key: "7", Time: day(2), Values: []profile.Value{profile.StringValue("Lyon")}},
		{Source: "web", Key: "8", Time: day(3)},
	}
	assignments := []identity.Assignment{
		{Record: identity.RecordRef{Source: "crm", Key: "1"}, Person: "p0000000000000001"},
		{Record: identity.RecordRef{Source: "web", Key: "7"}, Person: "p0000000000000001"},
		{Record: identity.RecordRef{Source: "web", Key: "8"}, Person: "p0000000000000002"},
	}
	b, err := profile.NewBuilder(profile.Spec{
		Columns:  []profile.Column{{Name: "city", Type: profile.String}},
		Fields:   []profile.Field{{Name: "city", Policy: profile.SourcePriority, Sources: []string{"crm"}}},
		Segments: []profile.Segment{{Name: "multi_source", Text: "source_count >= 2"}},
	}, func(o *profile.Options) { o.RunAt = day(28) })
	if err != nil {
		panic(err)
	}
	defer b.Close()
	built, err := b.Build(ctx, slices.Values(assignments), profile.Rows(rows))
	if err != nil {
		panic(err)
	}
	ds, err := dataset.New[WideProfile](zones.New(memzone.New()), zones.Curated, "wide_profiles")
	if err != nil {
		panic(err)
	}
	w, err := profile.WriteWide(ctx, ds, built, func(p *profile.Profile) WideProfile {
		city, _ := p.Field("city")
		return WideProfile{PersonID: p.PersonID, Email: p.Identifier(hashing.Email), City: city.Value.Str(), Sources: int64(len(p.Traits.Sources))}
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(w.Rows, "rows; multi-source persons:", built.Stats().Segments["multi_source"])
	for id, err := range built.Members(ctx, "multi_source") {
		if err != nil {
			panic(err)
		}
		fmt.Println(id)
	}
	// Output:
	// 2 rows; multi-source persons: 1
	// p0000000000000001
}
