package meta

import (
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"

	"github.com/cdpkit/cdpkit/hashing"
)

// HashedRows adapts the stream of hashing.Hasher.Rows to the Uploader's
// input. Values hashing rejected are already missing cells; report, when not
// nil, receives each row's number and hashing errors (key and reason, never
// the value) before the row is uploaded. A row left with no cell at all is
// rejected by the Uploader (ReasonEmptyRow).
//
// Use a Hasher with the Meta scheme: digests made under another scheme
// (HMAC) upload fine but never match.
func HashedRows(rows iter.Seq2[hashing.Row, error], report func(row int, errs []*hashing.Error)) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		for r, err := range rows {
			if err == nil && report != nil && len(r.Errs) > 0 {
				report(r.Number, r.Errs)
			}
			if !yield(r.Cells, err) {
				return
			}
		}
	}
}

// Rows adapts a slice of rows to the Uploader's input.
func Rows(rows [][]hashing.Cell) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Digests adapts rows of pre-hashed values in bulk, one string per key of
// schema in schema order, to the Uploader's input: hashed keys take a
// 64-digit hex SHA-256 digest, the others (MADID, LOOKALIKE_VALUE, …) their
// value, normalized here; "" is missing. A value that is neither is dropped
// from its row (a missing cell) and reported, when report is not nil, with
// its row number (1-based) and reason, never the value.
func Digests(schema Schema, rows [][]string, report func(row int, errs []*hashing.Error)) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		for i, vals := range rows {
			if len(vals) != len(schema) {
				yield(nil, &Error{Op: "digests", Kind: ErrInvalidInput, Err: fmt.Errorf("row %d has %d values for a schema of %d keys", i+1, len(vals), len(schema))})
				return
			}
			cells := make([]hashing.Cell, len(schema))
			var errs []*hashing.Error
			for j, k := range schema {
				cells[j], errs = cellOf(k, vals[j], i+1, errs)
			}
			if report != nil && len(errs) > 0 {
				report(i+1, errs)
			}
			if !yield(cells, nil) {
				return
			}
		}
	}
}

// cellOf makes k's cell from a digest (hashed keys) or a value (others),
// or a missing cell with the error appended to errs.
func cellOf(k hashing.Key, v string, row int, errs []*hashing.Error) (hashing.Cell, []*hashing.Error) {
	var (
		c   hashing.Cell
		err error
	)
	if k.Hashed() {
		c, err = hashing.CellFromDigest(k, v)
	} else if v != "" {
		c, err = hashing.HashCell(k, v)
	} else {
		c = hashing.Missing(k)
	}
	if err != nil {
		var he *hashing.Error
		if errors.As(err, &he) {
			e := *he
			e.Row = row
			errs = append(errs, &e)
		}
		return hashing.Missing(k), errs
	}
	return c, errs
}

// DigestRows adapts rows of a Go struct type holding pre-hashed values,
// such as a curated zones/dataset's (dataset.Rows, or dataset.Slice of a
// slice), to the Uploader's input. cols names, per key, the column holding
// its digest (or, for unhashed keys, its value): a field's parquet tag name
// or its Go field name, of type string or *string. Cells follow Digests'
// rules; the schema is cols' keys in the order of schema. A missing column
// or a field of another type yields an error matching ErrInvalidInput
// before any row.
func DigestRows[T any](schema Schema, rows iter.Seq2[T, error], cols map[hashing.Key]string, report func(row int, errs []*hashing.Error)) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		t := reflect.TypeFor[T]()
		idx := make([][]int, len(schema))
		for j, k := range schema {
			col, ok := cols[k]
			if !ok {
				continue // a key of the schema this input does not have
			}
			f, err := stringField(t, col)
			if err != nil {
				yield(nil, &Error{Op: "digest rows", Kind: ErrInvalidInput, Err: err})
				return
			}
			idx[j] = f
		}
		for k := range cols {
			if !slices.Contains(schema, k) {
				yield(nil, &Error{Op: "digest rows", Kind: ErrInvalidInput, Err: fmt.Errorf("column for %s, which is not in the schema", k)})
				return
			}
		}
		n := 0
		for row, err := range rows {
			if err != nil {
				yield(nil, err)
				return
			}
			n++
			v := reflect.ValueOf(&row).Elem()
			cells := make([]hashing.Cell, len(schema))
			var errs []*hashing.Error
			for j, k := range schema {
				s := ""
				if idx[j] != nil {
					fv := v.FieldByIndex(idx[j])
					if fv.Kind() == reflect.Pointer {
						if !fv.IsNil() {
							s = fv.Elem().String()
						}
					} else {
						s = fv.String()
					}
				}
				cells[j], errs = cellOf(k, s, n, errs)
			}
			if report != nil && len(errs) > 0 {
				report(n, errs)
			}
			if !yield(cells, nil) {
				return
			}
		}
	}
}

// stringField finds the string or *string field of struct type t whose
// parquet tag name or Go name is col.
func stringField(t reflect.Type, col string) ([]int, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("rows of %s are not structs", t)
	}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || len(f.Index) != 1 {
			continue
		}
		pq, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		if pq != col && f.Name != col {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() != reflect.String {
			return nil, fmt.Errorf("column %q: field %s is %s, not a string", col, f.Name, f.Type)
		}
		return f.Index, nil
	}
	return nil, fmt.Errorf("column %q: no field has this name", col)
}
