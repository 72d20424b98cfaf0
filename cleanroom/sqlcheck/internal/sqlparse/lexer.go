// Package sqlparse parses the SELECT dialect of AWS Clean Rooms SQL into a
// syntax tree whose every node carries its position (line and column).
//
// It is a recursive-descent parser for the subset the analysis rules
// govern: SELECT with DISTINCT and TOP, aliases, FROM with joins (INNER,
// LEFT, RIGHT, FULL, CROSS; ON or USING), WHERE, GROUP BY, HAVING, ORDER BY,
// LIMIT and OFFSET, WITH, set operators, subqueries, CAST and ::, CASE,
// EXTRACT, the date-part arguments of DATEADD and friends, window
// functions, literals and analysis-template parameters (:name).
package sqlparse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a position in the query text: Line and Col are 1-based, Col counts
// characters (code points), Off is the byte offset.
type Pos struct {
	Line, Col, Off int
}

// IsValid reports whether p was set.
func (p Pos) IsValid() bool { return p.Line > 0 }

// TokKind classifies a token.
type TokKind int

// Token kinds.
const (
	TokEOF TokKind = iota
	TokIdent
	TokQuotedIdent
	TokKeyword
	TokNumber
	TokString
	TokParam
	TokOp
	TokIllegal
)

// Describe names a token kind for messages; it never includes the
// token's text, so literal values from the query are not echoed.
func (k TokKind) Describe() string {
	switch k {
	case TokEOF:
		return "end of query"
	case TokIdent, TokQuotedIdent:
		return "identifier"
	case TokKeyword:
		return "keyword"
	case TokNumber:
		return "number literal"
	case TokString:
		return "string literal"
	case TokParam:
		return "parameter"
	case TokOp:
		return "operator"
	}
	return "invalid character"
}

// Token is one lexical token. For keywords Text is upper case; for quoted
// identifiers and strings it is the unescaped content.
type Token struct {
	Kind TokKind
	Text string
	Pos  Pos
	End  int // byte offset after the token
	// Unterminated marks a string, quoted identifier or comment that ran
	// to the end of the input.
	Unterminated bool
}

// keywords are reserved: they cannot be bare aliases or column names.
var keywords = map[string]bool{
	"ALL": true, "AND": true, "AS": true, "ASC": true, "BETWEEN": true, "BY": true,
	"CASE": true, "CAST": true, "CROSS": true, "DESC": true, "DISTINCT": true,
	"ELSE": true, "END": true, "EXCEPT": true, "EXISTS": true, "FALSE": true,
	"FROM": true, "FULL": true, "GROUP": true, "HAVING": true, "ILIKE": true, "IN": true,
	"INNER": true, "INTERSECT": true, "IS": true, "JOIN": true, "LEFT": true,
	"LIKE": true, "LIMIT": true, "MINUS": true, "NATURAL": true, "NOT": true,
	"NULL": true, "OFFSET": true, "ON": true, "OR": true, "ORDER": true,
	"OUTER": true, "OVER": true, "RIGHT": true, "SELECT": true, "THEN": true,
	"TOP": true, "TRUE": true, "UNION": true, "USING": true, "WHEN": true,
	"WHERE": true, "WITH": true, "QUALIFY": true, "WINDOW": true,
}

// IsKeyword reports whether an unquoted word is reserved.
func IsKeyword(word string) bool { return keywords[strings.ToUpper(word)] }

type lexer struct {
	src  string
	off  int
	line int
	col  int
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

func (l *lexer) pos() Pos { return Pos{Line: l.line, Col: l.col, Off: l.off} }

func (l *lexer) peekRune(ahead int) rune {
	o := l.off
	for i := 0; ; i++ {
		if o >= len(l.src) {
			return -1
		}
		r, n := utf8.DecodeRuneInString(l.src[o:])
		if i == ahead {
			return r
		}
		o += n
	}
}

func (l *lexer) advance() rune {
	if l.off >= len(l.src) {
		return -1
	}
	r, n := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += n
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

// skipSpace skips white space and comments; it reports the position of an
// unterminated block comment, if any.
func (l *lexer) skipSpace() (Pos, bool) {
	for {
		r := l.peekRune(0)
		switch {
		case r == -1:
			return Pos{}, false
		case unicode.IsSpace(r):
			l.advance()
		case r == '-' && l.peekRune(1) == '-':
			for r := l.peekRune(0); r != -1 && r != '\n'; r = l.peekRune(0) {
				l.advance()
			}
		case r == '/' && l.peekRune(1) == '*':
			start := l.pos()
			l.advance()
			l.advance()
			for {
				r := l.peekRune(0)
				if r == -1 {
					return start, true
				}
				if r == '*' && l.peekRune(1) == '/' {
					l.advance()
					l.advance()
					break
				}
				l.advance()
			}
		default:
			return Pos{}, false
		}
	}
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// next returns the next token.
func (l *lexer) next() Token {
	if p, bad := l.skipSpace(); bad {
		return Token{Kind: TokIllegal, Pos: p, End: l.off, Unterminated: true}
	}
	start := l.pos()
	r := l.peekRune(0)
	tok := Token{Pos: start}
	switch {
	case r == -1:
		tok.Kind = TokEOF
	case isIdentStart(r):
		for isIdentPart(l.peekRune(0)) {
			l.advance()
		}
		word := l.src[start.Off:l.off]
		if up := strings.ToUpper(word); keywords[up] {
			tok.Kind, tok.Text = TokKeyword, up
		} else {
			tok.Kind, tok.Text = TokIdent, word
		}
	case r == '"' || r == '`':
		tok.Kind = TokQuotedIdent
		tok.Text, tok.Unterminated = l.quoted(r)
	case r == '\'':
		tok.Kind = TokString
		tok.Text, tok.Unterminated = l.quoted('\'')
	case unicode.IsDigit(r) || (r == '.' && unicode.IsDigit(l.peekRune(1))):
		tok.Kind = TokNumber
		l.number()
		tok.Text = l.src[start.Off:l.off]
	case r == ':' && l.peekRune(1) != ':' && isIdentStart(l.peekRune(1)):
		l.advance()
		for isIdentPart(l.peekRune(0)) {
			l.advance()
		}
		tok.Kind, tok.Text = TokParam, l.src[start.Off+1:l.off]
	default:
		tok.Kind = TokOp
		tok.Text = l.op()
		if tok.Text == "" {
			l.advance()
			tok.Kind = TokIllegal
		}
	}
	tok.End = l.off
	return tok
}

// quoted reads a quoted string or identifier whose quote is doubled to
// escape it.
func (l *lexer) quoted(q rune) (string, bool) {
	l.advance()
	var b strings.Builder
	for {
		r := l.peekRune(0)
		if r == -1 {
			return b.String(), true
		}
		l.advance()
		if r == q {
			if l.peekRune(0) == q {
				l.advance()
				b.WriteRune(q)
				continue
			}
			return b.String(), false
		}
		b.WriteRune(r)
	}
}

func (l *lexer) number() {
	for unicode.IsDigit(l.peekRune(0)) {
		l.advance()
	}
	if l.peekRune(0) == '.' && l.peekRune(1) != '.' {
		l.advance()
		for unicode.IsDigit(l.peekRune(0)) {
			l.advance()
		}
	}
	if r := l.peekRune(0); r == 'e' || r == 'E' {
		n := l.peekRune(1)
		if unicode.IsDigit(n) || ((n == '+' || n == '-') && unicode.IsDigit(l.peekRune(2))) {
			l.advance()
			l.advance()
			for unicode.IsDigit(l.peekRune(0)) {
				l.advance()
			}
		}
	}
}

var ops = []string{"::", "<>", "!=", "<=", ">=", "||", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", ";", "[", "]"}

func (l *lexer) op() string {
	rest := l.src[l.off:]
	for _, o := range ops {
		if strings.HasPrefix(rest, o) {
			for range o {
				l.advance()
			}
			return o
		}
	}
	return ""
}

// Tokens lexes the whole input (for tests and tools).
func Tokens(src string) []Token {
	l := newLexer(src)
	var out []Token
	for {
		t := l.next()
		out = append(out, t)
		if t.Kind == TokEOF || (t.Kind == TokIllegal && t.Unterminated) {
			return out
		}
	}
}
