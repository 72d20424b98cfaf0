package c3r

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
)

// Type is a C3R client data type. Its numeric value is the index the
// format stores in each encoded value's first byte.
type Type uint8

// The C3R data types. CSV input is always TypeString; Parquet columns map
// to the others (INT32 → TypeInt, INT32 INT(16) → TypeSmallInt, INT64 →
// TypeBigInt, DATE → TypeDate, BOOLEAN, FLOAT, DOUBLE, STRING).
const (
	// TypeUnknown is a Parquet column C3R has no type for (plain binary
	// without --parquetBinaryAsString, INT96, unsigned or 8-bit integers,
	// TIME, UUID, JSON, ENUM, …). Like the official client, such a column
	// can only be cleartext: it is copied with its Parquet type, and its
	// Values hold the Parquet plain encoding in Bytes.
	TypeUnknown   Type = 0
	TypeString    Type = 1
	TypeBigInt    Type = 2
	TypeBoolean   Type = 3
	TypeChar      Type = 4
	TypeDate      Type = 5
	TypeDecimal   Type = 6
	TypeDouble    Type = 7
	TypeFloat     Type = 8
	TypeInt       Type = 9
	TypeSmallInt  Type = 10
	TypeTimestamp Type = 11
	TypeVarchar   Type = 12
)

var typeNames = [...]string{"UNKNOWN", "STRING", "BIGINT", "BOOLEAN", "CHAR", "DATE", "DECIMAL", "DOUBLE", "FLOAT", "INT", "SMALLINT", "TIMESTAMP", "VARCHAR"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "TYPE(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the twelve C3R types.
func (t Type) Valid() bool { return t >= TypeString && t <= TypeVarchar }

// Fingerprintable reports whether values of t may go into a fingerprint
// column: strings (STRING, CHAR, VARCHAR), integers (SMALLINT, INT,
// BIGINT), BOOLEAN and DATE.
func (t Type) Fingerprintable() bool { return t.class() != 0 }

// class is the representative type of t's equivalence class, 0 if none.
func (t Type) class() Type {
	switch t {
	case TypeString, TypeChar, TypeVarchar:
		return TypeString
	case TypeSmallInt, TypeInt, TypeBigInt:
		return TypeBigInt
	case TypeBoolean:
		return TypeBoolean
	case TypeDate:
		return TypeDate
	}
	return 0
}

// tag is the format's one-byte type info: index << 1 | isNull.
func tag(t Type, null bool) byte {
	b := byte(t) << 1
	if null {
		b |= 1
	}
	return b
}

// TimeUnit is a TIMESTAMP's unit, in the format's order.
type TimeUnit uint8

// Timestamp units.
const (
	Millis TimeUnit = 0
	Micros TimeUnit = 1
	Nanos  TimeUnit = 2
)

// Value is one typed cell. Which field holds the value depends on Type:
// Bytes for STRING, CHAR, VARCHAR (UTF-8) and DECIMAL (its plain decimal
// text); Int for BIGINT, INT, SMALLINT, DATE (days since 1970-01-01) and
// TIMESTAMP (in Unit since the epoch); Float for DOUBLE and FLOAT; Bool for
// BOOLEAN. Null marks SQL NULL.
type Value struct {
	Type  Type
	Null  bool
	Bytes []byte
	Int   int64
	Float float64
	Bool  bool

	// Precision and Scale of a DECIMAL; MaxLength of a VARCHAR; UTC and
	// Unit of a TIMESTAMP. HasMeta says they are set (a NULL may carry
	// them or not).
	Precision, Scale int32
	MaxLength        int32
	UTC              bool
	Unit             TimeUnit
	HasMeta          bool
}

// StringValue returns a non-NULL STRING.
func StringValue(s string) Value { return Value{Type: TypeString, Bytes: []byte(s)} }

// Null returns a NULL of type t.
func Null(t Type) Value { return Value{Type: t, Null: true} }

// Text renders v as the official client writes it to CSV: strings and
// DECIMALs as they are, numbers in decimal, booleans as true/false, dates
// as YYYY-MM-DD, timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC. NULL
// renders as "".
func (v Value) Text() string {
	if v.Null {
		return ""
	}
	switch v.Type {
	case TypeBigInt, TypeInt, TypeSmallInt:
		return strconv.FormatInt(v.Int, 10)
	case TypeTimestamp:
		return string(appendTimestampText(make([]byte, 0, 26), v.Int, v.Unit))
	case TypeBoolean:
		return strconv.FormatBool(v.Bool)
	case TypeDate:
		return dateText(v.Int)
	case TypeDouble:
		return strconv.FormatFloat(v.Float, 'g', -1, 64)
	case TypeFloat:
		return strconv.FormatFloat(v.Float, 'g', -1, 32)
	}
	return string(v.Bytes)
}

// dateText formats days since the epoch as YYYY-MM-DD (proleptic
// Gregorian, as Parquet and java.time do).
func dateText(days int64) string {
	// Civil-from-days (H. Hinnant).
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	b := make([]byte, 0, 10)
	if y < 0 {
		b = append(b, '-')
		y = -y
	}
	ys := strconv.FormatInt(y, 10)
	for i := len(ys); i < 4; i++ {
		b = append(b, '0')
	}
	b = append(b, ys...)
	b = append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
	return string(b)
}

// appendEncoded appends the format's encoding of v (type tag, metadata,
// value bytes), which is what a sealed cell carries.
func appendEncoded(dst []byte, v Value) []byte {
	dst = append(dst, tag(v.Type, v.Null))
	switch v.Type {
	case TypeDecimal:
		if !v.Null || v.HasMeta {
			dst = binary.BigEndian.AppendUint32(dst, uint32(v.Precision))
			dst = binary.BigEndian.AppendUint32(dst, uint32(v.Scale))
		}
	case TypeVarchar:
		if !v.Null || v.HasMeta {
			dst = binary.BigEndian.AppendUint32(dst, uint32(v.MaxLength))
		}
	case TypeTimestamp:
		if !v.Null || v.HasMeta {
			dst = append(dst, boolByte(v.UTC))
			dst = binary.BigEndian.AppendUint32(dst, uint32(v.Unit))
		}
	}
	if v.Null {
		return dst
	}
	switch v.Type {
	case TypeString, TypeChar, TypeVarchar, TypeDecimal:
		dst = append(dst, v.Bytes...)
	case TypeBigInt, TypeTimestamp:
		dst = binary.BigEndian.AppendUint64(dst, uint64(v.Int))
	case TypeInt, TypeDate:
		dst = binary.BigEndian.AppendUint32(dst, uint32(int32(v.Int)))
	case TypeSmallInt:
		dst = binary.BigEndian.AppendUint16(dst, uint16(int16(v.Int)))
	case TypeBoolean:
		dst = append(dst, boolByte(v.Bool))
	case TypeDouble:
		dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(v.Float))
	case TypeFloat:
		dst = binary.BigEndian.AppendUint32(dst, math.Float32bits(float32(v.Float)))
	}
	return dst
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// decodeValue parses an encoded value. It checks every length, so any
// input is safe; the error is a value-free detail.
func decodeValue(b []byte) (Value, error) {
	if len(b) < 1 {
		return Value{}, detail("empty encoded value")
	}
	t := Type(b[0] >> 1)
	v := Value{Type: t, Null: b[0]&1 == 1}
	if !t.Valid() {
		return Value{}, detail("unknown type index " + strconv.Itoa(int(t)))
	}
	rest := b[1:]
	meta := func(n int) bool {
		if v.Null && len(rest) == 0 {
			return true
		}
		if len(rest) < n {
			return false
		}
		v.HasMeta = true
		return true
	}
	switch t {
	case TypeDecimal:
		if !meta(8) {
			return Value{}, detail("DECIMAL without precision and scale")
		}
		if v.HasMeta {
			v.Precision = int32(binary.BigEndian.Uint32(rest))
			v.Scale = int32(binary.BigEndian.Uint32(rest[4:]))
			rest = rest[8:]
		}
	case TypeVarchar:
		if !meta(4) {
			return Value{}, detail("VARCHAR without a maximum length")
		}
		if v.HasMeta {
			v.MaxLength = int32(binary.BigEndian.Uint32(rest))
			rest = rest[4:]
		}
	case TypeTimestamp:
		if !meta(5) {
			return Value{}, detail("TIMESTAMP without UTC flag and unit")
		}
		if v.HasMeta {
			if rest[0] > 1 {
				return Value{}, detail("bad TIMESTAMP UTC flag")
			}
			v.UTC = rest[0] == 1
			u := binary.BigEndian.Uint32(rest[1:])
			if u > uint32(Nanos) {
				return Value{}, detail("bad TIMESTAMP unit")
			}
			v.Unit = TimeUnit(u)
			rest = rest[5:]
		}
	}
	if v.Null {
		if len(rest) != 0 {
			return Value{}, detail("bytes after a NULL")
		}
		return v, nil
	}
	fixed := func(n int) bool { return len(rest) == n }
	switch t {
	case TypeString, TypeChar, TypeVarchar, TypeDecimal:
		if !utf8.Valid(rest) && t != TypeString {
			return Value{}, detail(t.String() + " is not UTF-8")
		}
		v.Bytes = append([]byte(nil), rest...)
		if t == TypeDecimal && !isDecimalText(rest) {
			return Value{}, detail("DECIMAL text is not a number")
		}
		if t == TypeDecimal && !decimalFits(v.Precision, v.Scale, rest) {
			return Value{}, detail("DECIMAL value does not fit its precision and scale")
		}
		if t == TypeVarchar && utf16Len(rest) > int64(v.MaxLength) {
			return Value{}, detail("VARCHAR value longer than its maximum length")
		}
	case TypeBigInt, TypeTimestamp:
		if !fixed(8) {
			return Value{}, detail(t.String() + " must be 8 bytes")
		}
		v.Int = int64(binary.BigEndian.Uint64(rest))
	case TypeInt, TypeDate:
		if !fixed(4) {
			return Value{}, detail(t.String() + " must be 4 bytes")
		}
		v.Int = int64(int32(binary.BigEndian.Uint32(rest)))
	case TypeSmallInt:
		if !fixed(2) {
			return Value{}, detail("SMALLINT must be 2 bytes")
		}
		v.Int = int64(int16(binary.BigEndian.Uint16(rest)))
	case TypeBoolean:
		if !fixed(1) || rest[0] > 1 {
			return Value{}, detail("BOOLEAN must be one byte 0 or 1")
		}
		v.Bool = rest[0] == 1
	case TypeDouble:
		if !fixed(8) {
			return Value{}, detail("DOUBLE must be 8 bytes")
		}
		v.Float = math.Float64frombits(binary.BigEndian.Uint64(rest))
	case TypeFloat:
		if !fixed(4) {
			return Value{}, detail("FLOAT must be 4 bytes")
		}
		v.Float = float64(math.Float32frombits(binary.BigEndian.Uint32(rest)))
	}
	return v, nil
}

// utf16Len is the length of UTF-8 text in UTF-16 code units (Java's
// String.length, which the official client checks VARCHARs by).
func utf16Len(b []byte) int64 {
	var n int64
	for _, r := range string(b) {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// isDecimalText accepts [+-]digits[.digits] (BigDecimal.toPlainString).
func isDecimalText(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	digits, dot := 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// appendFingerprintMessage appends the HMAC message of a non-NULL value:
// its equivalence class's representative bytes, then the class's tag.
func appendFingerprintMessage(dst []byte, v Value) []byte {
	switch c := v.Type.class(); c {
	case TypeString:
		dst = append(dst, v.Bytes...)
	case TypeBigInt:
		dst = binary.BigEndian.AppendUint64(dst, uint64(v.Int))
	case TypeBoolean:
		dst = append(dst, boolByte(v.Bool))
	case TypeDate:
		dst = binary.BigEndian.AppendUint32(dst, uint32(int32(v.Int)))
	}
	return append(dst, tag(v.Type.class(), false))
}
