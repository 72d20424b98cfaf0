package sqlparse

import (
	"strconv"
	"strings"
)

// MaxDepth bounds the nesting of expressions and subqueries, so hostile
// input cannot exhaust the stack.
const MaxDepth = 200

// Error is a syntax error. Msg names token kinds and keywords, never the
// text of a literal.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	return strconv.Itoa(e.Pos.Line) + ":" + strconv.Itoa(e.Pos.Col) + ": " + e.Msg
}

// bailout carries a syntax error up the recursive descent; Parse recovers
// it and only it.
type bailout struct{ err *Error }

type parser struct {
	lx    *lexer
	buf   []Token // lookahead; buf[0] is the current token
	depth int
	// prevEnd is the byte offset after the last consumed token.
	prevEnd int
}

// Parse parses one SELECT query (optionally followed by a semicolon).
func Parse(src string) (q *Query, err error) {
	p := &parser{lx: newLexer(src)}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			q, err = nil, b.err
		}
	}()
	p.fill(1)
	q = p.query()
	if p.isOp(";") {
		p.next()
	}
	if p.cur().Kind != TokEOF {
		p.unexpected("end of query")
	}
	return q, nil
}

func (p *parser) fill(n int) {
	for len(p.buf) < n {
		t := p.lx.next()
		if t.Kind == TokIllegal {
			if t.Unterminated {
				p.fail(t.Pos, "unterminated comment")
			}
			p.fail(t.Pos, "invalid character")
		}
		if t.Unterminated {
			p.fail(t.Pos, "unterminated "+t.Kind.Describe())
		}
		p.buf = append(p.buf, t)
	}
}

func (p *parser) cur() Token { return p.buf[0] }

func (p *parser) peek(n int) Token {
	p.fill(n + 1)
	return p.buf[n]
}

func (p *parser) next() Token {
	t := p.buf[0]
	p.prevEnd = t.End
	p.buf = p.buf[1:]
	p.fill(1)
	return t
}

func (p *parser) fail(pos Pos, msg string) {
	panic(bailout{&Error{Pos: pos, Msg: msg}})
}

func (p *parser) unexpected(want string) {
	t := p.cur()
	found := t.Kind.Describe()
	if t.Kind == TokKeyword || t.Kind == TokOp {
		found += " " + t.Text
	}
	p.fail(t.Pos, "expected "+want+", found "+found)
}

func (p *parser) isKw(kw string) bool {
	t := p.cur()
	return t.Kind == TokKeyword && t.Text == kw
}

// isWord matches a non-reserved word (an unquoted identifier) such as
// PARTITION or NULLS.
func (p *parser) isWord(w string) bool {
	t := p.cur()
	return t.Kind == TokIdent && strings.EqualFold(t.Text, w)
}

func (p *parser) isOp(op string) bool {
	t := p.cur()
	return t.Kind == TokOp && t.Text == op
}

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) Token {
	if !p.isKw(kw) {
		p.unexpected(kw)
	}
	return p.next()
}

func (p *parser) expectWord(w string) {
	if !p.isWord(w) {
		p.unexpected(strings.ToUpper(w))
	}
	p.next()
}

func (p *parser) expectOp(op string) Token {
	if !p.isOp(op) {
		p.unexpected("'" + op + "'")
	}
	return p.next()
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.fail(p.cur().Pos, "nesting too deep")
	}
}

func (p *parser) leave() { p.depth-- }

// ident reads an identifier (bare or quoted).
func (p *parser) ident(what string) *Ident {
	t := p.cur()
	switch t.Kind {
	case TokIdent:
		p.next()
		return &Ident{Pos: t.Pos, Name: t.Text}
	case TokQuotedIdent:
		p.next()
		return &Ident{Pos: t.Pos, Name: t.Text, Quoted: true}
	}
	p.unexpected(what)
	return nil
}

func (p *parser) isIdent() bool {
	k := p.cur().Kind
	return k == TokIdent || k == TokQuotedIdent
}

// query: [WITH cte, …] body [ORDER BY …] [LIMIT n|ALL] [OFFSET n [ROWS]]
func (p *parser) query() *Query {
	p.enter()
	defer p.leave()
	q := &Query{Pos: p.cur().Pos}
	if p.acceptKw("WITH") {
		if p.isWord("RECURSIVE") {
			p.fail(p.cur().Pos, "WITH RECURSIVE is not supported")
		}
		for {
			q.With = append(q.With, p.cte())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	q.Body = p.setExpr()
	if p.isKw("ORDER") {
		q.OrderByPos = p.cur().Pos
		q.OrderBy = p.orderBy()
	}
	if p.isKw("LIMIT") {
		q.LimitPos = p.next().Pos
		if !p.acceptKw("ALL") {
			q.Limit = p.expr()
		}
	}
	if p.isKw("OFFSET") {
		q.OffsetPos = p.next().Pos
		q.Offset = p.expr()
		if p.isWord("ROWS") || p.isWord("ROW") {
			p.next()
		}
	}
	return q
}

func (p *parser) cte() *CTE {
	c := &CTE{Pos: p.cur().Pos, Name: p.ident("common table expression name")}
	if p.acceptOp("(") {
		for {
			c.Columns = append(c.Columns, p.ident("column name"))
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
	p.expectKw("AS")
	p.expectOp("(")
	c.Query = p.query()
	p.expectOp(")")
	return c
}

// setExpr: term {(UNION|EXCEPT|MINUS) [ALL|DISTINCT] term}; INTERSECT
// binds tighter.
func (p *parser) setExpr() SetExpr {
	left := p.setTerm()
	for p.isKw("UNION") || p.isKw("EXCEPT") || p.isKw("MINUS") {
		op := p.next()
		s := &SetOp{Pos: op.Pos, Op: op.Text, Left: left}
		if p.acceptKw("ALL") {
			s.All = true
		} else {
			p.acceptKw("DISTINCT")
		}
		s.Right = p.setTerm()
		left = s
	}
	return left
}

func (p *parser) setTerm() SetExpr {
	left := p.setPrimary()
	for p.isKw("INTERSECT") {
		op := p.next()
		s := &SetOp{Pos: op.Pos, Op: op.Text, Left: left}
		if p.acceptKw("ALL") {
			s.All = true
		} else {
			p.acceptKw("DISTINCT")
		}
		s.Right = p.setPrimary()
		left = s
	}
	return left
}

func (p *parser) setPrimary() SetExpr {
	if p.isOp("(") {
		p.next()
		q := p.query()
		p.expectOp(")")
		return q
	}
	return p.selectBlock()
}

func (p *parser) selectBlock() *Select {
	s := &Select{Pos: p.expectKw("SELECT").Pos}
	p.top(s)
	if p.isKw("DISTINCT") {
		s.Distinct, s.DistinctPos = true, p.next().Pos
	} else {
		p.acceptKw("ALL")
	}
	p.top(s)
	for {
		s.Items = append(s.Items, p.selectItem())
		s.ItemsEnd = p.prevEnd
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("FROM") {
		for {
			s.From = append(s.From, p.tableRef())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.acceptKw("WHERE") {
		s.Where = p.expr()
	}
	if p.isKw("GROUP") {
		s.GroupByPos = p.next().Pos
		p.expectKw("BY")
		for {
			s.GroupBy = append(s.GroupBy, p.expr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.isKw("HAVING") {
		s.HavingPos = p.next().Pos
		s.Having = p.expr()
	}
	if p.isKw("QUALIFY") || p.isKw("WINDOW") {
		p.fail(p.cur().Pos, p.cur().Text+" is not supported")
	}
	return s
}

func (p *parser) top(s *Select) {
	if p.isKw("TOP") {
		if s.Top != nil {
			p.fail(p.cur().Pos, "TOP given twice")
		}
		s.TopPos = p.next().Pos
		t := p.cur()
		if t.Kind != TokNumber {
			p.unexpected("number")
		}
		p.next()
		s.Top = &Literal{Pos: t.Pos, Kind: LitNumber, Value: t.Text, End: t.End}
	}
}

func (p *parser) selectItem() *SelectItem {
	start := p.cur()
	if p.isOp("*") {
		p.next()
		return &SelectItem{Pos: start.Pos, Star: true}
	}
	if (start.Kind == TokIdent || start.Kind == TokQuotedIdent) && p.peek(1).Kind == TokOp && p.peek(1).Text == "." &&
		p.peek(2).Kind == TokOp && p.peek(2).Text == "*" {
		tbl := p.ident("table name")
		p.next()
		p.next()
		return &SelectItem{Pos: start.Pos, Star: true, StarTable: tbl}
	}
	it := &SelectItem{Pos: start.Pos, Expr: p.expr()}
	it.Alias = p.alias(true)
	return it
}

// alias reads [AS] name; strings are accepted after AS in a select list.
func (p *parser) alias(selectList bool) *Ident {
	if p.acceptKw("AS") {
		t := p.cur()
		if selectList && t.Kind == TokString {
			p.next()
			return &Ident{Pos: t.Pos, Name: t.Text, Quoted: true}
		}
		return p.ident("alias")
	}
	if p.isIdent() {
		return p.ident("alias")
	}
	return nil
}

func (p *parser) tableRef() TableExpr {
	p.enter()
	defer p.leave()
	left := p.tablePrimary()
	for {
		start := p.cur().Pos
		j := &Join{Pos: start, Left: left}
		if p.acceptKw("NATURAL") {
			j.Natural = true
		}
		switch {
		case p.acceptKw("INNER"):
			j.Kind = JoinInner
		case p.acceptKw("LEFT"):
			j.Kind = JoinLeft
			p.acceptKw("OUTER")
		case p.acceptKw("RIGHT"):
			j.Kind = JoinRight
			p.acceptKw("OUTER")
		case p.acceptKw("FULL"):
			j.Kind = JoinFull
			p.acceptKw("OUTER")
		case p.acceptKw("CROSS"):
			j.Kind = JoinCross
		case p.isKw("JOIN"):
			j.Kind = JoinInner
		default:
			if j.Natural {
				p.unexpected("JOIN")
			}
			return left
		}
		p.expectKw("JOIN")
		j.Right = p.tablePrimary()
		if j.Kind != JoinCross && !j.Natural {
			switch {
			case p.acceptKw("ON"):
				j.On = p.expr()
			case p.acceptKw("USING"):
				p.expectOp("(")
				for {
					j.Using = append(j.Using, p.ident("column name"))
					if !p.acceptOp(",") {
						break
					}
				}
				p.expectOp(")")
			default:
				p.unexpected("ON or USING")
			}
		}
		left = j
	}
}

func (p *parser) tablePrimary() TableExpr {
	start := p.cur().Pos
	if p.acceptOp("(") {
		if p.isKw("SELECT") || p.isKw("WITH") || p.isOp("(") && p.startsQuery() {
			d := &DerivedTable{Pos: start, Query: p.query()}
			p.expectOp(")")
			d.Alias = p.alias(false)
			if d.Alias != nil && p.acceptOp("(") {
				for {
					d.Columns = append(d.Columns, p.ident("column name"))
					if !p.acceptOp(",") {
						break
					}
				}
				p.expectOp(")")
			}
			return d
		}
		t := p.tableRef()
		p.expectOp(")")
		return t
	}
	t := &TableName{Pos: start}
	t.Parts = append(t.Parts, p.ident("table name"))
	for p.isOp(".") && len(t.Parts) < 3 {
		p.next()
		t.Parts = append(t.Parts, p.ident("table name"))
	}
	t.Alias = p.alias(false)
	return t
}

// startsQuery looks past opening parentheses for SELECT or WITH.
func (p *parser) startsQuery() bool {
	for i := 0; i < MaxDepth; i++ {
		t := p.peek(i)
		if t.Kind == TokOp && t.Text == "(" {
			continue
		}
		return t.Kind == TokKeyword && (t.Text == "SELECT" || t.Text == "WITH")
	}
	return false
}

func (p *parser) orderBy() []*OrderItem {
	p.expectKw("ORDER")
	p.expectKw("BY")
	var out []*OrderItem
	for {
		o := &OrderItem{Pos: p.cur().Pos, Expr: p.expr()}
		if p.acceptKw("DESC") {
			o.Desc = true
		} else {
			p.acceptKw("ASC")
		}
		if p.isWord("NULLS") {
			p.next()
			first := p.isWord("FIRST")
			if !first && !p.isWord("LAST") {
				p.unexpected("FIRST or LAST")
			}
			p.next()
			o.NullsFirst = &first
		}
		out = append(out, o)
		if !p.acceptOp(",") {
			return out
		}
	}
}

// expr parses an expression (lowest precedence: OR).
func (p *parser) expr() Expr {
	p.enter()
	defer p.leave()
	return p.or()
}

func (p *parser) or() Expr {
	l := p.and()
	for p.isKw("OR") {
		op := p.next()
		l = &Binary{Pos: l.Position(), OpPos: op.Pos, Op: "OR", L: l, R: p.and()}
	}
	return l
}

func (p *parser) and() Expr {
	l := p.not()
	for p.isKw("AND") {
		op := p.next()
		l = &Binary{Pos: l.Position(), OpPos: op.Pos, Op: "AND", L: l, R: p.not()}
	}
	return l
}

func (p *parser) not() Expr {
	if p.isKw("NOT") && !(p.peek(1).Kind == TokKeyword && p.peek(1).Text == "EXISTS") {
		op := p.next()
		p.enter()
		defer p.leave()
		return &Unary{Pos: op.Pos, Op: "NOT", X: p.not()}
	}
	return p.comparison()
}

var comparisonOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true}

func (p *parser) comparison() Expr {
	l := p.concat()
	for {
		t := p.cur()
		switch {
		case t.Kind == TokOp && comparisonOps[t.Text]:
			p.next()
			l = &Binary{Pos: l.Position(), OpPos: t.Pos, Op: t.Text, L: l, R: p.concat()}
		case p.isKw("IS"):
			p.next()
			e := &IsExpr{Pos: l.Position(), X: l, Not: p.acceptKw("NOT")}
			switch {
			case p.acceptKw("NULL"):
				e.What = "NULL"
			case p.acceptKw("TRUE"):
				e.What = "TRUE"
			case p.acceptKw("FALSE"):
				e.What = "FALSE"
			default:
				p.unexpected("NULL, TRUE or FALSE")
			}
			l = e
		case p.isKw("NOT") || p.isKw("IN") || p.isKw("BETWEEN") || p.isKw("LIKE") || p.isKw("ILIKE"):
			not := p.acceptKw("NOT")
			switch {
			case p.acceptKw("IN"):
				in := &In{Pos: l.Position(), X: l, Not: not}
				p.expectOp("(")
				if p.isKw("SELECT") || p.isKw("WITH") {
					in.Sub = p.query()
				} else {
					for {
						in.List = append(in.List, p.expr())
						if !p.acceptOp(",") {
							break
						}
					}
				}
				p.expectOp(")")
				l = in
			case p.acceptKw("BETWEEN"):
				b := &Between{Pos: l.Position(), X: l, Not: not, Lo: p.concat()}
				p.expectKw("AND")
				b.Hi = p.concat()
				l = b
			case p.isKw("LIKE") || p.isKw("ILIKE"):
				op := p.next().Text
				l = &Like{Pos: l.Position(), X: l, Not: not, Op: op, Pattern: p.concat()}
			default:
				p.unexpected("IN, BETWEEN or LIKE")
			}
		default:
			return l
		}
	}
}

func (p *parser) concat() Expr {
	l := p.additive()
	for p.isOp("||") {
		op := p.next()
		l = &Binary{Pos: l.Position(), OpPos: op.Pos, Op: "||", L: l, R: p.additive()}
	}
	return l
}

func (p *parser) additive() Expr {
	l := p.multiplicative()
	for p.isOp("+") || p.isOp("-") {
		op := p.next()
		l = &Binary{Pos: l.Position(), OpPos: op.Pos, Op: op.Text, L: l, R: p.multiplicative()}
	}
	return l
}

func (p *parser) multiplicative() Expr {
	l := p.unary()
	for p.isOp("*") || p.isOp("/") || p.isOp("%") {
		op := p.next()
		l = &Binary{Pos: l.Position(), OpPos: op.Pos, Op: op.Text, L: l, R: p.unary()}
	}
	return l
}

func (p *parser) unary() Expr {
	if p.isOp("-") || p.isOp("+") {
		op := p.next()
		p.enter()
		defer p.leave()
		return &Unary{Pos: op.Pos, Op: op.Text, X: p.unary()}
	}
	return p.postfix()
}

func (p *parser) postfix() Expr {
	x := p.primary()
	for p.isOp("::") {
		op := p.next()
		c := &Cast{Pos: x.Position(), X: x, Type: p.typeName(), Syntax: "::", OpOff: op.Pos.Off}
		c.End = p.prevEnd
		x = c
	}
	return x
}

// niladic functions may be written without parentheses.
var niladic = map[string]bool{"CURRENT_DATE": true, "CURRENT_TIMESTAMP": true, "CURRENT_TIME": true, "SYSDATE": true, "LOCALTIMESTAMP": true, "LOCALTIME": true, "CURRENT_USER": true}

// datePartFuncs take a bare date part (day, month…) as first argument.
var datePartFuncs = map[string]bool{"DATEADD": true, "DATEDIFF": true, "DATE_PART": true, "DATE_ADD": true, "DATE_DIFF": true, "TIMESTAMPADD": true, "TIMESTAMPDIFF": true}

func (p *parser) primary() Expr {
	t := p.cur()
	switch t.Kind {
	case TokNumber:
		p.next()
		return &Literal{Pos: t.Pos, Kind: LitNumber, Value: t.Text, End: t.End}
	case TokString:
		p.next()
		return &Literal{Pos: t.Pos, Kind: LitString, Value: t.Text, End: t.End}
	case TokParam:
		p.next()
		return &Param{Pos: t.Pos, Name: t.Text, End: t.End}
	case TokKeyword:
		switch t.Text {
		case "TRUE", "FALSE":
			p.next()
			return &Literal{Pos: t.Pos, Kind: LitBool, Value: t.Text, End: t.End}
		case "NULL":
			p.next()
			return &Literal{Pos: t.Pos, Kind: LitNull, Value: t.Text, End: t.End}
		case "CASE":
			return p.caseExpr()
		case "CAST":
			p.next()
			p.expectOp("(")
			x := p.expr()
			p.expectKw("AS")
			c := &Cast{Pos: t.Pos, X: x, Type: p.typeName(), Syntax: "CAST"}
			p.expectOp(")")
			return c
		case "EXISTS":
			p.next()
			p.expectOp("(")
			e := &Exists{Pos: t.Pos, Sub: p.query()}
			p.expectOp(")")
			return e
		case "NOT":
			// NOT EXISTS (the only NOT reaching here).
			p.next()
			p.expectKw("EXISTS")
			p.expectOp("(")
			e := &Exists{Pos: t.Pos, Not: true, Sub: p.query()}
			p.expectOp(")")
			return e
		case "LEFT", "RIGHT":
			if p.peek(1).Kind == TokOp && p.peek(1).Text == "(" {
				p.next()
				return p.funcCall(t, t.Text)
			}
		}
	case TokOp:
		if t.Text == "(" {
			p.next()
			if p.isKw("SELECT") || p.isKw("WITH") {
				s := &Subquery{Pos: t.Pos, Query: p.query()}
				p.expectOp(")")
				return s
			}
			x := &Paren{Pos: t.Pos, X: p.expr()}
			p.expectOp(")")
			return x
		}
	case TokIdent, TokQuotedIdent:
		return p.identExpr()
	}
	p.unexpected("expression")
	return nil
}

func (p *parser) identExpr() Expr {
	t := p.cur()
	up := strings.ToUpper(t.Text)
	nt := p.peek(1)
	if t.Kind == TokIdent {
		switch {
		case nt.Kind == TokOp && nt.Text == "(":
			p.next()
			return p.funcCall(t, up)
		case (up == "DATE" || up == "TIMESTAMP" || up == "TIME") && nt.Kind == TokString:
			p.next()
			s := p.next()
			return &Literal{Pos: t.Pos, Kind: LitTyped, Type: up, Value: s.Text, End: s.End}
		case up == "INTERVAL" && (nt.Kind == TokString || nt.Kind == TokNumber):
			p.next()
			s := p.next()
			lit := &Literal{Pos: t.Pos, Kind: LitInterval, Value: s.Text, End: s.End}
			if p.cur().Kind == TokIdent && intervalUnit(p.cur().Text) {
				u := p.next()
				lit.Type = strings.ToUpper(u.Text)
				lit.End = u.End
			}
			return lit
		case niladic[up]:
			p.next()
			return &FuncCall{Pos: t.Pos, Name: up}
		}
	}
	first := p.ident("column name")
	if p.isOp(".") {
		p.next()
		name := p.ident("column name")
		for p.isOp(".") { // schema.table.column: keep the last two parts
			p.next()
			first, name = name, p.ident("column name")
		}
		return &ColumnRef{Pos: first.Pos, Table: first, Name: name}
	}
	return &ColumnRef{Pos: first.Pos, Name: first}
}

func intervalUnit(w string) bool {
	switch strings.ToUpper(w) {
	case "YEAR", "YEARS", "MONTH", "MONTHS", "WEEK", "WEEKS", "DAY", "DAYS", "HOUR", "HOURS",
		"MINUTE", "MINUTES", "SECOND", "SECONDS", "MILLISECOND", "MILLISECONDS", "MICROSECOND", "MICROSECONDS":
		return true
	}
	return false
}

func (p *parser) funcCall(name Token, up string) Expr {
	p.enter()
	defer p.leave()
	p.expectOp("(")
	f := &FuncCall{Pos: name.Pos, Name: up}
	switch up {
	case "EXTRACT":
		field := p.cur()
		if field.Kind != TokIdent && field.Kind != TokString {
			p.unexpected("date part")
		}
		p.next()
		p.expectKw("FROM")
		e := &Extract{Pos: name.Pos, Field: strings.ToUpper(field.Text), X: p.expr()}
		p.expectOp(")")
		return e
	case "CONVERT":
		if p.cur().Kind == TokIdent && p.peek(1).Kind == TokOp && (p.peek(1).Text == "," || p.peek(1).Text == "(") {
			typ := p.typeName()
			p.expectOp(",")
			c := &Cast{Pos: name.Pos, Type: typ, X: p.expr(), Syntax: "CONVERT"}
			p.expectOp(")")
			return c
		}
	case "TRY_CAST":
		x := p.expr()
		p.expectKw("AS")
		c := &Cast{Pos: name.Pos, X: x, Type: p.typeName(), Syntax: "TRY_CAST"}
		p.expectOp(")")
		return c
	case "TRIM":
		if p.isWord("BOTH") || p.isWord("LEADING") || p.isWord("TRAILING") {
			p.next()
			if !p.isKw("FROM") {
				f.Args = append(f.Args, p.expr())
			}
			p.expectKw("FROM")
			f.Args = append([]Expr{p.expr()}, f.Args...)
			p.expectOp(")")
			return f
		}
	case "SUBSTRING", "SUBSTR":
		x := p.expr()
		f.Args = append(f.Args, x)
		if p.acceptKw("FROM") {
			f.Args = append(f.Args, p.expr())
			if p.isWord("FOR") {
				p.next()
				f.Args = append(f.Args, p.expr())
			}
			p.expectOp(")")
			return p.funcTail(f)
		}
		for p.acceptOp(",") {
			f.Args = append(f.Args, p.expr())
		}
		p.expectOp(")")
		return p.funcTail(f)
	case "POSITION":
		sub := p.concat()
		if p.acceptKw("IN") {
			f.Args = append(f.Args, sub, p.expr())
			p.expectOp(")")
			return f
		}
		f.Args = append(f.Args, sub)
		for p.acceptOp(",") {
			f.Args = append(f.Args, p.expr())
		}
		p.expectOp(")")
		return f
	}
	if p.isOp("*") {
		p.next()
		f.Star = true
		p.expectOp(")")
		return p.funcTail(f)
	}
	if p.acceptKw("DISTINCT") {
		f.Distinct = true
	} else {
		p.acceptKw("ALL")
	}
	if !p.isOp(")") {
		if datePartFuncs[up] && p.cur().Kind == TokIdent && p.peek(1).Kind == TokOp && p.peek(1).Text == "," {
			t := p.next()
			f.Args = append(f.Args, &Literal{Pos: t.Pos, Kind: LitDatePart, Value: strings.ToUpper(t.Text), End: t.End})
			p.next()
		}
		for {
			f.Args = append(f.Args, p.expr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.expectOp(")")
	return p.funcTail(f)
}

// funcTail reads WITHIN GROUP, FILTER and OVER after a call.
func (p *parser) funcTail(f *FuncCall) Expr {
	if p.isWord("WITHIN") {
		p.next()
		p.expectKw("GROUP")
		p.expectOp("(")
		p.orderBy()
		p.expectOp(")")
	}
	if p.isWord("FILTER") && p.peek(1).Kind == TokOp && p.peek(1).Text == "(" {
		p.next()
		p.next()
		p.expectKw("WHERE")
		f.Filter = p.expr()
		p.expectOp(")")
	}
	if p.isKw("OVER") {
		w := &Window{Pos: p.next().Pos}
		if p.isIdent() {
			w.Name = p.ident("window name")
			f.Over = w
			return f
		}
		p.expectOp("(")
		if p.isWord("PARTITION") {
			p.next()
			p.expectKw("BY")
			for {
				w.PartitionBy = append(w.PartitionBy, p.expr())
				if !p.acceptOp(",") {
					break
				}
			}
		}
		if p.isKw("ORDER") {
			w.OrderBy = p.orderBy()
		}
		if p.isWord("ROWS") || p.isWord("RANGE") {
			var b strings.Builder
			b.WriteString(strings.ToUpper(p.next().Text))
			if p.acceptKw("BETWEEN") {
				b.WriteString(" BETWEEN ")
				p.frameBound(w, &b)
				p.expectKw("AND")
				b.WriteString(" AND ")
			} else {
				b.WriteString(" ")
			}
			p.frameBound(w, &b)
			w.Frame = b.String()
		}
		p.expectOp(")")
		f.Over = w
	}
	return f
}

func (p *parser) frameBound(w *Window, b *strings.Builder) {
	switch {
	case p.isWord("UNBOUNDED"):
		p.next()
		b.WriteString("UNBOUNDED ")
	case p.isWord("CURRENT"):
		p.next()
		p.expectWord("ROW")
		b.WriteString("CURRENT ROW")
		return
	default:
		w.FrameArgs = append(w.FrameArgs, p.additive())
		b.WriteString("n ")
	}
	switch {
	case p.isWord("PRECEDING"):
		p.next()
		b.WriteString("PRECEDING")
	case p.isWord("FOLLOWING"):
		p.next()
		b.WriteString("FOLLOWING")
	default:
		p.unexpected("PRECEDING or FOLLOWING")
	}
}

func (p *parser) caseExpr() Expr {
	c := &Case{Pos: p.expectKw("CASE").Pos}
	if !p.isKw("WHEN") {
		c.Operand = p.expr()
	}
	for p.isKw("WHEN") {
		w := &When{Pos: p.next().Pos, Cond: p.expr()}
		p.expectKw("THEN")
		w.Then = p.expr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.unexpected("WHEN")
	}
	if p.acceptKw("ELSE") {
		c.Else = p.expr()
	}
	p.expectKw("END")
	return c
}

// typeName reads a type such as INTEGER, VARCHAR(20), DECIMAL(10, 2),
// DOUBLE PRECISION, CHARACTER VARYING(8) or TIMESTAMP WITH TIME ZONE.
func (p *parser) typeName() string {
	t := p.cur()
	if t.Kind != TokIdent {
		p.unexpected("type name")
	}
	p.next()
	name := strings.ToUpper(t.Text)
	for p.isWord("PRECISION") || p.isWord("VARYING") {
		name += " " + strings.ToUpper(p.next().Text)
	}
	if (p.isKw("WITH") || p.isWord("WITHOUT")) && p.peek(1).Kind == TokIdent && strings.EqualFold(p.peek(1).Text, "TIME") {
		w := p.next().Text
		p.next()
		p.expectWord("ZONE")
		name += " " + strings.ToUpper(w) + " TIME ZONE"
	}
	if p.acceptOp("(") {
		var args []string
		for {
			a := p.cur()
			if a.Kind != TokNumber && !(a.Kind == TokIdent && strings.EqualFold(a.Text, "MAX")) {
				p.unexpected("type length")
			}
			p.next()
			args = append(args, strings.ToUpper(a.Text))
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
		name += "(" + strings.Join(args, ",") + ")"
	}
	return name
}
