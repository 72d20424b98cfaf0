package profile_test

import (
	"context"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/profile"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

type contact struct {
	Source    string    `parquet:"-"`
	RecordKey string    `parquet:"record_key"`
	Email     string    `parquet:"email"`
	City      string    `parquet:"city"`
	SeenAt    time.Time `parquet:"seen_at,timestamp(millisecond)"`
}

func TestDatasetInputs(t *testing.T) {
	ctx := context.Background()
	store := zones.New(memzone.New())
	ds, err := dataset.New[contact](store, zones.Clean, "contacts", func(o *dataset.Options[contact]) {
		o.PartitionKeys = []string{"source"}
		o.Partition = func(c contact) []string { return []string{c.Source} }
		o.SetPartition = func(c *contact, v []string) { c.Source = v[0] }
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := []contact{
		{Source: "crm", RecordKey: "1", Email: "0000000000000000000000000000000000000000000000000000000000000001", City: "Paris", SeenAt: runAt.Add(-time.Hour)},
		{Source: "web", RecordKey: "1", City: "Lyon", SeenAt: runAt},
	}
	if _, err := ds.Write(ctx, "in", dataset.Slice(rows)); err != nil {
		t.Fatal(err)
	}
	toRow := func(c contact) (profile.Row, error) {
		r := profile.Row{Source: c.Source, Key: c.RecordKey, Time: c.SeenAt, Values: []profile.Value{profile.StringValue(c.City)}}
		if c.Email != "" {
			cell, err := hashing.CellFromDigest(hashing.Email, c.Email)
			if err != nil {
				return r, err
			}
			r.Identifiers = []hashing.Cell{cell}
		}
		return r, nil
	}
	as := []identity.Assignment{{Record: identity.RecordRef{Source: "crm", Key: "1"}, Person: "pA"}, {Record: identity.RecordRef{Source: "web", Key: "1"}, Person: "pA"}}
	spec := profile.Spec{Columns: []profile.Column{{Name: "city", Type: profile.String}}, Fields: []profile.Field{{Name: "city", Policy: profile.Oldest}}}
	for i, in := range []func() func(func(profile.Row, error) bool){
		func() func(func(profile.Row, error) bool) { return profile.DatasetRows(ctx, ds, toRow) },
		func() func(func(profile.Row, error) bool) {
			return profile.PartitionedRows(ctx, ds, func(c contact, part map[string]string) (profile.Row, error) {
				c.Source = part["source"]
				return toRow(c)
			})
		},
	} {
		b, err := profile.NewBuilder(spec, func(o *profile.Options) { o.RunAt = runAt })
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.Build(ctx, seqOf(as), profile.Concat(in()))
		if err != nil {
			t.Fatal(err)
		}
		ps := collect(t, res)
		if len(ps) != 1 || ps[0].Fields[0].Value.Str() != "Paris" || ps[0].Traits.Records != 2 || len(ps[0].Identifiers) != 1 {
			t.Fatalf("input %d: %+v", i, ps)
		}
		b.Close()
	}
}
