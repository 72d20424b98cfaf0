package identity

import (
	"context"
	"fmt"
	"iter"
	"path"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
)

// RecordsFromRows adapts rows of a Go struct type, such as a clean-zone
// dataset's (dataset.Rows), to the record stream Resolve reads, by the
// column names in cols. A column is a field's parquet tag name, or its Go
// field name (for partition fields tagged parquet:"-", which
// dataset.Options.SetPartition fills in). The key, source and identifier
// columns are string (or *string) fields; the time column a time.Time,
// *time.Time or int64 (milliseconds since the epoch) field. Empty and nil
// identifier values are skipped. A missing column or a field of another
// type yields an error matching ErrInvalidInput before any record.
func RecordsFromRows[T any](rows iter.Seq2[T, error], cols Columns) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		m, err := mapColumns(reflect.TypeFor[T](), cols)
		if err != nil {
			yield(Record{}, err)
			return
		}
		var ids []Identifier
		for row, err := range rows {
			if err != nil {
				yield(Record{}, err)
				return
			}
			v := reflect.ValueOf(&row).Elem()
			r := Record{Source: cols.Source, Key: m.key.str(v)}
			if m.source.index != nil {
				r.Source = m.source.str(v)
			}
			if m.time.index != nil {
				r.Time = m.time.time(v)
			}
			ids = ids[:0]
			for j, f := range m.ids {
				if s := f.str(v); s != "" {
					ids = append(ids, Identifier{Kind: m.kinds[j], Value: s})
				}
			}
			r.Identifiers = ids
			if !yield(r, nil) {
				return
			}
		}
	}
}

type field struct {
	index []int
	kind  reflect.Type
}

func (f field) str(v reflect.Value) string {
	fv, err := v.FieldByIndexErr(f.index)
	if err != nil {
		return ""
	}
	if fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			return ""
		}
		fv = fv.Elem()
	}
	return fv.String()
}

func (f field) time(v reflect.Value) time.Time {
	fv, err := v.FieldByIndexErr(f.index)
	if err != nil {
		return time.Time{}
	}
	if fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			return time.Time{}
		}
		fv = fv.Elem()
	}
	if fv.Kind() == reflect.Int64 {
		return time.UnixMilli(fv.Int()).UTC()
	}
	return fv.Interface().(time.Time)
}

type columnMap struct {
	key, source, time field
	ids               []field
	kinds             []string
}

func mapColumns(t reflect.Type, cols Columns) (columnMap, error) {
	var m columnMap
	if t.Kind() != reflect.Struct {
		return m, invalid("rows", t.String(), "rows must be structs")
	}
	if cols.KeyColumn == "" {
		return m, invalid("rows", "", "Columns.KeyColumn is required")
	}
	find := func(name string, time bool) (field, error) {
		for _, f := range reflect.VisibleFields(t) {
			if !f.IsExported() || len(f.Index) != 1 {
				continue
			}
			pq, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
			if pq != name && f.Name != name {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			ok := ft.Kind() == reflect.String
			if time {
				ok = ft == reflect.TypeFor[timeType]() || ft.Kind() == reflect.Int64
			}
			if !ok {
				want := "a string"
				if time {
					want = "a time.Time or int64"
				}
				return field{}, invalid("rows", name, fmt.Sprintf("field %s is %s, not %s", f.Name, f.Type, want))
			}
			return field{index: f.Index, kind: f.Type}, nil
		}
		return field{}, invalid("rows", name, "no field has this column name")
	}
	var err error
	if m.key, err = find(cols.KeyColumn, false); err != nil {
		return m, err
	}
	if cols.SourceColumn != "" {
		if m.source, err = find(cols.SourceColumn, false); err != nil {
			return m, err
		}
	}
	if cols.TimeColumn != "" {
		if m.time, err = find(cols.TimeColumn, true); err != nil {
			return m, err
		}
	}
	names := make([]string, 0, len(cols.Identifiers))
	for c := range cols.Identifiers {
		names = append(names, c)
	}
	slices.Sort(names)
	for _, c := range names {
		f, err := find(c, false)
		if err != nil {
			return m, err
		}
		m.ids = append(m.ids, f)
		m.kinds = append(m.kinds, cols.Identifiers[c])
	}
	return m, nil
}

type timeType = time.Time

// Output names the datasets WriteTo wrote.
type Output struct {
	// Assignments, Links, Persons, Audits and Stats are the results of
	// each dataset's write, under "<prefix>/assignments", "…/links",
	// "…/persons", "…/audits" and "…/stats".
	Assignments, Links, Persons, Audits, Stats dataset.WriteResult
}

// Dataset names under WriteTo's prefix.
const (
	DatasetAssignments = "assignments"
	DatasetLinks       = "links"
	DatasetPersons     = "persons"
	DatasetAudits      = "audits"
	DatasetStats       = "stats"
)

// WriteTo writes the five outputs as zones/dataset datasets (Glue-ready
// Parquet: register them with catalog.Registrar.RegisterDataset) under
// prefix in zone z of store: <prefix>/assignments, /links, /persons,
// /audits and /stats, each one file per run with a deterministic name, so
// a rerun replaces the previous output (the new file is in place before
// the old one is removed) and a failed run leaves it. It works on every
// zones backend (S3, a local directory, memory) and honours ctx.
func (res *Result) WriteTo(ctx context.Context, store *zones.Store, z zones.Zone, prefix string) (Output, error) {
	var out Output
	var err error
	if out.Assignments, err = writeDataset(ctx, store, z, prefix, DatasetAssignments, func(yield func(AssignmentRow, error) bool) {
		for a := range res.Assignments() {
			if !yield(AssignmentRow{Source: a.Record.Source, RecordKey: a.Record.Key, PersonID: a.Person}, nil) {
				return
			}
		}
	}); err != nil {
		return out, err
	}
	if out.Links, err = writeDataset(ctx, store, z, prefix, DatasetLinks, seq2(res.linkRows())); err != nil {
		return out, err
	}
	if out.Persons, err = writeDataset(ctx, store, z, prefix, DatasetPersons, seq2(res.personRows())); err != nil {
		return out, err
	}
	if out.Audits, err = writeDataset(ctx, store, z, prefix, DatasetAudits, seq2(res.auditRows())); err != nil {
		return out, err
	}
	out.Stats, err = writeDataset(ctx, store, z, prefix, DatasetStats, dataset.Slice(res.stats.StatRows()))
	return out, err
}

func seq2[T any](s iter.Seq[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v := range s {
			if !yield(v, nil) {
				return
			}
		}
	}
}

func writeDataset[T any](ctx context.Context, store *zones.Store, z zones.Zone, prefix, name string, rows iter.Seq2[T, error]) (dataset.WriteResult, error) {
	d, err := dataset.New[T](store, z, path.Join(prefix, name))
	if err != nil {
		return dataset.WriteResult{}, &Error{Op: "write", Key: name, Err: err}
	}
	res, err := d.Write(ctx, "identity", rows)
	if err != nil {
		return res, &Error{Op: "write", Key: name, Err: err}
	}
	return res, nil
}
