package profile

import (
	"strconv"
	"strings"
	"time"
)

// Parse reads a segment expression in its text form:
//
//	expr    = term { "or" term }
//	term    = factor { "and" factor }
//	factor  = "not" factor | "(" expr ")" | "and" "(" expr ")" | "or" "(" expr ")"
//	        | "true" | "false" | "exists" name
//	        | name op literal | name "in" "(" literal { "," literal } ")"
//	        | name "within" duration
//	op      = "=" | "!=" | "<" | "<=" | ">" | ">="
//	literal = "string" | integer | float | "true" | "false" | @RFC3339-time
//	duration= integer followed by s, m, h, d or w (30d, 12h)
//
// Names are letters, digits, '_' and '.', starting with a letter or '_'
// (fields, traits, and built-ins such as last_seen or id.EMAIL). "not"
// binds tighter than "and", which binds tighter than "or". "true" alone
// is And() and "false" is Or(). Errors are *ParseError values with the
// position of the offending token; they match ErrSyntax.
func Parse(text string) (Expr, error) {
	p := &parser{src: text}
	p.next()
	e, err := p.expr(0)
	if err != nil {
		return Expr{}, err
	}
	if p.tok.kind != tEOF {
		return Expr{}, p.errAt(p.tok, "unexpected "+p.tok.describe()+" after the expression")
	}
	return e, nil
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tDuration
	tTime
	tOp
	tLParen
	tRParen
	tComma
	tBad
)

type token struct {
	kind tokKind
	pos  int
	text string
	msg  string // tBad
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tIdent:
		if keyword(t.text) {
			return "keyword " + strconv.Quote(t.text)
		}
		return "name"
	case tString:
		return "string"
	case tNumber:
		return "number"
	case tDuration:
		return "duration"
	case tTime:
		return "time"
	case tOp:
		return "operator " + strconv.Quote(t.text)
	case tLParen:
		return `"("`
	case tRParen:
		return `")"`
	case tComma:
		return `","`
	}
	return "invalid character"
}

type parser struct {
	src string
	off int
	tok token
}

const maxDepth = 100

func (p *parser) errAt(t token, msg string) error {
	line, col := 1, 1
	for i := 0; i < t.pos && i < len(p.src); i++ {
		if p.src[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &ParseError{Pos: t.pos, Line: line, Col: col, Msg: msg}
}

func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || '0' <= c && c <= '9' || c == '.' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }

func (p *parser) next() {
	s := p.src
	for p.off < len(s) && (s[p.off] == ' ' || s[p.off] == '\t' || s[p.off] == '\n' || s[p.off] == '\r') {
		p.off++
	}
	start := p.off
	if p.off >= len(s) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	c := s[p.off]
	switch {
	case isIdentStart(c):
		for p.off < len(s) && isIdentChar(s[p.off]) {
			p.off++
		}
		p.tok = token{kind: tIdent, pos: start, text: s[start:p.off]}
	case c == '"':
		p.off++
		for p.off < len(s) && s[p.off] != '"' {
			if s[p.off] == '\\' {
				p.off++
			}
			p.off++
		}
		if p.off >= len(s) {
			p.tok = token{kind: tBad, pos: start, msg: "unterminated string"}
			return
		}
		p.off++
		p.tok = token{kind: tString, pos: start, text: s[start:p.off]}
	case c == '@':
		p.off++
		for p.off < len(s) && (isIdentChar(s[p.off]) || s[p.off] == ':' || s[p.off] == '-' || s[p.off] == '+') {
			p.off++
		}
		p.tok = token{kind: tTime, pos: start, text: s[start+1 : p.off]}
	case isDigit(c) || c == '-' && p.off+1 < len(s) && (isDigit(s[p.off+1]) || s[p.off+1] == '.'):
		p.off++
		for p.off < len(s) && (isDigit(s[p.off]) || s[p.off] == '.') {
			p.off++
		}
		if p.off < len(s) && (s[p.off] == 'e' || s[p.off] == 'E') {
			p.off++
			if p.off < len(s) && (s[p.off] == '+' || s[p.off] == '-') {
				p.off++
			}
			for p.off < len(s) && isDigit(s[p.off]) {
				p.off++
			}
		}
		kind := tNumber
		if p.off < len(s) && strings.IndexByte("smhdw", s[p.off]) >= 0 && (p.off+1 == len(s) || !isIdentChar(s[p.off+1])) {
			p.off++
			kind = tDuration
		}
		if p.off < len(s) && isIdentChar(s[p.off]) {
			for p.off < len(s) && isIdentChar(s[p.off]) {
				p.off++
			}
			p.tok = token{kind: tBad, pos: start, msg: "malformed number or duration"}
			return
		}
		p.tok = token{kind: kind, pos: start, text: s[start:p.off]}
	case c == '=' || c == '<' || c == '>' || c == '!':
		p.off++
		if p.off < len(s) && s[p.off] == '=' && c != '=' {
			p.off++
		}
		t := s[start:p.off]
		if t == "!" {
			p.tok = token{kind: tBad, pos: start, msg: `"!" must be followed by "="`}
			return
		}
		p.tok = token{kind: tOp, pos: start, text: t}
	case c == '(':
		p.off++
		p.tok = token{kind: tLParen, pos: start}
	case c == ')':
		p.off++
		p.tok = token{kind: tRParen, pos: start}
	case c == ',':
		p.off++
		p.tok = token{kind: tComma, pos: start}
	default:
		p.off++
		p.tok = token{kind: tBad, pos: start, msg: "invalid character"}
	}
}

func (p *parser) isWord(w string) bool { return p.tok.kind == tIdent && p.tok.text == w }

func (p *parser) expect(k tokKind, what string) error {
	if p.tok.kind != k {
		return p.unexpected(what)
	}
	p.next()
	return nil
}

func (p *parser) unexpected(want string) error {
	if p.tok.kind == tBad {
		return p.errAt(p.tok, p.tok.msg)
	}
	return p.errAt(p.tok, "expected "+want+", found "+p.tok.describe())
}

func (p *parser) expr(depth int) (Expr, error) {
	if depth > maxDepth {
		return Expr{}, p.errAt(p.tok, "expression nested too deeply")
	}
	pos := p.tok.pos
	first, err := p.term(depth)
	if err != nil {
		return Expr{}, err
	}
	if !p.isWord("or") {
		return first, nil
	}
	args := []Expr{first}
	for p.isWord("or") {
		p.next()
		t, err := p.term(depth)
		if err != nil {
			return Expr{}, err
		}
		args = append(args, t)
	}
	return Expr{Op: OpOr, Args: args, pos: pos}, nil
}

func (p *parser) term(depth int) (Expr, error) {
	pos := p.tok.pos
	first, err := p.factor(depth)
	if err != nil {
		return Expr{}, err
	}
	if !p.isWord("and") {
		return first, nil
	}
	args := []Expr{first}
	for p.isWord("and") {
		p.next()
		f, err := p.factor(depth)
		if err != nil {
			return Expr{}, err
		}
		args = append(args, f)
	}
	return Expr{Op: OpAnd, Args: args, pos: pos}, nil
}

func (p *parser) factor(depth int) (Expr, error) {
	if depth > maxDepth {
		return Expr{}, p.errAt(p.tok, "expression nested too deeply")
	}
	t := p.tok
	switch {
	case t.kind == tLParen:
		p.next()
		e, err := p.expr(depth + 1)
		if err != nil {
			return Expr{}, err
		}
		if err := p.expect(tRParen, `")"`); err != nil {
			return Expr{}, err
		}
		return e, nil
	case t.kind != tIdent:
		return Expr{}, p.unexpected("a name, \"not\", \"exists\" or \"(\"")
	}
	switch t.text {
	case "not":
		p.next()
		e, err := p.factor(depth + 1)
		if err != nil {
			return Expr{}, err
		}
		return Expr{Op: OpNot, Args: []Expr{e}, pos: t.pos}, nil
	case "and", "or":
		p.next()
		if err := p.expect(tLParen, `"(" after "`+t.text+`"`); err != nil {
			return Expr{}, err
		}
		e, err := p.expr(depth + 1)
		if err != nil {
			return Expr{}, err
		}
		if err := p.expect(tRParen, `")"`); err != nil {
			return Expr{}, err
		}
		op := OpAnd
		if t.text == "or" {
			op = OpOr
		}
		return Expr{Op: op, Args: []Expr{e}, pos: t.pos}, nil
	case "true":
		p.next()
		return Expr{Op: OpAnd, pos: t.pos}, nil
	case "false":
		p.next()
		return Expr{Op: OpOr, pos: t.pos}, nil
	case "exists":
		p.next()
		if p.tok.kind != tIdent || keyword(p.tok.text) {
			return Expr{}, p.unexpected(`a name after "exists"`)
		}
		n := p.tok
		p.next()
		return Expr{Op: OpExists, Name: n.text, pos: n.pos}, nil
	}
	if keyword(t.text) {
		return Expr{}, p.unexpected("a name, \"not\", \"exists\" or \"(\"")
	}
	name := t.text
	p.next()
	switch {
	case p.tok.kind == tOp:
		op := p.tok.text
		p.next()
		v, err := p.literal()
		if err != nil {
			return Expr{}, err
		}
		var o Op
		for i, s := range opText {
			if s == op && s != "" {
				o = Op(i)
			}
		}
		return Expr{Op: o, Name: name, Values: []Value{v}, pos: t.pos}, nil
	case p.isWord("in"):
		p.next()
		if err := p.expect(tLParen, `"(" after "in"`); err != nil {
			return Expr{}, err
		}
		var vs []Value
		for {
			v, err := p.literal()
			if err != nil {
				return Expr{}, err
			}
			vs = append(vs, v)
			if p.tok.kind == tComma {
				p.next()
				continue
			}
			break
		}
		if err := p.expect(tRParen, `"," or ")"`); err != nil {
			return Expr{}, err
		}
		return Expr{Op: OpIn, Name: name, Values: vs, pos: t.pos}, nil
	case p.isWord("within"):
		p.next()
		if p.tok.kind != tDuration {
			return Expr{}, p.unexpected("a duration such as 30d after \"within\"")
		}
		d, ok := parseDuration(p.tok.text)
		if !ok {
			return Expr{}, p.errAt(p.tok, "duration must be a positive whole number of s, m, h, d or w")
		}
		p.next()
		return Expr{Op: OpWithin, Name: name, Window: d, pos: t.pos}, nil
	}
	return Expr{}, p.unexpected(`an operator, "in" or "within" after the name`)
}

func parseDuration(s string) (time.Duration, bool) {
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n <= 0 || n > int64(1<<62)/int64(unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

func (p *parser) literal() (Value, error) {
	t := p.tok
	switch t.kind {
	case tString:
		s, err := strconv.Unquote(t.text)
		if err != nil {
			return Value{}, p.errAt(t, "malformed string literal")
		}
		if s == "" {
			return Value{}, p.errAt(t, "empty string literal (empty is null: use exists)")
		}
		p.next()
		return StringValue(s), nil
	case tNumber:
		if !strings.ContainsAny(t.text, ".eE") {
			n, err := strconv.ParseInt(t.text, 10, 64)
			if err != nil {
				return Value{}, p.errAt(t, "integer out of range")
			}
			p.next()
			return IntValue(n), nil
		}
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return Value{}, p.errAt(t, "malformed number")
		}
		p.next()
		return FloatValue(f), nil
	case tTime:
		tm, err := time.Parse(time.RFC3339Nano, t.text)
		if err != nil || tm.IsZero() {
			return Value{}, p.errAt(t, "malformed time (want @ and RFC 3339, e.g. @2024-01-31T00:00:00Z)")
		}
		if tm.Nanosecond()%int(time.Millisecond) != 0 {
			return Value{}, p.errAt(t, "time finer than a millisecond")
		}
		p.next()
		return TimeValue(tm), nil
	case tIdent:
		switch t.text {
		case "true", "false":
			p.next()
			return BoolValue(t.text == "true"), nil
		}
	}
	return Value{}, p.unexpected("a literal (string, number, true, false or @time)")
}
