package c3r

import (
	"bytes"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// typedRow is an input table with every Parquet type C3R supports.
type typedRow struct {
	ID  int64    `parquet:"id"`
	S   *string  `parquet:"s,optional"`
	I64 *int64   `parquet:"i64,optional"`
	I32 *int32   `parquet:"i32,optional"`
	I16 *int16   `parquet:"i16,optional"`
	B   *bool    `parquet:"b,optional"`
	D   *int32   `parquet:"d,optional,date"`
	F32 *float32 `parquet:"f32,optional"`
	F64 *float64 `parquet:"f64,optional"`
	// DECIMAL(9,2) on INT32 and DECIMAL(18,4) on INT64; TIMESTAMPs in
	// each unit, adjusted to UTC or not.
	Dec32 *int32 `parquet:"dec32,optional,decimal(2:9)"`
	Dec64 *int64 `parquet:"dec64,optional,decimal(4:18)"`
	TsMs  *int64 `parquet:"ts_ms,optional,timestamp(millisecond:utc)"`
	TsUs  *int64 `parquet:"ts_us,optional,timestamp(microsecond:local)"`
	TsNs  *int64 `parquet:"ts_ns,optional,timestamp(nanosecond:utc)"`
}

var typedCols = []struct {
	name string
	typ  Type
}{
	{"id", TypeBigInt}, {"s", TypeString}, {"i64", TypeBigInt}, {"i32", TypeInt}, {"i16", TypeSmallInt},
	{"b", TypeBoolean}, {"d", TypeDate}, {"f32", TypeFloat}, {"f64", TypeDouble},
	{"dec32", TypeDecimal}, {"dec64", TypeDecimal}, {"ts_ms", TypeTimestamp}, {"ts_us", TypeTimestamp}, {"ts_ns", TypeTimestamp},
}

func ptr[T any](v T) *T { return &v }

// typedRows makes n rows with unique values per column (booleans only
// have two, so b is NULL after the first two rows) and NULLs in row 3
// when nulls is set.
func typedRows(n int, nulls bool) []typedRow {
	var rows []typedRow
	for i := range n {
		r := typedRow{ID: int64(i), S: ptr("s" + strconv.Itoa(i) + " ünï"), I64: ptr(int64(i) * 1e12), I32: ptr(int32(i) - 5),
			I16: ptr(int16(i * 3)), D: ptr(int32(18000 + i)), F32: ptr(float32(i) + 0.5), F64: ptr(float64(i) * 1.25),
			Dec32: ptr(int32(i*12345 - 5)), Dec64: ptr(int64(i)*-123456789012345 + 7), TsMs: ptr(1700000000123 + int64(i)),
			TsUs: ptr(int64(i)*-446774400000 + 1695183202), TsNs: ptr(1700000000123456789 - int64(i))}
		if i < 2 {
			r.B = ptr(i == 0)
		}
		if nulls && i == 3 {
			r = typedRow{ID: int64(i)}
		}
		rows = append(rows, r)
	}
	return rows
}

func writeTyped(t testing.TB, rows []typedRow) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[typedRow](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func typedValue(r typedRow, col string) Value {
	switch col {
	case "id":
		return Value{Type: TypeBigInt, Int: r.ID}
	case "s":
		if r.S == nil {
			return Null(TypeString)
		}
		return StringValue(*r.S)
	case "i64":
		if r.I64 == nil {
			return Null(TypeBigInt)
		}
		return Value{Type: TypeBigInt, Int: *r.I64}
	case "i32":
		if r.I32 == nil {
			return Null(TypeInt)
		}
		return Value{Type: TypeInt, Int: int64(*r.I32)}
	case "i16":
		if r.I16 == nil {
			return Null(TypeSmallInt)
		}
		return Value{Type: TypeSmallInt, Int: int64(*r.I16)}
	case "b":
		if r.B == nil {
			return Null(TypeBoolean)
		}
		return Value{Type: TypeBoolean, Bool: *r.B}
	case "d":
		if r.D == nil {
			return Null(TypeDate)
		}
		return Value{Type: TypeDate, Int: int64(*r.D)}
	case "f32":
		if r.F32 == nil {
			return Null(TypeFloat)
		}
		return Value{Type: TypeFloat, Float: float64(*r.F32)}
	case "f64":
		if r.F64 == nil {
			return Null(TypeDouble)
		}
		return Value{Type: TypeDouble, Float: *r.F64}
	case "dec32":
		v := Value{Type: TypeDecimal, Null: true, Precision: 9, Scale: 2, HasMeta: true}
		if r.Dec32 != nil {
			v.Null, v.Bytes = false, []byte(big.NewRat(int64(*r.Dec32), 100).FloatString(2))
		}
		return v
	case "dec64":
		v := Value{Type: TypeDecimal, Null: true, Precision: 18, Scale: 4, HasMeta: true}
		if r.Dec64 != nil {
			v.Null, v.Bytes = false, []byte(big.NewRat(*r.Dec64, 10000).FloatString(4))
		}
		return v
	case "ts_ms", "ts_us", "ts_ns":
		v := Value{Type: TypeTimestamp, Null: true, HasMeta: true}
		p := map[string]*int64{"ts_ms": r.TsMs, "ts_us": r.TsUs, "ts_ns": r.TsNs}[col]
		v.Unit = map[string]TimeUnit{"ts_ms": Millis, "ts_us": Micros, "ts_ns": Nanos}[col]
		v.UTC = col != "ts_us"
		if p != nil {
			v.Null, v.Int = false, *p
		}
		return v
	}
	panic("unknown column " + col)
}

// sameValue compares type, NULL, value and (when both carry them) the
// DECIMAL precision and scale or TIMESTAMP unit and UTC flag.
func sameValue(a, b Value) bool {
	if a.Type != b.Type || a.Null != b.Null {
		return false
	}
	if a.HasMeta && b.HasMeta && (a.Precision != b.Precision || a.Scale != b.Scale || a.UTC != b.UTC || a.Unit != b.Unit) {
		return false
	}
	return a.Null || (bytes.Equal(a.Bytes, b.Bytes) && a.Int == b.Int && a.Float == b.Float && a.Bool == b.Bool)
}

func TestParquetTypesMap(t *testing.T) {
	data := writeTyped(t, typedRows(1, false))
	src, err := openParquet(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range typedCols {
		if src.hdr[i] != c.name || src.typ[i] != c.typ {
			t.Errorf("column %d: %s %v, want %s %v", i, src.hdr[i], src.typ[i], c.name, c.typ)
		}
	}
}

// TestRoundTripParquet encrypts a table of every type under every
// combination of settings and padding, decrypts it, and checks each
// column: cleartext and sealed values come back with their type,
// fingerprints equal the expected HMAC, NULLs follow PreserveNulls.
func TestRoundTripParquet(t *testing.T) {
	rows := typedRows(12, true)
	data := writeTyped(t, rows)
	for combo := range 16 {
		settings := Settings{combo&1 != 0, combo&2 != 0, combo&4 != 0, combo&8 != 0}
		pads := []Pad{{PadNone, 0}, {PadFixed, 40}, {PadMax, 7}}
		if testing.Short() { // every combination, one padding each
			pads = pads[combo%3 : combo%3+1]
		}
		for _, pad := range pads {
			t.Run(fmt.Sprintf("%+v/pad%d", settings, pad.Type), func(t *testing.T) {
				t.Parallel()
				// Spill (and the duplicate check's spill) in a few runs only:
				// 512 temp files per run are slow on shared CI machines.
				spill := combo == 0 || combo == 15 && !testing.Short()
				roundTripParquet(t, settings, pad, rows, data, spill)
			})
		}
	}
}

func roundTripParquet(t *testing.T, settings Settings, pad Pad, rows []typedRow, data []byte, spill bool) {
	var schema Schema
	schema.Columns = append(schema.Columns, Column{Source: "id", Target: "key", Type: Sealed})
	for _, c := range typedCols {
		if settings.AllowCleartext {
			schema.Columns = append(schema.Columns, Column{Source: c.name, Type: Cleartext})
		}
		schema.Columns = append(schema.Columns, Column{Source: c.name, Type: Sealed, Pad: pad})
		if c.typ.Fingerprintable() && !(c.name == "b" && !settings.AllowDuplicates) {
			schema.Columns = append(schema.Columns, Column{Source: c.name, Type: Fingerprint})
		}
	}
	budget := int64(0)
	if spill {
		budget = 1 << 10
	}
	e, err := NewEncryptor(sampleSecret(t), sampleSalt, settings, func(o *Options) { o.TempDir = t.TempDir(); o.MemoryBudget = budget })
	if err != nil {
		t.Fatal(err)
	}
	var enc bytes.Buffer
	st, err := e.EncryptParquet(t.Context(), &enc, bytes.NewReader(data), int64(len(data)), schema)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != int64(len(rows)) || st.Spilled != spill {
		t.Errorf("stats: rows %d spilled %v", st.Rows, st.Spilled)
	}
	d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
	var dec bytes.Buffer
	if _, err := d.DecryptParquet(t.Context(), &dec, bytes.NewReader(enc.Bytes()), int64(enc.Len())); err != nil {
		t.Fatal(err)
	}
	out, err := openParquet(bytes.NewReader(dec.Bytes()), int64(dec.Len()))
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range out.hdr {
		col[h] = i
	}
	k, _ := newKeys(sampleSecret(t).b, sampleSalt, settings.AllowJoinsOnColumnsWithDifferentNames)
	seen := map[int64]bool{}
	nullPrints := map[string]bool{}
	for {
		r, err := out.next()
		if err != nil {
			break
		}
		id := r[col["key"]].Int
		if seen[id] || id < 0 || id >= int64(len(rows)) {
			t.Fatalf("row key %d repeated or unknown", id)
		}
		seen[id] = true
		src := rows[id]
		for _, c := range schema.Columns {
			name := c.TargetName()
			got := r[col[name]]
			want := typedValue(src, normalize(c.Source))
			switch c.Type {
			case Cleartext:
				if !sameValue(got, want) {
					t.Errorf("row %d %s: cleartext differs", id, name)
				}
			case Sealed:
				if want.Null && !settings.PreserveNulls {
					// A sealed NULL comes back as a typed NULL.
					if !got.Null || got.Type != want.Type {
						t.Errorf("row %d %s: sealed NULL came back as %v null=%v", id, name, got.Type, got.Null)
					}
					continue
				}
				if !sameValue(got, want) {
					t.Errorf("row %d %s: sealed value differs (type %v, want %v)", id, name, got.Type, want.Type)
				}
			case Fingerprint:
				if want.Null {
					if settings.PreserveNulls != got.Null {
						t.Errorf("row %d %s: NULL fingerprint null=%v", id, name, got.Null)
					}
					if !got.Null {
						if Kind(got.Bytes) != FingerprintCell || nullPrints[string(got.Bytes)] {
							t.Errorf("row %d %s: NULL fingerprint not a fresh random HMAC", id, name)
						}
						nullPrints[string(got.Bytes)] = true
					}
					continue
				}
				key, _ := k.fingerprintKey(name)
				w := string(appendHMACCell(nil, newFingerprinter(key).digest(appendFingerprintMessage(nil, want))))
				if got.Type != TypeString || string(got.Bytes) != w {
					t.Errorf("row %d %s: fingerprint differs", id, name)
				}
			}
		}
	}
	if len(seen) != len(rows) {
		t.Errorf("%d rows decrypted, want %d", len(seen), len(rows))
	}
}

// TestParquetSinkOrderAndNulls: output columns keep the schema's order
// (not parquet-go's name order) and NULLs round-trip.
func TestParquetSinkOrderAndNulls(t *testing.T) {
	var buf bytes.Buffer
	cols := []outCol{{name: "zeta", typ: TypeString}, {name: "alpha", typ: TypeBigInt}, {name: "mid", typ: TypeBoolean}}
	s, err := newParquetSink(&buf, cols)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]Value{
		{StringValue("z"), {Type: TypeBigInt, Int: 5}, {Type: TypeBoolean, Bool: true}},
		{Null(TypeString), Null(TypeBigInt), {Type: TypeBoolean}},
	}
	for _, r := range rows {
		if err := s.write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	src, err := openParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		if src.hdr[i] != c.name || src.typ[i] != c.typ {
			t.Errorf("column %d is %s %v, want %s %v", i, src.hdr[i], src.typ[i], c.name, c.typ)
		}
	}
	for i, want := range rows {
		got, err := src.next()
		if err != nil {
			t.Fatal(err)
		}
		for j := range want {
			if !sameValue(got[j], want[j]) {
				t.Errorf("row %d column %s differs", i+1, cols[j].name)
			}
		}
	}
}

// TestOfficialParquetSample encrypts the official client's all-types
// Parquet sample with the protection each column's name asks for (the
// columns of types C3R supports), decrypts it and compares every value.
func TestOfficialParquetSample(t *testing.T) {
	data, err := os.ReadFile("testdata/all_valid_types.parquet")
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Parquet, bytes.NewReader(data), int64(len(data))}
	binaryAsString := Options{ParquetBinaryAsString: true}
	src, err := openParquetOpts(in.R, in.Size, binaryAsString)
	if err != nil {
		t.Fatal(err)
	}
	var schema Schema
	for i, h := range src.hdr {
		c := Column{Source: h, Target: h}
		switch {
		case strings.HasSuffix(h, "_fingerprint"):
			c.Type = Fingerprint
		case strings.HasSuffix(h, "_sealed"):
			c.Type, c.Pad = Sealed, Pad{PadMax, 4}
		default:
			c.Type = Cleartext
		}
		if !src.typ[i].Valid() && c.Type != Cleartext {
			// fixed_len_binary_sealed and decimal_fixed_len_binary_sealed:
			// FIXED_LEN_BYTE_ARRAY without a logical type, which the
			// official client cannot seal either.
			if src.ptype[i].Kind() != parquet.FixedLenByteArray {
				t.Errorf("%s: unexpected unknown type %v", h, src.ptype[i])
			}
			continue
		}
		schema.Columns = append(schema.Columns, c)
	}
	if len(schema.Columns) != len(src.hdr)-2 {
		t.Fatalf("%d of %d columns", len(schema.Columns), len(src.hdr))
	}
	srcRows := readAll(src)
	settings := LowAssurance()
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, settings, func(o *Options) { o.TempDir = t.TempDir(); o.ParquetBinaryAsString = true })
	var enc bytes.Buffer
	if _, err := e.Encrypt(t.Context(), &enc, Parquet, in, schema); err != nil {
		t.Fatal(err)
	}
	d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
	var got [][]Value
	for r, err := range d.Rows(t.Context(), Input{Parquet, bytes.NewReader(enc.Bytes()), int64(enc.Len())}, func(o *Options) { o.ParquetBinaryAsString = true }) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, cloneRow(r.Values))
	}
	if len(got) != len(srcRows) {
		t.Fatalf("%d rows, want %d", len(got), len(srcRows))
	}
	k, _ := newKeys(sampleSecret(t).b, sampleSalt, true)
	srcIdx := map[string]int{}
	for i, h := range src.hdr {
		srcIdx[h] = i
	}
	// Rows are shuffled: each decrypted row must match one source row.
	for _, g := range got {
		matched := false
		for _, s := range srcRows {
			ok := true
			for j, c := range schema.Columns {
				want := s[srcIdx[c.Source]]
				switch c.Type {
				case Fingerprint:
					if want.Null {
						ok = ok && g[j].Null
						continue
					}
					key, _ := k.fingerprintKey(c.TargetName())
					fp := string(appendHMACCell(nil, newFingerprinter(key).digest(appendFingerprintMessage(nil, want))))
					ok = ok && string(g[j].Bytes) == fp
				default:
					ok = ok && (sameValue(g[j], want) || (want.Null && g[j].Null))
				}
			}
			matched = matched || ok
		}
		if !matched {
			t.Error("a decrypted row matches no source row")
		}
	}
}
