package hashing

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// appendPhone applies the PHONE rule. International input ('+' or "00"
// first) takes a fast path that never allocates: the extension is cut off,
// a "(0)" trunk marker dropped and the ASCII digits kept. National input is
// parsed with the numbering plan of the row's country (cc) into E.164;
// with no country its digits are kept without leading zeros and the value
// is flagged ReasonPhoneNoCountry.
func appendPhone(dst []byte, p prepared, cc string) ([]byte, Reason) {
	s := cutExtension(p.s)
	n := len(dst)
	switch {
	case len(s) > 0 && s[0] == '+':
		dst = appendIntlDigits(dst, s[1:])
	case len(s) > 1 && s[0] == '0' && s[1] == '0':
		dst = appendIntlDigits(dst, s[2:])
	case cc == "us" && isNANP(s):
		dst = appendNANP(dst, s)
	case cc != "" && phonenumbers.GetCountryCodeForRegion(strings.ToUpper(cc)) != 0:
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

// appendIntlDigits keeps the ASCII digits of s, skipping a "(0)" trunk
// marker ("+44 (0)20 …").
func appendIntlDigits(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '(' && i+2 < len(s) && s[i+1] == '0' && s[i+2] == ')' {
			i += 2
			continue
		}
		if isDigit(c) {
			dst = append(dst, c)
		}
	}
	return dst
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
