package catalogtest

import (
	"errors"
	"math/big"
	"regexp"
	"strings"
	"unicode"
)

// The partition filter language of GetPartitions' Expression, as the Glue
// docs describe it: comparisons (=, <>, !=, <, <=, >, >=), BETWEEN, IN and
// LIKE on partition keys, combined with AND, OR, NOT and parentheses, with
// 'quoted' strings and bare numbers. Values compare as numbers for integer
// keys and as strings otherwise (ISO dates and timestamps order correctly as
// strings). Keys of other types (double, decimal ...) are rejected, as Glue
// does.

type pred func(values map[string]string) bool

type exprParser struct {
	toks  []token
	i     int
	types map[string]string // partition key -> Hive type
}

type token struct {
	kind byte // 'i' identifier/keyword, 's' string, 'n' number, 'o' operator/punctuation
	text string
}

var errExpr = errors.New("invalid partition expression")

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, errExpr
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, token{'s', b.String()})
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, token{'n', s[i:j]})
			i = j
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= '0' && s[j] <= '9' || unicode.IsLetter(rune(s[j]))) {
				j++
			}
			out = append(out, token{'i', s[i:j]})
			i = j
		case c == '`':
			j := strings.IndexByte(s[i+1:], '`')
			if j < 0 {
				return nil, errExpr
			}
			out = append(out, token{'i', s[i+1 : i+1+j]})
			i += j + 2
		default:
			for _, op := range []string{"<>", "!=", "<=", ">=", "=", "<", ">", "(", ")", ","} {
				if strings.HasPrefix(s[i:], op) {
					out = append(out, token{'o', op})
					i += len(op)
					goto next
				}
			}
			return nil, errExpr
		next:
		}
	}
	return out, nil
}

// compileExpression parses expr against the table's partition keys.
func compileExpression(expr string, keys map[string]string) (pred, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, types: keys}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, errExpr
	}
	return f, nil
}

func (p *exprParser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{}
}

func (p *exprParser) keyword(k string) bool {
	t := p.peek()
	if t.kind == 'i' && strings.EqualFold(t.text, k) {
		p.i++
		return true
	}
	return false
}

func (p *exprParser) op(o string) bool {
	t := p.peek()
	if t.kind == 'o' && t.text == o {
		p.i++
		return true
	}
	return false
}

func (p *exprParser) or() (pred, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(v map[string]string) bool { return a(v) || b(v) }
	}
	return l, nil
}

func (p *exprParser) and() (pred, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(v map[string]string) bool { return a(v) && b(v) }
	}
	return l, nil
}

func (p *exprParser) not() (pred, error) {
	if p.keyword("NOT") {
		f, err := p.not()
		if err != nil {
			return nil, err
		}
		return func(v map[string]string) bool { return !f(v) }, nil
	}
	if p.op("(") {
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.op(")") {
			return nil, errExpr
		}
		return f, nil
	}
	return p.comparison()
}

func (p *exprParser) literal() (token, error) {
	t := p.peek()
	if t.kind != 's' && t.kind != 'n' {
		return token{}, errExpr
	}
	p.i++
	return t, nil
}

// filterableType: the key types Glue documents for expressions (string,
// date, timestamp, int, bigint, long, tinyint, smallint; char and varchar as
// strings). Others make GetPartitions fail.
func filterableType(t string) bool {
	switch {
	case t == "string", t == "date", t == "timestamp", isNumericType(t),
		strings.HasPrefix(t, "char("), strings.HasPrefix(t, "varchar("):
		return true
	}
	return false
}

func isNumericType(t string) bool {
	switch t {
	case "tinyint", "smallint", "int", "integer", "bigint", "long":
		return true
	}
	return false
}

// compare returns -1, 0, 1, or ok=false when the value cannot be compared
// (a non-numeric value under a numeric key).
func compare(typ, value string, lit token) (int, bool) {
	if isNumericType(typ) {
		a, ok1 := new(big.Rat).SetString(value)
		b, ok2 := new(big.Rat).SetString(lit.text)
		if !ok1 || !ok2 {
			return 0, false
		}
		return a.Cmp(b), true
	}
	return strings.Compare(value, lit.text), true
}

func (p *exprParser) comparison() (pred, error) {
	t := p.peek()
	if t.kind != 'i' {
		return nil, errExpr
	}
	p.i++
	col := strings.ToLower(t.text)
	typ, ok := p.types[col]
	if !ok {
		return nil, errors.New("unknown partition key in expression")
	}
	typ = strings.ToLower(typ)
	if !filterableType(typ) {
		return nil, errors.New("partition key type not supported in expressions")
	}
	negate := p.keyword("NOT")
	var f pred
	switch {
	case p.keyword("BETWEEN"):
		lo, err := p.literal()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, errExpr
		}
		hi, err := p.literal()
		if err != nil {
			return nil, err
		}
		f = func(v map[string]string) bool {
			a, ok1 := compare(typ, v[col], lo)
			b, ok2 := compare(typ, v[col], hi)
			return ok1 && ok2 && a >= 0 && b <= 0
		}
	case p.keyword("IN"):
		if !p.op("(") {
			return nil, errExpr
		}
		var lits []token
		for {
			l, err := p.literal()
			if err != nil {
				return nil, err
			}
			lits = append(lits, l)
			if p.op(")") {
				break
			}
			if !p.op(",") {
				return nil, errExpr
			}
		}
		f = func(v map[string]string) bool {
			for _, l := range lits {
				if c, ok := compare(typ, v[col], l); ok && c == 0 {
					return true
				}
			}
			return false
		}
	case p.keyword("LIKE"):
		l, err := p.literal()
		if err != nil || l.kind != 's' {
			return nil, errExpr
		}
		var re strings.Builder
		re.WriteString("^")
		for _, r := range l.text {
			switch r {
			case '%':
				re.WriteString(".*")
			case '_':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		rx, err := regexp.Compile(re.String())
		if err != nil {
			return nil, errExpr
		}
		f = func(v map[string]string) bool { return rx.MatchString(v[col]) }
	default:
		if negate {
			return nil, errExpr
		}
		t := p.peek()
		if t.kind != 'o' {
			return nil, errExpr
		}
		p.i++
		var test func(int) bool
		switch t.text {
		case "=":
			test = func(c int) bool { return c == 0 }
		case "<>", "!=":
			test = func(c int) bool { return c != 0 }
		case "<":
			test = func(c int) bool { return c < 0 }
		case "<=":
			test = func(c int) bool { return c <= 0 }
		case ">":
			test = func(c int) bool { return c > 0 }
		case ">=":
			test = func(c int) bool { return c >= 0 }
		default:
			return nil, errExpr
		}
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		f = func(v map[string]string) bool {
			c, ok := compare(typ, v[col], lit)
			return ok && test(c)
		}
	}
	if negate {
		g := f
		f = func(v map[string]string) bool { return !g(v) }
	}
	return f, nil
}
