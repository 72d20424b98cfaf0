package hashing

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var fuzzCountries = []string{"", "us", "gb", "de", "fr", "in", "br", "jp", "it", "ca", "aq"}

func fuzzSeeds(f *testing.F) {
	for _, cs := range loadGolden(f) {
		for i, c := range cs {
			f.Add(uint8(keyIndex(c.Key)), c.In, uint8(i%len(fuzzCountries)), c.DayFirst)
		}
	}
	for _, s := range []string{"", "\xff", "+", "00", "(0)", "x", "@", "@@.", "İ", "ΣΣ", "ß", "e\u0301", "\u0345", "ǅ", "ﬀ", "1e999", "0x1p3"} {
		f.Add(uint8(0), s, uint8(0), false)
	}
}

// FuzzNormalize checks, for every key: no panic; rejected values give ""
// and an error that names only key, reason and position; accepted values
// stay within the key's character set and normalize to themselves again;
// Hash and AppendHash agree and give 64 lowercase hex digits for hashed keys.
func FuzzNormalize(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, ki uint8, v string, ci uint8, dayFirst bool) {
		k := allKeys[int(ki)%len(allKeys)]
		cc := fuzzCountries[int(ci)%len(fuzzCountries)]
		opts := []func(*Options){WithCountry(cc)}
		if dayFirst {
			opts = append(opts, WithDateOrder(DayFirst))
		}
		h, err := New(opts...)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if k == Email {
			// The one-pass fast path must agree with the general path.
			if fast, missing, ok := appendEmailFast(nil, v); ok && !missing {
				p, _ := prepare(v)
				slow, r := appendEmail(nil, p)
				if r != "" || string(fast) != string(slow) {
					t.Fatalf("email fast path accepted what the general path gives %q for", r)
				}
			}
		}
		out, err := h.Normalize(k, v)
		var reason Reason
		if err != nil {
			he, ok := err.(*Error)
			if !ok {
				t.Fatalf("%s: error of type %T", k, err)
			}
			reason = he.Reason
			if err.Error() != (&Error{Key: he.Key, Reason: he.Reason}).Error() {
				t.Fatalf("%s: error message carries more than key and reason", k)
			}
			if he.Rejected() && out != "" {
				t.Fatalf("%s: rejected (%s) but returned a value", k, he.Reason)
			}
		}
		wire, herr := h.Hash(k, v)
		if (herr == nil) != (err == nil) {
			t.Fatalf("%s: Normalize and Hash disagree on the error", k)
		}
		buf, r := h.AppendHash(make([]byte, 0, 8), k, v)
		if string(buf) != wire || r != reason {
			t.Fatalf("%s: AppendHash disagrees with Hash", k)
		}
		if out == "" {
			if wire != "" {
				t.Fatalf("%s: missing value hashed", k)
			}
			return
		}
		prehashed := k.Hashed() && isHex64(trim(v))
		if k.Hashed() {
			if !isLowerHex64(wire) {
				t.Fatalf("%s: wire value is not 64 lowercase hex", k)
			}
		} else if wire != out {
			t.Fatalf("%s: unhashed key's wire value differs from the normalized one", k)
		}
		if prehashed {
			if out != wire {
				t.Fatalf("%s: pre-hashed value not passed through", k)
			}
			return
		}
		if msg := checkCharset(k, out, cc); msg != "" {
			t.Fatalf("%s: output %s", k, msg)
		}
		again := out
		if k == Phone {
			again = "+" + out // the normalized form has no '+'; re-feed it as E.164
		}
		out2, err2 := h.Normalize(k, again)
		if k == Phone && reason == ReasonPhoneNoCountry {
			// re-fed with '+', the number no longer needs a country
			if err2 != nil || out2 != out {
				t.Fatalf("%s: not idempotent (re-fed as international)", k)
			}
			return
		}
		if out2 != out || (err2 == nil) != (err == nil) {
			t.Fatalf("%s: not idempotent (country %q, second error %v)", k, cc, err2)
		}
	})
}

func isLowerHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && !('a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// checkCharset returns "" when out only holds what the key's rule allows.
func checkCharset(k Key, out, cc string) string {
	if !utf8.ValidString(out) {
		return "is not UTF-8"
	}
	letters := func(s string) string {
		for _, r := range s {
			if 'A' <= r && r <= 'Z' {
				return "has upper-case ASCII"
			}
			if !unicode.IsLetter(r) && !unicode.Is(unicode.M, r) {
				return "has a character that is neither letter nor mark"
			}
		}
		return ""
	}
	digits := func(s string, min, max int) string {
		if len(s) < min || len(s) > max || !allDigits(s) {
			return "is not " + strconv.Itoa(min) + "–" + strconv.Itoa(max) + " digits"
		}
		return ""
	}
	switch k {
	case Email:
		if strings.Count(out, "@") != 1 || strings.IndexFunc(out, isTrimmed) >= 0 || out != strings.ToLower(out) {
			return "is not one lowercase local@domain without white space"
		}
	case Phone:
		return digits(out, 8, 15)
	case FirstName, LastName, City, State:
		if (k == City || k == State) && hasLatinDiacritic(out) {
			return "has a Latin letter with a diacritic"
		}
		// combining marks only follow the letter they belong to
		if r, _ := utf8.DecodeRuneInString(out); !unicode.IsLetter(r) {
			return "does not start with a letter"
		}
		return letters(out)
	case FirstInitial:
		if r, _ := utf8.DecodeRuneInString(out); utf8.RuneCountInString(out) != 1 || !unicode.IsLetter(r) {
			return "is not one letter"
		}
		return letters(out)
	case Zip:
		if strings.ContainsAny(out, "- \t") || strings.IndexFunc(out, isTrimmed) >= 0 {
			return "has white space or '-'"
		}
		if cc == "us" {
			return digits(out, 5, 5)
		}
		if out != strings.ToLower(out) && isASCII(out) {
			return "has upper-case ASCII"
		}
	case Country:
		if len(out) != 2 || !isLowerASCIILetter(out[0]) || !isLowerASCIILetter(out[1]) {
			return "is not two lowercase letters"
		}
	case BirthYear:
		return digits(out, 4, 4)
	case BirthMonth, BirthDay:
		return digits(out, 2, 2)
	case DOB:
		return digits(out, 8, 8)
	case Gender:
		if out != "m" && out != "f" {
			return "is not m or f"
		}
	case MobileAdID:
		if len(out) != 36 || out != strings.ToLower(out) || strings.Count(out, "-") != 4 {
			return "is not a lowercase UUID"
		}
	case ExternID:
		if out != trim(out) {
			return "is not trimmed"
		}
	case LookalikeValue:
		f, err := strconv.ParseFloat(out, 64)
		if err != nil || f < 0 {
			return "is not a number ≥ 0"
		}
		if strings.ContainsAny(out, "eE+-") || len(out) > maxNumberText ||
			strings.Contains(out, ".") && strings.HasSuffix(out, "0") ||
			len(out) > 1 && out[0] == '0' && out[1] != '.' {
			return "is not canonical decimal text"
		}
	}
	return ""
}

// hasLatinDiacritic reports a Latin letter followed (in NFD) by a combining
// mark, or a Latin letter the CT rule folds by table.
func hasLatinDiacritic(s string) bool {
	latin := false
	for _, r := range norm.NFD.String(s) {
		if _, ok := latinSpecial[r]; ok {
			return true
		}
		if unicode.Is(unicode.M, r) {
			if latin {
				return true
			}
			continue
		}
		latin = unicode.Is(unicode.Latin, r)
	}
	return false
}

// FuzzHashRow checks the row API: no panic, one cell per schema key, hashed
// cells are 64 lowercase hex or missing, every issue names a schema key (or
// the COUNTRY that was used), and a cell given directly agrees with HashIn
// under the row's country.
func FuzzHashRow(f *testing.F) {
	f.Add("Ann@Example.com", "020 7946 0958", "Ann", "SW1A 1AA", "United Kingdom", "1990-02-30", "F")
	f.Add("", "(650) 555-1212", "İsmail", "2134", "us", "2/16/1997", "x")
	f.Add("a@b", "+1", "", "", "Atlantis", "", "")
	f.Fuzz(func(t *testing.T, email, phone, fn, zip, country, dob, gen string) {
		h, err := New()
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		rec.Row = 3
		rec.Set(Email, email)
		rec.Set(Phone, phone)
		rec.Set(FirstName, fn)
		rec.Set(Zip, zip)
		rec.Set(Country, country)
		rec.Set(DOB, dob)
		rec.Set(Gender, gen)
		schema := []Key{Email, Phone, FirstName, FirstInitial, Zip, Country, BirthYear, BirthMonth, BirthDay, DOB, Gender}
		cells, errs := h.HashRow(nil, schema, &rec)
		if len(cells) != len(schema) {
			t.Fatalf("%d cells for %d keys", len(cells), len(schema))
		}
		for i, c := range cells {
			if c.Key() != schema[i] || (!c.IsMissing() && !isLowerHex64(c.Value())) {
				t.Fatalf("cell %d (%s) is not a digest", i, schema[i])
			}
		}
		for _, e := range errs {
			if e.Row != 3 || !(containsKey(schema, e.Key) || e.Key == Country) {
				t.Fatalf("issue for %s at row %d", e.Key, e.Row)
			}
		}
		cc := ""
		if n, err := Normalize(Country, country); err == nil {
			cc = n
		}
		for i, k := range []Key{Email, Phone, FirstName, Zip, Gender} {
			v := []string{email, phone, fn, zip, gen}[i]
			want, _ := h.HashIn(k, v, cc)
			if got := cells[indexOf(schema, k)].Value(); got != want {
				t.Fatalf("%s: row cell differs from HashIn", k)
			}
		}
	})
}

func indexOf(ks []Key, k Key) int {
	for i, x := range ks {
		if x == k {
			return i
		}
	}
	return -1
}
