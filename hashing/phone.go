package hashing

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// appendPhone applies the PHONE rule. International input ('+' or "00"
// first) takes a fast path that never allocates: the extension is cut off,
// a "(0)" trunk marker dropped and the ASCII digits kept, without leading
// zeros (no country code starts with 0), and without a trunk prefix written
// after the country code when libphonenumber reads the rest as a valid
// number ("+44 020 …" is "44 20 …"). National input is parsed with the
// numbering plan of the row's country (cc) into E.164 and must be a
// possible number there; with no country its digits are kept without
// leading zeros and the value is flagged ReasonPhoneNoCountry. Digits of
// other scripts count as their ASCII value, and a fullwidth plus as '+', in
// every case (libphonenumber reads national numbers so).
func appendPhone(dst []byte, p prepared, cc string) ([]byte, Reason) {
	s := p.s
	if !p.ascii {
		s = asciiPhone(s)
	}
	s = cutExtension(s)
	n := len(dst)
	switch {
	case len(s) > 0 && s[0] == '+':
		dst = dropTrunk(appendIntlDigits(dst, s[1:]), n)
	case len(s) > 1 && s[0] == '0' && s[1] == '0':
		dst = dropTrunk(appendIntlDigits(dst, s[2:]), n)
	case cc == "us" && isNANP(s):
		dst = appendNANP(dst, s)
	case cc != "" && phonenumbers.GetCountryCodeForRegion(strings.ToUpper(cc)) != 0:
		if out, ok := appendNationalFast(dst, s, cc); ok {
			dst = out
			break
		}
		var err error
		if dst, err = appendNational(dst, s, cc); err != nil {
			return dst[:n], ReasonPhoneInvalid
		}
	default:
		lead := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !isDigit(c) || (lead && c == '0') {
				continue
			}
			lead = false
			dst = append(dst, c)
		}
		if d := len(dst) - n; d < 8 || d > 15 {
			return dst[:n], ReasonPhoneLength
		}
		return dst, ReasonPhoneNoCountry
	}
	if d := len(dst) - n; d < 8 || d > 15 {
		return dst[:n], ReasonPhoneLength
	}
	return dst, ""
}

// cutExtension drops an extension: everything from the first 'x' (which
// also starts "ext", "ext." and "extension" once the 'e' is dropped as a
// letter), '#' or ';' (";ext=" in RFC 3966 form).
func cutExtension(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'x', 'X', '#', ';':
			s = s[:i]
			// drop the "e" of "ext" and any trailing separators
			for len(s) > 0 && !isDigit(s[len(s)-1]) && s[len(s)-1] != '+' {
				s = s[:len(s)-1]
			}
			return s
		}
	}
	return s
}

// appendIntlDigits keeps the ASCII digits of s after the international
// prefix, skipping leading zeros (no country code starts with 0, so they
// are a doubled prefix as in "+0044") and a "(0)" trunk marker ("+44 (0)20
// …", also "( 0 )").
func appendIntlDigits(dst []byte, s string) []byte {
	lead := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '(' {
			if j := trunkMarkerEnd(s, i+1); j > 0 {
				i = j
				continue
			}
		}
		if isDigit(c) && !(lead && c == '0') {
			lead = false
			dst = append(dst, c)
		}
	}
	return dst
}

// trunkMarkerEnd returns the index of the ')' closing a "(0)" trunk marker
// whose '(' is just before s[i] (spaces allowed around the 0), or 0.
func trunkMarkerEnd(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == len(s) || s[i] != '0' {
		return 0
	}
	for i++; i < len(s) && s[i] == ' '; i++ {
	}
	if i < len(s) && s[i] == ')' {
		return i
	}
	return 0
}

// asciiPhone rewrites the decimal digits of other scripts (fullwidth,
// Arabic-Indic, Devanagari, …) as ASCII digits and a fullwidth plus as '+',
// so that no digit is silently dropped from a number.
func asciiPhone(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		case r == '\uff0b':
			b = append(b, '+')
		case unicode.IsDigit(r):
			b = append(b, digitValue(r))
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// digitValue returns the ASCII digit of a decimal digit r (general category
// Nd). Unicode encodes every such digit in runs of ten from 0 to 9 (a
// stability guarantee), so its value is its distance from the start of its
// run, modulo 10 for runs of several sets (the mathematical digits).
func digitValue(r rune) byte {
	z := r
	for unicode.IsDigit(z - 1) {
		z--
	}
	return byte('0' + (r-z)%10)
}

type phoneError struct{}

func (phoneError) Error() string { return "phone" }

// appendNational parses s with the numbering plan of region cc.
func appendNational(dst []byte, s, cc string) (out []byte, err error) {
	defer func() {
		// The port is large and panics on input have been reported upstream
		// over the years; never let one escape this package.
		if recover() != nil {
			out, err = dst, phoneError{}
		}
	}()
	num, err := phonenumbers.Parse(s, strings.ToUpper(cc))
	if err != nil {
		return dst, err
	}
	// A local number without its area code ("555-1212" in the US) or a
	// number of another plan is no E.164 number of this country.
	if phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE {
		return dst, phoneError{}
	}
	dst = strconv.AppendInt(dst, int64(num.GetCountryCode()), 10)
	return append(dst, phonenumbers.GetNationalSignificantNumber(num)...), nil
}

// isNANP selects the fast path for the most common national input, a US
// number written with its ten digits (optionally after the trunk "1") and
// the usual separators. It gives what phonenumbers gives for such input
// (checked by TestNANPFastPathMatchesLibphonenumber) without its cost, and
// reports false for anything else, which then goes to phonenumbers.
func isNANP(s string) bool {
	n := 0
	var d0, d1 byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if n == 0 {
				d0 = c
			} else if n == 1 {
				d1 = c
			}
			n++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return false
		}
	}
	return n == 10 && d0 >= '2' || n == 11 && d0 == '1' && d1 >= '2'
}

// appendNANP appends the E.164 digits of s, for which isNANP holds.
func appendNANP(dst []byte, s string) []byte {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	if n == 10 {
		dst = append(dst, '1')
	}
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			dst = append(dst, s[i])
		}
	}
	return dst
}

// dropTrunk removes a trunk (national) prefix written after the country
// code of the international digits dst[n:] ("+44 020 7946 0958", "+49 030
// …"), as libphonenumber parses such input, when the number without it is
// valid and the digits as written are not (so that a valid number that
// happens to start with the prefix digit, and any normalized value, is
// kept as is). Digits whose national part does not start with the
// country's prefix, the common case, cost two map lookups and nothing else.
func dropTrunk(dst []byte, n int) []byte {
	d := dst[n:]
	if len(d) < 9 || len(d) > 17 {
		return dst
	}
	for l := 1; l <= 3; l++ {
		cc := 0
		for _, c := range d[:l] {
			cc = cc*10 + int(c-'0')
		}
		region := phonenumbers.GetRegionCodeForCountryCode(cc)
		if region == phonenumbers.UNKNOWN_REGION {
			continue
		}
		prefix := phonenumbers.GetNddPrefixForRegion(region, true)
		rest := d[l:]
		if prefix == "" || len(rest) <= len(prefix) || string(rest[:len(prefix)]) != prefix {
			return dst
		}
		if nsn, ok := withoutTrunk(cc, string(rest), len(prefix)); ok {
			return append(dst[:n+l], nsn...)
		}
		return dst
	}
	return dst
}

// withoutTrunk returns the national significant number libphonenumber
// reads from +cc rest when that is rest without its first np digits, valid,
// and rest itself is not a valid number.
func withoutTrunk(cc int, rest string, np int) (nsn string, ok bool) {
	defer func() {
		if recover() != nil {
			nsn, ok = "", false
		}
	}()
	zeros := 0
	for zeros < len(rest) && rest[zeros] == '0' {
		zeros++
	}
	v, err := strconv.ParseUint(rest, 10, 64)
	if err != nil {
		return "", false
	}
	cc32, italian, nz := int32(cc), zeros > 0, int32(max(zeros, 1))
	asGiven := &phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &v}
	if italian {
		asGiven.ItalianLeadingZero = &italian
		asGiven.NumberOfLeadingZeros = &nz
	}
	if phonenumbers.IsValidNumber(asGiven) {
		return "", false
	}
	num, err := phonenumbers.Parse("+"+strconv.Itoa(cc)+rest, phonenumbers.UNKNOWN_REGION)
	if err != nil || int(num.GetCountryCode()) != cc {
		return "", false
	}
	nsn = phonenumbers.GetNationalSignificantNumber(num)
	if nsn != rest[np:] || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return nsn, true
}
