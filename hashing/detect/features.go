package detect

import (
	"hash/maphash"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/nyaruka/phonenumbers"
)

// feature is one thing a value can be evidence of.
type feature uint8

const (
	fEmail       feature = iota // hashing's EMAIL rule accepts it
	fPhoneIntl                  // '+' or "00" first, hashing accepts it, libphonenumber says valid
	fPhoneFmt                   // national, with separators, valid in a region
	fPhoneDigits                // digits only, valid in a region
	fCard                       // payment card (Luhn)
	fSSN                        // US SSN written AAA-GG-SSSS
	fSSNBare                    // nine digits that pass the SSN rules
	fEUID                       // a European national id with a valid check
	fBSN                        // nine digits passing the Dutch 11-test
	fIP                         // IPv4 or IPv6 address
	fUUID                       // 8-4-4-4-12 hex
	fHex64                      // 64 hex digits
	fHexOther                   // 32, 40 or 128 hex digits
	fDate                       // a whole date hashing's DOB rule accepts
	fBirthDate                  // ... of someone aged 14 to 110
	fYear                       // four digits hashing's DOBY accepts
	fBirthYear                  // ... of someone aged 14 to 110
	fMonth                      // hashing's DOBM accepts it alone
	fDay                        // hashing's DOBD accepts it alone
	fGender                     // hashing's GEN accepts it
	fZipUS                      // a US ZIP form hashing accepts for a US row
	fPostcode                   // another country's postcode shape
	fCountry                    // hashing's COUNTRY accepts it
	fStateUS                    // hashing's ST accepts it for a US row
	fInitial                    // one letter, maybe with a dot
	fWord                       // one to four words of letters
	fFirstDict                  // a known given name
	fLastDict                   // a known family name
	fCityDict                   // a known city
	fText                       // free text: four words or more
	fTextPII                    // free text holding an email, phone, card or SSN
	fNumeric                    // digits only
	numFeatures
)

// maxPhoneChecks bounds the libphonenumber parses per column (the costly
// check); the share found valid among them stands for the rest.
const maxPhoneChecks = 150

var phoneRegions = []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "IN", "JP", "AU", "CA", "MX", "PL", "SE"}

// column accumulates the evidence of one column's sampled values. It keeps
// counts and hashes, never values.
type column struct {
	name  string
	hint  hint
	n     int // non-empty values
	empty int
	cnt   [numFeatures]int

	distinct map[uint64]struct{}
	genders  [2]int // m, f

	phoneTried, phoneValid int // among national phone candidates
	phoneCand              int
	intlTried, intlValid   int
	intlCand               int

	// numeric order in the leading (file-order) values, for ids
	prevNum                uint64
	havePrev               bool
	ordered, pairs         int
	minNum, maxNum         uint64
	numSeen                int
	stateOnly, countryOnly int
	hex64Upper             int
	minYear, maxYear       int // of whole dates
	emptyDigest            int
}

type evaluator struct {
	month, day *hashing.Hasher // month-first and day-first date readers
	regions    []string
	seed       maphash.Seed
	thisYear   int
}

func (e *evaluator) add(c *column, v string, inOrder bool) {
	v = strings.TrimSpace(v)
	if v == "" || v == `""` {
		c.empty++
		return
	}
	c.n++
	if c.distinct == nil {
		c.distinct = make(map[uint64]struct{})
	}
	if len(c.distinct) < 1<<14 {
		c.distinct[maphash.String(e.seed, strings.ToLower(v))] = struct{}{}
	}
	if !utf8.ValidString(v) {
		return
	}
	has := func(f feature) { c.cnt[f]++ }

	numeric := allDigits(v)
	if numeric {
		has(fNumeric)
		if inOrder && len(v) <= 18 {
			x := parseUint(v)
			if c.havePrev {
				c.pairs++
				if x >= c.prevNum {
					c.ordered++
				}
			}
			c.prevNum, c.havePrev = x, true
		}
		if len(v) <= 18 {
			x := parseUint(v)
			if c.numSeen == 0 || x < c.minNum {
				c.minNum = x
			}
			if c.numSeen == 0 || x > c.maxNum {
				c.maxNum = x
			}
			c.numSeen++
		}
	}

	// Identifiers with a shape of their own.
	if strings.IndexByte(v, '@') >= 0 {
		if _, err := e.month.Normalize(hashing.Email, v); err == nil {
			has(fEmail)
		}
	}
	if n := hexLen(v); n > 0 {
		switch n {
		case 64:
			has(fHex64)
			if strings.ToLower(v) != v {
				c.hex64Upper++
			}
			if strings.EqualFold(v, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {
				c.emptyDigest++
			}
		case 32, 40, 128:
			has(fHexOther)
		}
	}
	if isUUID(v) {
		has(fUUID)
	}
	if isIP(v) {
		has(fIP)
	}
	if isCard(v) {
		has(fCard)
	}
	switch usSSN(v) {
	case ssnDashed:
		has(fSSN)
	case ssnBare:
		has(fSSNBare)
	}
	if euNationalID(v) {
		has(fEUID)
	}
	if nlBSN(v) {
		has(fBSN)
	}

	// Dates and their parts, by hashing's own rules.
	digits := countDigits(v)
	isDate := false
	if digits >= 6 && len(v) <= 10 {
		out, err := e.month.Normalize(hashing.DOB, v)
		if err != nil {
			out, err = e.day.Normalize(hashing.DOB, v)
		}
		if err == nil && len(out) == 8 {
			isDate = true
			has(fDate)
			y := atoi(out[:4])
			if c.cnt[fDate] == 1 || y < c.minYear {
				c.minYear = y
			}
			if y > c.maxYear {
				c.maxYear = y
			}
			if age := e.thisYear - y; age >= 14 && age <= 110 {
				has(fBirthDate)
			}
		}
	}

	// Phones (a date is not one, though libphonenumber may read it so).
	if !isDate && digits >= 7 && digits <= 17 && phoneChars(v) {
		switch {
		case v[0] == '+' || strings.HasPrefix(v, "00"):
			c.intlCand++
			if c.intlTried < maxPhoneChecks {
				c.intlTried++
				if _, err := e.month.Normalize(hashing.Phone, v); err == nil && validPhone(v, "ZZ") {
					c.intlValid++
				}
			}
		default:
			c.phoneCand++
			// Stop early on a column that is plainly not phones: after 30
			// tries with under a fifth valid, the share stays what it is.
			if c.phoneTried < maxPhoneChecks && !(c.phoneTried >= 30 && c.phoneValid*5 < c.phoneTried) {
				c.phoneTried++
				if e.validNational(v) {
					c.phoneValid++
					if numeric {
						has(fPhoneDigits)
					} else {
						has(fPhoneFmt)
					}
				}
			}
		}
	}

	if numeric && len(v) == 4 {
		if out, err := e.month.Normalize(hashing.BirthYear, v); err == nil {
			has(fYear)
			if age := e.thisYear - atoi(out); age >= 14 && age <= 110 {
				has(fBirthYear)
			}
		}
	}
	if numeric && len(v) <= 2 {
		if _, err := e.month.Normalize(hashing.BirthMonth, v); err == nil {
			has(fMonth)
		}
		if _, err := e.month.Normalize(hashing.BirthDay, v); err == nil {
			has(fDay)
		}
	}

	// Short codes and words.
	if len(v) <= 16 {
		if g, err := e.month.Normalize(hashing.Gender, v); err == nil {
			has(fGender)
			if g == "m" {
				c.genders[0]++
			} else {
				c.genders[1]++
			}
		}
	}
	if digits >= 5 && len(v) <= 12 && zipShape(v) {
		if _, err := e.month.NormalizeIn(hashing.Zip, v, "us"); err == nil {
			has(fZipUS)
		}
	}
	if postcodeShape(v) {
		has(fPostcode)
	}
	letters := digits == 0
	if letters && len(v) <= 60 {
		_, cerr := e.month.Normalize(hashing.Country, v)
		_, serr := e.month.NormalizeIn(hashing.State, v, "us")
		if cerr == nil {
			has(fCountry)
		}
		if serr == nil {
			has(fStateUS)
		}
		switch {
		case cerr == nil && serr != nil:
			c.countryOnly++
		case serr == nil && cerr != nil:
			c.stateOnly++
		}
		if isInitial(v) {
			has(fInitial)
		}
		if w := wordCount(v); w >= 1 && w <= 4 && len(v) <= 40 && isWordy(v) {
			has(fWord)
			d := dicts()
			f := foldWord(v)
			if d[0][f] || d[0][firstWord(v)] {
				has(fFirstDict)
			}
			if d[1][f] {
				has(fLastDict)
			}
			if d[2][f] {
				has(fCityDict)
			}
		}
	}
	if wordCount(v) >= 4 || len(v) >= 40 && strings.IndexByte(v, ' ') >= 0 {
		has(fText)
		if e.textHasPII(v) {
			has(fTextPII)
		}
	}
}

func (e *evaluator) validNational(v string) bool {
	for _, r := range e.regions {
		if validPhone(v, r) {
			return true
		}
	}
	return false
}

func validPhone(v, region string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	num, err := phonenumbers.Parse(v, region)
	return err == nil && phonenumbers.IsValidNumber(num)
}

// textHasPII looks for an email, a phone number, a card number or an SSN
// inside free text, token by token (a phone or card may span tokens
// separated by single spaces).
func (e *evaluator) textHasPII(v string) bool {
	fields := strings.Fields(v)
	for i, f := range fields {
		f = strings.Trim(f, ".,;:!?()[]<>\"'")
		if strings.IndexByte(f, '@') > 0 {
			if _, err := e.month.Normalize(hashing.Email, f); err == nil {
				return true
			}
		}
		if usSSN(f) == ssnDashed || euNationalID(f) {
			return true
		}
		// Join up to five tokens of digits and separators.
		run := ""
		for j := i; j < len(fields) && j < i+5; j++ {
			t := strings.Trim(fields[j], ".,;:!?()[]<>\"'")
			if t == "" || !phoneChars(t) {
				break
			}
			if run != "" {
				run += " "
			}
			run += t
			d := countDigits(run)
			if d >= 13 && isCard(run) {
				return true
			}
			if d >= 9 && d <= 15 && (run[0] == '+' && validPhone(run, "ZZ") || e.validNational(run)) {
				return true
			}
		}
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

func parseUint(s string) uint64 {
	var x uint64
	for i := 0; i < len(s); i++ {
		x = x*10 + uint64(s[i]-'0')
	}
	return x
}

func atoi(s string) int { return int(parseUint(s)) }

// phoneChars: digits and what people write between them.
func phoneChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && strings.IndexByte("+-. ()/", c) < 0 {
			return false
		}
	}
	return true
}

func zipShape(s string) bool {
	if len(s) == 5 || len(s) == 9 {
		return allDigits(s)
	}
	return len(s) >= 7 && allDigits(s[:5]) && (s[5] == '-' || s[5] == ' ') && allDigits(s[6:])
}

// postcodeShape recognizes the postcode forms of other countries: UK and
// Canadian alphanumeric codes, Dutch "1234 AB", and digit groups such as
// "100-0001", "01310-100", "00-950".
func postcodeShape(s string) bool {
	if len(s) < 4 || len(s) > 9 {
		return false
	}
	var letters, digits, other int
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			letters++
		case c == ' ' || c == '-':
			other++
		default:
			return false
		}
	}
	if other > 1 || digits == 0 {
		return false
	}
	if letters == 0 {
		return other == 1 && digits >= 5
	}
	// UK: A9 9AA … AA9A 9AA; CA: A9A 9A9; NL: 9999 AA.
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	n := len(s)
	switch {
	case n >= 5 && n <= 7 && isNum(s[n-3]) && isUpper(s[n-2]) && isUpper(s[n-1]) && isUpper(s[0]):
		return true
	case n == 6 && isUpper(s[0]) && isNum(s[1]) && isUpper(s[2]) && isNum(s[3]) && isUpper(s[4]) && isNum(s[5]):
		return true
	case n == 6 && allDigits(s[:4]) && isUpper(s[4]) && isUpper(s[5]):
		return true
	}
	return false
}

func isInitial(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(r) {
		return false
	}
	rest := s[n:]
	return rest == "" || rest == "."
}

func wordCount(s string) int { return len(strings.Fields(s)) }

// isWordy: letters, with spaces, '-', '\u2019', '\” and '.' between them.
func isWordy(s string) bool {
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.M, r):
			letters++
		case r == ' ' || r == '-' || r == '\'' || r == '\u2019' || r == '.':
		default:
			return false
		}
	}
	return letters >= 1
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " -"); i > 0 {
		return foldWord(s[:i])
	}
	return ""
}
