package identity

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ArrowColumns is the former name of Columns, kept for existing callers.
type ArrowColumns = Columns

// Columns says which columns of a table make a Record: of an Arrow record
// batch (RecordsFromArrow) or of Go rows such as a zones/dataset's
// (RecordsFromRows).
type Columns struct {
	// SourceColumn names a string column holding the source; when empty,
	// Source is used for every row.
	SourceColumn string
	Source       string
	// KeyColumn names the string column holding the record key (required).
	KeyColumn string
	// TimeColumn optionally names a timestamp (any unit) or int64
	// (milliseconds since the epoch) column.
	TimeColumn string
	// Identifiers maps string column names to identifier kinds. Null and
	// empty cells are skipped.
	Identifiers map[string]string
}

type stringCol interface {
	IsNull(int) bool
	Value(int) string
}

// RecordsFromArrow adapts Arrow record batches to the record stream Resolve
// reads. The batches are not retained or released: each stays owned by the
// caller, and Resolve copies what it keeps before the next row is read.
// A batch missing a configured column, or with a column of an unsupported
// type, yields an error matching ErrInvalidInput.
func RecordsFromArrow(batches iter.Seq2[arrow.RecordBatch, error], cols ArrowColumns) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		idCols := make([]string, 0, len(cols.Identifiers))
		for c := range cols.Identifiers {
			idCols = append(idCols, c)
		}
		slices.Sort(idCols)
		var ids []Identifier
		for b, err := range batches {
			if err != nil {
				yield(Record{}, err)
				return
			}
			col := func(name string) (arrow.Array, error) {
				idx := b.Schema().FieldIndices(name)
				if len(idx) == 0 {
					return nil, invalid("arrow", name, "column not in batch")
				}
				return b.Column(idx[0]), nil
			}
			str := func(name string) (stringCol, error) {
				a, err := col(name)
				if err != nil {
					return nil, err
				}
				switch s := a.(type) {
				case *array.String:
					return s, nil
				case *array.LargeString:
					return s, nil
				case *array.StringView:
					return s, nil
				}
				return nil, invalid("arrow", name, fmt.Sprintf("column type %s is not a string type", a.DataType()))
			}
			if cols.KeyColumn == "" {
				yield(Record{}, invalid("arrow", "", "ArrowColumns.KeyColumn is required"))
				return
			}
			keys, err := str(cols.KeyColumn)
			if err != nil {
				yield(Record{}, err)
				return
			}
			var srcs stringCol
			if cols.SourceColumn != "" {
				if srcs, err = str(cols.SourceColumn); err != nil {
					yield(Record{}, err)
					return
				}
			}
			var timeAt func(int) time.Time
			if cols.TimeColumn != "" {
				a, err := col(cols.TimeColumn)
				if err != nil {
					yield(Record{}, err)
					return
				}
				switch t := a.(type) {
				case *array.Timestamp:
					conv, err := t.DataType().(*arrow.TimestampType).GetToTimeFunc()
					if err != nil {
						yield(Record{}, invalid("arrow", cols.TimeColumn, "unsupported timestamp type"))
						return
					}
					timeAt = func(i int) time.Time {
						if t.IsNull(i) {
							return time.Time{}
						}
						return conv(t.Value(i))
					}
				case *array.Int64:
					timeAt = func(i int) time.Time {
						if t.IsNull(i) {
							return time.Time{}
						}
						return time.UnixMilli(t.Value(i)).UTC()
					}
				default:
					yield(Record{}, invalid("arrow", cols.TimeColumn, fmt.Sprintf("column type %s is not a timestamp or int64", a.DataType())))
					return
				}
			}
			idc := make([]stringCol, len(idCols))
			kinds := make([]string, len(idCols))
			for j, c := range idCols {
				if idc[j], err = str(c); err != nil {
					yield(Record{}, err)
					return
				}
				kinds[j] = cols.Identifiers[c]
			}
			for i := range int(b.NumRows()) {
				r := Record{Source: cols.Source}
				if srcs != nil && !srcs.IsNull(i) {
					r.Source = srcs.Value(i)
				}
				if !keys.IsNull(i) {
					r.Key = keys.Value(i)
				}
				if timeAt != nil {
					r.Time = timeAt(i)
				}
				ids = ids[:0]
				for j, c := range idc {
					if c.IsNull(i) {
						continue
					}
					if v := c.Value(i); v != "" {
						ids = append(ids, Identifier{Kind: kinds[j], Value: v})
					}
				}
				r.Identifiers = ids
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}
