package cleanroomtest

import (
	"bytes"
	"context"
	"strings"

	"github.com/cdpkit/cdpkit/internal/sqlengine"
	"github.com/cdpkit/cdpkit/zones"
)

// Column is a column of a table's data: its name and Glue type (string,
// bigint, int, double, float, boolean, date, timestamp, decimal(p,s),
// binary).
type Column struct {
	Name string
	Type string
}

// TableData is the content of a Glue table that protected queries read.
// Give exactly one source: Rows (with Columns), Parquet files, or the
// Parquet objects under Prefix in Zone of Store (a table location).
//
// Row values are Go values of the column's type: string, int64 (or a
// smaller Go integer), float64, bool, time.Time (date and timestamp),
// []byte, or nil for NULL.
type TableData struct {
	Columns []Column
	Rows    [][]any
	// Parquet holds whole Parquet files with a flat schema.
	Parquet [][]byte
	// Store, Zone and Prefix name a table location in a lake.
	Store  *zones.Store
	Zone   zones.Zone
	Prefix string
}

type dataKey struct{ account, database, table string }

// SetTableData gives the Glue table database.table of the caller's account
// its content. Protected queries read it through any configured table
// that references it; a query naming a table without data fails.
func (f *CleanRooms) SetTableData(database, table string, d TableData) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data[dataKey{f.account, strings.ToLower(database), strings.ToLower(table)}] = d
}

// engineTable builds the engine's table named alias from d, keeping only
// the allowed columns (the others do not exist for a query, as on the
// service).
func engineTable(ctx context.Context, alias string, d TableData, allowed []string) (sqlengine.Table, error) {
	var t sqlengine.Table
	switch {
	case d.Store != nil:
		var err error
		if t, err = sqlengine.StoreTable(ctx, alias, d.Store, d.Zone, d.Prefix); err != nil {
			return t, err
		}
	case len(d.Parquet) > 0:
		cols, _, err := sqlengine.ReadParquet(bytes.NewReader(d.Parquet[0]), int64(len(d.Parquet[0])))
		if err != nil {
			return t, err
		}
		files := d.Parquet
		t = sqlengine.Table{Name: alias, Columns: cols, Rows: func(yield func([]any, error) bool) {
			for _, file := range files {
				_, rows, err := sqlengine.ReadParquet(bytes.NewReader(file), int64(len(file)))
				if err != nil {
					yield(nil, err)
					return
				}
				for r, err := range rows {
					if !yield(r, err) || err != nil {
						return
					}
				}
			}
		}}
	default:
		cols := make([]sqlengine.Column, len(d.Columns))
		for i, c := range d.Columns {
			cols[i] = sqlengine.Column{Name: c.Name, Type: c.Type}
		}
		t = sqlengine.Table{Name: alias, Columns: cols, Rows: sqlengine.RowsOf(d.Rows)}
	}
	return project(t, allowed), nil
}

// project keeps the allowed columns of t.
func project(t sqlengine.Table, allowed []string) sqlengine.Table {
	keep := map[string]bool{}
	for _, a := range allowed {
		keep[strings.ToLower(a)] = true
	}
	var idx []int
	var cols []sqlengine.Column
	for i, c := range t.Columns {
		if keep[strings.ToLower(c.Name)] {
			idx = append(idx, i)
			cols = append(cols, c)
		}
	}
	if len(idx) == len(t.Columns) {
		return t
	}
	rows := t.Rows
	return sqlengine.Table{Name: t.Name, Columns: cols, Rows: func(yield func([]any, error) bool) {
		for r, err := range rows {
			if err != nil {
				yield(nil, err)
				return
			}
			out := make([]any, len(idx))
			for j, i := range idx {
				if i < len(r) {
					out[j] = r[i]
				}
			}
			if !yield(out, nil) {
				return
			}
		}
	}}
}
