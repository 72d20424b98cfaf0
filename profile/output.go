package profile

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
)

// Curated-zone rows. Column names are snake_case for Glue and Athena;
// times are millisecond timestamps (UTC), null when unknown.

// ProfileRow is one person in the profiles dataset: the built-in traits
// and the segments the person is in.
type ProfileRow struct {
	PersonID           string     `parquet:"person_id"`
	Records            int64      `parquet:"records"`
	Sources            []string   `parquet:"sources,list"`
	FirstSeen          *time.Time `parquet:"first_seen,optional,timestamp(millisecond)"`
	LastSeen           *time.Time `parquet:"last_seen,optional,timestamp(millisecond)"`
	RecencyDays        *int64     `parquet:"recency_days,optional"`
	Frequency          int64      `parquet:"frequency"`
	IdentifiersDropped int64      `parquet:"identifiers_dropped"`
	Segments           []string   `parquet:"segments,list"`
	RunAt              time.Time  `parquet:"run_at,timestamp(millisecond)"`
}

// FieldRow is one surviving field value with its lineage (a UniqueList
// field has one row per item, Item counting from 0). Exactly one of the
// value columns is set, as Type says.
type FieldRow struct {
	PersonID       string     `parquet:"person_id"`
	Field          string     `parquet:"field,dict"`
	Item           int32      `parquet:"item"`
	Type           string     `parquet:"type,dict"`
	StringValue    *string    `parquet:"string_value,optional"`
	LongValue      *int64     `parquet:"long_value,optional"`
	DoubleValue    *float64   `parquet:"double_value,optional"`
	TimestampValue *time.Time `parquet:"timestamp_value,optional,timestamp(millisecond)"`
	BoolValue      *bool      `parquet:"bool_value,optional"`
	Rows           int64      `parquet:"rows"`
	Dropped        int64      `parquet:"dropped"`
	Source         string     `parquet:"source,dict"`
	RecordKey      string     `parquet:"record_key"`
	ObservedAt     *time.Time `parquet:"observed_at,optional,timestamp(millisecond)"`
}

// TraitRow is one trait value of a person: the Spec's traits and, named
// "records.<source>", the row count per source.
type TraitRow struct {
	PersonID       string     `parquet:"person_id"`
	Trait          string     `parquet:"trait,dict"`
	Type           string     `parquet:"type,dict"`
	StringValue    *string    `parquet:"string_value,optional"`
	LongValue      *int64     `parquet:"long_value,optional"`
	DoubleValue    *float64   `parquet:"double_value,optional"`
	TimestampValue *time.Time `parquet:"timestamp_value,optional,timestamp(millisecond)"`
	BoolValue      *bool      `parquet:"bool_value,optional"`
}

// IdentifierRow is one hashed identifier of a person, with the most recent
// row that carried it.
type IdentifierRow struct {
	PersonID   string     `parquet:"person_id"`
	Key        string     `parquet:"key,dict"`
	Value      string     `parquet:"value"`
	Keyed      bool       `parquet:"keyed"`
	Source     string     `parquet:"source,dict"`
	RecordKey  string     `parquet:"record_key"`
	ObservedAt *time.Time `parquet:"observed_at,optional,timestamp(millisecond)"`
}

// MemberRow is one person in one segment; the segment is the Hive
// partition (segment=<name>/).
type MemberRow struct {
	Segment  string    `parquet:"-"`
	PersonID string    `parquet:"person_id"`
	RunAt    time.Time `parquet:"run_at,timestamp(millisecond)"`
}

// RejectionRow is an input row a build did not use, with why (in the
// quarantine zone). No value of the row is kept.
type RejectionRow struct {
	Source    string    `parquet:"source,dict"`
	RecordKey string    `parquet:"record_key"`
	Reason    string    `parquet:"reason,dict"`
	RunAt     time.Time `parquet:"run_at,timestamp(millisecond)"`
}

// Datasets are the curated-zone datasets a Result is written to, and the
// quarantine-zone dataset of its rejected rows.
type Datasets struct {
	Profiles    *dataset.Dataset[ProfileRow]
	Fields      *dataset.Dataset[FieldRow]
	Traits      *dataset.Dataset[TraitRow]
	Identifiers *dataset.Dataset[IdentifierRow]
	Members     *dataset.Dataset[MemberRow]
	Rejections  *dataset.Dataset[RejectionRow]
}

// Dataset names under the prefix given to NewDatasets.
const (
	ProfilesName    = "profiles"
	FieldsName      = "profile_fields"
	TraitsName      = "profile_traits"
	IdentifiersName = "profile_identifiers"
	MembersName     = "segment_members"
	// RejectionsName is in the quarantine zone.
	RejectionsName = "profile_rejections"
)

// writeInput is the input name of every Write: a rerun replaces the
// previous run's files instead of adding to them.
const writeInput = "profile"

// NewDatasets describes the five curated-zone datasets under prefix
// ("" or e.g. "cdp/"): profiles, profile_fields (values with lineage),
// profile_traits, profile_identifiers and segment_members (partitioned by
// segment), and profile_rejections in the quarantine zone.
func NewDatasets(store *zones.Store, prefix string) (*Datasets, error) {
	var d Datasets
	var err error
	if d.Profiles, err = dataset.New[ProfileRow](store, zones.Curated, prefix+ProfilesName); err != nil {
		return nil, err
	}
	if d.Fields, err = dataset.New[FieldRow](store, zones.Curated, prefix+FieldsName); err != nil {
		return nil, err
	}
	if d.Traits, err = dataset.New[TraitRow](store, zones.Curated, prefix+TraitsName); err != nil {
		return nil, err
	}
	if d.Identifiers, err = dataset.New[IdentifierRow](store, zones.Curated, prefix+IdentifiersName, func(o *dataset.Options[IdentifierRow]) {
		o.Comments = map[string]string{"value": "SHA-256 hex digest of the normalized identifier (normalized value for MADID and EXTERN_ID)"}
	}); err != nil {
		return nil, err
	}
	if d.Members, err = dataset.New[MemberRow](store, zones.Curated, prefix+MembersName, func(o *dataset.Options[MemberRow]) {
		o.PartitionKeys = []string{"segment"}
		o.Partition = func(m MemberRow) []string { return []string{m.Segment} }
		o.SetPartition = func(m *MemberRow, v []string) { m.Segment = v[0] }
	}); err != nil {
		return nil, err
	}
	if d.Rejections, err = dataset.New[RejectionRow](store, zones.Quarantine, prefix+RejectionsName); err != nil {
		return nil, err
	}
	return &d, nil
}

// Written reports a Write, per dataset.
type Written struct {
	Profiles, Fields, Traits, Identifiers, Members, Rejections dataset.WriteResult
}

// Write writes r to the datasets in one pass over its profiles (the
// writers run concurrently and are joined before Write returns), then
// its memberships and its rejected rows.
// File names depend only on the content, so a rerun replaces the previous
// run's files and an unchanged rerun leaves identical files.
func (d *Datasets) Write(ctx context.Context, r *Result) (Written, error) {
	var w Written
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	runAt := r.b.o.RunAt
	pc := make(chan []ProfileRow, 4)
	fc := make(chan []FieldRow, 4)
	tc := make(chan []TraitRow, 4)
	ic := make(chan []IdentifierRow, 4)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	wg.Go(func() { w.Profiles, errs[0] = d.Profiles.Write(ctx, writeInput, drain(ctx, pc)) })
	wg.Go(func() { w.Fields, errs[1] = d.Fields.Write(ctx, writeInput, drain(ctx, fc)) })
	wg.Go(func() { w.Traits, errs[2] = d.Traits.Write(ctx, writeInput, drain(ctx, tc)) })
	wg.Go(func() { w.Identifiers, errs[3] = d.Identifiers.Write(ctx, writeInput, drain(ctx, ic)) })
	var perr error
	func() {
		defer close(pc)
		defer close(fc)
		defer close(tc)
		defer close(ic)
		for profs, err := range r.partitions(ctx) {
			if err != nil {
				perr = err
				cancel(err)
				return
			}
			var ps []ProfileRow
			var fs []FieldRow
			var ts []TraitRow
			var is []IdentifierRow
			for i := range profs {
				ps, fs, ts, is = appendRows(&profs[i], runAt, ps, fs, ts, is)
			}
			for _, send := range []func() bool{
				func() bool { return sendCh(ctx, pc, ps) }, func() bool { return sendCh(ctx, fc, fs) },
				func() bool { return sendCh(ctx, tc, ts) }, func() bool { return sendCh(ctx, ic, is) },
			} {
				if !send() {
					return
				}
			}
		}
	}()
	wg.Wait()
	if perr == nil {
		perr = errors.Join(errs[:4]...)
	}
	if perr != nil {
		return w, &Error{Op: "write", Err: perr}
	}
	var err error
	w.Members, err = d.Members.Write(ctx, writeInput, func(yield func(MemberRow, error) bool) {
		for m, err := range r.Memberships(ctx) {
			if !yield(MemberRow{Segment: m.Segment, PersonID: m.PersonID, RunAt: runAt}, err) || err != nil {
				return
			}
		}
	})
	if err != nil {
		return w, &Error{Op: "write", Err: err}
	}
	rej := make([]RejectionRow, len(r.rejected))
	for i, x := range r.rejected {
		rej[i] = RejectionRow{Source: x.Source, RecordKey: x.Key, Reason: x.Reason, RunAt: runAt}
	}
	if w.Rejections, err = d.Rejections.Write(ctx, writeInput, dataset.Slice(rej)); err != nil {
		return w, &Error{Op: "write", Err: err}
	}
	return w, nil
}

func sendCh[T any](ctx context.Context, c chan<- []T, v []T) bool {
	select {
	case c <- v:
		return true
	case <-ctx.Done():
		return false
	}
}

// drain adapts a channel of batches to a row stream; a cancelled ctx
// (the producer failed) ends it with the cause.
func drain[T any](ctx context.Context, c <-chan []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		defer func() {
			for range c {
			}
		}()
		for batch := range c {
			for _, v := range batch {
				if !yield(v, nil) {
					return
				}
			}
		}
		if err := context.Cause(ctx); err != nil {
			var zero T
			yield(zero, err)
		}
	}
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func appendRows(p *Profile, runAt time.Time, ps []ProfileRow, fs []FieldRow, ts []TraitRow, is []IdentifierRow) ([]ProfileRow, []FieldRow, []TraitRow, []IdentifierRow) {
	t := &p.Traits
	pr := ProfileRow{PersonID: p.PersonID, Records: int64(t.Records), FirstSeen: optTime(t.FirstSeen), LastSeen: optTime(t.LastSeen),
		Frequency: int64(t.Frequency), IdentifiersDropped: int64(p.IdentifiersDropped), Segments: p.Segments, RunAt: runAt}
	for _, s := range t.Sources {
		pr.Sources = append(pr.Sources, s.Source)
	}
	if t.RecencyDays >= 0 {
		d := int64(t.RecencyDays)
		pr.RecencyDays = &d
	}
	ps = append(ps, pr)
	for _, f := range p.Fields {
		if len(f.Items) > 0 {
			for i, it := range f.Items {
				fs = append(fs, fieldRow(p.PersonID, f.Name, int32(i), it.Value, it.Lineage, int64(f.Rows), int64(f.Dropped)))
			}
			continue
		}
		if f.Value.IsNull() {
			continue
		}
		fs = append(fs, fieldRow(p.PersonID, f.Name, 0, f.Value, f.Lineage, int64(f.Rows), 0))
	}
	for _, s := range t.Sources {
		ts = append(ts, traitRow(p.PersonID, "records."+s.Source, IntValue(int64(s.Rows))))
	}
	for _, c := range t.Custom {
		ts = append(ts, traitRow(p.PersonID, c.Name, c.Value))
	}
	for _, id := range p.Identifiers {
		is = append(is, IdentifierRow{PersonID: p.PersonID, Key: string(id.Key), Value: id.Value, Keyed: id.Keyed,
			Source: id.Lineage.Source, RecordKey: id.Lineage.RecordKey, ObservedAt: optTime(id.Lineage.ObservedAt)})
	}
	return ps, fs, ts, is
}

type typed struct {
	typ string
	s   *string
	l   *int64
	d   *float64
	t   *time.Time
	b   *bool
}

func typedOf(v Value) typed {
	var o typed
	if v.IsNull() {
		return o
	}
	o.typ = v.t.String()
	switch v.t {
	case String:
		s := v.s
		o.s = &s
	case Int:
		n := v.n
		o.l = &n
	case Float:
		f := v.f
		o.d = &f
	case Time:
		t := v.Time()
		o.t = &t
	case Bool:
		b := v.n != 0
		o.b = &b
	}
	return o
}

func fieldRow(id, name string, item int32, v Value, l Lineage, rows, dropped int64) FieldRow {
	t := typedOf(v)
	return FieldRow{PersonID: id, Field: name, Item: item, Type: t.typ, StringValue: t.s, LongValue: t.l, DoubleValue: t.d,
		TimestampValue: t.t, BoolValue: t.b, Rows: rows, Dropped: dropped, Source: l.Source, RecordKey: l.RecordKey, ObservedAt: optTime(l.ObservedAt)}
}

func traitRow(id, name string, v Value) TraitRow {
	t := typedOf(v)
	return TraitRow{PersonID: id, Trait: name, Type: t.typ, StringValue: t.s, LongValue: t.l, DoubleValue: t.d, TimestampValue: t.t, BoolValue: t.b}
}

// Table is one dataset described for the Glue Data Catalog.
type Table struct {
	// Name is the table name (the dataset name with '/' as '_').
	Name   string
	Schema catalog.Schema
	// Partitions are the partition values written (segment_members: one
	// per segment with members).
	Partitions [][]string
}

// Tables describes the datasets for catalog.Registrar.EnsureTable (and
// AddPartitions for the partitioned one); written is a Write's report,
// whose partitions are listed.
func (d *Datasets) Tables(written Written) []Table {
	conv := func(s dataset.Schema, desc string) catalog.Schema {
		cs := catalog.Schema{Location: s.Location, Compression: catalog.Compression(s.Compression), Description: desc, Parameters: s.Parameters}
		for _, c := range s.Columns {
			cs.Columns = append(cs.Columns, catalog.Column{Name: c.Name, Type: c.Type, Comment: c.Comment})
		}
		for _, c := range s.PartitionKeys {
			cs.PartitionKeys = append(cs.PartitionKeys, catalog.Column{Name: c.Name, Type: c.Type, Comment: c.Comment})
		}
		return cs
	}
	name := func(s dataset.Schema) string { return strings.ReplaceAll(s.Name, "/", "_") }
	var parts [][]string
	for _, p := range written.Members.Partitions {
		parts = append(parts, p.Values)
	}
	ps, fs, ts, is, ms := d.Profiles.Schema(), d.Fields.Schema(), d.Traits.Schema(), d.Identifiers.Schema(), d.Members.Schema()
	return []Table{
		{Name: name(ps), Schema: conv(ps, "cdpkit profile: one row per person (built-in traits, segments)")},
		{Name: name(fs), Schema: conv(fs, "cdpkit profile: surviving field values with lineage")},
		{Name: name(ts), Schema: conv(ts, "cdpkit profile: traits per person")},
		{Name: name(is), Schema: conv(is, "cdpkit profile: hashed identifiers per person")},
		{Name: name(ms), Schema: conv(ms, "cdpkit profile: segment memberships"), Partitions: parts},
	}
}

// Register ensures the database and the five tables in the Glue Data
// Catalog and adds segment_members' partitions. Unchanged tables and
// existing partitions are left alone, so a rerun writes nothing.
func (d *Datasets) Register(ctx context.Context, reg *catalog.Registrar, database string, written Written) error {
	if _, err := reg.EnsureDatabase(ctx, catalog.Database{Name: database}); err != nil {
		return &Error{Op: "register", Key: database, Err: err}
	}
	for _, t := range d.Tables(written) {
		if _, err := reg.EnsureTable(ctx, database, t.Name, t.Schema); err != nil {
			return &Error{Op: "register", Key: t.Name, Err: err}
		}
		if len(t.Partitions) > 0 {
			parts := make([]catalog.Partition, len(t.Partitions))
			for i, v := range t.Partitions {
				parts[i] = catalog.Partition{Values: v}
			}
			if _, err := reg.AddPartitions(ctx, database, t.Name, parts); err != nil {
				return &Error{Op: "register", Key: t.Name, Err: err}
			}
		}
	}
	return nil
}

// WriteWide writes one row per profile to a dataset of the caller's own
// row type (a wide table with a column per field, say), mapped by row, in
// the Result's order. Like Datasets.Write, a rerun replaces the previous
// files.
func WriteWide[P any](ctx context.Context, ds *dataset.Dataset[P], r *Result, row func(*Profile) P) (dataset.WriteResult, error) {
	wr, err := ds.Write(ctx, writeInput, func(yield func(P, error) bool) {
		for p, err := range r.Profiles(ctx) {
			if err != nil {
				var zero P
				yield(zero, err)
				return
			}
			if !yield(row(&p), nil) {
				return
			}
		}
	})
	if err != nil {
		return wr, &Error{Op: "write", Err: err}
	}
	return wr, nil
}
