package sqlcheck

import (
	"slices"

	"github.com/cdpkit/cdpkit/cleanroom"
	sp "github.com/cdpkit/cdpkit/cleanroom/sqlcheck/internal/sqlparse"
)

// idMapping checks the ID mapping tables a query reads (User Guide, "ID
// mapping table analysis rule"). Their rule is not a rule of its own: the
// query follows the rule type of its other tables (checked by the other
// rules' checks, which ignore ID mapping tables), and in addition:
//
//   - it reads at least one table that is not an ID mapping table;
//   - the mapping table is never on the preserved ("outer") side of a
//     join: t LEFT JOIN m, m RIGHT JOIN t and t INNER JOIN m are allowed,
//     m LEFT JOIN t, t RIGHT JOIN m and FULL joins are not; implicit
//     (comma), CROSS, NATURAL and USING joins cannot meet the overlap
//     requirement and are refused;
//   - its join (mapping) columns appear only in join conditions, unless the
//     rule also lists them as dimension columns; other columns only as
//     dimensions;
//   - each requireOverlap column is equated, in an INNER, LEFT or RIGHT
//     join's ON condition (through AND only), with a column of another
//     table.
func (c *checker) idMapping() {
	a := c.a
	const rule = RuleIDMappingTable
	idmts := c.tablesOf(RuleIDMappingTable)
	if len(idmts) == 0 {
		return
	}
	if len(idmts) == len(a.order) {
		for _, t := range idmts {
			c.errf(t, rule, ReasonMappingAlone, t.firstPos, t.t.Name,
				"an ID mapping table maps between other tables and cannot be queried on its own")
		}
	}
	for _, ji := range a.joins {
		c.mappingJoin(ji)
	}
	for _, u := range a.uses {
		t := u.col.t
		if t == nil || t.idmt == nil {
			continue
		}
		r, col := t.idmt, u.col.col
		dim := contains(r.DimensionColumns, col)
		if u.ctx.clause == clOn {
			if !dim && !contains(r.JoinColumns, col) {
				c.errf(t, rule, ReasonNotJoinColumn, u.ref.Pos, col, "only the mapping columns (and dimension columns) of an ID mapping table may appear in ON")
			}
			continue
		}
		switch {
		case dim && u.ctx.agg != nil && c.rep.RuleType == RuleAggregation:
			c.add(t, rule, ReasonAggregateNotAllowed, cleanroom.SeverityWarning, u.ref.Pos, col,
				"an ID mapping table's rule lists no aggregate columns; whether the service accepts an aggregate of its dimension column is unverified")
		case dim:
		case contains(r.JoinColumns, col):
			c.errf(t, rule, ReasonJoinColumnOutsideOn, u.ref.Pos, col,
				"mapping columns of an ID mapping table may appear only in join conditions, not in SELECT, WHERE, GROUP BY, HAVING or ORDER BY")
		default:
			c.errf(t, rule, ReasonNotDimension, u.ref.Pos, col, "outside join conditions only dimension columns of an ID mapping table may be used")
		}
	}
	for _, s := range a.stars {
		if s.t.idmt == nil {
			continue
		}
		r := s.t.idmt
		for _, col := range s.t.columnNames() {
			switch {
			case contains(r.DimensionColumns, col):
			case contains(r.JoinColumns, col):
				c.errf(s.t, rule, ReasonJoinColumnOutsideOn, s.pos, col, "SELECT * would output a mapping column of an ID mapping table")
			default:
				c.errf(s.t, rule, ReasonNotDimension, s.pos, col, "SELECT * would output a column of an ID mapping table that is not a dimension column")
			}
		}
	}
	for _, b := range a.mappings {
		for _, col := range b.base.idmt.OverlapColumns() {
			if !c.overlapJoined(b, col) {
				c.errf(b.base, rule, ReasonOverlapRequired, b.pos, col,
					"the ID mapping table requires this column to be joined with = to a column of another table (INNER, LEFT or RIGHT JOIN … ON), for each time the query reads it")
			}
		}
	}
	for _, t := range idmts {
		for _, qc := range t.idmt.QueryConstraints {
			if qc.Unknown != "" {
				c.add(t, rule, ReasonUnknownConstraint, cleanroom.SeverityWarning, t.firstPos, qc.Unknown,
					"the ID mapping table has a query constraint this package does not know; it was not checked")
			}
		}
	}
}

// mappingJoin checks the type of one join and which side of it the ID
// mapping tables are on.
func (c *checker) mappingJoin(ji *joinInfo) {
	const rule = RuleIDMappingTable
	left, right := mappingTables(ji.left), mappingTables(ji.right)
	if len(left)+len(right) == 0 {
		return
	}
	both := slices.Concat(left, right)
	each := func(ts []*tinfo, r cleanroom.Reason, name, detail string) {
		for _, t := range ts {
			c.errf(t, rule, r, ji.pos, name, detail)
		}
	}
	switch {
	case ji.j == nil:
		each(both, ReasonJoinType, "", "an ID mapping table must be joined with INNER, LEFT or RIGHT JOIN … ON; an implicit join cannot meet its overlap requirement")
		return
	case ji.j.Kind == sp.JoinCross:
		each(both, ReasonJoinType, "CROSS JOIN", "an ID mapping table must be joined with INNER, LEFT or RIGHT JOIN … ON; a cross join cannot meet its overlap requirement")
		return
	case ji.j.Natural || ji.j.Using != nil:
		each(both, ReasonJoinType, "", "joins with an ID mapping table need an explicit ON condition")
	}
	const outer = "an ID mapping table must be on the inner side of a join, never the side whose unmatched rows are kept"
	switch ji.j.Kind {
	case sp.JoinLeft:
		each(left, ReasonMappingOuterSide, "LEFT JOIN", outer)
	case sp.JoinRight:
		each(right, ReasonMappingOuterSide, "RIGHT JOIN", outer)
	case sp.JoinFull:
		each(both, ReasonMappingOuterSide, "FULL JOIN", outer)
	}
}

func mappingTables(ts []*tinfo) []*tinfo {
	var out []*tinfo
	for _, t := range ts {
		if t.idmt != nil {
			out = append(out, t)
		}
	}
	return out
}

// overlapJoined reports whether column col of b, a binding of an ID
// mapping table, is equated with a column of another table in the ON
// condition of an INNER, LEFT or RIGHT join, through AND only (an equality
// under OR does not force the overlap).
func (c *checker) overlapJoined(b *binding, col string) bool {
	for _, ji := range c.a.joins {
		if ji.j == nil || ji.j.On == nil || ji.sc == nil {
			continue
		}
		switch ji.j.Kind {
		case sp.JoinInner, sp.JoinLeft, sp.JoinRight:
		default:
			continue
		}
		if equatesOverlap(ji.j.On, ji.sc, b, col) {
			return true
		}
	}
	return false
}

func equatesOverlap(e sp.Expr, sc *scope, mb *binding, col string) bool {
	x, ok := unparen(e).(*sp.Binary)
	if !ok {
		return false
	}
	switch x.Op {
	case "AND":
		return equatesOverlap(x.L, sc, mb, col) || equatesOverlap(x.R, sc, mb, col)
	case "=":
		l, lok := unparen(x.L).(*sp.ColumnRef)
		r, rok := unparen(x.R).(*sp.ColumnRef)
		if !lok || !rok {
			return false
		}
		lb, rb := sc.bindingOf(l), sc.bindingOf(r)
		if lb == nil || rb == nil {
			return false
		}
		mapped := func(b *binding, ref *sp.ColumnRef, other *binding) bool {
			return b == mb && ref.Name.Norm() == col && other.base != mb.base
		}
		return mapped(lb, l, rb) || mapped(rb, r, lb)
	}
	return false
}
