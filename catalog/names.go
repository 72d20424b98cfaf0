package catalog

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// maxTypeLen is the longest column type Glue stores.
const maxTypeLen = 131072

// MaxNameLen is the longest database, table or column name Glue accepts, in
// bytes.
const MaxNameLen = 255

// ValidateName checks a database, table or column name against the rules
// Glue and Athena share: 1–255 bytes, only lowercase ASCII letters, digits
// and underscore. (Glue itself accepts more, but lowercases some names and
// Athena cannot query others without quoting; rejecting them up front avoids
// both surprises.) what is used in the error ("database", "table",
// "column", "partition key").
func ValidateName(what, name string) error {
	switch {
	case name == "":
		return &NameError{What: what, Name: name, Reason: "empty"}
	case len(name) > MaxNameLen:
		return &NameError{What: what, Name: name, Reason: "longer than " + strconv.Itoa(MaxNameLen) + " bytes"}
	case !utf8.ValidString(name):
		return &NameError{What: what, Name: name, Reason: "not valid UTF-8"}
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
		case r >= 'A' && r <= 'Z':
			return &NameError{What: what, Name: name, Reason: "must be lowercase"}
		default:
			return &NameError{What: what, Name: name, Reason: "only a-z, 0-9 and _ are allowed"}
		}
	}
	return nil
}

// Rename records one name that SanitizeNames changed.
type Rename struct {
	// Index is the position in the input.
	Index int
	From  string
	To    string
}

// SanitizeNames turns arbitrary column names (CSV headers, JSON keys) into
// valid Glue column names and reports every change instead of applying it
// silently: accents are stripped (NFD, combining marks dropped), every run of
// characters outside [A-Za-z0-9_] becomes "_", letters are lowercased, and
// names are cut to MaxNameLen bytes. camelCase is not split.
//
// It returns the new names (same length and order as names) and the list of
// renames. If two inputs end up with the same name, or an input was already
// a duplicate, it returns a *NameError (ErrInvalidInput) naming the
// collision, together with the names and renames, so the caller can decide;
// nothing is suffixed behind their back.
func SanitizeNames(names []string) ([]string, []Rename, error) {
	out := make([]string, len(names))
	var renames []Rename
	var firstErr error
	seen := make(map[string]int, len(names))
	for i, n := range names {
		s := sanitize(n)
		out[i] = s
		if s != n {
			renames = append(renames, Rename{Index: i, From: n, To: s})
		}
		if j, dup := seen[s]; dup && firstErr == nil {
			firstErr = &NameError{What: "column", Name: s, Reason: "columns " + strconv.Itoa(j) + " and " + strconv.Itoa(i) + " collide"}
		} else if !dup {
			seen[s] = i
		}
	}
	return out, renames, firstErr
}

var stripMarks = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

func sanitize(name string) string {
	if s, _, err := transform.String(stripMarks, strings.ToValidUTF8(name, "_")); err == nil {
		name = s
	}
	var b strings.Builder
	under := false
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
			under = false
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
			under = false
		default:
			if !under {
				b.WriteByte('_')
				under = true
			}
		}
	}
	s := b.String()
	if s == "" {
		s = "_"
	}
	if len(s) > MaxNameLen {
		s = s[:MaxNameLen]
	}
	return s
}

// ValidateType checks that typ is a Hive/Glue column type Athena can read:
// the primitives (boolean, tinyint, smallint, int, integer, bigint, float,
// double, string, binary, date, timestamp, decimal(p,s), char(n),
// varchar(n)) and array<T>, map<K,V> (K primitive), struct<name:T,...>.
// Types must be lowercase and contain no spaces, as Glue stores them, and
// be at most 131072 bytes long (Glue's limit; it also bounds nesting).
func ValidateType(column, typ string) error {
	if len(typ) > maxTypeLen {
		return &TypeError{Column: column, Type: typ[:64] + "...", Reason: "longer than " + strconv.Itoa(maxTypeLen) + " characters"}
	}
	if strings.ContainsAny(typ, " \t\n\r\v\f") {
		return &TypeError{Column: column, Type: typ, Reason: "must not contain spaces"}
	}
	p := typeParser{s: typ}
	if reason := p.parse(false); reason != "" {
		return &TypeError{Column: column, Type: typ, Reason: reason}
	}
	if p.i != len(p.s) {
		return &TypeError{Column: column, Type: typ, Reason: "unexpected text at offset " + strconv.Itoa(p.i)}
	}
	return nil
}

// validatePartitionType also requires a primitive type.
func validatePartitionType(column, typ string) error {
	if err := ValidateType(column, typ); err != nil {
		return err
	}
	for _, c := range []string{"array<", "map<", "struct<"} {
		if strings.HasPrefix(typ, c) {
			return &TypeError{Column: column, Type: typ, Reason: "partition keys must have a primitive type"}
		}
	}
	return nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) word() string {
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *typeParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) number() (int, bool) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if start == p.i || p.i-start > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(p.s[start:p.i])
	return n, err == nil
}

// parse reads one type and returns "" or the reason it is invalid.
func (p *typeParser) parse(primitiveOnly bool) string {
	w := p.word()
	if w == "" {
		return "expected a type at offset " + strconv.Itoa(p.i)
	}
	if w != strings.ToLower(w) {
		return "must be lowercase"
	}
	switch w {
	case "boolean", "tinyint", "smallint", "int", "integer", "bigint", "float", "double",
		"string", "binary", "date", "timestamp":
		return ""
	case "decimal":
		if !p.eat('(') {
			return "" // decimal defaults to decimal(10,0)
		}
		prec, ok := p.number()
		if !ok || prec < 1 || prec > 38 {
			return "decimal precision must be 1-38"
		}
		scale := 0
		if p.eat(',') {
			if scale, ok = p.number(); !ok || scale > prec {
				return "decimal scale must be 0-precision"
			}
		}
		if !p.eat(')') {
			return "expected ) after decimal arguments"
		}
		return ""
	case "char", "varchar":
		max := 255
		if w == "varchar" {
			max = 65535
		}
		if !p.eat('(') {
			return w + " needs a length"
		}
		n, ok := p.number()
		if !ok || n < 1 || n > max {
			return w + " length must be 1-" + strconv.Itoa(max)
		}
		if !p.eat(')') {
			return "expected ) after " + w + " length"
		}
		return ""
	}
	if primitiveOnly {
		return "map keys must be primitive"
	}
	switch w {
	case "array":
		if !p.eat('<') {
			return "expected < after array"
		}
		if r := p.parse(false); r != "" {
			return r
		}
		if !p.eat('>') {
			return "expected > to close array"
		}
		return ""
	case "map":
		if !p.eat('<') {
			return "expected < after map"
		}
		if r := p.parse(true); r != "" {
			return r
		}
		if !p.eat(',') {
			return "expected , in map"
		}
		if r := p.parse(false); r != "" {
			return r
		}
		if !p.eat('>') {
			return "expected > to close map"
		}
		return ""
	case "struct":
		if !p.eat('<') {
			return "expected < after struct"
		}
		seen := map[string]bool{}
		for {
			start := p.i
			for p.i < len(p.s) && p.s[p.i] != ':' && p.s[p.i] != '<' && p.s[p.i] != '>' && p.s[p.i] != ',' {
				p.i++
			}
			field := p.s[start:p.i]
			if err := ValidateName("struct field", field); err != nil {
				return "struct field " + strconv.Quote(field) + ": " + err.(*NameError).Reason
			}
			if seen[field] {
				return "duplicate struct field " + strconv.Quote(field)
			}
			seen[field] = true
			if !p.eat(':') {
				return "expected : after struct field name"
			}
			if r := p.parse(false); r != "" {
				return r
			}
			if p.eat('>') {
				return ""
			}
			if !p.eat(',') {
				return "expected , or > in struct"
			}
		}
	}
	return "unknown type " + strconv.Quote(w)
}
