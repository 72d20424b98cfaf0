package sqlcheck

import (
	"context"
	"iter"
	"slices"
	"strconv"
	"strings"

	sp "github.com/cdpkit/cdpkit/cleanroom/sqlcheck/internal/sqlparse"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// This file prepares the sample tables for the engine. Loading rows is
// most of a simulation's cost, so Simulate loads only what the query can
// use:
//
//   - only the columns the query references (every column when a SELECT *
//     expands the table, a join has USING or NATURAL, or a reference could
//     not be attributed);
//   - for AGGREGATION and LIST queries, whose joins are all INNER JOIN … ON
//     equalities combined with AND, a row whose join key has no equal among
//     the keys of a table already loaded cannot be in the result, and is
//     not loaded (a semi-join reduction). It applies to string columns
//     compared with string columns, each table read once, and only when
//     the other table's rows have all been seen.
//
// The row iterators also check the caller's context every 1024 rows, so a
// cancelled simulation stops while its sample rows load.

// keySet is the set of join-key values of one column of a loaded table.
type keySet struct {
	keys     map[string]struct{}
	complete bool // every row of the table has been seen
	invalid  bool // a value that is not a string or NULL was seen
}

type keyEq struct {
	a, b   *tinfo
	ca, cb string
}

type loadPlan struct {
	cols    map[*tinfo][]string // nil entry: every column
	eqs     []keyEq
	keySets map[baseCol]*keySet
	// ctx is the caller's context, checked while rows load.
	ctx context.Context
}

func planLoad(a *analysis, rep *Report) *loadPlan {
	lp := &loadPlan{cols: map[*tinfo][]string{}, keySets: map[baseCol]*keySet{}}
	implicit := a.unresolved
	for _, ji := range a.joins {
		if ji.j != nil && (ji.j.Natural || ji.j.Using != nil) {
			implicit = true
		}
	}
	for _, t := range a.order {
		if implicit || a.starred[t] || t.t.Columns == nil {
			lp.cols[t] = nil
			continue
		}
		need := map[string]bool{}
		for _, u := range a.uses {
			if u.col.t == t {
				need[u.col.col] = true
			}
		}
		if t.agg != nil {
			for _, oc := range t.agg.OutputConstraints {
				need[strings.ToLower(oc.Column)] = true
			}
		}
		var cols []string
		for _, c := range t.t.Columns {
			if need[strings.ToLower(c.Name)] {
				cols = append(cols, c.Name)
			}
		}
		if len(cols) == 0 { // e.g. SELECT COUNT(*): one column keeps the row count
			cols = []string{t.t.Columns[0].Name}
		}
		lp.cols[t] = cols
	}
	lp.eqs = semiJoinEqs(a, rep)
	return lp
}

// semiJoinEqs lists the join equalities rows may be reduced by, or nil.
func semiJoinEqs(a *analysis, rep *Report) []keyEq {
	if (rep.RuleType != RuleAggregation && rep.RuleType != RuleList) || len(a.topSel) != 1 || len(a.cteSels) > 0 {
		return nil
	}
	seen := map[*tinfo]bool{}
	for _, b := range a.topSel[0].bindings {
		if b.base == nil || seen[b.base] {
			return nil
		}
		seen[b.base] = true
	}
	cols := map[*sp.ColumnRef]baseCol{}
	for _, u := range a.uses {
		cols[u.ref] = u.col
	}
	var eqs []keyEq
	var walk func(e sp.Expr) bool
	walk = func(e sp.Expr) bool {
		x, ok := unparen(e).(*sp.Binary)
		if !ok {
			return false
		}
		switch x.Op {
		case "AND":
			return walk(x.L) && walk(x.R)
		case "=":
			l, lok := unparen(x.L).(*sp.ColumnRef)
			r, rok := unparen(x.R).(*sp.ColumnRef)
			if !lok || !rok {
				return false
			}
			lc, rc := cols[l], cols[r]
			if lc.t != nil && rc.t != nil && lc.t != rc.t && stringColumn(lc) && stringColumn(rc) {
				eqs = append(eqs, keyEq{a: lc.t, ca: lc.col, b: rc.t, cb: rc.col})
			}
			return true
		}
		return false
	}
	for _, ji := range a.joins {
		if ji.j == nil || ji.j.Kind != sp.JoinInner || ji.j.On == nil || !walk(ji.j.On) {
			return nil
		}
	}
	return eqs
}

func stringColumn(bc baseCol) bool {
	for _, c := range bc.t.t.Columns {
		if strings.EqualFold(c.Name, bc.col) {
			base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(c.Type)), "(")
			switch strings.TrimSpace(base) {
			case "", "string", "varchar", "char":
				return true
			}
			return false
		}
	}
	return false
}

// engineTables builds the engine's tables, in the order the query first
// reads them (the order the engine loads them in).
func (lp *loadPlan) engineTables(order []*tinfo) []sqlengine.Table {
	pos := map[*tinfo]int{}
	for i, t := range order {
		pos[t] = i
	}
	var out []sqlengine.Table
	for _, t := range order {
		cols := lp.cols[t]
		idx := make([]int, 0, len(t.t.Columns))
		et := sqlengine.Table{Name: t.t.Name}
		for i, c := range t.t.Columns {
			if cols != nil && !slices.Contains(cols, c.Name) {
				continue
			}
			typ := c.Type
			if typ == "" {
				typ = "string"
			}
			idx = append(idx, i)
			et.Columns = append(et.Columns, sqlengine.Column{Name: c.Name, Type: typ})
		}
		et.Rows = lp.rows(t, idx, pos)
		out = append(out, et)
	}
	return out
}

type keyFilter struct {
	idx int
	set *keySet
}

// rows wraps t's rows: it drops rows without a join partner among the
// tables loaded before t, records t's keys for the tables loaded after
// it, and keeps the columns at idx.
func (lp *loadPlan) rows(t *tinfo, idx []int, pos map[*tinfo]int) iter.Seq2[[]any, error] {
	var filters, collects []keyFilter
	colIdx := func(col string) int {
		for i, c := range t.t.Columns {
			if strings.EqualFold(c.Name, col) {
				return i
			}
		}
		return -1
	}
	for _, eq := range lp.eqs {
		for _, side := range [2]struct {
			me, other *tinfo
			mc, oc    string
		}{{eq.a, eq.b, eq.ca, eq.cb}, {eq.b, eq.a, eq.cb, eq.ca}} {
			if side.me != t {
				continue
			}
			i := colIdx(side.mc)
			if i < 0 {
				continue
			}
			if pos[side.other] < pos[t] {
				filters = append(filters, keyFilter{idx: i, set: lp.set(baseCol{side.other, side.oc})})
			} else {
				collects = append(collects, keyFilter{idx: i, set: lp.set(baseCol{t, side.mc})})
			}
		}
	}
	width := len(t.t.Columns)
	project := len(idx) < width
	return func(yield func([]any, error) bool) {
		var active []keyFilter
		for _, f := range filters {
			if f.set.complete && !f.set.invalid {
				active = append(active, f)
			}
		}
		n := 0
		src := t.t.Rows
		if src == nil {
			src = func(func([]any, error) bool) {}
		}
	rows:
		for row, err := range src {
			n++
			if n%1024 == 0 {
				if err := lp.ctx.Err(); err != nil {
					yield(nil, err)
					return
				}
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if len(row) != width {
				yield(nil, &Error{Op: "simulate", Kind: ErrSimulation, Message: "table " + strconv.Quote(t.t.Name) + ": row " +
					strconv.Itoa(n) + ": " + strconv.Itoa(len(row)) + " values for " + strconv.Itoa(width) + " columns"})
				return
			}
			for _, f := range active {
				switch v := row[f.idx].(type) {
				case nil:
					continue rows // NULL equals nothing
				case string:
					if _, ok := f.set.keys[v]; !ok {
						continue rows
					}
				}
			}
			for _, c := range collects {
				switch v := row[c.idx].(type) {
				case nil:
				case string:
					c.set.keys[v] = struct{}{}
				default:
					c.set.invalid = true
				}
			}
			out := row
			if project {
				out = make([]any, len(idx))
				for i, j := range idx {
					out[i] = row[j]
				}
			}
			if !yield(out, nil) {
				return
			}
		}
		for _, c := range collects {
			c.set.complete = true
		}
	}
}

func (lp *loadPlan) set(bc baseCol) *keySet {
	s := lp.keySets[bc]
	if s == nil {
		s = &keySet{keys: map[string]struct{}{}}
		lp.keySets[bc] = s
	}
	return s
}
