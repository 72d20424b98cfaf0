package identity_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

// contact is a clean-zone row: the source is a partition, not in the files.
type contact struct {
	Source string     `parquet:"-"`
	Key    string     `parquet:"record_key"`
	SeenAt time.Time  `parquet:"seen_at,timestamp(millisecond)"`
	Email  string     `parquet:"email_sha256"`
	Phone  *string    `parquet:"phone_sha256,optional"`
	Other  int32      `parquet:"visits"`
	When   *time.Time `parquet:"when,optional,timestamp(millisecond)"`
}

// identity reads a clean-zone dataset with RecordsFromRows and writes its
// outputs through a zones.Store with WriteTo; a rerun replaces them.
func TestDatasetInZonesOut(t *testing.T) {
	ctx := t.Context()
	store := zonestest.New(t)
	clean, err := dataset.New[contact](store, zones.Clean, "contacts", func(o *dataset.Options[contact]) {
		o.PartitionKeys = []string{"source"}
		o.Partition = func(c contact) []string { return []string{c.Source} }
		o.SetPartition = func(c *contact, v []string) { c.Source = v[0] }
	})
	if err != nil {
		t.Fatal(err)
	}
	p := "15550001"
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	rows := []contact{
		{Source: "crm", Key: "c1", SeenAt: day, Email: digest("ann"), Phone: &p},
		{Source: "web", Key: "w7", SeenAt: day, Email: digest("ann")},
		{Source: "calls", Key: "k2", SeenAt: day, Phone: &p},
		{Source: "crm", Key: "c2", SeenAt: day, Email: digest("bob")},
	}
	if _, err := clean.Write(ctx, "raw/contacts", dataset.Slice(rows)); err != nil {
		t.Fatal(err)
	}
	cols := identity.Columns{SourceColumn: "Source", KeyColumn: "record_key", TimeColumn: "seen_at",
		Identifiers: map[string]string{"email_sha256": "EMAIL", "phone_sha256": "PHONE"}}
	res, err := identity.Resolve(ctx, identity.RecordsFromRows(clean.Rows(ctx), cols), func(o *identity.Options) {
		o.Rules = []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}, {Name: "phone", Kinds: []string{"PHONE"}}}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Len() != 4 || res.Stats().Persons != 2 {
		t.Fatalf("%d records in %d persons, want 4 in 2", res.Len(), res.Stats().Persons)
	}
	out, err := res.WriteTo(ctx, store, zones.Curated, "identity")
	if err != nil {
		t.Fatal(err)
	}
	if out.Assignments.Rows != 4 || out.Links.Rows == 0 || out.Persons.Rows != 2 || out.Stats.Rows == 0 {
		t.Fatalf("output rows %d %d %d %d", out.Assignments.Rows, out.Links.Rows, out.Persons.Rows, out.Stats.Rows)
	}
	assigned, err := dataset.New[identity.AssignmentRow](store, zones.Curated, "identity/assignments")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for r, err := range assigned.Rows(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got[r.Source+"/"+r.RecordKey] = r.PersonID
	}
	want := map[string]string{}
	for a := range res.Assignments() {
		want[a.Record.String()] = a.Person
	}
	if !maps.Equal(got, want) {
		t.Fatalf("assignments read back %v, want %v", got, want)
	}
	// A rerun writes the same files: nothing to remove, nothing new.
	again, err := res.WriteTo(ctx, store, zones.Curated, "identity")
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Assignments.Removed) != 0 || again.Assignments.Files[0].Key != out.Assignments.Files[0].Key {
		t.Errorf("rerun: %+v", again.Assignments)
	}
	n := 0
	for range store.Objects(ctx, zones.Curated, "identity/") {
		n++
	}
	// No audits: an empty dataset has no file.
	if n != 4 || out.Audits.Rows != 0 {
		t.Errorf("%d objects under identity/, want 4 (%d audit rows)", n, out.Audits.Rows)
	}
}

func TestRecordsFromRowsRejectsBadColumns(t *testing.T) {
	one := func(yield func(contact, error) bool) { yield(contact{Key: "k"}, nil) }
	for name, cols := range map[string]identity.Columns{
		"no key":             {},
		"unknown column":     {KeyColumn: "record_key", Identifiers: map[string]string{"nope": "EMAIL"}},
		"identifier not str": {KeyColumn: "record_key", Identifiers: map[string]string{"visits": "X"}},
		"time not a time":    {KeyColumn: "record_key", TimeColumn: "email_sha256"},
	} {
		var errs []error
		for _, err := range identity.RecordsFromRows(one, cols) {
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], identity.ErrInvalidInput) {
			t.Errorf("%s: %v", name, errs)
		}
	}
	// A *time.Time column and a nil identifier are fine.
	var recs []identity.Record
	for r, err := range identity.RecordsFromRows(one, identity.Columns{Source: "s", KeyColumn: "record_key", TimeColumn: "when", Identifiers: map[string]string{"phone_sha256": "PHONE"}}) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 1 || recs[0].Source != "s" || recs[0].Key != "k" || !recs[0].Time.IsZero() || len(recs[0].Identifiers) != 0 {
		t.Errorf("records %+v", recs)
	}
}

// Resolve reads a clean-zone dataset and writes its outputs to the curated
// zone of any zones backend (memory here, S3 or a directory in production).
func ExampleResult_WriteTo() {
	ctx := context.Background()
	store := zones.New(memzone.New())
	type row struct {
		Key   string `parquet:"record_key"`
		Email string `parquet:"email_sha256"`
	}
	clean, _ := dataset.New[row](store, zones.Clean, "crm")
	if _, err := clean.Write(ctx, "raw/crm.csv", dataset.Slice([]row{{"c1", digest("ann")}, {"c2", digest("ann")}, {"c3", digest("bob")}})); err != nil {
		fmt.Println(err)
		return
	}

	cols := identity.Columns{Source: "crm", KeyColumn: "record_key", Identifiers: map[string]string{"email_sha256": "EMAIL"}}
	res, err := identity.Resolve(ctx, identity.RecordsFromRows(clean.Rows(ctx), cols), func(o *identity.Options) {
		o.Rules = []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := res.WriteTo(ctx, store, zones.Curated, "identity")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Assignments.Rows, "assignments,", out.Persons.Rows, "persons in", out.Persons.Files[0].Key[:len("identity/persons/")])
	// Output:
	// 3 assignments, 2 persons in identity/persons/
}
