package sqlengine

import (
	"encoding/csv"
	"errors"
	"io"
	"iter"
	"reflect"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
)

// WriteParquet writes rows with columns cols as one Parquet file (Snappy,
// every column optional) to w, with Glue/Athena's type mapping: string
// UTF8, integers INT32/INT64, double, float, boolean, date DATE,
// timestamp TIMESTAMP(MICROS), decimal as DOUBLE, binary BYTE_ARRAY. It
// writes in row groups of 128k rows, so memory stays flat.
func WriteParquet(w io.Writer, cols []Column, rows iter.Seq2[[]any, error]) error {
	g := orderedGroup{fields: make([]parquet.Field, len(cols))}
	norms := make([]string, len(cols))
	for i, c := range cols {
		_, norm, ok := sqliteType(c.Type)
		if !ok {
			return &Error{Op: "write", Kind: ErrTable, Message: "column " + strconv.Quote(c.Name) + ": unsupported type " + strconv.Quote(c.Type)}
		}
		norms[i] = norm
		var n parquet.Node
		switch norm {
		case "string":
			n = parquet.String()
		case "bigint":
			n = parquet.Int(64)
		case "int", "smallint", "tinyint":
			n = parquet.Int(32)
		case "double", "decimal":
			n = parquet.Leaf(parquet.DoubleType)
		case "float":
			n = parquet.Leaf(parquet.FloatType)
		case "boolean":
			n = parquet.Leaf(parquet.BooleanType)
		case "date":
			n = parquet.Date()
		case "timestamp":
			n = parquet.Timestamp(parquet.Microsecond)
		case "binary":
			n = parquet.Leaf(parquet.ByteArrayType)
		}
		g.fields[i] = field{Node: parquet.Optional(n), name: c.Name}
	}
	pw := parquet.NewWriter(w, parquet.NewSchema("result", g), parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(128<<10))
	batch := make([]parquet.Row, 0, 1024)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := pw.WriteRows(batch)
		batch = batch[:0]
		return err
	}
	for row, err := range rows {
		if err != nil {
			return err
		}
		if len(row) != len(cols) {
			return &Error{Op: "write", Kind: ErrTable, Message: strconv.Itoa(len(row)) + " values for " + strconv.Itoa(len(cols)) + " columns"}
		}
		pr := make(parquet.Row, len(cols))
		for i, v := range row {
			pv, err := parquetValue(v, norms[i])
			if err != nil {
				return &Error{Op: "write", Kind: ErrTable, Message: "column " + strconv.Quote(cols[i].Name) + ": " + err.Error()}
			}
			if pv.IsNull() {
				pr[i] = parquet.NullValue().Level(0, 0, i)
			} else {
				pr[i] = pv.Level(0, 1, i)
			}
		}
		batch = append(batch, pr)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return &Error{Op: "write", Err: err}
			}
		}
	}
	if err := flush(); err != nil {
		return &Error{Op: "write", Err: err}
	}
	if err := pw.Close(); err != nil {
		return &Error{Op: "write", Err: err}
	}
	return nil
}

func parquetValue(v any, norm string) (parquet.Value, error) {
	b, err := bindValue(v, norm)
	if err != nil || b == nil {
		return parquet.NullValue(), err
	}
	switch norm {
	case "string":
		return parquet.ByteArrayValue([]byte(b.(string))), nil
	case "bigint":
		return parquet.Int64Value(b.(int64)), nil
	case "int", "smallint", "tinyint":
		return parquet.Int32Value(int32(b.(int64))), nil
	case "double", "decimal":
		switch x := b.(type) {
		case int64:
			return parquet.DoubleValue(float64(x)), nil
		case float64:
			return parquet.DoubleValue(x), nil
		}
	case "float":
		switch x := b.(type) {
		case int64:
			return parquet.FloatValue(float32(x)), nil
		case float64:
			return parquet.FloatValue(float32(x)), nil
		}
	case "boolean":
		return parquet.BooleanValue(b.(int64) != 0), nil
	case "date":
		t, err := time.Parse(dateLayout, b.(string))
		if err != nil {
			return parquet.NullValue(), err
		}
		return parquet.Int32Value(int32(t.Unix() / 86400)), nil
	case "timestamp":
		t, err := time.Parse(timestampLayout, b.(string))
		if err != nil {
			return parquet.NullValue(), err
		}
		return parquet.Int64Value(t.UnixMicro()), nil
	case "binary":
		return parquet.ByteArrayValue(b.([]byte)), nil
	}
	return parquet.NullValue(), errors.New("unsupported value")
}

// orderedGroup is a Parquet group whose fields keep the given order
// (parquet.Group sorts them by name).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }

type field struct {
	parquet.Node
	name string
}

func (f field) Name() string                           { return f.name }
func (f field) Value(base reflect.Value) reflect.Value { return base }

// WriteCSV writes a header line and rows as CSV (RFC 4180) to w, as Clean
// Rooms writes CSV results: NULL as an empty field, booleans true/false,
// dates yyyy-mm-dd, timestamps yyyy-mm-dd hh:mm:ss[.ffffff].
func WriteCSV(w io.Writer, cols []Column, rows iter.Seq2[[]any, error]) error {
	cw := csv.NewWriter(w)
	rec := make([]string, len(cols))
	norms := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.Name
		_, norms[i], _ = sqliteType(c.Type)
	}
	if err := cw.Write(rec); err != nil {
		return &Error{Op: "write", Err: err}
	}
	for row, err := range rows {
		if err != nil {
			return err
		}
		if len(row) != len(cols) {
			return &Error{Op: "write", Kind: ErrTable, Message: strconv.Itoa(len(row)) + " values for " + strconv.Itoa(len(cols)) + " columns"}
		}
		for i, v := range row {
			rec[i] = formatTyped(v, norms[i])
		}
		if err := cw.Write(rec); err != nil {
			return &Error{Op: "write", Err: err}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return &Error{Op: "write", Err: err}
	}
	return nil
}

// FormatValue renders a value as text the way CSV results carry it.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.UTC().Format(dateLayout)
		}
		return x.UTC().Format(timestampLayout)
	case []byte:
		return string(x)
	}
	b, err := bindValue(v, "")
	if err != nil {
		return ""
	}
	return FormatValue(b)
}

func formatTyped(v any, norm string) string {
	if t, ok := v.(time.Time); ok {
		switch norm {
		case "date":
			return t.UTC().Format(dateLayout)
		case "timestamp":
			return t.UTC().Format(timestampLayout)
		}
	}
	return FormatValue(v)
}
