package c3r

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// writeParquet writes one optional column per node with the given rows
// (nil is NULL), in the order given.
func writeParquet(t testing.TB, names []string, nodes []parquet.Node, rows [][]any) []byte {
	t.Helper()
	cols := make([]outCol, len(names))
	for i, n := range names {
		cols[i] = outCol{name: n, src: nodes[i].Type()}
	}
	var buf bytes.Buffer
	schema := parquet.NewSchema("t", newOrderedGroup(cols))
	w := parquet.NewGenericWriter[any](&buf, schema)
	for _, r := range rows {
		pr := make(parquet.Row, len(r))
		for i, v := range r {
			var pv parquet.Value
			switch v := v.(type) {
			case nil:
				pr[i] = parquet.NullValue().Level(0, 0, i)
				continue
			case int32:
				pv = parquet.Int32Value(v)
			case int64:
				pv = parquet.Int64Value(v)
			case deprecated.Int96:
				pv = parquet.Int96Value(v)
			case []byte:
				if nodes[i].Type().Kind() == parquet.FixedLenByteArray {
					pv = parquet.FixedLenByteArrayValue(v)
				} else {
					pv = parquet.ByteArrayValue(v)
				}
			}
			pr[i] = pv.Level(0, 1, i)
		}
		if _, err := w.WriteRows([]parquet.Row{pr}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func dec(scale, precision int, t parquet.Type) parquet.Node {
	return parquet.Decimal(scale, precision, t)
}

// TestTypedEncodingVectors: DECIMAL and TIMESTAMP values read from
// Parquet encode (the plaintext a sealed cell carries) byte for byte as
// the official client's ValueConverter encodes them. The expected bytes
// were derived by running the client's own calls (BigDecimal with the
// column's MathContext, toPlainString, ByteBuffer) on JDK 17; aws/c3r
// publishes no sealed DECIMAL or TIMESTAMP vector.
func TestTypedEncodingVectors(t *testing.T) {
	cases := []struct {
		node parquet.Node
		in   any
		hex  string
	}{
		{dec(2, 9, parquet.Int32Type), int32(12345), "0c00000009000000023132332e3435"},
		{dec(2, 9, parquet.Int32Type), int32(-5), "0c00000009000000022d302e3035"},
		{dec(2, 9, parquet.Int32Type), int32(0), "0c0000000900000002302e3030"},
		{dec(2, 5, parquet.Int32Type), int32(100), "0c0000000500000002312e3030"},
		{dec(0, 3, parquet.Int32Type), int32(7), "0c000000030000000037"},
		{dec(18, 18, parquet.Int64Type), int64(-1), "0c0000001200000012" + hex.EncodeToString([]byte("-0.000000000000000001"))},
		{dec(12, 20, parquet.FixedLenByteArrayType(3)), []byte{0xff, 0xff, 0xfe}, "0c000000140000000c2d302e303030303030303030303032"},
		{dec(12, 20, parquet.ByteArrayType), []byte{0xff, 0xff, 0xfe}, "0c000000140000000c2d302e303030303030303030303032"},
		{dec(2, 9, parquet.Int32Type), nil, "0d0000000900000002"},
		{parquet.TimestampAdjusted(parquet.Microsecond, false), int64(1695183202), "16000000000100000000650a7162"},
		{parquet.TimestampAdjusted(parquet.Millisecond, true), int64(1700000000123), "1601000000000000018bcfe5687b"},
		{parquet.TimestampAdjusted(parquet.Nanosecond, true), nil, "170100000002"},
	}
	for _, c := range cases {
		data := writeParquet(t, []string{"c"}, []parquet.Node{c.node}, [][]any{{c.in}})
		src, err := openParquet(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		row, err := src.next()
		if err != nil {
			t.Fatalf("%v: %v", c.node.Type(), err)
		}
		if got := hex.EncodeToString(appendEncoded(nil, row[0])); got != c.hex {
			t.Errorf("%v %v: encoded %s, want %s", c.node.Type(), c.in, got, c.hex)
		}
		// The encoding decodes back to the same value.
		back, err := decodeValue(appendEncoded(nil, row[0]))
		if err != nil || !sameValue(back, row[0]) || !back.HasMeta {
			t.Errorf("%v: decode: %v", c.node.Type(), err)
		}
	}
}

// TestTimestampText: decrypted TIMESTAMPs render as the official client
// writes them to CSV (JDK 17 outputs of its DateTimeFormatter).
func TestTimestampText(t *testing.T) {
	cases := []struct {
		v    int64
		unit TimeUnit
		want string
	}{
		{1700000000123, Millis, "2023-11-14 22:13:20.123000"},
		{1695183202, Micros, "1970-01-01 00:28:15.183202"},
		{-446774400000000, Micros, "1955-11-05 00:00:00.000000"},
		{1700000000123456789, Nanos, "2023-11-14 22:13:20.123456"},
		{-1, Millis, "1969-12-31 23:59:59.999000"},
		{253402300800000, Millis, "+10000-01-01 00:00:00.000000"},
		{-62167219200000, Millis, "0001-01-01 00:00:00.000000"}, // year 0 is 1 BCE: year of era 1
	}
	for _, c := range cases {
		v := Value{Type: TypeTimestamp, Int: c.v, Unit: c.unit, UTC: true, HasMeta: true}
		if got := v.Text(); got != c.want {
			t.Errorf("%d %d: %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

// TestDecimalConversions checks the Parquet ↔ text conversions against
// math/big on many values, every physical type and scale.
func TestDecimalConversions(t *testing.T) {
	vals := []string{"0", "1", "-1", "5", "-5", "99", "-100", "123456789", "-999999999", "2147483647", "-2147483648",
		"9223372036854775807", "-9223372036854775808", "12345678901234567890", "-99999999999999999999999999999999999999"}
	for _, s := range vals {
		n, _ := new(big.Int).SetString(s, 10)
		for _, scale := range []int32{0, 1, 2, 9, 18, 38} {
			precision := max(int32(len(strings.TrimPrefix(s, "-"))), scale, 1)
			want := new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)).FloatString(int(scale))
			b, ok := twosComplement(n, 0)
			if !ok {
				t.Fatal("twosComplement")
			}
			text, ok := decimalFromBytes(nil, b, precision, scale)
			if !ok || string(text) != want {
				t.Errorf("%s scale %d: %q, want %q", s, scale, text, want)
			}
			if n.IsInt64() {
				text, ok := decimalFromInt(nil, n.Int64(), precision, scale)
				if !ok || string(text) != want {
					t.Errorf("int %s scale %d: %q, want %q", s, scale, text, want)
				}
			}
			back, ok := decimalUnscaled(text, precision, scale)
			if !ok || back.Cmp(n) != 0 {
				t.Errorf("%s scale %d: text does not parse back", s, scale)
			}
			if !decimalFits(precision, scale, text) {
				t.Errorf("%s scale %d: does not fit its own column", s, scale)
			}
			if digits := int32(len(strings.TrimPrefix(s, "-"))); n.Sign() != 0 {
				if _, ok := decimalFromBytes(nil, b, digits-1, scale); ok {
					t.Errorf("%s: more digits than precision %d accepted", s, digits-1)
				}
			}
		}
	}
	// Fewer fraction digits are padded; more are refused.
	if n, ok := decimalUnscaled([]byte("1.5"), 5, 3); !ok || n.Int64() != 1500 {
		t.Error("1.5 at scale 3")
	}
	if _, ok := decimalUnscaled([]byte("1.2345"), 9, 3); ok {
		t.Error("1.2345 at scale 3 accepted")
	}
	if _, ok := decimalFromBytes(nil, nil, 9, 2); ok {
		t.Error("empty unscaled bytes accepted")
	}
	// FIXED_LEN_BYTE_ARRAY sizes Parquet writers use.
	for p, want := range map[int32]int{1: 1, 2: 1, 3: 2, 9: 4, 10: 5, 18: 8, 19: 9, 20: 9, 38: 16} {
		if got := decimalBytesLen(p); got != want {
			t.Errorf("precision %d: %d bytes, want %d", p, got, want)
		}
	}
}

// TestDecimalTooManyDigits: an unscaled value with more digits than its
// column's precision is refused, naming column and row but no value (the
// official client rounds it silently).
func TestDecimalTooManyDigits(t *testing.T) {
	data := writeParquet(t, []string{"id", "amount"}, []parquet.Node{parquet.Int(64), dec(2, 3, parquet.Int32Type)},
		[][]any{{int64(1), int32(999)}, {int64(2), int32(12345)}})
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, LowAssurance(), func(o *Options) { o.TempDir = t.TempDir() })
	var out bytes.Buffer
	_, err := e.EncryptParquet(t.Context(), &out, bytes.NewReader(data), int64(len(data)),
		Schema{Columns: []Column{{Source: "id", Type: Cleartext}, {Source: "amount", Type: Sealed}}})
	var ce *Error
	if !errors.Is(err, ErrInput) || !errors.As(err, &ce) || ce.Column != "amount" || ce.Row != 2 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "12345") || strings.Contains(err.Error(), "123.45") {
		t.Error("error shows the value")
	}
	if out.Len() != 0 {
		t.Error("output written")
	}
}

// TestTypedParquetRoundTrip: DECIMALs on every physical type and
// TIMESTAMPs of every unit, sealed (NULLs sealed too) and cleartext,
// decrypt to typed Parquet columns of the same precision, scale, unit and
// UTC flag, with the same unscaled values; cleartext columns keep their
// exact Parquet type; CSV decryption renders the client's text.
func TestTypedParquetRoundTrip(t *testing.T) {
	names := []string{"id", "d32", "d64", "dfl", "dba", "tms", "tns"}
	nodes := []parquet.Node{parquet.Int(64), dec(2, 9, parquet.Int32Type), dec(4, 18, parquet.Int64Type),
		dec(12, 20, parquet.FixedLenByteArrayType(9)), dec(0, 25, parquet.ByteArrayType),
		parquet.TimestampAdjusted(parquet.Millisecond, true), parquet.TimestampAdjusted(parquet.Nanosecond, false)}
	big25, _ := new(big.Int).SetString("-9999999999999999999999999", 10)
	b25, _ := twosComplement(big25, 0)
	fl := func(v int64) []byte { b, _ := twosComplement(big.NewInt(v), 9); return b }
	rows := [][]any{
		{int64(0), int32(12345), int64(-1), fl(-2), b25, int64(1700000000123), int64(-1)},
		{int64(1), nil, nil, nil, nil, nil, nil},
		{int64(2), int32(-999999999), int64(999999999999999999), fl(123456789012345), []byte{0x00}, int64(-1), int64(1695183202000)},
	}
	data := writeParquet(t, names, nodes, rows)
	src, _ := openParquet(bytes.NewReader(data), int64(len(data)))
	want := readAll(src)
	for _, preserve := range []bool{true, false} {
		settings := LowAssurance()
		settings.PreserveNulls = preserve
		e, _ := NewEncryptor(sampleSecret(t), sampleSalt, settings, func(o *Options) { o.TempDir = t.TempDir() })
		schema := Schema{Columns: []Column{{Source: "id", Type: Cleartext}}}
		for _, n := range names[1:] {
			schema.Columns = append(schema.Columns, Column{Source: n, Type: Sealed, Pad: Pad{PadMax, 3}}, Column{Source: n, Type: Cleartext})
		}
		var enc bytes.Buffer
		st, err := e.EncryptParquet(t.Context(), &enc, bytes.NewReader(data), int64(len(data)), schema)
		if err != nil {
			t.Fatal(err)
		}
		// Cleartext columns keep the input's Parquet type exactly.
		ef, _ := parquet.OpenFile(bytes.NewReader(enc.Bytes()), int64(enc.Len()))
		for i, n := range names[1:] {
			f := ef.Schema().Fields()[2+2*i]
			if f.Name() != n || f.Type().String() != nodes[1+i].Type().String() || f.Type().Kind() != nodes[1+i].Type().Kind() {
				t.Errorf("cleartext %s is %v, want %v", n, f.Type(), nodes[1+i].Type())
			}
		}
		if st.Output[1].Type != TypeString || st.Output[2].Type != TypeDecimal || st.Output[2].Precision != 9 || st.Output[2].Scale != 2 {
			t.Errorf("stats output: %+v", st.Output[:3])
		}
		d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
		var dec bytes.Buffer
		if _, err := d.DecryptParquet(t.Context(), &dec, bytes.NewReader(enc.Bytes()), int64(enc.Len())); err != nil {
			t.Fatal(err)
		}
		df, _ := parquet.OpenFile(bytes.NewReader(dec.Bytes()), int64(dec.Len()))
		for i, n := range names[1:] {
			f := df.Schema().Fields()[1+2*i]
			wantType := parquetNode(outCol{typ: want[0][1+i].Type, meta: want[0][1+i]}).Type()
			if f.Name() != n+"_sealed" || f.Type().String() != wantType.String() {
				t.Errorf("decrypted %s is %v %v, want %v", f.Name(), f.Type(), f.Type().Kind(), wantType)
			}
		}
		out, err := openParquet(bytes.NewReader(dec.Bytes()), int64(dec.Len()))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for {
			r, err := out.next()
			if err != nil {
				break
			}
			got++
			w := want[r[0].Int]
			for i := range names[1:] {
				for _, v := range []Value{r[1+2*i], r[2+2*i]} {
					if !sameValue(v, w[1+i]) {
						t.Errorf("row %d %s: differs", r[0].Int, names[1+i])
					}
				}
			}
		}
		if got != len(rows) {
			t.Fatalf("%d rows", got)
		}
		// CSV: the client's text.
		var csvOut bytes.Buffer
		if _, err := d.DecryptCSV(t.Context(), &csvOut, encryptToCSV(t, e, data, schema)); err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{"123.45", "-0.000000000002", "-9999999999999999999999999", "2023-11-14 22:13:20.123000", "1969-12-31 23:59:59.999999", "-9999999.99", "0"} {
			if !strings.Contains(csvOut.String(), line) {
				t.Errorf("decrypted CSV lacks %q", line)
			}
		}
	}
}

func encryptToCSV(t *testing.T, e *Encryptor, data []byte, schema Schema) *bytes.Reader {
	t.Helper()
	var out bytes.Buffer
	if _, err := e.Encrypt(t.Context(), &out, CSV, Input{Parquet, bytes.NewReader(data), int64(len(data))}, schema); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(out.Bytes())
}

// readAll reads the rest of src, each row cloned.
func readAll(src *parquetSource) [][]Value {
	var rows [][]Value
	for {
		r, err := src.next()
		if err != nil {
			return rows
		}
		rows = append(rows, cloneRow(r))
	}
}

func cloneRow(r []Value) []Value {
	out := make([]Value, len(r))
	for i, v := range r {
		v.Bytes = bytes.Clone(v.Bytes)
		out[i] = v
	}
	return out
}

// TestDecodeChecksLikeTheClient: a sealed DECIMAL outside its precision
// and scale, or a VARCHAR longer than its maximum (in UTF-16 units, as
// Java counts), is malformed, as the official client's decoder says.
func TestDecodeChecksLikeTheClient(t *testing.T) {
	bad := []Value{
		{Type: TypeDecimal, Bytes: []byte("123.45"), Precision: 4, Scale: 2, HasMeta: true},
		{Type: TypeDecimal, Bytes: []byte("1.234"), Precision: 9, Scale: 2, HasMeta: true},
		{Type: TypeDecimal, Bytes: []byte("1.5"), Precision: 9, Scale: 0, HasMeta: true},
		{Type: TypeVarchar, Bytes: []byte("😀😀"), MaxLength: 3, HasMeta: true},
	}
	for _, v := range bad {
		if _, err := decodeValue(appendEncoded(nil, v)); err == nil {
			t.Errorf("%v %d/%d accepted", v.Type, v.Precision, v.Scale)
		}
	}
	good := []Value{
		{Type: TypeDecimal, Bytes: []byte("0.05"), Precision: 1, Scale: 2, HasMeta: true},
		{Type: TypeDecimal, Bytes: []byte("1.5"), Precision: 9, Scale: 2, HasMeta: true},
		{Type: TypeVarchar, Bytes: []byte("😀😀"), MaxLength: 4, HasMeta: true},
	}
	for _, v := range good {
		if _, err := decodeValue(appendEncoded(nil, v)); err != nil {
			t.Errorf("%v rejected: %v", v.Type, err)
		}
	}
}

// TestHostileParquetTail: a file whose tail claims a 4 GiB footer is
// ErrInput at once, without allocating for the claim.
func TestHostileParquetTail(t *testing.T) {
	data := writeTyped(t, typedRows(2, false))
	binary.LittleEndian.PutUint32(data[len(data)-8:], 0xfffffff0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
	_, err := d.DecryptParquet(t.Context(), io.Discard, bytes.NewReader(data), int64(len(data)))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInput) {
		t.Fatalf("err = %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("allocated %d MiB", grew>>20)
	}
}

func TestCatalogSchemaTypedColumns(t *testing.T) {
	s := CatalogSchema([]OutputColumn{{Name: "amount", Type: TypeDecimal, Kind: Cleartext, Precision: 9, Scale: 2},
		{Name: "at", Type: TypeTimestamp, Kind: Cleartext}, {Name: "amount_sealed", Type: TypeString, Kind: Sealed}}, "s3://b/t/")
	for i, want := range []string{"decimal(9,2)", "timestamp", "string"} {
		if s.Columns[i].Type != want {
			t.Errorf("%s: %s, want %s", s.Columns[i].Name, s.Columns[i].Type, want)
		}
	}
}

// TestUnknownTypesAreCleartextOnly: columns C3R has no type for (plain
// binary, FIXED_LEN_BYTE_ARRAY, INT96, unsigned and 8-bit integers, TIME)
// are copied as cleartext with their exact Parquet type and bytes, also
// through the spill and through decryption, as the official client copies
// them; sealing or fingerprinting one is ErrType, and so is writing one to
// CSV. With ParquetBinaryAsString plain binary is a STRING and seals.
func TestUnknownTypesAreCleartextOnly(t *testing.T) {
	names := []string{"id", "bin", "flba", "i96", "u32", "i8", "tm"}
	nodes := []parquet.Node{parquet.Int(64), parquet.Leaf(parquet.ByteArrayType), parquet.Leaf(parquet.FixedLenByteArrayType(5)),
		parquet.Leaf(parquet.Int96Type), parquet.Uint(32), parquet.Int(8), parquet.Time(parquet.Millisecond)}
	var rows [][]any
	for i := range 300 {
		r := []any{int64(i), []byte{byte(i), 0xff, 0}, []byte{1, 2, 3, 4, byte(i)}, deprecated.Int96{uint32(i), 7, 9},
			int32(-1 - i), int32(i % 100), int32(i * 1000)}
		if i%7 == 3 {
			r = []any{int64(i), nil, nil, nil, nil, nil, nil}
		}
		rows = append(rows, r)
	}
	data := writeParquet(t, names, nodes, rows)
	src, _ := openParquet(bytes.NewReader(data), int64(len(data)))
	for i, n := range names[1:] {
		if src.typ[1+i] != TypeUnknown || !src.raw[1+i] {
			t.Fatalf("%s: type %v raw %v", n, src.typ[1+i], src.raw[1+i])
		}
	}
	want := readAll(src)
	schema := Schema{Columns: []Column{{Source: "id", Target: "key", Type: Sealed}}}
	for _, n := range names[1:] {
		schema.Columns = append(schema.Columns, Column{Source: n, Type: Cleartext})
	}
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, LowAssurance(), func(o *Options) { o.TempDir = t.TempDir(); o.MemoryBudget = 4 << 10 })
	var enc bytes.Buffer
	st, err := e.EncryptParquet(t.Context(), &enc, bytes.NewReader(data), int64(len(data)), schema)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Spilled {
		t.Error("rows did not spill")
	}
	ef, _ := parquet.OpenFile(bytes.NewReader(enc.Bytes()), int64(enc.Len()))
	for i, n := range names[1:] {
		if f := ef.Schema().Fields()[1+i]; f.Name() != n || f.Type().String() != nodes[1+i].Type().String() {
			t.Errorf("%s: written as %v, want %v", n, f.Type(), nodes[1+i].Type())
		}
	}
	if h := CatalogSchema(st.Output, "s3://b/t/").Columns; h[1].Type != "binary" || h[3].Type != "timestamp" || h[4].Type != "bigint" || h[5].Type != "tinyint" {
		t.Errorf("glue types: %+v", h)
	}
	d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
	var dec bytes.Buffer
	if _, err := d.DecryptParquet(t.Context(), &dec, bytes.NewReader(enc.Bytes()), int64(enc.Len())); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for r, err := range d.Rows(t.Context(), Input{Parquet, bytes.NewReader(dec.Bytes()), int64(dec.Len())}) {
		if err != nil {
			t.Fatal(err)
		}
		seen++
		w := want[r.Values[0].Int]
		for i := range names[1:] {
			if !sameValue(r.Values[1+i], w[1+i]) {
				t.Errorf("row %d %s differs", r.Values[0].Int, names[1+i])
			}
		}
	}
	if seen != len(rows) {
		t.Fatalf("%d rows", seen)
	}
	// Only cleartext; never CSV.
	for _, c := range []ColumnType{Sealed, Fingerprint} {
		_, err := e.EncryptParquet(t.Context(), io.Discard, bytes.NewReader(data), int64(len(data)), Schema{Columns: []Column{{Source: "bin", Type: c}}})
		if !errors.Is(err, ErrType) {
			t.Errorf("%v of plain binary: %v", c, err)
		}
	}
	var csvOut bytes.Buffer
	_, err = e.Encrypt(t.Context(), &csvOut, CSV, Input{Parquet, bytes.NewReader(data), int64(len(data))}, schema)
	if !errors.Is(err, ErrType) || csvOut.Len() != 0 {
		t.Errorf("raw column to CSV: %v, %d bytes written", err, csvOut.Len())
	}
	// --parquetBinaryAsString: plain binary is a STRING.
	enc.Reset()
	_, err = e.EncryptParquet(t.Context(), &enc, bytes.NewReader(data), int64(len(data)),
		Schema{Columns: []Column{{Source: "id", Target: "key", Type: Cleartext}, {Source: "bin", Type: Sealed}}},
		func(o *Options) { o.ParquetBinaryAsString = true })
	if err != nil {
		t.Fatal(err)
	}
	for r, err := range d.Rows(t.Context(), Input{Parquet, bytes.NewReader(enc.Bytes()), int64(enc.Len())}) {
		if err != nil {
			t.Fatal(err)
		}
		w := want[r.Values[0].Int][1]
		if g := r.Values[1]; g.Type != TypeString || g.Null != w.Null || !bytes.Equal(g.Bytes, w.Bytes) {
			t.Errorf("row %d: binary as string differs", r.Values[0].Int)
		}
	}
}
