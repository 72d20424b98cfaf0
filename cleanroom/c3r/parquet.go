package c3r

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/cdpkit/cdpkit/internal/pqfile"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// parquetProto maps a top-level Parquet column to its C3R type as the
// official client does, with the metadata the column's values carry: a
// NULL of the column's type with DECIMAL precision and scale or
// TIMESTAMP unit and UTC flag set (the official client always seals them,
// even in NULLs). Type is 0 for a column C3R does not support, including a
// DECIMAL whose precision or scale Parquet does not allow. Unsupported:
// nested, repeated, INT96, unsigned, INT(8), TIME, plain BYTE_ARRAY or
// FIXED_LEN_BYTE_ARRAY, UUID, JSON, ENUM, ….
func parquetProto(f parquet.Field, binaryAsString bool) Value {
	if !f.Leaf() || f.Repeated() {
		return Value{}
	}
	t := f.Type()
	var lt format.LogicalTypeValue
	if l := t.LogicalType(); l != nil {
		lt = l.Value
	}
	if ct := t.ConvertedType(); lt == nil && ct != nil {
		// Files with only the legacy converted type.
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
			return Value{}
		}
	}
	is := func(t Type) Value { return Value{Type: t, Null: true} }
	if d, ok := lt.(*format.DecimalType); ok {
		switch t.Kind() {
		case parquet.Int32, parquet.Int64, parquet.ByteArray, parquet.FixedLenByteArray:
		default:
			return Value{}
		}
		v := Value{Type: TypeDecimal, Null: true, Precision: d.Precision, Scale: d.Scale, HasMeta: true}
		if !validDecimalMeta(v) {
			return Value{}
		}
		return v
	}
	switch t.Kind() {
	case parquet.ByteArray:
		if _, ok := lt.(*format.StringType); ok || (lt == nil && binaryAsString) {
			return is(TypeString)
		}
	case parquet.Boolean:
		if lt == nil {
			return is(TypeBoolean)
		}
	case parquet.Int32:
		switch l := lt.(type) {
		case nil:
			return is(TypeInt)
		case *format.DateType:
			return is(TypeDate)
		case *format.IntType:
			if l.IsSigned && l.BitWidth == 32 {
				return is(TypeInt)
			}
			if l.IsSigned && l.BitWidth == 16 {
				return is(TypeSmallInt)
			}
		}
	case parquet.Int64:
		switch l := lt.(type) {
		case nil:
			return is(TypeBigInt)
		case *format.IntType:
			if l.IsSigned && l.BitWidth == 64 {
				return is(TypeBigInt)
			}
		case *format.TimestampType:
			v := Value{Type: TypeTimestamp, Null: true, UTC: l.IsAdjustedToUTC, HasMeta: true}
			switch l.Unit.Value.(type) {
			case *format.MilliSeconds:
				v.Unit = Millis
			case *format.MicroSeconds:
				v.Unit = Micros
			case *format.NanoSeconds:
				v.Unit = Nanos
			default:
				return Value{}
			}
			return v
		}
	case parquet.Float:
		if lt == nil {
			return is(TypeFloat)
		}
	case parquet.Double:
		if lt == nil {
			return is(TypeDouble)
		}
	}
	return Value{}
}

// parquetNode is the output node of a column (always optional): the
// source column's own type for a cleartext column read from Parquet,
// otherwise the type of c.typ with c.meta's DECIMAL precision and scale or
// TIMESTAMP unit and UTC flag. DECIMALs are INT32 up to precision 9,
// INT64 up to 18, then FIXED_LEN_BYTE_ARRAY (BYTE_ARRAY beyond 38).
func parquetNode(c outCol) parquet.Node {
	if c.src != nil {
		return parquet.Optional(parquet.Leaf(c.src))
	}
	var n parquet.Node
	switch c.typ {
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
	case TypeTimestamp:
		u := map[TimeUnit]parquet.TimeUnit{Millis: parquet.Millisecond, Micros: parquet.Microsecond, Nanos: parquet.Nanosecond}[c.meta.Unit]
		n = parquet.TimestampAdjusted(u, c.meta.UTC)
	case TypeDecimal:
		p, s := int(c.meta.Precision), int(c.meta.Scale)
		switch {
		case p <= 9:
			n = parquet.Decimal(s, p, parquet.Int32Type)
		case p <= 18:
			n = parquet.Decimal(s, p, parquet.Int64Type)
		case p <= 38:
			n = parquet.Decimal(s, p, parquet.FixedLenByteArrayType(decimalBytesLen(c.meta.Precision)))
		default:
			n = parquet.Decimal(s, p, parquet.ByteArrayType)
		}
	default:
		n = parquet.String()
	}
	return parquet.Optional(n)
}

// validDecimalMeta reports whether a DECIMAL column with this precision
// and scale can be written to Parquet.
func validDecimalMeta(v Value) bool {
	return v.HasMeta && v.Precision >= 1 && v.Scale >= 0 && v.Scale <= v.Precision
}

// parquetSource reads the top-level columns of a Parquet file.
type parquetSource struct {
	r     *parquet.GenericReader[any]
	hdr   []string
	typ   []Type
	proto []Value        // each column's NULL with its metadata
	raw   []bool         // flat columns of TypeUnknown (copied as they are)
	dec   [][]byte       // each DECIMAL column's text buffer
	ptype []parquet.Type // each column's Parquet type
	col   []int          // header column of each leaf column, -1 for none
	buf   []parquet.Row
	pos   int
	n     int
	row   []Value
	rows  int64
}

// openParquet opens a Parquet file. Third-party parsing is guarded: a
// panic on a corrupt file becomes ErrInput.
func openParquet(r io.ReaderAt, size int64) (*parquetSource, error) {
	return openParquetOpts(r, size, Options{})
}

// openParquetOpts is openParquet with Options.ParquetBinaryAsString.
func openParquetOpts(r io.ReaderAt, size int64, o Options) (src *parquetSource, err error) {
	defer guard(&err, 0)
	f, err := pqfile.Open(r, size)
	if err != nil {
		return nil, &Error{Op: "read", Kind: ErrInput, Err: err}
	}
	s := &parquetSource{r: parquet.NewGenericReader[any](f), buf: make([]parquet.Row, 256)}
	fields := f.Schema().Fields()
	for _, fl := range fields {
		pv := parquetProto(fl, o.ParquetBinaryAsString)
		pv.Null = true // TypeUnknown's proto too
		s.hdr = append(s.hdr, fl.Name())
		s.typ = append(s.typ, pv.Type)
		s.proto = append(s.proto, pv)
		var pt parquet.Type
		if fl.Leaf() {
			pt = fl.Type()
		}
		s.ptype = append(s.ptype, pt)
		s.raw = append(s.raw, pv.Type == TypeUnknown && fl.Leaf() && !fl.Repeated())
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
	s.dec = make([][]byte, len(fields))
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
		s.row[i] = s.proto[i]
	}
	for _, v := range pr {
		ci := v.Column()
		if ci < 0 || ci >= len(s.col) || s.col[ci] < 0 {
			continue
		}
		i := s.col[ci]
		if v.IsNull() || (!s.typ[i].Valid() && !s.raw[i]) {
			continue
		}
		out := &s.row[i]
		out.Null = false
		switch s.typ[i] {
		case TypeUnknown:
			s.dec[i] = v.AppendBytes(s.dec[i][:0])
			out.Bytes = s.dec[i]
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
		case TypeTimestamp:
			out.Int = v.Int64()
		case TypeDecimal:
			var ok bool
			buf := s.dec[i][:0]
			switch v.Kind() {
			case parquet.Int32:
				buf, ok = decimalFromInt(buf, int64(v.Int32()), out.Precision, out.Scale)
			case parquet.Int64:
				buf, ok = decimalFromInt(buf, v.Int64(), out.Precision, out.Scale)
			default:
				buf, ok = decimalFromBytes(buf, v.ByteArray(), out.Precision, out.Scale)
			}
			s.dec[i], out.Bytes = buf, buf
			if !ok {
				return nil, newErr("read", normalize(s.hdr[i]), s.rows, ErrInput, "DECIMAL value has more digits than its column's precision, or no bytes")
			}
		}
	}
	return s.row, nil
}

// parquetSink writes optional top-level columns in the schema's order.
type parquetSink struct {
	w    *parquet.GenericWriter[any]
	cols []outCol
	leaf []int
	kind []parquet.Type // each column's written type
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
		g.Group[c.name] = parquetNode(c)
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
	s := &parquetSink{cols: cols, leaf: make([]int, len(cols)), kind: make([]parquet.Type, len(cols))}
	for i, c := range cols {
		lc, ok := schema.Lookup(c.name)
		if !ok {
			return nil, fmt.Errorf("c3r: column %q missing from the Parquet schema", c.name)
		}
		s.leaf[i] = lc.ColumnIndex
		s.kind[i] = lc.Node.Type()
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
		case TypeTimestamp:
			pv = parquet.Int64Value(v.Int)
		case TypeUnknown:
			var err error
			if pv, err = rawValue(s.kind[i], v.Bytes); err != nil {
				return err
			}
		case TypeDecimal:
			var err error
			if pv, err = decimalValue(v, s.cols[i].meta, s.kind[i]); err != nil {
				return err
			}
		default:
			pv = parquet.ByteArrayValue(slices.Clone(v.Bytes))
		}
		pr[li] = pv.Level(0, 1, li)
	}
	s.buf = append(s.buf, pr)
	if len(s.buf) == cap(s.buf) || len(s.buf) >= 1024 {
		return s.flush()
	}
	return nil
}

// rawValue rebuilds a TypeUnknown value of Parquet type t from its plain
// encoding.
func rawValue(t parquet.Type, b []byte) (pv parquet.Value, err error) {
	// Kind.Value checks the length of every fixed-size kind (and panics
	// when it is wrong); a FIXED_LEN_BYTE_ARRAY's length is the type's.
	if t.Kind() == parquet.FixedLenByteArray && len(b) != t.Length() {
		return pv, &Error{Kind: ErrType, Err: detail("a value does not fit its Parquet column")}
	}
	defer func() {
		if recover() != nil {
			err = &Error{Kind: ErrType, Err: detail("a value does not fit its Parquet column")}
		}
	}()
	return t.Kind().Value(bytes.Clone(b)), nil
}

// decimalValue is a DECIMAL's unscaled value in the column's physical
// type, at the column's precision and scale.
func decimalValue(v, col Value, t parquet.Type) (parquet.Value, error) {
	n, ok := decimalUnscaled(v.Bytes, col.Precision, col.Scale)
	if ok {
		switch t.Kind() {
		case parquet.Int32:
			if n.IsInt64() && n.Int64() == int64(int32(n.Int64())) {
				return parquet.Int32Value(int32(n.Int64())), nil
			}
		case parquet.Int64:
			if n.IsInt64() {
				return parquet.Int64Value(n.Int64()), nil
			}
		case parquet.FixedLenByteArray:
			if b, ok := twosComplement(n, t.Length()); ok {
				return parquet.FixedLenByteArrayValue(b), nil
			}
		case parquet.ByteArray:
			b, _ := twosComplement(n, 0)
			return parquet.ByteArrayValue(b), nil
		}
	}
	return parquet.Value{}, &Error{Kind: ErrType, Err: detail("a DECIMAL value does not fit its column's precision and scale")}
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
// (INT(32), INT(16), DATE), INT64, BOOLEAN, FLOAT, DOUBLE, DECIMAL and
// TIMESTAMP; a schema that uses another column is ErrType. Nothing is written to dst unless every
// row passes every check.
func (e *Encryptor) EncryptParquet(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, schema Schema, optFns ...func(*Options)) (Stats, error) {
	opts := e.callOptions(optFns)
	open := func(int) (source, error) { return openParquetOpts(src, size, opts) }
	return e.encrypt(ctx, schema, open, func(cols []outCol) (sink, error) {
		return newParquetSink(dst, cols)
	}, opts)
}
