package detect

import (
	"net/netip"
	"strings"
)

// Validators for values that hashing has no key for (cards, national ids,
// IP addresses, digests). Each takes a trimmed value and never allocates
// more than a small fixed buffer.

// digitsOf copies the ASCII digits of s into buf, allowing only the given
// separators between them; ok is false for any other character or more
// digits than buf holds.
func digitsOf(buf []byte, s string, seps string) ([]byte, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return nil, false
			}
			buf[n] = c
			n++
		case strings.IndexByte(seps, c) >= 0:
		default:
			return nil, false
		}
	}
	return buf[:n], n > 0
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// isCard reports a payment card number: 13–19 digits (spaces or '-'
// between groups allowed), a major network's first digit (2–6) and a valid
// Luhn check digit.
func isCard(s string) bool {
	if len(s) < 13 || len(s) > 23 {
		return false
	}
	var b [24]byte
	d, ok := digitsOf(b[:], s, " -")
	if !ok || len(d) < 13 || len(d) > 19 || d[0] < '2' || d[0] > '6' {
		return false
	}
	if allSame(d) {
		return false
	}
	return luhn(d)
}

func allSame(d []byte) bool {
	for _, c := range d {
		if c != d[0] {
			return false
		}
	}
	return true
}

// ssnForm tells a US Social Security number written as AAA-GG-SSSS (one
// separator, '-', ' ' or '.', used twice) from bare nine digits.
type ssnForm uint8

const (
	ssnNone ssnForm = iota
	ssnBare
	ssnDashed
)

// usSSN checks the SSA's rules: area not 000, 666 or 900–999, group not 00,
// serial not 0000, and not one of the well-known example numbers.
func usSSN(s string) ssnForm {
	var d [9]byte
	form := ssnNone
	switch len(s) {
	case 9:
		for i := 0; i < 9; i++ {
			if s[i] < '0' || s[i] > '9' {
				return ssnNone
			}
			d[i] = s[i]
		}
		form = ssnBare
	case 11:
		sep := s[3]
		if sep != '-' && sep != ' ' && sep != '.' || s[6] != sep {
			return ssnNone
		}
		j := 0
		for i := 0; i < 11; i++ {
			if i == 3 || i == 6 {
				continue
			}
			if s[i] < '0' || s[i] > '9' {
				return ssnNone
			}
			d[j] = s[i]
			j++
		}
		form = ssnDashed
	default:
		return ssnNone
	}
	area, group, serial := string(d[:3]), string(d[3:5]), string(d[5:])
	if area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000" {
		return ssnNone
	}
	switch string(d[:]) {
	case "123456789", "078051120", "219099999", "987654320", "987654321":
		return ssnNone
	}
	return form
}

// euNationalID reports the common European national identifier forms that
// carry a check: UK National Insurance number, French NIR, Spanish DNI and
// NIE, Italian codice fiscale, Polish PESEL, Swedish personnummer and
// Belgian national number. Dutch BSN (a nine-digit 11-test that one random
// number in eleven passes) is bsn, used only with a header hint.
func euNationalID(s string) bool {
	return ukNINO(s) || frNIR(s) || esDNI(s) || itCodiceFiscale(s) || plPESEL(s) || sePersonnummer(s) || beNationalNumber(s)
}

func compact(buf []byte, s string) []byte {
	n := 0
	for i := 0; i < len(s) && n < len(buf); i++ {
		c := s[i]
		if c == ' ' || c == '-' || c == '.' {
			continue
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isNum(c byte) bool   { return '0' <= c && c <= '9' }

func ukNINO(s string) bool {
	if len(s) < 9 || len(s) > 13 {
		return false
	}
	var b [16]byte
	d := compact(b[:], s)
	if len(d) != 9 || !isUpper(d[0]) || !isUpper(d[1]) || d[8] < 'A' || d[8] > 'D' {
		return false
	}
	if strings.IndexByte("DFIQUV", d[0]) >= 0 || strings.IndexByte("DFIOQUV", d[1]) >= 0 {
		return false
	}
	switch string(d[:2]) {
	case "BG", "GB", "NK", "KN", "TN", "NT", "ZZ":
		return false
	}
	for _, c := range d[2:8] {
		if !isNum(c) {
			return false
		}
	}
	return true
}

func frNIR(s string) bool {
	if len(s) < 15 || len(s) > 21 {
		return false
	}
	var b [24]byte
	d := compact(b[:], s)
	if len(d) != 15 || d[0] != '1' && d[0] != '2' {
		return false
	}
	var n uint64
	for i, c := range d[:13] {
		switch {
		case isNum(c):
			n = n*10 + uint64(c-'0')
		case i == 6 && d[5] == '2' && (c == 'A' || c == 'B'):
			// Corsica: 2A counts as 19, 2B as 18 (the '2' is already in n).
			n = n/10*10 + 1
			if c == 'A' {
				n = n*10 + 9
			} else {
				n = n*10 + 8
			}
		default:
			return false
		}
	}
	if !isNum(d[13]) || !isNum(d[14]) {
		return false
	}
	key := uint64(d[13]-'0')*10 + uint64(d[14]-'0')
	month := int(d[3]-'0')*10 + int(d[4]-'0')
	return key == 97-n%97 && (month >= 1 && month <= 12 || month >= 20)
}

const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

func esDNI(s string) bool {
	if len(s) < 9 || len(s) > 11 {
		return false
	}
	var b [12]byte
	d := compact(b[:], s)
	if len(d) != 9 {
		return false
	}
	n := 0
	start := 0
	switch d[0] {
	case 'X', 'Y', 'Z':
		n = int(d[0] - 'X')
		start = 1
	}
	for _, c := range d[start:8] {
		if !isNum(c) {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return d[8] == dniLetters[n%23]
}

// codice fiscale check character tables: odd positions (1st, 3rd, …).
var cfOdd = [36]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

func itCodiceFiscale(s string) bool {
	if len(s) != 16 {
		return false
	}
	var b [16]byte
	d := compact(b[:], s)
	if len(d) != 16 {
		return false
	}
	// LLLLLL DD L DD L DDD L, digits possibly replaced by letters (omocodia).
	for i, c := range d {
		letter := isUpper(c)
		switch i {
		case 0, 1, 2, 3, 4, 5, 8, 11, 15:
			if !letter {
				return false
			}
		default:
			if !letter && !isNum(c) {
				return false
			}
		}
	}
	if strings.IndexByte("ABCDEHLMPRST", d[8]) < 0 {
		return false
	}
	sum := 0
	for i, c := range d[:15] {
		var v int
		if isNum(c) {
			v = int(c - '0')
		} else {
			v = int(c - 'A')
		}
		if i%2 == 0 {
			idx := v
			if !isNum(c) {
				idx = 10 + v
			}
			sum += cfOdd[idx]
		} else {
			sum += v
		}
	}
	return d[15] == byte('A'+sum%26)
}

func plPESEL(s string) bool {
	if len(s) != 11 {
		return false
	}
	w := [10]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := 0; i < 11; i++ {
		if !isNum(s[i]) {
			return false
		}
		if i < 10 {
			sum += w[i] * int(s[i]-'0')
		}
	}
	month := int(s[2]-'0')*10 + int(s[3]-'0')
	day := int(s[4]-'0')*10 + int(s[5]-'0')
	if month%20 < 1 || month%20 > 12 || day < 1 || day > 31 {
		return false
	}
	return int(s[10]-'0') == (10-sum%10)%10
}

func sePersonnummer(s string) bool {
	// YYMMDD-NNNN or YYYYMMDD-NNNN ('+' for over 100), Luhn over the last ten digits.
	if len(s) != 11 && len(s) != 13 {
		return false
	}
	sep := s[len(s)-5]
	if sep != '-' && sep != '+' {
		return false
	}
	var b [12]byte
	d, ok := digitsOf(b[:], s, "-+")
	if !ok || len(d) != len(s)-1 {
		return false
	}
	d = d[len(d)-10:]
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	day := int(d[4]-'0')*10 + int(d[5]-'0')
	if month < 1 || month > 12 || day < 1 || day > 91 {
		return false
	}
	return luhn(d)
}

func beNationalNumber(s string) bool {
	// YY.MM.DD-NNN.CC: the check is 97 - (first nine digits mod 97), with a
	// leading 2 for births from 2000.
	if len(s) < 11 || len(s) > 15 {
		return false
	}
	var b [16]byte
	d, ok := digitsOf(b[:], s, ".- ")
	if !ok || len(d) != 11 {
		return false
	}
	// Only the punctuated form: bare eleven digits are too often other numbers.
	if len(s) == 11 {
		return false
	}
	var n uint64
	for _, c := range d[:9] {
		n = n*10 + uint64(c-'0')
	}
	check := uint64(d[9]-'0')*10 + uint64(d[10]-'0')
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	if month > 12 {
		return false
	}
	return check == 97-n%97 || check == 97-(2000000000+n)%97
}

// nlBSN applies the Dutch 11-test to nine digits.
func nlBSN(s string) bool {
	if len(s) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		if !isNum(s[i]) {
			return false
		}
		w := 9 - i
		if i == 8 {
			w = -1
		}
		sum += w * int(s[i]-'0')
	}
	return sum != 0 && sum%11 == 0
}

// isIP reports an IPv4 or IPv6 address.
func isIP(s string) bool {
	if len(s) < 7 || len(s) > 45 {
		return false
	}
	if strings.IndexByte(s, ':') < 0 && strings.Count(s, ".") != 3 {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

// isUUID reports 8-4-4-4-12 hex digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHexDigit(c) {
				return false
			}
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return isNum(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hexLen returns len(s) when s is all hex digits with at least one letter
// among them or long enough not to be a number, else 0.
func hexLen(s string) int {
	if len(s) < 32 {
		return 0
	}
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return 0
		}
	}
	return len(s)
}
