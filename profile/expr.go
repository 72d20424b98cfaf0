package profile

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Op is an expression operator.
type Op uint8

// The operators of segment expressions.
const (
	OpAnd    Op = iota + 1 // all of Args
	OpOr                   // any of Args
	OpNot                  // not Args[0]
	OpEq                   // Name = Values[0]
	OpNe                   // Name != Values[0]
	OpLt                   // Name < Values[0]
	OpLe                   // Name <= Values[0]
	OpGt                   // Name > Values[0]
	OpGe                   // Name >= Values[0]
	OpIn                   // Name equals one of Values
	OpExists               // Name is not null
	OpWithin               // Name (a time) lies within Window before the run time
)

var opText = [...]string{OpEq: "=", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">="}

// Expr is a segment predicate over a profile's fields and traits. Build one
// with And, Or, Not, Eq, Ne, Lt, Le, Gt, Ge, In, Exists and Within, or
// with Parse from its text form; String gives the text form back, and
// Parse(e.String()) is Equal to e.
//
// A comparison with a null operand is false (so Not of it is true); a
// comparison on a list field (UniqueList) holds when any item satisfies
// it. Names are resolved against the Spec when a Builder is made.
type Expr struct {
	Op     Op
	Args   []Expr        // OpAnd, OpOr, OpNot
	Name   string        // comparisons, OpIn, OpExists, OpWithin
	Values []Value       // comparisons (one), OpIn (one or more)
	Window time.Duration // OpWithin

	pos int // byte offset in the parsed text, for errors; ignored by Equal
}

// And holds when every argument holds.
func And(args ...Expr) Expr { return Expr{Op: OpAnd, Args: args} }

// Or holds when any argument holds.
func Or(args ...Expr) Expr { return Expr{Op: OpOr, Args: args} }

// Not negates e.
func Not(e Expr) Expr { return Expr{Op: OpNot, Args: []Expr{e}} }

// Eq holds when name equals v.
func Eq(name string, v Value) Expr { return cmpExpr(OpEq, name, v) }

// Ne holds when name is not null and differs from v.
func Ne(name string, v Value) Expr { return cmpExpr(OpNe, name, v) }

// Lt holds when name < v.
func Lt(name string, v Value) Expr { return cmpExpr(OpLt, name, v) }

// Le holds when name <= v.
func Le(name string, v Value) Expr { return cmpExpr(OpLe, name, v) }

// Gt holds when name > v.
func Gt(name string, v Value) Expr { return cmpExpr(OpGt, name, v) }

// Ge holds when name >= v.
func Ge(name string, v Value) Expr { return cmpExpr(OpGe, name, v) }

// In holds when name equals one of vs.
func In(name string, vs ...Value) Expr { return Expr{Op: OpIn, Name: name, Values: vs} }

// Exists holds when name is not null.
func Exists(name string) Expr { return Expr{Op: OpExists, Name: name} }

// Within holds when name, a time, is at most d before the run time
// (Options.RunAt) and not after it.
func Within(name string, d time.Duration) Expr { return Expr{Op: OpWithin, Name: name, Window: d} }

func cmpExpr(op Op, name string, v Value) Expr {
	return Expr{Op: op, Name: name, Values: []Value{v}}
}

// Equal reports whether two expressions are the same tree (positions
// from parsing are ignored).
func (e Expr) Equal(o Expr) bool {
	if e.Op != o.Op || e.Name != o.Name || e.Window != o.Window || len(e.Args) != len(o.Args) || len(e.Values) != len(o.Values) {
		return false
	}
	for i := range e.Args {
		if !e.Args[i].Equal(o.Args[i]) {
			return false
		}
	}
	for i := range e.Values {
		if !e.Values[i].Equal(o.Values[i]) {
			return false
		}
	}
	return true
}

// String returns the canonical text form, which Parse reads back.
func (e Expr) String() string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func (e Expr) write(b *strings.Builder) {
	sub := func(a Expr) {
		if a.Op == OpAnd || a.Op == OpOr {
			b.WriteByte('(')
			a.write(b)
			b.WriteByte(')')
			return
		}
		a.write(b)
	}
	switch e.Op {
	case OpAnd, OpOr:
		word := " and "
		if e.Op == OpOr {
			word = " or "
		}
		if len(e.Args) == 0 {
			// An empty and is true, an empty or false; written as the
			// literal form Parse reads back.
			if e.Op == OpAnd {
				b.WriteString("true")
			} else {
				b.WriteString("false")
			}
			return
		}
		if len(e.Args) == 1 {
			// A one-argument and/or is written with its keyword so it
			// reads back as the same tree.
			b.WriteString(strings.TrimSpace(word))
			b.WriteByte('(')
			e.Args[0].write(b)
			b.WriteByte(')')
			return
		}
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(word)
			}
			sub(a)
		}
	case OpNot:
		b.WriteString("not ")
		if len(e.Args) == 1 {
			sub(e.Args[0])
		}
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		b.WriteString(e.Name)
		b.WriteByte(' ')
		b.WriteString(opText[e.Op])
		b.WriteByte(' ')
		if len(e.Values) > 0 {
			b.WriteString(e.Values[0].String())
		}
	case OpIn:
		b.WriteString(e.Name)
		b.WriteString(" in (")
		for i, v := range e.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
	case OpExists:
		b.WriteString("exists ")
		b.WriteString(e.Name)
	case OpWithin:
		b.WriteString(e.Name)
		b.WriteString(" within ")
		b.WriteString(formatDuration(e.Window))
	default:
		b.WriteString("<invalid op " + strconv.Itoa(int(e.Op)) + ">")
	}
}

// formatDuration writes d in the largest unit of d, h, m, s that divides it.
func formatDuration(d time.Duration) string {
	units := []struct {
		u time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for _, u := range units {
		if d%u.u == 0 {
			return strconv.FormatInt(int64(d/u.u), 10) + u.s
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// names returns every name e refers to, in order of appearance.
func (e Expr) names(out []Expr) []Expr {
	switch e.Op {
	case OpAnd, OpOr, OpNot:
		for _, a := range e.Args {
			out = a.names(out)
		}
	default:
		out = append(out, e)
	}
	return out
}

// validate checks the tree's shape (not its names).
func (e Expr) validate() string {
	switch e.Op {
	case OpAnd, OpOr:
		for _, a := range e.Args {
			if m := a.validate(); m != "" {
				return m
			}
		}
	case OpNot:
		if len(e.Args) != 1 {
			return "not takes one argument"
		}
		return e.Args[0].validate()
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		if len(e.Values) != 1 {
			return "a comparison takes one value"
		}
		if e.Values[0].IsNull() {
			return "a comparison with null is never true (use exists)"
		}
		if !validName(e.Name) {
			return "invalid name in comparison"
		}
	case OpIn:
		if len(e.Values) == 0 {
			return "in takes at least one value"
		}
		if slices.ContainsFunc(e.Values, Value.IsNull) {
			return "in with a null value"
		}
		if !validName(e.Name) {
			return "invalid name in in"
		}
	case OpExists:
		if !validName(e.Name) {
			return "invalid name in exists"
		}
	case OpWithin:
		if e.Window <= 0 || e.Window%time.Second != 0 {
			return "within takes a positive whole number of seconds"
		}
		if !validName(e.Name) {
			return "invalid name in within"
		}
	default:
		return "invalid operator"
	}
	return ""
}

// validName: a letter or '_', then letters, digits, '_' or '.', not a
// keyword.
func validName(s string) bool {
	if s == "" || keyword(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func keyword(s string) bool {
	switch s {
	case "and", "or", "not", "in", "exists", "within", "true", "false", "null":
		return true
	}
	return false
}
