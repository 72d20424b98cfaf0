package hashing

import (
	"strconv"

	"github.com/cdpkit/cdpkit"
)

// ErrInvalid is the kind of every value that cannot be normalized under
// the rules: the cell becomes missing. Use errors.As with *Error for the key,
// reason and position. It matches cdpkit.ErrInvalid, the category shared by
// every cdpkit package.
var ErrInvalid = cdpkit.NewKind("hashing: invalid value", cdpkit.ErrInvalid)

// ErrWarning is the category of a value that was kept but may not match on
// Meta's side, such as a national phone number with no country to complete
// it ([ReasonPhoneNoCountry]). A function returning an error of this category
// also returns the value.
//
// It matches none of the shared cdpkit categories: a warning is not a
// failure.
var ErrWarning = cdpkit.NewKind("hashing: value kept with a warning", nil)

// ErrConfig is the category of a bad configuration, such as the HMAC scheme
// without a secret or an unknown default country. It is returned by [New]
// and by the package-level functions given such options. It matches
// cdpkit.ErrInvalid.
var ErrConfig = cdpkit.NewKind("hashing: invalid options", cdpkit.ErrInvalid)

// Reason is a stable, machine-readable code for why a value was rejected or
// flagged. It names the rule that failed, never the value.
type Reason string

// Reason codes. They name the rule that failed, never the value.
const (
	ReasonInvalidUTF8  Reason = "invalid_utf8"
	ReasonUnknownKey   Reason = "unknown_key"
	ReasonNotHashedKey Reason = "not_a_hashed_key"
	ReasonBadDigest    Reason = "bad_digest"
	// ReasonPreHashedKeyed: a 64-hex pre-hashed value under the keyed HMAC
	// scheme, where a public SHA-256 digest cannot be used.
	ReasonPreHashedKeyed Reason = "prehashed_under_hmac"

	ReasonEmailAt         Reason = "email_at_sign"    // not exactly one '@'
	ReasonEmailLocal      Reason = "email_local_part" // local part empty or over 64 characters
	ReasonEmailDomain     Reason = "email_domain"     // no dot, or a label empty, over 63 characters or with other characters than letters, digits and '-'
	ReasonEmailTLD        Reason = "email_tld"        // last label neither at least two letters nor punycode (xn--…)
	ReasonEmailWhitespace Reason = "email_whitespace" // white space, zero-width or control character inside
	ReasonEmailEdge       Reason = "email_edge"       // the local part or a domain label starts or ends with '.' or '-'
	ReasonEmailDots       Reason = "email_dots"       // two dots in a row in the local part or the domain
	ReasonEmailQuoted     Reason = "email_quoted"     // a quoted local part ("john"@…)
	ReasonEmailScheme     Reason = "email_scheme"     // a URI scheme prefix (mailto:…)

	ReasonPhoneLength    Reason = "phone_length"     // not 8–15 digits once normalized
	ReasonPhoneInvalid   Reason = "phone_invalid"    // a national number that is not a possible number of the country (libphonenumber)
	ReasonPhoneNoCountry Reason = "phone_no_country" // warning: national number kept without a country code

	ReasonNoLetters      Reason = "no_letters"      // FN, LN, FI, CT, ST: non-empty input without a single letter
	ReasonStateUnknown   Reason = "state_unknown"   // a US row whose ST is neither a state name nor a USPS code
	ReasonStateCountry   Reason = "state_country"   // an ISO 3166-2 ST ("US-CA") whose country part is not the row's COUNTRY
	ReasonZipFormat      Reason = "zip_format"      // a US row whose ZIP is not 3–5 digits, ZIP+4 or five digits, '-' and more digits
	ReasonCountryUnknown Reason = "country_unknown" // not an ISO 3166-1 alpha-2, alpha-3 or English name

	ReasonDateFormat     Reason = "date_format"     // not one of the accepted date or part forms
	ReasonYearRange      Reason = "year_range"      // year outside 1900…this year
	ReasonMonthRange     Reason = "month_range"     // month outside 01–12
	ReasonDayRange       Reason = "day_range"       // day outside 01–31
	ReasonDateImpossible Reason = "date_impossible" // a full date that does not exist, such as Feb 30

	ReasonGenderUnknown Reason = "gender_unknown" // not m, male, f or female once punctuation and white space are gone
	ReasonMADIDFormat   Reason = "madid_format"   // not a UUID 8-4-4-4-12
	ReasonNumberFormat  Reason = "number_format"  // LOOKALIKE_VALUE not a decimal number
	ReasonNumberRange   Reason = "number_range"   // LOOKALIKE_VALUE negative, or its canonical text over 64 characters
)

// Warning reports whether r flags a kept value rather than rejecting it.
func (r Reason) Warning() bool { return r == ReasonPhoneNoCountry }

// Error reports a rejected (or, for warnings, flagged) value: which key, why,
// and where (row and column when the caller supplied them). It never holds
// the value.
type Error struct {
	Key    Key
	Reason Reason
	// Row is the 1-based row number, or 0 when unknown.
	Row int
	// Column is the caller's column name, or "" when unknown.
	Column string
}

func (e *Error) Error() string {
	kind := "invalid"
	if e.Reason.Warning() {
		kind = "warning"
	}
	s := "hashing: " + strconv.Quote(string(e.Key)) + ": " + kind + ": " + string(e.Reason)
	if e.Row > 0 {
		s += " (row " + strconv.Itoa(e.Row)
		if e.Column != "" {
			s += ", column " + strconv.Quote(e.Column)
		}
		s += ")"
	} else if e.Column != "" {
		s += " (column " + strconv.Quote(e.Column) + ")"
	}
	return s
}

// Rejected reports whether the value was dropped (the cell is missing), as
// opposed to kept with a warning.
func (e *Error) Rejected() bool { return !e.Reason.Warning() }

// Is makes a rejection match [ErrInvalid] (and so cdpkit.ErrInvalid) and
// a warning match [ErrWarning].
func (e *Error) Is(target error) bool {
	if e.Reason.Warning() {
		return target == ErrWarning
	}
	return target == ErrInvalid || target == cdpkit.ErrInvalid
}

type configError struct{ msg string }

func (e *configError) Error() string { return "hashing: options: " + e.msg }
func (e *configError) Is(target error) bool {
	return target == ErrConfig || target == cdpkit.ErrInvalid
}
