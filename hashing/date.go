package hashing

import (
	"strconv"
	"strings"
)

// date is a parsed birth date or part of one; zero fields are absent.
type date struct{ y, m, d int }

// appendDate serves DOBY, DOBM, DOBD and DOB. Each accepts a full date
// (YYYY-MM-DD, YYYYMMDD, MM/DD/YYYY or, with DayFirst, DD/MM/YYYY; the
// separators '-', '/' and '.' are interchangeable and single-digit months and
// days are accepted in the separated forms). DOBY, DOBM and DOBD also accept
// their own part alone: YYYY, M or MM, D or DD.
func (h *Hasher) appendDate(dst []byte, k Key, s string) ([]byte, Reason) {
	var dt date
	var r Reason
	full := false
	switch {
	case k == BirthYear && len(s) == 4 && allDigits(s):
		dt.y = atoi(s)
	case (k == BirthMonth || k == BirthDay) && len(s) <= 2 && allDigits(s):
		if k == BirthMonth {
			dt.m = atoi(s)
		} else {
			dt.d = atoi(s)
		}
	default:
		dt, r = parseDate(s, h.opts.DateOrder)
		if r != "" {
			return dst, r
		}
		full = true
	}
	if r := h.checkDate(dt, k, full); r != "" {
		return dst, r
	}
	switch k {
	case BirthYear:
		return strconv.AppendInt(dst, int64(dt.y), 10), ""
	case BirthMonth:
		return append2(dst, dt.m), ""
	case BirthDay:
		return append2(dst, dt.d), ""
	}
	dst = strconv.AppendInt(dst, int64(dt.y), 10)
	return append2(append2(dst, dt.m), dt.d), ""
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// checkDate applies the ranges of the rules to the parts present (all of
// them for a full date), and for a full date that it exists.
func (h *Hasher) checkDate(dt date, k Key, full bool) Reason {
	if (full || k == BirthYear) && !h.yearOK(dt.y) {
		return ReasonYearRange
	}
	if (full || k == BirthMonth) && (dt.m < 1 || dt.m > 12) {
		return ReasonMonthRange
	}
	if (full || k == BirthDay) && (dt.d < 1 || dt.d > 31) {
		return ReasonDayRange
	}
	if full && dt.d > daysIn(dt.y, dt.m) {
		return ReasonDateImpossible
	}
	return ""
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseDate reads a full date.
func parseDate(s string, order DateOrder) (date, Reason) {
	if len(s) == 8 && allDigits(s) {
		return date{atoi(s[:4]), atoi(s[4:6]), atoi(s[6:])}, ""
	}
	var f [3]string
	nf := 0
	start := 0
	var sep byte
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isDigit(s[i]) {
			continue
		}
		if i < len(s) {
			c := s[i]
			if c != '-' && c != '/' && c != '.' {
				return date{}, ReasonDateFormat
			}
			if sep == 0 {
				sep = c
			} else if c != sep {
				return date{}, ReasonDateFormat
			}
		}
		if nf == 3 || i == start {
			return date{}, ReasonDateFormat
		}
		f[nf] = s[start:i]
		nf++
		start = i + 1
	}
	if nf != 3 {
		return date{}, ReasonDateFormat
	}
	switch {
	case len(f[0]) == 4 && len(f[1]) <= 2 && len(f[2]) <= 2:
		return date{atoi(f[0]), atoi(f[1]), atoi(f[2])}, ""
	case len(f[0]) <= 2 && len(f[1]) <= 2 && len(f[2]) == 4:
		if order == DayFirst {
			return date{atoi(f[2]), atoi(f[1]), atoi(f[0])}, ""
		}
		return date{atoi(f[2]), atoi(f[0]), atoi(f[1])}, ""
	}
	return date{}, ReasonDateFormat
}

// maxNumberText bounds the canonical text of a LOOKALIKE_VALUE: a decimal
// derived from the digits can be as long as its exponent says ("1e400"),
// and no reader of a customer value wants that.
const maxNumberText = 64

// appendNumber applies the LOOKALIKE_VALUE rule: a finite decimal number
// ≥ 0 ([±]digits[.digits][e[±]digits], or [±].digits; negative values are
// rejected as out of range), written back as canonical decimal text
// computed from its digits, never through float64: no exponent, no leading
// zeros before the units digit, no trailing zeros after the point, and no
// point when nothing follows it ("12.50" → "12.5", "1e21" →
// "1000000000000000000000", "-0" → "0").
func appendNumber(dst []byte, s string) ([]byte, Reason) {
	if !isDecimal(s) {
		return dst, ReasonNumberFormat
	}
	neg := s[0] == '-'
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	// The value is 0.D × 10^point, D being the significant digits.
	point := len(intPart)
	digits := intPart + frac
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
		point--
	}
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return append(dst, '0'), ""
	}
	if neg {
		return dst, ReasonNumberRange
	}
	if exp != "" {
		e, ok := smallExponent(exp)
		if !ok {
			return dst, ReasonNumberRange
		}
		point += e
	}
	var size int
	switch {
	case point <= 0:
		size = 2 - point + len(digits)
	case point >= len(digits):
		size = point
	default:
		size = len(digits) + 1
	}
	if size > maxNumberText {
		return dst, ReasonNumberRange
	}
	switch {
	case point <= 0:
		dst = append(dst, '0', '.')
		for ; point < 0; point++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	case point >= len(digits):
		dst = append(dst, digits...)
		for i := len(digits); i < point; i++ {
			dst = append(dst, '0')
		}
	default:
		dst = append(dst, digits[:point]...)
		dst = append(dst, '.')
		dst = append(dst, digits[point:]...)
	}
	return dst, ""
}

// smallExponent parses a signed exponent whose magnitude is small enough
// for the result to matter (anything larger is out of range anyway).
func smallExponent(s string) (int, bool) {
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	s = strings.TrimLeft(s, "0")
	if len(s) > 6 {
		return 0, false
	}
	e := atoi(s)
	if neg {
		e = -e
	}
	return e, true
}

func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ed := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			ed++
		}
		if ed == 0 {
			return false
		}
	}
	return i == len(s)
}
