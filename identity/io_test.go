package identity_test

import (
	"bytes"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

func TestParquetRoundTrip(t *testing.T) {
	recs := genRecords(2, 300)
	res := resolve(t, recs, guarded)
	dir := t.TempDir()
	if err := res.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	as, err := parquet.ReadFile[identity.AssignmentRow](filepath.Join(dir, identity.FileAssignments))
	if err != nil {
		t.Fatal(err)
	}
	var want []identity.AssignmentRow
	for a := range res.Assignments() {
		want = append(want, identity.AssignmentRow{Source: a.Record.Source, RecordKey: a.Record.Key, PersonID: a.Person})
	}
	if d := cmp.Diff(want, as); d != "" {
		t.Errorf("assignments differ")
	}
	ps, err := parquet.ReadFile[identity.PersonRow](filepath.Join(dir, identity.FilePersons))
	if err != nil {
		t.Fatal(err)
	}
	persons := slices.Collect(res.Persons())
	if len(ps) != len(persons) || ps[0].PersonID != persons[0].ID || ps[0].FirstSeen == nil || !ps[0].FirstSeen.Equal(persons[0].FirstSeen) {
		t.Errorf("persons differ: %d rows, want %d", len(ps), len(persons))
	}
	ls, err := parquet.ReadFile[identity.LinkRow](filepath.Join(dir, identity.FileLinks))
	if err != nil || len(ls) != len(slices.Collect(res.Links())) {
		t.Errorf("links: %d rows, err %v", len(ls), err)
	}
	au, err := parquet.ReadFile[identity.AuditRow](filepath.Join(dir, identity.FileAudits))
	if err != nil || len(au) != len(res.Audits()) {
		t.Errorf("audits: %d rows, err %v", len(au), err)
	}
	st, err := parquet.ReadFile[identity.StatRow](filepath.Join(dir, identity.FileStats))
	if err != nil || len(st) != len(res.Stats().StatRows()) {
		t.Errorf("stats: %d rows, err %v", len(st), err)
	}
	// Deterministic bytes: the same input in another order writes the same
	// files (stats hold the elapsed time, so they are left out).
	res2 := resolve(t, shuffled(recs, 1), guarded)
	for _, w := range []struct {
		a, b func(*bytes.Buffer) error
	}{
		{func(b *bytes.Buffer) error { return res.WriteAssignments(b) }, func(b *bytes.Buffer) error { return res2.WriteAssignments(b) }},
		{func(b *bytes.Buffer) error { return res.WriteLinks(b) }, func(b *bytes.Buffer) error { return res2.WriteLinks(b) }},
		{func(b *bytes.Buffer) error { return res.WritePersons(b) }, func(b *bytes.Buffer) error { return res2.WritePersons(b) }},
		{func(b *bytes.Buffer) error { return res.WriteAudits(b) }, func(b *bytes.Buffer) error { return res2.WriteAudits(b) }},
	} {
		var x, y bytes.Buffer
		if err := errors.Join(w.a(&x), w.b(&y)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x.Bytes(), y.Bytes()) {
			t.Errorf("output bytes depend on input order")
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 {
		t.Errorf("dir has %d entries, want 5 (no temporary files)", len(entries))
	}
}

func TestRecordsFromArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "src", Type: arrow.BinaryTypes.String},
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
		{Name: "email_sha", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "phone_sha", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"crm", "web", "calls"}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"1", "2", "3"}, nil)
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1000, 2000, 3000}, nil)
	b.Field(3).(*array.StringBuilder).AppendValues([]string{digest("a"), digest("a"), ""}, []bool{true, true, false})
	b.Field(4).(*array.StringBuilder).AppendValues([]string{"", digest("p"), digest("p")}, []bool{false, true, true})
	batch := b.NewRecordBatch()
	defer batch.Release()
	batches := func(yield func(arrow.RecordBatch, error) bool) { yield(batch, nil) }
	cols := identity.ArrowColumns{SourceColumn: "src", KeyColumn: "id", TimeColumn: "ts",
		Identifiers: map[string]string{"email_sha": "EMAIL", "phone_sha": "PHONE"}}
	res, err := identity.Resolve(t.Context(), identity.RecordsFromArrow(batches, cols), func(o *identity.Options) { o.ReadAhead = true })
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([][]string{{"calls/3", "crm/1", "web/2"}}, clusters(t, res)); d != "" {
		t.Errorf("clusters:\n%s", d)
	}
	p := slices.Collect(res.Persons())
	if !p[0].FirstSeen.Equal(time.UnixMilli(1000)) || !p[0].LastSeen.Equal(time.UnixMilli(3000)) {
		t.Errorf("times = %v %v", p[0].FirstSeen, p[0].LastSeen)
	}
	cols.KeyColumn = "missing"
	if _, err := identity.Resolve(t.Context(), identity.RecordsFromArrow(batches, cols)); !errors.Is(err, identity.ErrInvalidInput) {
		t.Errorf("missing column: err = %v", err)
	}
	cols.KeyColumn = "ts"
	if _, err := identity.Resolve(t.Context(), identity.RecordsFromArrow(batches, cols)); !errors.Is(err, identity.ErrInvalidInput) {
		t.Errorf("non-string key column: err = %v", err)
	}
	var _ iter.Seq2[arrow.RecordBatch, error] = batches
}

func TestCells(t *testing.T) {
	c, err := hashing.CellFromDigest(hashing.Email, digest("x"))
	if err != nil {
		t.Fatal(err)
	}
	got := identity.Cells(c, hashing.Missing(hashing.Phone))
	want := []identity.Identifier{{Kind: "EMAIL", Value: digest("x")}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Cells:\n%s", d)
	}
}
