package athenatest

import (
	"fmt"
	"strings"
	"unicode"
)

// The fake runs Athena (Trino) SQL on SQLite. It accepts the subset of the
// dialect that cdpkit generates and refuses the rest with the error Athena
// would give, rather than letting SQLite's more permissive grammar run it:
//   - statements: SELECT / WITH ... SELECT, CREATE TABLE ... [WITH (...)]
//     AS SELECT, INSERT INTO ... SELECT, DROP TABLE [IF EXISTS];
//   - functions: an allow-list of Trino functions that SQLite computes the
//     same way for the arguments cdpkit passes (count, min, max, sum, avg,
//     length, coalesce, lower, upper, row_number, rank, ...); any other
//     fails as FUNCTION_NOT_FOUND;
//   - CAST to Trino types only (varchar, bigint, integer, double,
//     boolean, ...), translated to SQLite's; CAST AS STRING or TEXT fails
//     as "Unknown type" as it does on Athena;
//   - no backquoted identifiers, no second statement.

type tokKind int

const (
	tokSpace tokKind = iota
	tokIdent
	tokQuoted // "identifier"
	tokString // 'literal'
	tokNumber
	tokPunct
)

type token struct {
	kind tokKind
	text string
}

// queryError is a query failure as Athena reports it: an error type name
// that starts the reason (SYNTAX_ERROR, TABLE_NOT_FOUND, ...), the message,
// and AthenaError's category (1 system, 2 user, 3 other) and type.
type queryError struct {
	code     string
	msg      string
	category int32
	typ      int32
}

func (e *queryError) Error() string { return e.code + ": " + e.msg }

func userError(code, format string, args ...any) *queryError {
	return &queryError{code: code, msg: fmt.Sprintf(format, args...), category: 2, typ: 1301}
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			out = append(out, token{tokSpace, " "})
			i += j
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return nil, userError("SYNTAX_ERROR", "unterminated comment")
			}
			out = append(out, token{tokSpace, " "})
			i += j + 4
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
				j++
			}
			out = append(out, token{tokSpace, s[i:j]})
			i = j
		case c == '\'' || c == '"':
			j := i + 1
			for {
				k := strings.IndexByte(s[j:], c)
				if k < 0 {
					return nil, userError("SYNTAX_ERROR", "unterminated quoted text")
				}
				j += k + 1
				if j < len(s) && s[j] == c { // doubled quote
					j++
					continue
				}
				break
			}
			kind := tokString
			if c == '"' {
				kind = tokQuoted
			}
			out = append(out, token{kind, s[i:j]})
			i = j
		case c == '`':
			return nil, userError("SYNTAX_ERROR", "backquoted identifiers are not supported; use double quotes to quote identifiers")
		case c == '_' || c < 0x80 && unicode.IsLetter(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || s[j] < 0x80 && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])))) {
				j++
			}
			out = append(out, token{tokIdent, s[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, token{tokNumber, s[i:j]})
			i = j
		case c == '|' && i+1 < len(s) && s[i+1] == '|', c == '<' && i+1 < len(s) && (s[i+1] == '>' || s[i+1] == '='),
			c == '>' && i+1 < len(s) && s[i+1] == '=', c == '!' && i+1 < len(s) && s[i+1] == '=':
			out = append(out, token{tokPunct, s[i : i+2]})
			i += 2
		case strings.IndexByte("(),.;=<>+-*/%[]", c) >= 0:
			out = append(out, token{tokPunct, s[i : i+1]})
			i++
		default:
			return nil, userError("SYNTAX_ERROR", "unexpected character at offset %d", i)
		}
	}
	return out, nil
}

// words drops whitespace.
func words(ts []token) []token {
	out := make([]token, 0, len(ts))
	for _, t := range ts {
		if t.kind != tokSpace {
			out = append(out, t)
		}
	}
	return out
}

func isWord(t token, w string) bool { return t.kind == tokIdent && strings.EqualFold(t.text, w) }

// functions Athena has that SQLite computes the same way, for the
// arguments cdpkit passes.
var functions = map[string]bool{
	"count": true, "min": true, "max": true, "sum": true, "avg": true,
	"length": true, "coalesce": true, "lower": true, "upper": true,
	"row_number": true, "rank": true, "dense_rank": true, "abs": true,
	"nullif": true, "cast": true, "substr": true,
}

// keywords that may precede "(" without being a function call.
var parenKeywords = map[string]bool{
	"in": true, "as": true, "from": true, "join": true, "on": true, "over": true,
	"exists": true, "and": true, "or": true, "not": true, "where": true, "select": true,
	"union": true, "all": true, "values": true, "when": true, "then": true, "else": true,
	"by": true, "with": true, "having": true, "distinct": true, "is": true,
}

// sqliteStatements are SQLite statement keywords that must not reach the
// engine from a query.
var sqliteStatements = map[string]bool{
	"attach": true, "detach": true, "pragma": true, "vacuum": true, "reindex": true,
	"delete": true, "update": true, "insert": true, "replace": true, "upsert": true,
	"savepoint": true, "release": true, "rollback": true, "commit": true, "begin": true,
}

// castTypes maps Trino types to SQLite's.
var castTypes = map[string]string{
	"varchar": "TEXT", "char": "TEXT", "bigint": "INTEGER", "integer": "INTEGER",
	"int": "INTEGER", "smallint": "INTEGER", "tinyint": "INTEGER", "double": "REAL",
	"real": "REAL", "boolean": "INTEGER", "decimal": "NUMERIC", "date": "TEXT", "timestamp": "TEXT",
}

// translate checks a SELECT (or WITH ... SELECT) written in Athena's
// dialect and rewrites it for SQLite: CAST types, and table names
// qualified with the query's database lose the qualifier. tables says
// whether a (lowercase) name is a table of database db; refs collects the
// tables the query reads.
func translate(ts []token, db string, tables func(string) bool, refs map[string]bool) (string, error) {
	var b strings.Builder
	ws := words(ts)
	for _, t := range ws {
		if t.kind == tokPunct && t.text == ";" {
			return "", userError("SYNTAX_ERROR", "only one statement is allowed per query")
		}
		// SQLite would run these inside a WITH; Athena's SELECT has none.
		if t.kind == tokIdent && sqliteStatements[strings.ToLower(t.text)] {
			return "", userError("SYNTAX_ERROR", "mismatched input '%s'", strings.ToLower(t.text))
		}
	}
	next := func(i int) (token, int) {
		for j := i + 1; j < len(ts); j++ {
			if ts[j].kind != tokSpace {
				return ts[j], j
			}
		}
		return token{}, -1
	}
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.kind != tokIdent {
			b.WriteString(t.text)
			continue
		}
		lw := strings.ToLower(t.text)
		n, ni := next(i)
		switch {
		case n.kind == tokPunct && n.text == "(" && !parenKeywords[lw]:
			if !functions[lw] {
				return "", userError("FUNCTION_NOT_FOUND", "function '%s' not registered", lw)
			}
			if lw == "cast" {
				s, end, err := translateCast(ts, ni, db, tables, refs)
				if err != nil {
					return "", err
				}
				b.WriteString(s)
				i = end
				continue
			}
			b.WriteString(t.text)
		case n.kind == tokPunct && n.text == "." && strings.EqualFold(t.text, db):
			// db.table: drop the qualifier when it names a table of db.
			m, mi := next(ni)
			if m.kind == tokIdent && tables(strings.ToLower(m.text)) {
				refs[strings.ToLower(m.text)] = true
				b.WriteString(m.text)
				i = mi
				continue
			}
			b.WriteString(t.text)
		default:
			if tables(lw) {
				refs[lw] = true
			}
			b.WriteString(t.text)
		}
	}
	return b.String(), nil
}

// translateCast rewrites CAST(expr AS type) starting at the "(" at open;
// it returns the text and the index of the closing ")".
func translateCast(ts []token, open int, db string, tables func(string) bool, refs map[string]bool) (string, int, error) {
	depth := 0
	as := -1
	end := -1
	for j := open; j < len(ts); j++ {
		t := ts[j]
		if t.kind == tokPunct && t.text == "(" {
			depth++
		}
		if t.kind == tokPunct && t.text == ")" {
			depth--
			if depth == 0 {
				end = j
				break
			}
		}
		if depth == 1 && isWord(t, "as") {
			as = j
		}
	}
	if as < 0 || end < 0 {
		return "", 0, userError("SYNTAX_ERROR", "malformed CAST")
	}
	inner, err := translate(ts[open+1:as], db, tables, refs)
	if err != nil {
		return "", 0, err
	}
	typ := words(ts[as+1 : end])
	if len(typ) == 0 || typ[0].kind != tokIdent {
		return "", 0, userError("SYNTAX_ERROR", "malformed CAST")
	}
	st, ok := castTypes[strings.ToLower(typ[0].text)]
	if !ok {
		return "", 0, userError("TYPE_NOT_FOUND", "Unknown type: %s", strings.ToLower(typ[0].text))
	}
	return "CAST(" + inner + " AS " + st + ")", end, nil
}

// statement is a parsed top-level statement.
type statement struct {
	kind     string // select, ctas, insert, drop
	table    string // lowercase; ctas, insert, drop
	ifExists bool
	props    map[string]prop // ctas WITH (...)
	query    []token         // select, ctas, insert
}

type prop struct {
	str  string
	list []string
}

var tableProps = map[string]bool{
	"format": true, "external_location": true, "partitioned_by": true, "bucketed_by": true,
	"bucket_count": true, "write_compression": true, "field_delimiter": true, "table_type": true,
	"is_external": true, "location": true,
}

func parse(sql string) (*statement, error) {
	ts, err := tokenize(sql)
	if err != nil {
		return nil, err
	}
	// Strip one trailing semicolon and whitespace.
	for len(ts) > 0 && (ts[len(ts)-1].kind == tokSpace || ts[len(ts)-1].kind == tokPunct && ts[len(ts)-1].text == ";") {
		ts = ts[:len(ts)-1]
	}
	pos := 0
	skip := func() {
		for pos < len(ts) && ts[pos].kind == tokSpace {
			pos++
		}
	}
	word := func(w string) bool {
		skip()
		if pos < len(ts) && isWord(ts[pos], w) {
			pos++
			return true
		}
		return false
	}
	name := func() (string, error) {
		skip()
		if pos >= len(ts) || ts[pos].kind != tokIdent {
			return "", userError("SYNTAX_ERROR", "expected a table name")
		}
		n := ts[pos].text
		pos++
		skip()
		if pos < len(ts) && ts[pos].kind == tokPunct && ts[pos].text == "." {
			pos++
			skip()
			if pos >= len(ts) || ts[pos].kind != tokIdent {
				return "", userError("SYNTAX_ERROR", "expected a table name")
			}
			n += "." + ts[pos].text
			pos++
		}
		return strings.ToLower(n), nil
	}
	skip()
	switch {
	case word("select"), word("with"):
		return &statement{kind: "select", query: ts}, nil
	case word("drop"):
		if !word("table") {
			return nil, userError("NOT_SUPPORTED", "the fake runs DROP TABLE only")
		}
		st := &statement{kind: "drop"}
		if word("if") {
			if !word("exists") {
				return nil, userError("SYNTAX_ERROR", "expected EXISTS")
			}
			st.ifExists = true
		}
		if st.table, err = name(); err != nil {
			return nil, err
		}
		skip()
		if pos != len(ts) {
			return nil, userError("SYNTAX_ERROR", "unexpected text after DROP TABLE")
		}
		return st, nil
	case word("insert"):
		if !word("into") {
			return nil, userError("SYNTAX_ERROR", "expected INTO")
		}
		st := &statement{kind: "insert"}
		if st.table, err = name(); err != nil {
			return nil, err
		}
		skip()
		st.query = ts[pos:]
		return st, nil
	case word("create"):
		if !word("table") {
			return nil, userError("NOT_SUPPORTED", "the fake runs CREATE TABLE AS only")
		}
		st := &statement{kind: "ctas", props: map[string]prop{}}
		if st.table, err = name(); err != nil {
			return nil, err
		}
		if word("with") {
			if err := parseProps(ts, &pos, st.props); err != nil {
				return nil, err
			}
		}
		if !word("as") {
			return nil, userError("NOT_SUPPORTED", "the fake runs CREATE TABLE ... AS SELECT only (no column list, no USING)")
		}
		skip()
		st.query = ts[pos:]
		return st, nil
	}
	return nil, userError("NOT_SUPPORTED", "statement not supported by the fake")
}

func parseProps(ts []token, pos *int, props map[string]prop) error {
	ws := []token{}
	depth := 0
	start := *pos
	for ; *pos < len(ts); *pos++ {
		t := ts[*pos]
		if t.kind == tokSpace {
			continue
		}
		if t.kind == tokPunct && (t.text == "(" || t.text == "[") {
			depth++
		}
		if t.kind == tokPunct && (t.text == ")" || t.text == "]") {
			depth--
		}
		ws = append(ws, t)
		if depth == 0 {
			*pos++
			break
		}
	}
	if len(ws) < 2 || ws[0].text != "(" || ws[len(ws)-1].text != ")" {
		*pos = start
		return userError("SYNTAX_ERROR", "malformed WITH properties")
	}
	ws = ws[1 : len(ws)-1]
	for len(ws) > 0 {
		if len(ws) < 3 || ws[0].kind != tokIdent || ws[1].text != "=" {
			return userError("SYNTAX_ERROR", "malformed WITH properties")
		}
		key := strings.ToLower(ws[0].text)
		if !tableProps[key] {
			return userError("INVALID_TABLE_PROPERTY", "Catalog 'awsdatacatalog' table property '%s' does not exist", key)
		}
		ws = ws[2:]
		var p prop
		switch {
		case ws[0].kind == tokString:
			p.str = unquote(ws[0].text)
			ws = ws[1:]
		case ws[0].kind == tokNumber:
			p.str = ws[0].text
			ws = ws[1:]
		case isWord(ws[0], "array") && len(ws) > 1 && ws[1].text == "[":
			j := 2
			for ; j < len(ws) && ws[j].text != "]"; j++ {
				if ws[j].kind == tokString {
					p.list = append(p.list, strings.ToLower(unquote(ws[j].text)))
				} else if ws[j].text != "," {
					return userError("SYNTAX_ERROR", "malformed ARRAY in WITH properties")
				}
			}
			if j == len(ws) {
				return userError("SYNTAX_ERROR", "malformed ARRAY in WITH properties")
			}
			ws = ws[j+1:]
		default:
			return userError("SYNTAX_ERROR", "malformed WITH properties")
		}
		props[key] = p
		if len(ws) > 0 {
			if ws[0].text != "," {
				return userError("SYNTAX_ERROR", "malformed WITH properties")
			}
			ws = ws[1:]
		}
	}
	return nil
}

func unquote(s string) string {
	q := s[:1]
	return strings.ReplaceAll(s[1:len(s)-1], q+q, q)
}
