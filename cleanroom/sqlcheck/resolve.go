package sqlcheck

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	sp "github.com/cdpkit/cdpkit/cleanroom/sqlcheck/internal/sqlparse"
)

// This file resolves a parsed query: which tables and columns every
// reference reaches (through aliases, CTEs and subqueries), in which clause
// and under which aggregate, and which constructs the query uses. check.go
// then holds those facts against each table's rule.

// tinfo is a collaboration table with its rule unpacked.
type tinfo struct {
	t        *Table
	cols     map[string]bool // nil when the columns are unknown
	ruleCols map[string]bool
	kind     string
	agg      *cleanroom.Aggregation
	list     *cleanroom.List
	custom   *cleanroom.Custom
	idmt     *cleanroom.IDMappingRule
	used     bool
	firstPos sp.Pos
}

func newTinfo(t *Table) *tinfo {
	ti := &tinfo{t: t, ruleCols: map[string]bool{}}
	if t.Columns != nil {
		ti.cols = map[string]bool{}
		for _, c := range t.Columns {
			ti.cols[strings.ToLower(c.Name)] = true
		}
	}
	add := func(cs ...string) {
		for _, c := range cs {
			ti.ruleCols[strings.ToLower(c)] = true
		}
	}
	rule := t.Rule
	if t.IDMapping != nil {
		ti.idmt, rule = t.IDMapping, nil
	}
	switch r := rule.(type) {
	case cleanroom.Aggregation:
		ti.agg = &r
	case *cleanroom.Aggregation:
		if r != nil {
			ti.agg = r
		}
	case cleanroom.List:
		ti.list = &r
	case *cleanroom.List:
		if r != nil {
			ti.list = r
		}
	case cleanroom.Custom:
		ti.custom = &r
	case *cleanroom.Custom:
		if r != nil {
			ti.custom = r
		}
	}
	switch {
	case ti.agg != nil:
		ti.kind = RuleAggregation
		for _, a := range ti.agg.Aggregates {
			add(a.Columns...)
		}
		add(ti.agg.JoinColumns...)
		add(ti.agg.DimensionColumns...)
		for _, oc := range ti.agg.OutputConstraints {
			add(oc.Column)
		}
	case ti.list != nil:
		ti.kind = RuleList
		add(ti.list.JoinColumns...)
		add(ti.list.ListColumns...)
	case ti.custom != nil:
		ti.kind = RuleCustom
		add(ti.custom.DisallowedOutputColumns...)
		if ti.custom.DifferentialPrivacyColumn != "" {
			add(ti.custom.DifferentialPrivacyColumn)
		}
	case ti.idmt != nil:
		ti.kind = RuleIDMappingTable
		add(ti.idmt.JoinColumns...)
		add(ti.idmt.DimensionColumns...)
		add(ti.idmt.OverlapColumns()...)
	}
	for c := range t.C3R {
		add(c)
	}
	return ti
}

func (ti *tinfo) hasColumn(c string) bool {
	if ti.cols != nil {
		return ti.cols[c]
	}
	return ti.ruleCols[c]
}

// columnNames lists the table's columns for SELECT *.
func (ti *tinfo) columnNames() []string {
	var out []string
	if ti.t.Columns != nil {
		for _, c := range ti.t.Columns {
			out = append(out, strings.ToLower(c.Name))
		}
		return out
	}
	for c := range ti.ruleCols {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func (ti *tinfo) c3r(col string) cleanroom.ColumnKind {
	for k, v := range ti.t.C3R {
		if strings.EqualFold(k, col) {
			return v
		}
	}
	return cleanroom.Cleartext
}

// baseCol is a column of a collaboration table.
type baseCol struct {
	t   *tinfo
	col string
}

// outCol is an output column of a SELECT, CTE or subquery, with the base
// columns its values derive from.
type outCol struct {
	name    string
	lineage []baseCol
	pos     sp.Pos
}

type binding struct {
	name    string // alias or table name, lower case
	written string // alias or table name as written (for rewriting SQL)
	pos     sp.Pos
	base    *tinfo   // a collaboration table
	outs    []outCol // a CTE or derived table
	unknown bool     // an unknown table, already reported
	// edges are the bindings joined to this one by an ON equality.
	edges []*binding
}

type clause int

const (
	clSelect clause = iota + 1
	clWhere
	clOn
	clGroupBy
	clHaving
	clOrderBy
	clWindow
	clOther
)

type useCtx struct {
	clause clause
	agg    *sp.FuncCall // innermost enclosing aggregate call
	direct bool         // the expression is the aggregate's whole argument
	nested bool         // inside a function, operator, CASE or CAST
}

// use is one column reference.
type use struct {
	ref  *sp.ColumnRef
	col  baseCol // col.t is nil unless the reference reaches a table directly
	ctx  useCtx
	top  bool // in the outermost SELECT block
	join *joinInfo
}

// fnUse is a function call (scalar or aggregate) with the tables whose
// columns its arguments reach.
type fnUse struct {
	name   string
	pos    sp.Pos
	call   *sp.FuncCall // nil for CAST, CONVERT, ::, EXTRACT
	ctx    useCtx
	top    bool
	tables []*tinfo
}

// starUse is a SELECT * (or t.*) that expands a collaboration table.
type starUse struct {
	t   *tinfo
	pos sp.Pos
}

type construct struct {
	name  string
	pos   sp.Pos
	top   bool
	inCTE bool
}

type joinInfo struct {
	j   *sp.Join // nil for a comma join
	pos sp.Pos
	// tables are the tables the join adds (its right side) and, once its
	// ON condition is resolved, the tables the condition reads.
	tables []*tinfo
	// left and right are the tables on either side.
	left, right []*tinfo
	// sc resolves the ON condition's columns.
	sc *scope
}

type cteInfo struct {
	name string
	outs []outCol
}

type scope struct {
	parent *scope
	ctes   map[string]*cteInfo
	sel    *selInfo
}

type selInfo struct {
	s        *sp.Select
	bindings []*binding
	aliases  map[string]bool
	top      bool
	inCTE    bool
}

type analysis struct {
	tables  map[string]*tinfo
	order   []*tinfo // referenced tables in order of first reference
	uses    []use
	funcs   []fnUse // scalar functions
	aggs    []fnUse // aggregate calls (not window functions)
	windows []*sp.FuncCall
	cons    []construct
	clauses []construct // GROUP BY, HAVING, ORDER BY
	// operators are comparison and string operators a LIST query may not
	// use (BETWEEN, ILIKE, IS TRUE/FALSE, ||).
	operators []construct
	joins     []*joinInfo
	params    []*sp.Param
	topSel    []*selInfo
	cteSels   []*selInfo
	outputs   []outCol
	problems  Problems
	// starred are the tables a SELECT * expands (stars, where); unresolved
	// is set when a column could not be attributed to a table (Simulate
	// then loads every column).
	starred    map[*tinfo]bool
	stars      []starUse
	unresolved bool
	// mappings are the bindings of ID mapping tables, in order.
	mappings []*binding
	// colonCasts are the x::type casts, which Simulate rewrites to CAST.
	colonCasts []*sp.Cast
}

var aggregateFuncs = map[string]bool{
	"COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true, "STDDEV": true,
	"STDDEV_SAMP": true, "STDDEV_POP": true, "VARIANCE": true, "VAR_SAMP": true, "VAR_POP": true,
	"MEDIAN": true, "LISTAGG": true, "APPROX_COUNT_DISTINCT": true, "PERCENTILE_CONT": true,
	"PERCENTILE_DISC": true, "BOOL_AND": true, "BOOL_OR": true, "ANY_VALUE": true,
	"COLLECT_LIST": true, "COLLECT_SET": true, "ARRAY_AGG": true, "APPROX_PERCENTILE": true,
}

func pos(p sp.Pos) Pos { return Pos{Line: p.Line, Column: p.Col} }

func (a *analysis) cons1(name string, p sp.Pos, top, inCTE bool) {
	a.cons = append(a.cons, construct{name: name, pos: p, top: top, inCTE: inCTE})
}

// query resolves a query expression and returns its output columns.
func (a *analysis) query(q *sp.Query, sc *scope, top, inCTE bool) []outCol {
	if len(q.With) > 0 {
		a.cons1("WITH", q.Pos, top, inCTE)
		sc = &scope{parent: sc, ctes: map[string]*cteInfo{}}
		for _, c := range q.With {
			outs := a.query(c.Query, sc, false, true)
			outs = rename(outs, c.Columns)
			sc.ctes[c.Name.Norm()] = &cteInfo{name: c.Name.Norm(), outs: outs}
		}
	}
	outs, sel := a.setExpr(q.Body, sc, top, inCTE)
	if len(q.OrderBy) > 0 {
		a.clauses = append(a.clauses, construct{name: "ORDER BY", pos: q.OrderByPos, top: top, inCTE: inCTE})
		osc := sc
		if sel != nil {
			osc = &scope{parent: sc, sel: sel}
		}
		for _, o := range q.OrderBy {
			if sel == nil {
				// ORDER BY of a set operation names output columns.
				if _, ok := o.Expr.(*sp.ColumnRef); ok {
					continue
				}
			}
			a.expr(o.Expr, useCtx{clause: clOrderBy}, osc, top)
		}
	}
	if q.Limit != nil {
		a.cons1("LIMIT", q.LimitPos, top, inCTE)
		a.expr(q.Limit, useCtx{clause: clOther}, sc, top)
	}
	if q.Offset != nil {
		a.cons1("OFFSET", q.OffsetPos, top, inCTE)
		a.expr(q.Offset, useCtx{clause: clOther}, sc, top)
	}
	return outs
}

func rename(outs []outCol, cols []*sp.Ident) []outCol {
	if len(cols) == 0 {
		return outs
	}
	out := slices.Clone(outs)
	for i := range out {
		if i < len(cols) {
			out[i].name = cols[i].Norm()
		}
	}
	return out
}

func (a *analysis) setExpr(e sp.SetExpr, sc *scope, top, inCTE bool) ([]outCol, *selInfo) {
	switch e := e.(type) {
	case *sp.Select:
		return a.selectBlock(e, sc, top, inCTE)
	case *sp.SetOp:
		a.cons1(e.Op, e.Pos, top, inCTE)
		l, _ := a.setExpr(e.Left, sc, top, inCTE)
		r, _ := a.setExpr(e.Right, sc, top, inCTE)
		out := slices.Clone(l)
		for i := range out {
			if i < len(r) {
				out[i].lineage = append(slices.Clone(out[i].lineage), r[i].lineage...)
			}
		}
		return out, nil
	case *sp.Query:
		return a.query(e, sc, top, inCTE), nil
	}
	return nil, nil
}

func (a *analysis) selectBlock(s *sp.Select, sc *scope, top, inCTE bool) ([]outCol, *selInfo) {
	si := &selInfo{s: s, aliases: map[string]bool{}, top: top, inCTE: inCTE}
	if top {
		a.topSel = append(a.topSel, si)
	}
	if inCTE {
		a.cteSels = append(a.cteSels, si)
	}
	inner := &scope{parent: sc, sel: si}
	if s.Top != nil {
		a.cons1("TOP", s.Top.Position(), top, inCTE)
	}
	var joins []*joinInfo
	for i, f := range s.From {
		before := len(si.bindings)
		a.tableExpr(f, sc, si, top, inCTE, &joins)
		if i > 0 {
			ji := &joinInfo{pos: f.Position()}
			for j, b := range si.bindings {
				switch {
				case b.base == nil:
				case j >= before:
					ji.tables = append(ji.tables, b.base)
					ji.right = append(ji.right, b.base)
				default:
					ji.left = append(ji.left, b.base)
				}
			}
			a.joins = append(a.joins, ji)
		}
	}
	for _, it := range s.Items {
		if it.Alias != nil {
			si.aliases[it.Alias.Norm()] = true
		}
	}
	for _, ji := range joins {
		ji.sc = inner
		if ji.j.On != nil {
			n := len(a.uses)
			a.expr(ji.j.On, useCtx{clause: clOn}, inner, top)
			for i := n; i < len(a.uses); i++ {
				a.uses[i].join = ji
				if t := a.uses[i].col.t; t != nil && !slices.Contains(ji.tables, t) {
					ji.tables = append(ji.tables, t)
				}
			}
			a.joinEdges(ji.j, ji.j.On, inner)
		}
	}
	var outs []outCol
	for _, it := range s.Items {
		if it.Star {
			a.cons1("*", it.Pos, top, inCTE)
			outs = append(outs, a.star(it, si)...)
			continue
		}
		lin := a.expr(it.Expr, useCtx{clause: clSelect}, inner, top)
		oc := outCol{lineage: lin, pos: it.Pos}
		switch {
		case it.Alias != nil:
			oc.name = it.Alias.Norm()
		default:
			if cr, ok := unparen(it.Expr).(*sp.ColumnRef); ok {
				oc.name = cr.Name.Norm()
			}
		}
		outs = append(outs, oc)
	}
	if s.Where != nil {
		a.expr(s.Where, useCtx{clause: clWhere}, inner, top)
	}
	if len(s.GroupBy) > 0 {
		a.clauses = append(a.clauses, construct{name: "GROUP BY", pos: s.GroupByPos, top: top, inCTE: inCTE})
		for _, g := range s.GroupBy {
			a.expr(g, useCtx{clause: clGroupBy}, inner, top)
		}
	}
	if s.Having != nil {
		a.clauses = append(a.clauses, construct{name: "HAVING", pos: s.HavingPos, top: top, inCTE: inCTE})
		a.expr(s.Having, useCtx{clause: clHaving}, inner, top)
	}
	return outs, si
}

func (a *analysis) star(it *sp.SelectItem, si *selInfo) []outCol {
	var out []outCol
	for _, b := range si.bindings {
		if it.StarTable != nil && b.name != it.StarTable.Norm() {
			continue
		}
		switch {
		case b.base != nil:
			if a.starred == nil {
				a.starred = map[*tinfo]bool{}
			}
			a.starred[b.base] = true
			a.stars = append(a.stars, starUse{t: b.base, pos: it.Pos})
			for _, c := range b.base.columnNames() {
				out = append(out, outCol{name: c, lineage: []baseCol{{b.base, c}}, pos: it.Pos})
			}
		default:
			for _, o := range b.outs {
				o.pos = it.Pos
				out = append(out, o)
			}
		}
	}
	return out
}

func (a *analysis) tableExpr(te sp.TableExpr, sc *scope, si *selInfo, top, inCTE bool, joins *[]*joinInfo) {
	switch te := te.(type) {
	case *sp.TableName:
		name := te.Name().Norm()
		b := &binding{name: name, written: te.Name().Name, pos: te.Pos}
		if te.Alias != nil {
			b.name, b.written = te.Alias.Norm(), te.Alias.Name
		}
		if len(te.Parts) == 1 {
			if c := sc.cte(name); c != nil {
				b.outs = c.outs
				si.bindings = append(si.bindings, b)
				return
			}
		}
		ti := a.tables[name]
		if ti == nil {
			a.problems = append(a.problems, Problem{Reason: ReasonUnknownTable, Severity: cleanroom.SeverityError,
				Pos: pos(te.Pos), Name: te.Name().Name, Detail: "no table of the collaboration has this name"})
			b.unknown = true
		} else {
			b.base = ti
			if ti.idmt != nil {
				a.mappings = append(a.mappings, b)
			}
			if !ti.used {
				ti.used, ti.firstPos = true, te.Pos
				a.order = append(a.order, ti)
			}
		}
		si.bindings = append(si.bindings, b)
	case *sp.DerivedTable:
		a.cons1("subquery", te.Pos, top, inCTE)
		outs := rename(a.query(te.Query, sc, false, inCTE), te.Columns)
		b := &binding{pos: te.Pos, outs: outs}
		if te.Alias != nil {
			b.name = te.Alias.Norm()
		}
		si.bindings = append(si.bindings, b)
	case *sp.Join:
		a.tableExpr(te.Left, sc, si, top, inCTE, joins)
		before := len(si.bindings)
		a.tableExpr(te.Right, sc, si, top, inCTE, joins)
		ji := &joinInfo{j: te, pos: te.Pos}
		for i, b := range si.bindings {
			switch {
			case b.base == nil:
			case i >= before:
				ji.tables = append(ji.tables, b.base)
				ji.right = append(ji.right, b.base)
			default:
				ji.left = append(ji.left, b.base)
			}
		}
		a.joins = append(a.joins, ji)
		*joins = append(*joins, ji)
	}
}

func (sc *scope) cte(name string) *cteInfo {
	for s := sc; s != nil; s = s.parent {
		if c := s.ctes[name]; c != nil {
			return c
		}
	}
	return nil
}

// joinEdges links the bindings compared by equalities of an ON condition
// made of AND/OR over col = col (inner joins only).
func (a *analysis) joinEdges(j *sp.Join, e sp.Expr, sc *scope) {
	if j.Kind != sp.JoinInner {
		return
	}
	switch e := unparen(e).(type) {
	case *sp.Binary:
		switch e.Op {
		case "AND", "OR":
			a.joinEdges(j, e.L, sc)
			a.joinEdges(j, e.R, sc)
		case "=":
			l, lok := unparen(e.L).(*sp.ColumnRef)
			r, rok := unparen(e.R).(*sp.ColumnRef)
			if !lok || !rok {
				return
			}
			lb, rb := sc.bindingOf(l), sc.bindingOf(r)
			if lb != nil && rb != nil && lb != rb {
				lb.edges = append(lb.edges, rb)
				rb.edges = append(rb.edges, lb)
			}
		}
	}
}

// bindingOf finds the binding a column reference resolves to in the
// innermost select, or nil.
func (sc *scope) bindingOf(r *sp.ColumnRef) *binding {
	for s := sc; s != nil; s = s.parent {
		if s.sel == nil {
			continue
		}
		var found *binding
		for _, b := range s.sel.bindings {
			if r.Table != nil {
				if b.name == r.Table.Norm() {
					return b
				}
				continue
			}
			if b.base != nil && b.base.hasColumn(r.Name.Norm()) {
				if found != nil {
					return nil
				}
				found = b
			}
		}
		if found != nil {
			return found
		}
	}
	return nil
}

func unparen(e sp.Expr) sp.Expr {
	for {
		p, ok := e.(*sp.Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}

func nestedCtx(c useCtx) useCtx {
	c.nested, c.direct = true, false
	return c
}

// expr resolves the column references of e and returns the base columns
// its value derives from.
func (a *analysis) expr(e sp.Expr, c useCtx, sc *scope, top bool) []baseCol {
	var lin []baseCol
	sub := func(x sp.Expr, cc useCtx) {
		if x != nil {
			lin = append(lin, a.expr(x, cc, sc, top)...)
		}
	}
	switch e := e.(type) {
	case nil:
	case *sp.ColumnRef:
		return a.column(e, c, sc, top)
	case *sp.Literal:
	case *sp.Param:
		a.params = append(a.params, e)
	case *sp.Paren:
		sub(e.X, c)
	case *sp.FuncCall:
		nc := nestedCtx(c)
		isAgg := aggregateFuncs[e.Name] && e.Over == nil
		n := len(a.uses)
		switch {
		case e.Over != nil:
			a.windows = append(a.windows, e)
			a.cons1("window function", e.Pos, top, false)
			for _, x := range e.Args {
				sub(x, nc)
			}
			wc := nestedCtx(useCtx{clause: clWindow})
			for _, x := range e.Over.PartitionBy {
				a.expr(x, wc, sc, top)
			}
			for _, o := range e.Over.OrderBy {
				a.expr(o.Expr, wc, sc, top)
			}
		case isAgg:
			ac := useCtx{clause: c.clause, agg: e, direct: len(e.Args) == 1}
			for _, x := range e.Args {
				sub(x, ac)
			}
		default:
			for _, x := range e.Args {
				sub(x, nc)
			}
		}
		if e.Filter != nil {
			a.expr(e.Filter, nc, sc, top)
		}
		fu := fnUse{name: e.Name, pos: e.Pos, call: e, ctx: c, top: top, tables: a.tablesSince(n)}
		if isAgg {
			a.aggs = append(a.aggs, fu)
		} else if e.Over == nil {
			a.funcs = append(a.funcs, fu)
		}
	case *sp.Cast:
		n := len(a.uses)
		sub(e.X, nestedCtx(c))
		name := e.Syntax
		if name == "::" {
			name = "CAST"
			a.colonCasts = append(a.colonCasts, e)
		}
		a.funcs = append(a.funcs, fnUse{name: name, pos: e.Pos, ctx: c, top: top, tables: a.tablesSince(n)})
	case *sp.Extract:
		n := len(a.uses)
		sub(e.X, nestedCtx(c))
		a.funcs = append(a.funcs, fnUse{name: "EXTRACT", pos: e.Pos, ctx: c, top: top, tables: a.tablesSince(n)})
	case *sp.Binary:
		if e.Op == "||" {
			a.operators = append(a.operators, construct{name: "||", pos: e.OpPos, top: top})
		}
		sub(e.L, nestedCtx(c))
		sub(e.R, nestedCtx(c))
	case *sp.Unary:
		sub(e.X, nestedCtx(c))
	case *sp.Case:
		a.cons1("CASE", e.Pos, top, false)
		nc := nestedCtx(c)
		sub(e.Operand, nc)
		for _, w := range e.Whens {
			sub(w.Cond, nc)
			sub(w.Then, nc)
		}
		sub(e.Else, nc)
	case *sp.In:
		nc := nestedCtx(c)
		sub(e.X, nc)
		for _, x := range e.List {
			sub(x, nc)
		}
		if e.Sub != nil {
			a.cons1("IN subquery", e.Pos, top, false)
			a.query(e.Sub, sc, false, false)
		}
	case *sp.Between:
		a.operators = append(a.operators, construct{name: "BETWEEN", pos: e.Pos, top: top})
		nc := nestedCtx(c)
		sub(e.X, nc)
		sub(e.Lo, nc)
		sub(e.Hi, nc)
	case *sp.Like:
		if e.Op == "ILIKE" {
			a.operators = append(a.operators, construct{name: "ILIKE", pos: e.Pos, top: top})
		}
		nc := nestedCtx(c)
		sub(e.X, nc)
		sub(e.Pattern, nc)
	case *sp.IsExpr:
		if e.What != "NULL" {
			a.operators = append(a.operators, construct{name: "IS " + e.What, pos: e.Pos, top: top})
		}
		sub(e.X, nestedCtx(c))
	case *sp.Exists:
		a.cons1("EXISTS subquery", e.Pos, top, false)
		a.query(e.Sub, sc, false, false)
	case *sp.Subquery:
		a.cons1("subquery", e.Pos, top, false)
		for _, o := range a.query(e.Query, sc, false, false) {
			lin = append(lin, o.lineage...)
		}
	}
	return lin
}

// tablesSince lists the tables reached by the uses recorded from index n.
func (a *analysis) tablesSince(n int) []*tinfo {
	var out []*tinfo
	for _, u := range a.uses[n:] {
		if u.col.t != nil && !slices.Contains(out, u.col.t) {
			out = append(out, u.col.t)
		}
	}
	return out
}

// column resolves one column reference and records its use.
func (a *analysis) column(r *sp.ColumnRef, c useCtx, sc *scope, top bool) []baseCol {
	name := r.Name.Norm()
	record := func(bc baseCol) []baseCol {
		a.uses = append(a.uses, use{ref: r, col: bc, ctx: c, top: top})
		if bc.t == nil {
			return nil
		}
		return []baseCol{bc}
	}
	fromBinding := func(b *binding) []baseCol {
		switch {
		case b.unknown:
			return nil
		case b.base != nil:
			if !b.base.hasColumn(name) {
				a.unknownColumn(r, b.base.t.Name)
				return nil
			}
			return record(baseCol{b.base, name})
		}
		for _, o := range b.outs {
			if o.name == name {
				a.uses = append(a.uses, use{ref: r, ctx: c, top: top})
				return o.lineage
			}
		}
		a.unknownColumn(r, "")
		return nil
	}
	isAlias := func() bool {
		if c.clause != clGroupBy && c.clause != clOrderBy && c.clause != clHaving {
			return false
		}
		for s := sc; s != nil; s = s.parent {
			if s.sel != nil {
				return s.sel.aliases[name]
			}
		}
		return false
	}
	if r.Table != nil {
		q := r.Table.Norm()
		for s := sc; s != nil; s = s.parent {
			if s.sel == nil {
				continue
			}
			for _, b := range s.sel.bindings {
				if b.name == q {
					return fromBinding(b)
				}
			}
		}
		a.problems = append(a.problems, Problem{Reason: ReasonUnknownTable, Severity: cleanroom.SeverityError,
			Pos: pos(r.Table.Pos), Name: r.Table.Name, Detail: "no table or alias of this name in scope"})
		return nil
	}
	if c.clause == clOrderBy && isAlias() {
		return nil
	}
	for s := sc; s != nil; s = s.parent {
		if s.sel == nil {
			continue
		}
		var found []*binding
		unknownCols := 0
		for _, b := range s.sel.bindings {
			switch {
			case b.unknown:
				unknownCols++
			case b.base != nil:
				if b.base.hasColumn(name) {
					found = append(found, b)
				} else if b.base.cols == nil {
					unknownCols++
				}
			default:
				for _, o := range b.outs {
					if o.name == name {
						found = append(found, b)
						break
					}
				}
			}
		}
		switch {
		case len(found) == 1:
			return fromBinding(found[0])
		case len(found) > 1:
			a.problems = append(a.problems, Problem{Reason: ReasonAmbiguousColumn, Severity: cleanroom.SeverityError,
				Pos: pos(r.Pos), Name: r.Name.Name, Detail: "several tables in scope have this column; qualify it"})
			return nil
		case unknownCols > 0:
			// A table whose columns are unknown may have it: attribute it
			// to the only such table, if there is one.
			if isAlias() {
				return nil
			}
			var cands []*binding
			for _, b := range s.sel.bindings {
				if b.base != nil && b.base.cols == nil {
					cands = append(cands, b)
				}
			}
			if len(cands) == 1 {
				return record(baseCol{cands[0].base, name})
			}
			a.unresolved = true
			return nil
		}
	}
	if isAlias() {
		return nil
	}
	a.unknownColumn(r, "")
	return nil
}

func (a *analysis) unknownColumn(r *sp.ColumnRef, table string) {
	a.problems = append(a.problems, Problem{Table: table, Reason: ReasonUnknownColumn, Severity: cleanroom.SeverityError,
		Pos: pos(r.Name.Pos), Name: r.Name.Name, Detail: "no table in scope has this column"})
}

// aggregateFunction maps an aggregate call to the rule's function name.
func aggregateFunction(f *sp.FuncCall) (types.AggregateFunctionName, bool) {
	switch {
	case f.Name == "COUNT" && f.Distinct:
		return types.AggregateFunctionNameCountDistinct, true
	case f.Name == "COUNT":
		return types.AggregateFunctionNameCount, true
	case f.Name == "SUM" && f.Distinct:
		return types.AggregateFunctionNameSumDistinct, true
	case f.Name == "SUM":
		return types.AggregateFunctionNameSum, true
	case f.Name == "AVG" && !f.Distinct:
		return types.AggregateFunctionNameAvg, true
	}
	return "", false
}
