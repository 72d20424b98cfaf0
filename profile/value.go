package profile

import (
	"cmp"
	"math"
	"strconv"
	"strings"
	"time"
)

// Type is the type of a column, field, trait or literal.
type Type uint8

// The value types. Each maps to one Hive/Glue type in the curated
// datasets: string, bigint, double, timestamp, boolean.
const (
	String Type = iota + 1
	Int
	Float
	Time
	Bool
)

func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Int:
		return "int"
	case Float:
		return "float"
	case Time:
		return "time"
	case Bool:
		return "bool"
	}
	return "invalid"
}

func (t Type) valid() bool { return t >= String && t <= Bool }

// Value is one typed value. The zero Value is null (empty). An empty
// string is null too: every policy skips empty values, so "" never wins
// over a real value. Values are compared with Compare.
type Value struct {
	t Type
	s string
	n int64 // Int, Bool (0/1), Time (Unix milliseconds)
	f float64
}

// Null is the empty value.
var Null = Value{}

// StringValue returns a string value; "" is null.
func StringValue(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{t: String, s: s}
}

// IntValue returns an integer value.
func IntValue(n int64) Value { return Value{t: Int, n: n} }

// FloatValue returns a floating-point value; NaN is null.
func FloatValue(f float64) Value {
	if math.IsNaN(f) {
		return Value{}
	}
	return Value{t: Float, f: f}
}

// TimeValue returns a time value with millisecond precision (the precision
// of the curated datasets' timestamps); the zero time is null.
func TimeValue(t time.Time) Value {
	if t.IsZero() {
		return Value{}
	}
	return Value{t: Time, n: t.UnixMilli()}
}

// BoolValue returns a boolean value.
func BoolValue(b bool) Value {
	v := Value{t: Bool}
	if b {
		v.n = 1
	}
	return v
}

// Type returns the value's type, or 0 for null.
func (v Value) Type() Type { return v.t }

// IsNull reports whether v is null (empty).
func (v Value) IsNull() bool { return v.t == 0 }

// Str returns a String value's text, or "".
func (v Value) Str() string { return v.s }

// Int returns an Int value (or a Bool as 0/1), or 0.
func (v Value) Int() int64 {
	if v.t == Float {
		return int64(v.f)
	}
	if v.t == Time {
		return 0
	}
	return v.n
}

// Float returns a numeric value as float64, or 0.
func (v Value) Float() float64 {
	switch v.t {
	case Float:
		return v.f
	case Int:
		return float64(v.n)
	}
	return 0
}

// Time returns a Time value in UTC, or the zero time.
func (v Value) Time() time.Time {
	if v.t != Time {
		return time.Time{}
	}
	return time.UnixMilli(v.n).UTC()
}

// Bool returns a Bool value, or false.
func (v Value) Bool() bool { return v.t == Bool && v.n != 0 }

// Equal reports whether two values have the same type and value.
func (v Value) Equal(o Value) bool { return v.t == o.t && Compare(v, o) == 0 }

// numeric reports whether t is Int or Float.
func numeric(t Type) bool { return t == Int || t == Float }

// Compare orders values: null first, then by type (String, Int/Float
// together by numeric value, Time, Bool), then by value. Int and Float
// compare numerically; equal numbers of different types order Int first,
// so the order is total.
func Compare(a, b Value) int {
	if numeric(a.t) && numeric(b.t) {
		if a.t == Int && b.t == Int {
			return cmp.Compare(a.n, b.n)
		}
		if c := cmp.Compare(a.Float(), b.Float()); c != 0 {
			return c
		}
		return cmp.Compare(a.t, b.t)
	}
	ta, tb := a.t, b.t
	if ta == Float {
		ta = Int
	}
	if tb == Float {
		tb = Int
	}
	if c := cmp.Compare(ta, tb); c != 0 {
		return c
	}
	switch a.t {
	case String:
		return strings.Compare(a.s, b.s)
	case Time, Bool:
		return cmp.Compare(a.n, b.n)
	}
	return 0
}

// String formats the value as a segment-expression literal: a quoted
// string, a number, true/false, or @ and an RFC 3339 time; "null" for null.
// Note that profile values are customer data: this is for literals in
// expressions, not for logs.
func (v Value) String() string {
	switch v.t {
	case String:
		return strconv.Quote(v.s)
	case Int:
		return strconv.FormatInt(v.n, 10)
	case Float:
		s := strconv.FormatFloat(v.f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEIN") {
			s += ".0"
		}
		return s
	case Time:
		return "@" + v.Time().Format(time.RFC3339Nano)
	case Bool:
		if v.n != 0 {
			return "true"
		}
		return "false"
	}
	return "null"
}
