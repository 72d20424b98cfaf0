package c3r

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// parquetType maps a top-level Parquet column to its C3R type as the
// official client does; 0 if C3R does not support it (nested, repeated,
// INT96, unsigned, plain BYTE_ARRAY, DECIMAL and TIMESTAMP in this
// package).
func parquetType(f parquet.Field) Type {
	if !f.Leaf() || f.Repeated() {
		return 0
	}
	t := f.Type()
	var lt format.LogicalTypeValue
	if l := t.LogicalType(); l != nil {
		lt = l.Value
	}
	if ct := t.ConvertedType(); lt == nil && ct != nil {
		// Files with only the legacy converted type (DECIMAL on INT32
		// from older writers, for instance).
		switch *ct {
		case deprecated.UTF8:
			lt = &format.StringType{}
		case deprecated.Date:
			lt = &format.DateType{}
		case deprecated.Int16:
			lt = &format.IntType{BitWidth: 16, IsSigned: true}
		case deprecated.Int32:
			lt = &format.IntType{BitWidth: 32, IsSigned: true}
		case deprecated.Int64:
			lt = &format.IntType{BitWidth: 64, IsSigned: true}
		default:
			return 0
		}
	}
	switch t.Kind() {
	case parquet.ByteArray:
		if _, ok := lt.(*format.StringType); ok {
			return TypeString
		}
	case parquet.Boolean:
		if lt == nil {
			return TypeBoolean
		}
	case parquet.Int32:
		switch l := lt.(type) {
		case nil:
			return TypeInt
		case *format.DateType:
			return TypeDate
		case *format.IntType:
			if l.IsSigned && l.BitWidth == 32 {
				return TypeInt
			}
			if l.IsSigned && l.BitWidth == 16 {
				return TypeSmallInt
			}
		}
	case parquet.Int64:
		switch l := lt.(type) {
		case nil:
			return TypeBigInt
		case *format.IntType:
			if l.IsSigned && l.BitWidth == 64 {
				return TypeBigInt
			}
		}
	case parquet.Float:
		if lt == nil {
			return TypeFloat
		}
	case parquet.Double:
		if lt == nil {
			return TypeDouble
		}
	}
	return 0
}

// parquetNode is the output node of a column of type t (always optional).
func parquetNode(t Type) parquet.Node {
	var n parquet.Node
	switch t {
	case TypeBigInt:
		n = parquet.Int(64)
	case TypeInt:
		n = parquet.Int(32)
	case TypeSmallInt:
		n = parquet.Int(16)
	case TypeDate:
		n = parquet.Date()
	case TypeBoolean:
		n = parquet.Leaf(parquet.BooleanType)
	case TypeFloat:
		n = parquet.Leaf(parquet.FloatType)
	case TypeDouble:
		n = parquet.Leaf(parquet.DoubleType)
	default:
		n = parquet.String()
	}
	return parquet.Optional(n)
}

// parquetSource reads the top-level columns of a Parquet file.
type parquetSource struct {
	r    *parquet.GenericReader[any]
	hdr  []string
	typ  []Type
	col  []int // header column of each leaf column, -1 for none
	buf  []parquet.Row
	pos  int
	n    int
	row  []Value
	rows int64
}

// openParquet opens a Parquet file. Third-party parsing is guarded: a
// panic on a corrupt file becomes ErrInput.
func openParquet(r io.ReaderAt, size int64) (src *parquetSource, err error) {
	defer guard(&err, 0)
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, &Error{Op: "read", Kind: ErrInput, Err: err}
	}
	s := &parquetSource{r: parquet.NewGenericReader[any](f), buf: make([]parquet.Row, 256)}
	fields := f.Schema().Fields()
	for _, fl := range fields {
		s.hdr = append(s.hdr, fl.Name())
		s.typ = append(s.typ, parquetType(fl))
	}
	// Leaf indexes follow the schema's field order for flat schemas; a
	// nested column makes every later leaf index shift, so map by path.
	s.col = make([]int, len(f.Schema().Columns()))
	for i := range s.col {
		s.col[i] = -1
	}
	for i, fl := range fields {
		if lc, ok := f.Schema().Lookup(fl.Name()); ok && fl.Leaf() && lc.ColumnIndex < len(s.col) {
			s.col[lc.ColumnIndex] = i
		}
	}
	s.row = make([]Value, len(fields))
	return s, nil
}

func guard(err *error, row int64) {
	if r := recover(); r != nil {
		*err = &Error{Op: "read", Row: row, Kind: ErrInput, Err: detail("parquet: corrupt file")}
	}
}

func (s *parquetSource) header() []string { return s.hdr }
func (s *parquetSource) types() []Type    { return s.typ }

func (s *parquetSource) next() (row []Value, err error) {
	defer guard(&err, s.rows+1)
	if s.pos == s.n {
		for i := range s.buf {
			s.buf[i] = s.buf[i][:0]
		}
		n, err := s.r.ReadRows(s.buf)
		if n == 0 {
			if err == nil || err == io.EOF {
				return nil, io.EOF
			}
			return nil, &Error{Op: "read", Row: s.rows + 1, Kind: ErrInput, Err: err}
		}
		s.pos, s.n = 0, n
	}
	pr := s.buf[s.pos]
	s.pos++
	s.rows++
	for i := range s.row {
		s.row[i] = Value{Type: s.typ[i], Null: true}
	}
	for _, v := range pr {
		ci := v.Column()
		if ci < 0 || ci >= len(s.col) || s.col[ci] < 0 {
			continue
		}
		i := s.col[ci]
		if v.IsNull() || !s.typ[i].Valid() {
			continue
		}
		out := &s.row[i]
		out.Null = false
		switch s.typ[i] {
		case TypeString:
			out.Bytes = v.ByteArray()
		case TypeBoolean:
			out.Bool = v.Boolean()
		case TypeInt, TypeSmallInt, TypeDate:
			out.Int = int64(v.Int32())
		case TypeBigInt:
			out.Int = v.Int64()
		case TypeFloat:
			out.Float = float64(v.Float())
		case TypeDouble:
			out.Float = v.Double()
		}
	}
	return s.row, nil
}

// parquetSink writes optional top-level columns in the schema's order.
type parquetSink struct {
	w    *parquet.GenericWriter[any]
	cols []outCol
	leaf []int
	buf  []parquet.Row
}

// rowGroupRows bounds a row group, which the writer holds in memory until
// it is flushed.
const rowGroupRows = 100_000

// orderedGroup is a parquet.Group whose fields keep the schema's order
// (a plain Group sorts them by name).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }

func newOrderedGroup(cols []outCol) orderedGroup {
	g := orderedGroup{Group: parquet.Group{}}
	for _, c := range cols {
		g.Group[c.name] = parquetNode(c.typ)
	}
	byName := map[string]parquet.Field{}
	for _, f := range g.Group.Fields() {
		byName[f.Name()] = f
	}
	for _, c := range cols {
		g.fields = append(g.fields, byName[c.name])
	}
	return g
}

func newParquetSink(w io.Writer, cols []outCol) (*parquetSink, error) {
	schema := parquet.NewSchema("c3r", newOrderedGroup(cols))
	s := &parquetSink{cols: cols, leaf: make([]int, len(cols))}
	for i, c := range cols {
		lc, ok := schema.Lookup(c.name)
		if !ok {
			return nil, fmt.Errorf("c3r: column %q missing from the Parquet schema", c.name)
		}
		s.leaf[i] = lc.ColumnIndex
	}
	s.w = parquet.NewGenericWriter[any](w, schema, parquet.Compression(&snappy.Codec{}),
		parquet.CreatedBy("cdpkit-c3r", "", ""), parquet.MaxRowsPerRowGroup(rowGroupRows))
	return s, nil
}

func (s *parquetSink) write(row []Value) error {
	pr := make(parquet.Row, len(row))
	for i, v := range row {
		li := s.leaf[i]
		if v.Null {
			pr[li] = parquet.NullValue().Level(0, 0, li)
			continue
		}
		var pv parquet.Value
		switch s.cols[i].typ {
		case TypeBoolean:
			pv = parquet.BooleanValue(v.Bool)
		case TypeInt, TypeSmallInt, TypeDate:
			pv = parquet.Int32Value(int32(v.Int))
		case TypeBigInt:
			pv = parquet.Int64Value(v.Int)
		case TypeFloat:
			pv = parquet.FloatValue(float32(v.Float))
		case TypeDouble:
			pv = parquet.DoubleValue(v.Float)
		default:
			b := slices.Clone(v.Bytes)
			if b == nil {
				b = []byte(v.Text()) // a decrypted TIMESTAMP
			}
			pv = parquet.ByteArrayValue(b)
		}
		pr[li] = pv.Level(0, 1, li)
	}
	s.buf = append(s.buf, pr)
	if len(s.buf) == cap(s.buf) || len(s.buf) >= 1024 {
		return s.flush()
	}
	return nil
}

func (s *parquetSink) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.w.WriteRows(s.buf)
	s.buf = s.buf[:0]
	return err
}

func (s *parquetSink) close() error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.w.Close()
}

// EncryptParquet encrypts a Parquet file into dst as Parquet, in shuffled
// row order. Cleartext columns keep their Parquet type; fingerprint and
// sealed columns are strings. Supported column types: STRING, INT32
// (INT(32), INT(16), DATE), INT64, BOOLEAN, FLOAT, DOUBLE; a schema that
// uses another column is ErrType. Nothing is written to dst unless every
// row passes every check.
func (e *Encryptor) EncryptParquet(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, schema Schema, optFns ...func(*Options)) (Stats, error) {
	opts := e.callOptions(optFns)
	open := func(int) (source, error) { return openParquet(src, size) }
	return e.encrypt(ctx, schema, open, func(cols []outCol) (sink, error) {
		return newParquetSink(dst, cols)
	}, opts)
}
