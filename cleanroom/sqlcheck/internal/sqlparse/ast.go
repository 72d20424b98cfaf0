package sqlparse

import "strings"

// Node is any syntax tree node.
type Node interface{ Position() Pos }

// Ident is a (possibly quoted) identifier; Name is as written, without
// quotes.
type Ident struct {
	Pos    Pos
	Name   string
	Quoted bool
}

// Norm is the form used to match names: lower case, quoted or not (Clean
// Rooms identifiers are case-insensitive and rule columns are lower case).
func (i *Ident) Norm() string { return strings.ToLower(i.Name) }

// Position implements Node.
func (i *Ident) Position() Pos { return i.Pos }

// Query is a query expression: an optional WITH list, a body (a *Select or
// a *SetOp) and the ORDER BY, LIMIT and OFFSET that apply to the body.
type Query struct {
	Pos     Pos
	With    []*CTE
	Body    SetExpr
	OrderBy []*OrderItem
	Limit   Expr
	Offset  Expr
	// OrderByPos, LimitPos and OffsetPos locate the keywords.
	OrderByPos, LimitPos, OffsetPos Pos
}

// Position implements Node.
func (q *Query) Position() Pos { return q.Pos }

// CTE is one WITH entry.
type CTE struct {
	Pos     Pos
	Name    *Ident
	Columns []*Ident
	Query   *Query
}

// Position implements Node.
func (c *CTE) Position() Pos { return c.Pos }

// SetExpr is a *Select, a *SetOp or a parenthesised *Query.
type SetExpr interface {
	Node
	setExpr()
}

// SetOp is UNION, INTERSECT, EXCEPT or MINUS.
type SetOp struct {
	Pos         Pos
	Op          string
	All         bool
	Left, Right SetExpr
}

// Position implements Node.
func (s *SetOp) Position() Pos { return s.Pos }
func (*SetOp) setExpr()        {}

// Position implements Node (a parenthesised query used as a set operand).
func (*Query) setExpr() {}

// Select is one SELECT block.
type Select struct {
	Pos      Pos
	Distinct bool
	// DistinctPos locates DISTINCT when set.
	DistinctPos Pos
	// TopPos locates TOP when Top is set.
	TopPos     Pos
	Top        Expr
	Items      []*SelectItem
	From       []TableExpr
	Where      Expr
	GroupBy    []Expr
	GroupByPos Pos
	Having     Expr
	HavingPos  Pos
	// End is the byte offset just after the last select item.
	ItemsEnd int
}

// Position implements Node.
func (s *Select) Position() Pos { return s.Pos }
func (*Select) setExpr()        {}

// SelectItem is one output expression, or * / t.* when Star is set.
type SelectItem struct {
	Pos   Pos
	Expr  Expr
	Alias *Ident
	Star  bool
	// StarTable qualifies t.*.
	StarTable *Ident
}

// Position implements Node.
func (s *SelectItem) Position() Pos { return s.Pos }

// OrderItem is one ORDER BY entry.
type OrderItem struct {
	Pos        Pos
	Expr       Expr
	Desc       bool
	NullsFirst *bool
}

// Position implements Node.
func (o *OrderItem) Position() Pos { return o.Pos }

// TableExpr is a *TableName, a *DerivedTable or a *Join.
type TableExpr interface {
	Node
	tableExpr()
}

// TableName references a table (schema-qualified names keep all parts).
type TableName struct {
	Pos   Pos
	Parts []*Ident
	Alias *Ident
}

// Position implements Node.
func (t *TableName) Position() Pos { return t.Pos }
func (*TableName) tableExpr()      {}

// Name is the last part of the table name.
func (t *TableName) Name() *Ident { return t.Parts[len(t.Parts)-1] }

// DerivedTable is a subquery in FROM.
type DerivedTable struct {
	Pos     Pos
	Query   *Query
	Alias   *Ident
	Columns []*Ident
}

// Position implements Node.
func (d *DerivedTable) Position() Pos { return d.Pos }
func (*DerivedTable) tableExpr()      {}

// Join kinds.
const (
	JoinInner = "INNER"
	JoinLeft  = "LEFT"
	JoinRight = "RIGHT"
	JoinFull  = "FULL"
	JoinCross = "CROSS"
)

// Join joins two table expressions. Comma-separated FROM items are kept as
// separate entries of Select.From instead.
type Join struct {
	Pos         Pos
	Kind        string
	Natural     bool
	Left, Right TableExpr
	On          Expr
	Using       []*Ident
}

// Position implements Node.
func (j *Join) Position() Pos { return j.Pos }
func (*Join) tableExpr()      {}

// Expr is an expression node.
type Expr interface {
	Node
	expr()
}

// ColumnRef is a column, optionally qualified by a table or alias.
type ColumnRef struct {
	Pos   Pos
	Table *Ident
	Name  *Ident
}

// Literal kinds.
const (
	LitNumber   = "number"
	LitString   = "string"
	LitBool     = "boolean"
	LitNull     = "null"
	LitInterval = "interval"
	LitTyped    = "typed" // DATE '…', TIMESTAMP '…'
	// LitDatePart is a bare date part such as day in DATEADD(day, 1, x).
	LitDatePart = "date_part"
)

// Literal is a constant. Value holds its text; callers reporting problems
// must never echo it.
type Literal struct {
	Pos   Pos
	Kind  string
	Value string
	// Type names the type of a typed literal (DATE, TIMESTAMP, INTERVAL unit).
	Type string
	End  int
}

// Param is an analysis-template parameter (:name).
type Param struct {
	Pos  Pos
	Name string
	End  int
}

// FuncCall is a function call; Name is upper case.
type FuncCall struct {
	Pos      Pos
	Name     string
	Distinct bool
	Star     bool
	Args     []Expr
	Over     *Window
	// Filter is FILTER (WHERE …), when given.
	Filter Expr
}

// Window is an OVER clause.
type Window struct {
	Pos         Pos
	PartitionBy []Expr
	OrderBy     []*OrderItem
	// Frame is the frame clause's keywords (ROWS BETWEEN …), if any.
	Frame string
	// FrameArgs are the frame's offsets (n PRECEDING).
	FrameArgs []Expr
	// Name is a named window (OVER w).
	Name *Ident
}

// Binary is a binary operator: arithmetic, ||, comparison, AND, OR.
type Binary struct {
	Pos Pos
	// OpPos locates the operator.
	OpPos Pos
	Op    string
	L, R  Expr
}

// Unary is NOT, unary minus or plus.
type Unary struct {
	Pos Pos
	Op  string
	X   Expr
}

// Cast is CAST(x AS t), CONVERT(t, x) or x::t.
type Cast struct {
	Pos  Pos
	X    Expr
	Type string
	// Syntax is "CAST", "CONVERT", "TRY_CAST" or "::".
	Syntax string
	// OpOff is the byte offset of "::" and End the offset after the type
	// (set for the :: syntax).
	OpOff, End int
}

// Case is CASE [operand] WHEN … THEN … [ELSE …] END.
type Case struct {
	Pos     Pos
	Operand Expr
	Whens   []*When
	Else    Expr
}

// When is one WHEN branch.
type When struct {
	Pos        Pos
	Cond, Then Expr
}

// In is x [NOT] IN (list) or x [NOT] IN (subquery).
type In struct {
	Pos  Pos
	X    Expr
	Not  bool
	List []Expr
	Sub  *Query
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	Pos       Pos
	X, Lo, Hi Expr
	Not       bool
}

// Like is x [NOT] LIKE|ILIKE pattern.
type Like struct {
	Pos        Pos
	X, Pattern Expr
	Not        bool
	Op         string
}

// IsExpr is x IS [NOT] NULL|TRUE|FALSE.
type IsExpr struct {
	Pos  Pos
	X    Expr
	Not  bool
	What string
}

// Exists is [NOT] EXISTS (subquery).
type Exists struct {
	Pos Pos
	Not bool
	Sub *Query
}

// Subquery is a scalar subquery.
type Subquery struct {
	Pos   Pos
	Query *Query
}

// Extract is EXTRACT(field FROM x).
type Extract struct {
	Pos   Pos
	Field string
	X     Expr
}

// Paren is a parenthesised expression (kept so positions and operator
// structure stay as written).
type Paren struct {
	Pos Pos
	X   Expr
}

// Position implements Node.
func (e *ColumnRef) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Literal) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Param) Position() Pos { return e.Pos }

// Position implements Node.
func (e *FuncCall) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Binary) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Unary) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Cast) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Case) Position() Pos { return e.Pos }

// Position implements Node.
func (e *In) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Between) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Like) Position() Pos { return e.Pos }

// Position implements Node.
func (e *IsExpr) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Exists) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Subquery) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Extract) Position() Pos { return e.Pos }

// Position implements Node.
func (e *Paren) Position() Pos { return e.Pos }

// Position implements Node.
func (w *Window) Position() Pos { return w.Pos }

// Position implements Node.
func (w *When) Position() Pos { return w.Pos }

func (*ColumnRef) expr() {}
func (*Literal) expr()   {}
func (*Param) expr()     {}
func (*FuncCall) expr()  {}
func (*Binary) expr()    {}
func (*Unary) expr()     {}
func (*Cast) expr()      {}
func (*Case) expr()      {}
func (*In) expr()        {}
func (*Between) expr()   {}
func (*Like) expr()      {}
func (*IsExpr) expr()    {}
func (*Exists) expr()    {}
func (*Subquery) expr()  {}
func (*Extract) expr()   {}
func (*Paren) expr()     {}
