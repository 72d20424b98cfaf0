package hashing

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// status says what appendNorm produced.
type status uint8

const (
	stMissing   status = iota // nothing appended
	stValue                   // a normalized value was appended
	stPreHashed               // a 64-hex digest was appended, to be passed through
	stPlain                   // a value of an unhashed key was appended
)

// isTrimmed reports the characters of global rule 2: Unicode white space,
// U+FEFF (BOM / zero-width no-break space), U+200B (zero-width space) and,
// through unicode.IsSpace, U+00A0.
func isTrimmed(r rune) bool {
	return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b'
}

// trim removes leading and trailing white space per global rule 2 without
// allocating.
func trim(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c < utf8.RuneSelf {
			if !asciiSpace(c) {
				break
			}
			s = s[1:]
			continue
		}
		r, n := utf8.DecodeRuneInString(s)
		if !isTrimmed(r) {
			break
		}
		s = s[n:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c < utf8.RuneSelf {
			if !asciiSpace(c) {
				break
			}
			s = s[:len(s)-1]
			continue
		}
		r, n := utf8.DecodeLastRuneInString(s)
		if !isTrimmed(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return s
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isLowerASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool            { return '0' <= c && c <= '9' }

// fold applies global rule 3 to a trimmed, valid, non-ASCII string: NFC,
// full language-neutral Unicode lowercasing, and NFC again in case lowering
// produced a sequence that composes (so that normalizing is idempotent).
func fold(s string) string {
	s = norm.NFC.String(s)
	s = cases.Lower(language.Und).String(s)
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	return s
}

// prepared is a value after global steps 1–3. For ASCII input the lowering
// is left to the key rules (they lowercase byte by byte, which lets the
// fast path avoid any allocation): s may still hold upper-case ASCII.
type prepared struct {
	s     string
	ascii bool
}

func prepare(v string) (prepared, Reason) {
	i := 0
	for i < len(v) && v[i] < utf8.RuneSelf {
		i++
	}
	if i == len(v) {
		return prepared{s: trim(v), ascii: true}, ""
	}
	if !utf8.ValidString(v[i:]) {
		return prepared{}, ReasonInvalidUTF8
	}
	v = trim(v)
	if isASCII(v) {
		return prepared{s: v, ascii: true}, ""
	}
	return prepared{s: fold(v)}, ""
}

// appendLowerASCII appends s lowercased byte by byte (s is ASCII, or
// already folded so that only its ASCII bytes may need it).
func appendLowerASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, lower(s[i]))
	}
	return dst
}

// appendNorm appends the normalized value of v under key k to dst. cc is
// the row's resolved country (alpha-2 lowercase) or "" when unknown.
func (h *Hasher) appendNorm(dst []byte, k Key, v string, cc string) ([]byte, status, Reason) {
	return h.appendNormAt(dst, keyIndex(k), v, cc)
}

// appendNormAt is appendNorm for the key at position ki of allKeys (-1 for
// an unknown key).
func (h *Hasher) appendNormAt(dst []byte, ki int, v string, cc string) ([]byte, status, Reason) {
	switch ki {
	case -1:
		return dst, stMissing, ReasonUnknownKey
	case idxExternID:
		if !utf8.ValidString(v) {
			return dst, stMissing, ReasonInvalidUTF8
		}
		v = trim(v)
		if v == "" {
			return dst, stMissing, ""
		}
		return append(dst, v...), stPlain, ""
	case idxEmail:
		if out, missing, ok := appendEmailFast(dst, v); ok {
			if missing {
				return dst, stMissing, ""
			}
			return out, stValue, ""
		}
	}
	p, r := prepare(v)
	if r != "" {
		return dst, stMissing, r
	}
	if p.s == "" {
		return dst, stMissing, ""
	}
	plain := ki == idxMADID || ki == idxLookalike
	if len(p.s) == 64 && !plain && !h.opts.RejectPreHashed && isHex64(p.s) {
		if h.macs != nil {
			return dst, stMissing, ReasonPreHashedKeyed
		}
		return appendLowerASCII(dst, p.s), stPreHashed, ""
	}
	n := len(dst)
	switch ki {
	case idxEmail:
		dst, r = appendEmail(dst, p)
	case idxPhone:
		dst, r = appendPhone(dst, p, cc)
	case idxFN, idxLN:
		dst, r = appendName(dst, p)
	case idxFI:
		dst, r = appendInitial(dst, p)
	case idxCity:
		dst, r = appendCity(dst, p.s)
	case idxState:
		dst, r = appendState(dst, p, cc)
	case idxZip:
		dst, r = appendZip(dst, p, cc)
	case idxCountry:
		dst, r = appendCountry(dst, p.s)
	case idxDOBY, idxDOBM, idxDOBD, idxDOB:
		dst, r = h.appendDate(dst, allKeys[ki], p.s)
	case idxGender:
		dst, r = appendGender(dst, p.s)
	case idxMADID:
		dst, r = appendMADID(dst, p.s)
	case idxLookalike:
		dst, r = appendNumber(dst, p.s)
	}
	if r != "" && !r.Warning() {
		return dst[:n], stMissing, r
	}
	if len(dst) == n {
		return dst, stMissing, r
	}
	if plain {
		return dst, stPlain, r
	}
	return dst, stValue, r
}

// ---- EMAIL ----------------------------------------------------------------

// appendEmail applies the EMAIL rule to a prepared value (for ASCII input,
// possibly upper-case; otherwise already folded). It checks the whole shape
// and names the first rule that fails, in this order: white space, the '@',
// a URI scheme prefix, a quoted local part, the local part's length, its
// dots and hyphens, then the domain.
func appendEmail(dst []byte, p prepared) ([]byte, Reason) {
	if r := emailReason(p.s, p.ascii); r != "" {
		return dst, r
	}
	return appendLowerASCII(dst, p.s), ""
}

func emailReason(s string, ascii bool) Reason {
	at := -1
	ats := 0
	for i, r := range s {
		if r < utf8.RuneSelf {
			c := byte(r)
			if c <= ' ' || c == 0x7f {
				return ReasonEmailWhitespace
			}
			if c == '@' {
				ats++
				at = i
			}
			continue
		}
		if !ascii && (isTrimmed(r) || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)) {
			return ReasonEmailWhitespace
		}
	}
	if ats != 1 {
		return ReasonEmailAt
	}
	local, domain := s[:at], s[at+1:]
	if hasURIScheme(local) {
		return ReasonEmailScheme
	}
	if len(local) > 0 && (local[0] == '"' || local[len(local)-1] == '"') {
		return ReasonEmailQuoted
	}
	if nl := utf8.RuneCountInString(local); nl < 1 || nl > 64 {
		return ReasonEmailLocal
	}
	if isEdge(local[0]) || isEdge(local[len(local)-1]) {
		return ReasonEmailEdge
	}
	if strings.Contains(local, "..") {
		return ReasonEmailDots
	}
	if strings.IndexByte(domain, '.') < 0 {
		return ReasonEmailDomain
	}
	if strings.Contains(domain, "..") {
		return ReasonEmailDots
	}
	if domain[0] == '.' || domain[len(domain)-1] == '.' {
		return ReasonEmailEdge
	}
	for domain != "" {
		label, rest, more := strings.Cut(domain, ".")
		domain = rest
		r := checkLabel(label, !more)
		if r == ReasonEmailTLD && isPunycodeLabel(label) {
			r = ""
		}
		if r != "" {
			return r
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return ReasonEmailEdge
		}
	}
	return ""
}

func isEdge(c byte) bool { return c == '.' || c == '-' }

// hasURIScheme reports a local part that begins with a URI scheme such as
// "mailto:" (letters first, then letters, digits, '+', '.' or '-', then
// ':').
func hasURIScheme(local string) bool {
	colon := strings.IndexByte(local, ':')
	if colon < 1 {
		return false
	}
	for i := 0; i < colon; i++ {
		c := lower(local[i])
		if !isLowerASCIILetter(c) && (i == 0 || !isDigit(c) && c != '+' && c != '.' && c != '-') {
			return false
		}
	}
	return true
}

// isPunycodeLabel reports an ACE label ("xn--" and at least one more
// letter, digit or '-'), the ASCII form of an internationalized TLD such
// as "xn--p1ai" (.рф).
func isPunycodeLabel(l string) bool {
	if len(l) < 5 || lower(l[0]) != 'x' || lower(l[1]) != 'n' || l[2] != '-' || l[3] != '-' {
		return false
	}
	for i := 4; i < len(l); i++ {
		c := lower(l[i])
		if !isLowerASCIILetter(c) && !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// Byte classes for the ASCII email fast path.
const (
	clOther  = iota // not allowed in a domain label
	clLetter        // A–Z, a–z
	clDigit         // 0–9, '-'
	clDot
	clAt      // from here on, the local-part loop of the fast path stops
	clSpace   // white space and control characters: never allowed
	clHigh    // bytes of non-ASCII characters
	clSpecial // '"' and ':' (quoted local parts, URI schemes): left to the general path
)

var emailClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 0x80:
			t[c] = clHigh
		case c <= ' ' || c == 0x7f:
			t[c] = clSpace
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			t[c] = clLetter
		case '0' <= c && c <= '9', c == '-':
			t[c] = clDigit
		case c == '.':
			t[c] = clDot
		case c == '@':
			t[c] = clAt
		case c == '"' || c == ':':
			t[c] = clSpecial
		}
	}
	return t
}()

// lowerTab lowercases ASCII bytes and leaves the others alone.
var lowerTab = func() (t [256]byte) {
	for i := range t {
		t[i] = lower(byte(i))
	}
	return t
}()

// appendEmailFast is the EMAIL hot path for the common case: ASCII input,
// not 64 characters long (so not pre-hashed), that passes every check. It
// trims ASCII white space and validates and lowercases in one pass. ok is
// false for anything else (non-ASCII bytes, a rejection, a punycode TLD),
// which the general path then handles, so both paths always agree.
func appendEmailFast(dst []byte, v string) (out []byte, missing, ok bool) {
	for len(v) > 0 && asciiSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && asciiSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	if len(v) == 0 {
		return dst, true, true
	}
	if len(v) == 64 || len(v) > 64+1+255 {
		return dst, false, false
	}
	n := len(dst)
	dst = slices.Grow(dst, len(v))[:n+len(v)]
	o := dst[n : n+len(v)]
	i := 0
	dots := false // a dot just before
	for ; i < len(v); i++ {
		c := v[i]
		cl := emailClass[c]
		if cl >= clAt || cl == clDot && dots {
			break
		}
		dots = cl == clDot
		o[i] = lowerTab[c]
	}
	if i == 0 || i > 64 || i == len(v) || v[i] != '@' || isEdge(v[0]) || isEdge(v[i-1]) {
		return dst[:n], false, false
	}
	o[i] = '@'
	label, labels, letters := 0, 0, true
	for i++; i < len(v); i++ {
		c := v[i]
		o[i] = lowerTab[c]
		switch emailClass[c] {
		case clLetter:
			label++
		case clDigit:
			if label == 0 && c == '-' {
				return dst[:n], false, false
			}
			label++
			letters = false
		case clDot:
			if label == 0 || label > 63 || v[i-1] == '-' {
				return dst[:n], false, false
			}
			labels++
			label, letters = 0, true
		default:
			return dst[:n], false, false
		}
	}
	if labels == 0 || label < 2 || label > 63 || !letters {
		return dst[:n], false, false
	}
	return dst, false, true
}

// checkLabel checks one domain label; the last one (the TLD) must be at
// least two letters.
func checkLabel(l string, tld bool) Reason {
	n, nl := 0, 0 // characters, letters
	letters := true
	for _, r := range l {
		n++
		switch {
		case r < utf8.RuneSelf:
			c := lower(byte(r))
			if isLowerASCIILetter(c) {
				nl++
				continue
			}
			letters = false
			if !isDigit(c) && c != '-' {
				return ReasonEmailDomain
			}
		case unicode.IsLetter(r):
			nl++
		case unicode.Is(unicode.M, r):
		case unicode.IsDigit(r):
			letters = false
		default:
			return ReasonEmailDomain
		}
	}
	if n < 1 || n > 63 {
		return ReasonEmailDomain
	}
	// The TLD is letters, with their combining marks, and at least two of
	// them are letters.
	if tld && (!letters || nl < 2) {
		return ReasonEmailTLD
	}
	return ""
}

// ---- FN, LN, FI ----------------------------------------------------------

func appendName(dst []byte, p prepared) ([]byte, Reason) {
	n := len(dst)
	if p.ascii {
		for i := 0; i < len(p.s); i++ {
			if c := lower(p.s[i]); isLowerASCIILetter(c) {
				dst = append(dst, c)
			}
		}
	} else {
		// A combining mark belongs to the character before it: it is kept
		// with a kept letter and dropped with a dropped character, so that
		// it never moves onto another letter ("a ́b" is "ab", not "áb").
		kept := false
		for _, r := range p.s {
			switch {
			case r < utf8.RuneSelf:
				c := lower(byte(r))
				kept = isLowerASCIILetter(c)
				if kept {
					dst = append(dst, c)
				}
			case unicode.Is(unicode.M, r):
				if kept {
					dst = utf8.AppendRune(dst, r)
				}
			default:
				kept = unicode.IsLetter(r)
				if kept {
					dst = utf8.AppendRune(dst, r)
				}
			}
		}
		dst = renormalize(dst, n)
	}
	if len(dst) == n {
		return dst, ReasonNoLetters
	}
	return dst, ""
}

// renormalize puts dst[n:] back into NFC when removing characters made two
// neighbours compose.
// It copies the bytes to a string first so that dst does not escape
// through the norm package (only non-ASCII values come here).
func renormalize(dst []byte, n int) []byte {
	s := string(dst[n:])
	if norm.NFC.IsNormalString(s) {
		return dst
	}
	return append(dst[:n], norm.NFC.String(s)...)
}

func appendInitial(dst []byte, p prepared) ([]byte, Reason) {
	n := len(dst)
	dst, r := appendName(dst, p)
	if r != "" {
		return dst, r
	}
	_, size := utf8.DecodeRune(dst[n:])
	return dst[:n+size], ""
}

// ---- CT, ST ---------------------------------------------------------------

// latinSpecial folds Latin letters that have no canonical decomposition.
var latinSpecial = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d",
	'ð': "d", 'þ': "th", 'ı': "i", 'ħ': "h", 'ŀ': "l", 'ŋ': "n", 'ŧ': "t",
	'ĸ': "k", 'ſ': "s", 'ƒ': "f", 'ɨ': "i", 'ʉ': "u",
}

// appendCity applies the CT rule: Latin letters lose their diacritics, then
// only letters are kept (for other scripts, letters with their combining
// marks, since those are part of the letter in abugidas).
func appendCity(dst []byte, s string) ([]byte, Reason) {
	n := len(dst)
	if isASCII(s) {
		for i := 0; i < len(s); i++ {
			if c := lower(s[i]); isLowerASCIILetter(c) {
				dst = append(dst, c)
			}
		}
	} else {
		latinBase := false
		keptBase := false
		for _, r := range norm.NFD.String(s) {
			switch {
			case r < utf8.RuneSelf:
				c := lower(byte(r))
				latinBase = isLowerASCIILetter(c)
				keptBase = latinBase
				if latinBase {
					dst = append(dst, c)
				}
			case unicode.Is(unicode.M, r):
				if keptBase && !latinBase {
					dst = utf8.AppendRune(dst, r)
				}
			case unicode.IsLetter(r):
				keptBase = true
				latinBase = unicode.Is(unicode.Latin, r)
				if f, ok := latinSpecial[r]; ok {
					dst = append(dst, f...)
				} else {
					dst = utf8.AppendRune(dst, r)
				}
			default:
				latinBase, keptBase = false, false
			}
		}
		dst = renormalize(dst, n)
	}
	if len(dst) == n {
		return dst, ReasonNoLetters
	}
	return dst, ""
}

func appendState(dst []byte, p prepared, cc string) ([]byte, Reason) {
	n := len(dst)
	s := p.s
	if country, sub, ok := isoSubdivision(s); ok {
		if cc != "" && cc != country {
			return dst, ReasonStateCountry
		}
		s, cc = sub, country
	}
	dst, r := appendCity(dst, s)
	if r != "" {
		return dst, r
	}
	if cc != "" && cc != "us" {
		return dst, ""
	}
	letters := dst[n:]
	if code, ok := usState(letters); ok {
		return append(dst[:n], code...), ""
	}
	if cc == "us" {
		return dst[:n], ReasonStateUnknown
	}
	return dst, ""
}

// isoSubdivision splits an ISO 3166-2 code ("US-CA", "de-by", "FR-75"):
// an alpha-2 country code COUNTRY accepts, '-', and one to three ASCII
// letters or digits. country is the lowercase alpha-2 code.
func isoSubdivision(s string) (country, sub string, ok bool) {
	if len(s) < 4 || len(s) > 6 || s[2] != '-' {
		return "", "", false
	}
	for i := 3; i < len(s); i++ {
		if c := lower(s[i]); !isLowerASCIILetter(c) && !isDigit(c) {
			return "", "", false
		}
	}
	cc, ok := countryPair(lower(s[0]), lower(s[1]))
	if !ok {
		return "", "", false
	}
	return cc, s[3:], true
}

// ---- ZIP ------------------------------------------------------------------

func appendZip(dst []byte, p prepared, cc string) ([]byte, Reason) {
	s := p.s
	if cc == "us" {
		return appendUSZip(dst, s, true)
	}
	n := len(dst)
	if p.ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if asciiSpace(c) || c == '-' {
				continue
			}
			dst = append(dst, lower(c))
		}
	} else {
		for _, r := range s {
			if r == '-' || isTrimmed(r) {
				continue
			}
			dst = utf8.AppendRune(dst, r)
		}
		dst = renormalize(dst, n)
	}
	// With no country, five digits, a '-' and more digits (ZIP+4, or a
	// longer hyphenated form) is a US ZIP.
	if cc == "" && p.ascii {
		if d, ok := usHyphenated(s); ok {
			return append(dst[:n], d...), ""
		}
	}
	// With no country, a value that is five or nine digits once white space
	// and '-' are gone (12345, 12345-6789, 12345 6789, 123456789) is taken
	// as a US ZIP. Deciding on the stripped form, not the raw one, keeps
	// normalization idempotent ("94105 1234" must not give a 9-digit value
	// that a second pass would cut to 5).
	if cc == "" {
		if d := dst[n:]; (len(d) == 5 || len(d) == 9) && allDigitsBytes(d) {
			return dst[:n+5], ""
		}
	}
	if len(dst) == n {
		return dst, ReasonZipFormat
	}
	return dst, ""
}

// zipSeparatorEnd returns the end of the run of white space holding at
// most one '-' that starts at s[i] (i itself when there is none), and
// whether it holds the '-'.
func zipSeparatorEnd(s string, i int) (int, bool) {
	dash := false
	for i < len(s) {
		c := s[i]
		switch {
		case c == '-' && !dash:
			dash = true
			i++
		case asciiSpace(c):
			i++
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !isTrimmed(r) {
				return i, dash
			}
			i += n
		default:
			return i, dash
		}
	}
	return i, dash
}

// usHyphenated reports a US ZIP in a hyphenated form: five digits, a
// separator holding a '-' (white space around it allowed), then one or more
// digits, possibly in several groups joined by '-' ("12345-6789",
// "12345-67", "12345-6789-01"). It returns the first five digits.
func usHyphenated(s string) (string, bool) {
	if len(s) < 7 || !allDigits(s[:5]) {
		return "", false
	}
	j, dash := zipSeparatorEnd(s, 5)
	if !dash || j == len(s) {
		return "", false
	}
	rest := s[j:]
	for rest != "" {
		group, more, found := strings.Cut(rest, "-")
		if !allDigits(group) || found && more == "" {
			return "", false
		}
		rest = more
	}
	return s[:5], true
}

func allDigitsBytes(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// appendUSZip accepts 3–5 digits (padding with zeros only when the row is
// known to be US), 12345-6789, "12345 6789", 123456789 and any longer
// hyphenated form that starts with five digits (usHyphenated), and keeps
// the first five digits. The ZIP+4 separator may be any run of white space
// with at most one '-' ("12345 - 6789"), between the fifth and sixth digit.
func appendUSZip(dst []byte, s string, pad bool) ([]byte, Reason) {
	if d, ok := usHyphenated(s); ok {
		return append(dst, d...), ""
	}
	var d [9]byte
	nd := 0
	sep := -1
	for i := 0; i < len(s); {
		c := s[i]
		if isDigit(c) {
			if nd == len(d) {
				return dst, ReasonZipFormat
			}
			d[nd] = c
			nd++
			i++
			continue
		}
		if nd != 5 || sep >= 0 {
			return dst, ReasonZipFormat
		}
		j, _ := zipSeparatorEnd(s, i)
		if j == i {
			return dst, ReasonZipFormat
		}
		sep, i = nd, j
	}
	switch {
	case sep == 5 && nd == 9, sep < 0 && (nd == 9 || nd == 5):
		return append(dst, d[:5]...), ""
	case sep < 0 && pad && (nd == 3 || nd == 4):
		for i := nd; i < 5; i++ {
			dst = append(dst, '0')
		}
		return append(dst, d[:nd]...), ""
	}
	return dst, ReasonZipFormat
}

// ---- COUNTRY --------------------------------------------------------------

func appendCountry(dst []byte, s string) ([]byte, Reason) {
	cc, ok := lookupCountry(s)
	if !ok {
		return dst, ReasonCountryUnknown
	}
	return append(dst, cc...), ""
}

// ---- GEN, MADID, LOOKALIKE_VALUE -----------------------------------------

// appendGender applies the GEN rule: punctuation and white space anywhere
// are ignored ("m.", "F-", "fe male"), then m, male, f or female.
func appendGender(dst []byte, s string) ([]byte, Reason) {
	var b [6]byte
	n := 0
	for _, r := range s {
		if r < utf8.RuneSelf {
			c := byte(r)
			if asciiSpace(c) || unicode.IsPunct(r) {
				continue
			}
			if n == len(b) {
				return dst, ReasonGenderUnknown
			}
			b[n] = lower(c)
			n++
			continue
		}
		if isTrimmed(r) || unicode.IsPunct(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		return dst, ReasonGenderUnknown
	}
	switch string(b[:n]) {
	case "m", "male":
		return append(dst, 'm'), ""
	case "f", "female":
		return append(dst, 'f'), ""
	}
	return dst, ReasonGenderUnknown
}

func appendMADID(dst []byte, s string) ([]byte, Reason) {
	if len(s) != 36 {
		return dst, ReasonMADIDFormat
	}
	for i := 0; i < 36; i++ {
		c := lower(s[i])
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return dst, ReasonMADIDFormat
			}
		default:
			if !isDigit(c) && !('a' <= c && c <= 'f') {
				return dst, ReasonMADIDFormat
			}
		}
	}
	return appendLowerASCII(dst, s), ""
}
