package c3r

import (
	"math/big"
	"strconv"
	"time"
)

// DECIMAL values travel as the text of Java's BigDecimal.toPlainString
// (what the official client seals), with the column's precision and scale
// beside them. Parquet stores them as an unscaled integer: INT32, INT64, or
// big-endian two's complement bytes (FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY).

// appendDecimalText appends toPlainString of unscaled × 10^-scale for a
// scale ≥ 0: every fraction digit is written, so 0 at scale 2 is "0.00"
// and -5 at scale 2 is "-0.05".
func appendDecimalText(dst []byte, digits []byte, neg bool, scale int32) []byte {
	if neg {
		dst = append(dst, '-')
	}
	s := int(scale)
	if s == 0 {
		return append(dst, digits...)
	}
	if len(digits) <= s {
		dst = append(dst, '0', '.')
		for range s - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-s]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-s:]...)
}

// decimalFromInt renders an INT32 or INT64 unscaled value; ok is false
// when it has more digits than precision.
func decimalFromInt(dst []byte, unscaled int64, precision, scale int32) ([]byte, bool) {
	var buf [24]byte
	digits := strconv.AppendUint(buf[:0], absInt64(unscaled), 10)
	if int32(len(digits)) > precision {
		return dst, false
	}
	return appendDecimalText(dst, digits, unscaled < 0, scale), true
}

func absInt64(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// decimalFromBytes renders a big-endian two's complement unscaled value;
// ok is false for no bytes or more digits than precision.
func decimalFromBytes(dst []byte, b []byte, precision, scale int32) ([]byte, bool) {
	if len(b) == 0 {
		return dst, false
	}
	if len(b) <= 8 {
		// Sign-extend into an int64.
		var u uint64
		if b[0]&0x80 != 0 {
			u = ^uint64(0)
		}
		for _, c := range b {
			u = u<<8 | uint64(c)
		}
		return decimalFromInt(dst, int64(u), precision, scale)
	}
	n := new(big.Int).SetBytes(b)
	neg := b[0]&0x80 != 0
	if neg {
		// Two's complement: value = n - 2^(8·len).
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		n.Neg(n)
	}
	digits := n.Append(nil, 10)
	if int32(len(digits)) > precision {
		return dst, false
	}
	return appendDecimalText(dst, digits, neg, scale), true
}

// decimalUnscaled parses decimal text ([+-]digits[.digits]) as an
// unscaled integer at the given scale; ok is false when the text has more
// fraction digits than scale, more digits than precision, or is not a
// number.
func decimalUnscaled(text []byte, precision, scale int32) (*big.Int, bool) {
	if !isDecimalText(text) || scale < 0 {
		return nil, false
	}
	neg := false
	if text[0] == '-' || text[0] == '+' {
		neg = text[0] == '-'
		text = text[1:]
	}
	digits := make([]byte, 0, len(text)+int(scale))
	frac := -1
	for _, c := range text {
		if c == '.' {
			frac = 0
			continue
		}
		digits = append(digits, c)
		if frac >= 0 {
			frac++
		}
	}
	frac = max(frac, 0)
	if frac > int(scale) {
		return nil, false
	}
	for range int(scale) - frac {
		digits = append(digits, '0')
	}
	n, ok := new(big.Int).SetString(string(digits), 10)
	if !ok {
		return nil, false
	}
	if d := len(n.String()); n.Sign() != 0 && int32(d) > precision {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	return n, true
}

// twosComplement returns n as big-endian two's complement in exactly size
// bytes (size 0: the fewest bytes that hold it); ok is false if it does
// not fit.
func twosComplement(n *big.Int, size int) ([]byte, bool) {
	bits := n.BitLen()
	if n.Sign() < 0 {
		// -2^k needs k bits plus the sign: measure |n| − 1.
		bits = new(big.Int).Sub(new(big.Int).Neg(n), big.NewInt(1)).BitLen()
	}
	minLen := bits/8 + 1
	if size == 0 {
		size = minLen
	}
	if minLen > size {
		return nil, false
	}
	out := make([]byte, size)
	if n.Sign() >= 0 {
		n.FillBytes(out)
		return out, true
	}
	// 2^(8·size) + n.
	m := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
	m.Add(m, n)
	m.FillBytes(out)
	return out, true
}

// decimalBytesLen is the FIXED_LEN_BYTE_ARRAY size Parquet writers use for
// a precision: the fewest bytes whose two's complement holds 10^p − 1.
func decimalBytesLen(precision int32) int {
	m := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	m.Sub(m, big.NewInt(1))
	return m.BitLen()/8 + 1
}

// decimalFits is the official client's check of a DECIMAL value against
// its column (ValueConverter.Decimal.isValueInvalid, negated): the value's
// digits fit the precision and its fraction digits fit the scale.
func decimalFits(precision, scale int32, text []byte) bool {
	if len(text) > 0 && (text[0] == '-' || text[0] == '+') {
		text = text[1:]
	}
	// BigDecimal(text): scale = fraction digits; precision = digits of
	// the unscaled value without leading zeros (1 for zero).
	var vp, vs int32
	lead, frac := true, false
	for _, c := range text {
		if c == '.' {
			frac = true
			continue
		}
		if frac {
			vs++
		}
		if lead && c == '0' {
			continue
		}
		lead = false
		vp++
	}
	vp = max(vp, 1)
	switch {
	case precision < vp:
		return false
	case scale > 0 && scale < vs:
		return false
	case scale < 0 && scale > vs:
		return false
	case scale == 0 && vs != 0:
		return false
	}
	return true
}

// appendTimestampText appends a TIMESTAMP as the official client writes
// it to CSV: "yyyy-MM-dd HH:mm:ss.SSSSSS" (nanoseconds truncated to
// microseconds), the year as Java's year-of-era with a '+' beyond 9999.
// The client renders a timestamp that is not adjusted to UTC in the JVM's
// default zone; this package renders every timestamp in UTC, which is the
// same on a host whose zone is UTC and is the wall-clock time the Parquet
// value stands for.
func appendTimestampText(dst []byte, v int64, unit TimeUnit) []byte {
	var t time.Time
	switch unit {
	case Millis:
		t = time.UnixMilli(v)
	case Micros:
		t = time.UnixMicro(v)
	default:
		t = time.Unix(0, v)
	}
	t = t.UTC()
	y := t.Year()
	if y <= 0 {
		y = 1 - y // year of era: 0 is 1 BCE
	}
	if y > 9999 {
		dst = append(dst, '+')
	}
	dst = appendPadded(dst, int64(y), 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(t.Month()), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(t.Day()), 2)
	dst = append(dst, ' ')
	dst = appendPadded(dst, int64(t.Hour()), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, int64(t.Minute()), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, int64(t.Second()), 2)
	dst = append(dst, '.')
	return appendPadded(dst, int64(t.Nanosecond()/1000), 6)
}

func appendPadded(dst []byte, v int64, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}
