package sqlcheck

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	sp "github.com/cdpkit/cdpkit/cleanroom/sqlcheck/internal/sqlparse"
)

// Report is the result of Check.
type Report struct {
	// Problems are every problem found, in order of position.
	Problems Problems
	// RuleType is the analysis rule type of the tables the query reads
	// (RuleAggregation, RuleList or RuleCustom), "" when it reads none or
	// tables of several types. ID mapping tables take the type of the
	// other tables and do not count here.
	RuleType string
	// Tables are the collaboration tables the query reads, by Table.Name,
	// in order of first reference.
	Tables []string
	// OutputConstraints are the AGGREGATION output constraints that apply:
	// result rows whose distinct count of a constrained column is below its
	// minimum are removed, silently, by the service (and by Simulate).
	OutputConstraints []OutputConstraint
	// DifferentialPrivacy is set when a table read has differential privacy:
	// the service adds noise to the results (Simulate does not).
	DifferentialPrivacy bool
	// Params are the analysis-template parameters the query uses, in order
	// of first appearance.
	Params []string
}

// OutputConstraint is an output constraint of a table the query reads.
type OutputConstraint struct {
	Table   string
	Column  string
	Minimum int
}

// Err returns Problems.Err(): nil, or an *Error of kind ErrRejected.
func (r *Report) Err() error { return r.Problems.Err() }

// Check checks query against the analysis rules of the tables it reads, as
// the service does when the query is started, and returns every problem at
// once. tables describe the collaboration's tables (at least those the
// query reads). Check is pure: it runs nothing.
func Check(query string, tables []Table, optFns ...func(*Options)) *Report {
	rep, _, _ := check(query, tables, options(optFns))
	return rep
}

// check is Check returning also the resolved query (nil when it does not
// parse), for Simulate.
func check(query string, tables []Table, o Options) (*Report, *analysis, *sp.Query) {
	rep := &Report{}
	q, err := sp.Parse(query)
	if err != nil {
		p := Problem{Reason: ReasonSyntax, Severity: cleanroom.SeverityError, Detail: "the query does not parse"}
		var pe *sp.Error
		if errors.As(err, &pe) {
			p.Pos, p.Detail = pos(pe.Pos), pe.Msg
		}
		rep.Problems = Problems{p}
		return rep, nil, nil
	}
	a := &analysis{tables: map[string]*tinfo{}}
	for i := range tables {
		ti := newTinfo(&tables[i])
		key := strings.ToLower(tables[i].Name)
		if _, dup := a.tables[key]; !dup {
			a.tables[key] = ti
		}
	}
	a.outputs = a.query(q, nil, true, false)
	c := &checker{a: a, o: o, rep: rep}
	c.ps = append(c.ps, a.problems...)
	c.run()
	slices.SortStableFunc(c.ps, func(x, y Problem) int {
		return cmp.Or(cmp.Compare(x.Pos.Line, y.Pos.Line), cmp.Compare(x.Pos.Column, y.Pos.Column))
	})
	rep.Problems = slices.CompactFunc(c.ps, func(x, y Problem) bool { return x == y })
	return rep, a, q
}

type checker struct {
	a   *analysis
	o   Options
	rep *Report
	ps  Problems
	// runnerWarned: ReasonRunnerUnknown is reported once.
	runnerWarned bool
}

func (c *checker) add(t *tinfo, rule string, r cleanroom.Reason, sev cleanroom.Severity, p sp.Pos, name, detail string) {
	pr := Problem{Rule: rule, Reason: r, Severity: sev, Pos: pos(p), Name: name, Detail: detail}
	if t != nil {
		pr.Table = t.t.Name
	}
	c.ps = append(c.ps, pr)
}

func (c *checker) errf(t *tinfo, rule string, r cleanroom.Reason, p sp.Pos, name, detail string) {
	c.add(t, rule, r, cleanroom.SeverityError, p, name, detail)
}

func (c *checker) run() {
	a := c.a
	kinds := map[string]bool{}
	var first string
	for _, t := range a.order {
		c.rep.Tables = append(c.rep.Tables, t.t.Name)
		if t.kind == "" {
			c.errf(t, "", ReasonNoRule, t.firstPos, t.t.Name, "a table without an analysis rule cannot be queried")
			continue
		}
		if t.kind == RuleIDMappingTable {
			continue
		}
		if first == "" {
			first = t.kind
		} else if t.kind != first {
			c.errf(t, t.kind, ReasonMixedRuleTypes, t.firstPos, t.t.Name,
				"a query may only read tables with the same analysis rule type ("+first+" and "+t.kind+")")
		}
		kinds[t.kind] = true
	}
	if len(kinds) == 1 {
		c.rep.RuleType = first
	}
	seen := map[string]bool{}
	for _, p := range a.params {
		if !seen[p.Name] {
			seen[p.Name] = true
			c.rep.Params = append(c.rep.Params, p.Name)
		}
		if c.o.AnalysisTemplate == "" {
			c.errf(nil, "", ReasonParamNoTemplate, p.Pos, p.Name, "parameters are only allowed in analysis templates")
		}
	}
	if kinds[RuleAggregation] {
		c.aggregation()
	}
	if kinds[RuleList] {
		c.list()
	}
	if kinds[RuleCustom] {
		c.custom()
	}
	if kinds[RuleAggregation] || kinds[RuleList] {
		c.joins()
	}
	c.idMapping()
	c.c3r()
	c.additional()
}

// tablesOf returns the referenced tables of one rule kind.
func (c *checker) tablesOf(kind string) []*tinfo {
	var out []*tinfo
	for _, t := range c.a.order {
		if t.kind == kind {
			out = append(out, t)
		}
	}
	return out
}

func (c *checker) runner(p sp.Pos) bool {
	if c.o.Runner != "" {
		return true
	}
	if !c.runnerWarned {
		c.runnerWarned = true
		c.add(nil, "", ReasonRunnerUnknown, cleanroom.SeverityWarning, p, "",
			"Options.Runner is not set: join requirements and analysis providers were not checked")
	}
	return false
}

// aggregation checks the AGGREGATION rules (AWS Clean Rooms User Guide,
// "Aggregation analysis rule": query controls and query structure).
func (c *checker) aggregation() {
	a := c.a
	const rule = RuleAggregation
	for _, k := range a.cons {
		detail := "not allowed in a query on tables with an aggregation analysis rule"
		if k.name == "*" {
			detail = "every output column must be an aggregate or a dimension column"
		}
		c.errf(nil, rule, ReasonConstruct, k.pos, k.name, detail)
	}
	for _, si := range a.topSel {
		if si.s.Distinct {
			c.errf(nil, rule, ReasonConstruct, si.s.DistinctPos, "DISTINCT", "not allowed in a query on tables with an aggregation analysis rule")
		}
		hasAgg := false
		for _, f := range a.aggs {
			if f.top && f.ctx.clause == clSelect && inItems(f.pos, si.s) {
				hasAgg = true
			}
		}
		if !hasAgg {
			c.errf(nil, rule, ReasonNoAggregate, si.s.Pos, "SELECT", "an aggregation query must output at least one aggregate function")
		}
	}
	for _, f := range a.aggs {
		var t *tinfo
		if len(f.tables) > 0 {
			t = f.tables[0]
		}
		if f.call.Star {
			c.add(t, rule, ReasonAggregateArgument, cleanroom.SeverityWarning, f.pos, f.name,
				"COUNT(*) names no column of an aggregate control; whether the service accepts it is unverified")
			continue
		}
		fn, ok := aggregateFunction(f.call)
		if !ok {
			c.errf(t, rule, ReasonAggregateNotAllowed, f.pos, f.name, "aggregation rules allow only COUNT, COUNT DISTINCT, SUM, SUM DISTINCT and AVG")
			continue
		}
		if len(f.call.Args) != 1 {
			c.errf(t, rule, ReasonAggregateArgument, f.pos, f.name, "an aggregate function takes exactly one column")
			continue
		}
		arg := unparen(f.call.Args[0])
		if _, ok := arg.(*sp.ColumnRef); !ok {
			c.errf(t, rule, ReasonAggregateArgument, arg.Position(), f.name, "the argument of an aggregate function must be a column")
			continue
		}
		for _, u := range a.uses {
			if u.ctx.agg != f.call || u.col.t == nil || u.col.t.agg == nil {
				continue
			}
			if !aggAllowed(u.col.t.agg, fn, u.col.col) {
				c.errf(u.col.t, rule, ReasonAggregateNotAllowed, u.ref.Pos, u.col.col, string(fn)+" is not allowed on this column")
			}
		}
	}
	for _, u := range a.uses {
		t := u.col.t
		if t == nil || t.agg == nil || u.ctx.agg != nil {
			continue
		}
		col := u.col.col
		if u.ctx.clause == clOn {
			if !contains(t.agg.JoinColumns, col) {
				c.errf(t, rule, ReasonNotJoinColumn, u.ref.Pos, col, "only join columns may appear in ON")
			}
			continue
		}
		switch {
		case contains(t.agg.DimensionColumns, col):
		case contains(t.agg.JoinColumns, col):
			c.errf(t, rule, ReasonJoinColumnOutsideOn, u.ref.Pos, col, "join columns may appear only in ON (or as aggregate arguments) and are never output")
		default:
			c.errf(t, rule, ReasonNotDimension, u.ref.Pos, col, "outside an aggregate function only dimension columns may be used")
		}
	}
	all := c.tablesOf(RuleAggregation)
	for _, f := range a.funcs {
		name := scalarName(f.name)
		// A function of no table's columns, or only of ID mapping tables'
		// (which inherit the other tables' rule), must be allowed by every
		// aggregation table.
		ts := slices.DeleteFunc(slices.Clone(f.tables), func(t *tinfo) bool { return t.agg == nil })
		if len(ts) == 0 {
			ts = all
		}
		for _, t := range ts {
			if t.agg != nil && !slices.Contains(t.agg.ScalarFunctions, types.ScalarFunctions(name)) {
				c.errf(t, rule, ReasonScalarNotAllowed, f.pos, f.name, "this scalar function is not allowed by the table's aggregation rule")
			}
		}
	}
	for _, t := range all {
		for _, oc := range t.agg.OutputConstraints {
			c.rep.OutputConstraints = append(c.rep.OutputConstraints, OutputConstraint{Table: t.t.Name, Column: strings.ToLower(oc.Column), Minimum: int(oc.Minimum)})
		}
	}
}

func scalarName(n string) string {
	switch n {
	case "CEIL":
		return "CEILING"
	}
	return n
}

func aggAllowed(r *cleanroom.Aggregation, fn types.AggregateFunctionName, col string) bool {
	for _, ag := range r.Aggregates {
		if ag.Function == fn && contains(ag.Columns, col) {
			return true
		}
	}
	return false
}

func contains(list []string, col string) bool {
	for _, c := range list {
		if strings.EqualFold(c, col) {
			return true
		}
	}
	return false
}

// list checks the LIST rules (User Guide, "List analysis rule").
func (c *checker) list() {
	a := c.a
	const rule = RuleList
	for _, k := range a.cons {
		if k.name == "LIMIT" || k.name == "TOP" {
			continue
		}
		c.errf(nil, rule, ReasonConstruct, k.pos, k.name, "not allowed in a query on tables with a list analysis rule")
	}
	for _, k := range a.clauses {
		c.errf(nil, rule, ReasonConstruct, k.pos, k.name, "not allowed in a query on tables with a list analysis rule")
	}
	for _, k := range a.operators {
		c.errf(nil, rule, ReasonConstruct, k.pos, k.name, "list queries may compare with =, <>, !=, <, >, <=, >=, IN, LIKE and IS [NOT] NULL only")
	}
	for _, si := range a.topSel {
		if !si.s.Distinct {
			c.errf(nil, rule, ReasonDistinctRequired, si.s.Pos, "SELECT", "a list query must SELECT DISTINCT")
		}
	}
	for _, f := range append(slices.Clone(a.aggs), a.funcs...) {
		var t *tinfo
		if len(f.tables) > 0 {
			t = f.tables[0]
		}
		c.errf(t, rule, ReasonFunctionNotAllowed, f.pos, f.name, "list queries allow no functions, only arithmetic operators")
	}
	for _, u := range a.uses {
		t := u.col.t
		if t == nil || t.list == nil {
			continue
		}
		col := u.col.col
		if u.ctx.clause == clOn {
			if !contains(t.list.JoinColumns, col) {
				c.errf(t, rule, ReasonNotJoinColumn, u.ref.Pos, col, "only join columns may appear in ON")
			}
			continue
		}
		switch {
		case contains(t.list.ListColumns, col):
		case contains(t.list.JoinColumns, col):
			c.errf(t, rule, ReasonJoinColumnOutsideOn, u.ref.Pos, col, "join columns may appear only in ON")
		default:
			c.errf(t, rule, ReasonNotListColumn, u.ref.Pos, col, "only list columns may be selected or filtered on")
		}
	}
}

// joins checks the joins of AGGREGATION and LIST queries: INNER JOIN … ON
// col = col combined with allowed operators, and the joins each table
// requires.
func (c *checker) joins() {
	a := c.a
	for _, ji := range a.joins {
		rule := ""
		var t *tinfo
		for _, x := range ji.tables {
			if x.kind == RuleAggregation || x.kind == RuleList {
				t, rule = x, x.kind
				break
			}
		}
		if rule == "" {
			continue
		}
		switch {
		case ji.j == nil:
			c.errf(t, rule, ReasonJoinType, ji.pos, "", "tables must be joined with INNER JOIN … ON, not a comma")
			continue
		case ji.j.Kind != sp.JoinInner:
			c.errf(t, rule, ReasonJoinType, ji.pos, ji.j.Kind+" JOIN", "only INNER JOIN is allowed")
			continue
		case ji.j.Natural || ji.j.Using != nil:
			c.errf(t, rule, ReasonJoinType, ji.pos, "", "joins need an explicit ON condition")
			continue
		}
		c.joinCondition(ji, ji.j.On)
	}
	// Join requirements: AGGREGATION tables with JoinRequired and every LIST
	// table must be inner-joined, directly or transitively, to a table of
	// the member who runs the query.
	var bindings []*binding
	for _, si := range append(slices.Clone(a.topSel), a.cteSels...) {
		bindings = append(bindings, si.bindings...)
	}
	reported := map[*tinfo]bool{}
	for _, b := range bindings {
		t := b.base
		if t == nil || reported[t] {
			continue
		}
		needs := (t.agg != nil && t.agg.JoinRequired) || t.list != nil
		if !needs {
			continue
		}
		if t.list != nil && len(b.edges) == 0 {
			reported[t] = true
			c.errf(t, t.kind, ReasonJoinRequired, b.pos, t.t.Name, "a list query must inner join this table to a table of the member who queries")
			continue
		}
		if !c.runner(b.pos) {
			continue
		}
		if t.t.Member == c.o.Runner {
			continue
		}
		if !reachesRunner(b, c.o.Runner) {
			reported[t] = true
			c.errf(t, t.kind, ReasonJoinRequired, b.pos, t.t.Name, "inner join to query runner table required for this table")
		}
	}
}

func reachesRunner(b *binding, runner string) bool {
	seen := map[*binding]bool{b: true}
	stack := []*binding{b}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		// An ID mapping table links tables but is no member's data: the
		// path goes through it, it is not where the path may end.
		if x.base != nil && x.base.idmt == nil && x.base.t.Member == runner {
			return true
		}
		for _, y := range x.edges {
			if !seen[y] {
				seen[y] = true
				stack = append(stack, y)
			}
		}
	}
	return false
}

// joinCondition checks that e is col = col comparisons combined with AND/OR
// and that every joined table allows the operators used.
func (c *checker) joinCondition(ji *joinInfo, e sp.Expr) {
	switch x := unparen(e).(type) {
	case *sp.Binary:
		switch x.Op {
		case "AND", "OR":
			op := types.JoinOperator(x.Op)
			for _, t := range ji.tables {
				var allowed []types.JoinOperator
				switch {
				case t.agg != nil:
					allowed = t.agg.JoinOperators
				case t.list != nil:
					allowed = t.list.JoinOperators
				default:
					continue
				}
				if allowed == nil {
					allowed = []types.JoinOperator{types.JoinOperatorAnd}
				}
				if !slices.Contains(allowed, op) {
					c.errf(t, t.kind, ReasonJoinOperator, x.OpPos, x.Op, "the table's rule does not allow this join operator")
				}
			}
			c.joinCondition(ji, x.L)
			c.joinCondition(ji, x.R)
			return
		case "=":
			_, lok := unparen(x.L).(*sp.ColumnRef)
			_, rok := unparen(x.R).(*sp.ColumnRef)
			if lok && rok {
				return
			}
		}
	}
	var t *tinfo
	rule := ""
	for _, x := range ji.tables {
		if x.kind == RuleAggregation || x.kind == RuleList {
			t, rule = x, x.kind
			break
		}
	}
	c.errf(t, rule, ReasonJoinCondition, e.Position(), "", "a join condition must compare two join columns with =")
}

// custom checks the CUSTOM rules (User Guide, "Custom analysis rule").
func (c *checker) custom() {
	a := c.a
	const rule = RuleCustom
	for _, t := range c.tablesOf(RuleCustom) {
		r := t.custom
		switch {
		case len(r.AllowedAnalyses) == 0:
			c.errf(t, rule, ReasonNoAnalysisAllowed, t.firstPos, t.t.Name, "the table's custom rule allows no analysis yet")
		case c.o.AnalysisTemplate != "" && slices.Contains(r.AllowedAnalyses, c.o.AnalysisTemplate):
		case slices.Contains(r.AllowedAnalyses, cleanroom.AnyQuery):
			if c.runner(t.firstPos) && !slices.Contains(r.AllowedAnalysisProviders, c.o.Runner) {
				c.errf(t, rule, ReasonProviderNotAllowed, t.firstPos, t.t.Name, "the member running the query is not an allowed analysis provider of this table")
			}
		case c.o.AnalysisTemplate != "":
			c.errf(t, rule, ReasonTemplateNotAllowed, t.firstPos, t.t.Name, "the table's custom rule does not allow this analysis template")
		default:
			c.errf(t, rule, ReasonTemplateNotAllowed, t.firstPos, t.t.Name, "the table allows only analysis templates; run the query from an allowed template")
		}
		for _, oc := range a.outputs {
			for _, bc := range oc.lineage {
				if bc.t == t && contains(r.DisallowedOutputColumns, bc.col) {
					c.errf(t, rule, ReasonDisallowedOutput, oc.pos, bc.col, "this column may not reach the query's output, directly or transformed")
				}
			}
		}
		if r.DifferentialPrivacyColumn != "" {
			c.rep.DifferentialPrivacy = true
			c.dp(t)
		}
	}
}

// dpAggregates are the aggregations a differential-privacy query may
// output.
var dpAggregates = map[string]bool{"AVG": true, "COUNT": true, "SUM": true, "STDDEV": true}

// dp checks the SQL limits of differential privacy that a single pass can
// see (User Guide, "SQL capabilities of AWS Clean Rooms Differential
// Privacy").
func (c *checker) dp(t *tinfo) {
	a := c.a
	const rule = RuleCustom
	user := strings.ToLower(t.custom.DifferentialPrivacyColumn)
	for _, f := range a.aggs {
		if f.top && f.ctx.clause == clSelect && (!dpAggregates[f.name] || (f.call.Distinct && f.name != "COUNT")) {
			c.errf(t, rule, ReasonDPAggregate, f.pos, f.name, "differential privacy supports only AVG, COUNT, COUNT DISTINCT, STDDEV and SUM in the final SELECT")
		}
	}
	for _, k := range a.cons {
		switch {
		case k.name == "IN subquery" || k.name == "EXISTS subquery":
			c.errf(t, rule, ReasonDPConstruct, k.pos, k.name, "subqueries over differential-privacy tables are allowed only in FROM and JOIN")
		case k.name == "TOP":
			c.errf(t, rule, ReasonDPConstruct, k.pos, k.name, "use LIMIT instead of TOP with differential privacy")
		case (k.name == "LIMIT" || k.name == "OFFSET") && k.inCTE:
			c.errf(t, rule, ReasonDPConstruct, k.pos, k.name, "LIMIT and OFFSET are not allowed in common table expressions with differential privacy")
		case k.top && (k.name == "UNION" || k.name == "INTERSECT" || k.name == "EXCEPT" || k.name == "MINUS"):
			c.errf(t, rule, ReasonDPConstruct, k.pos, k.name, "set operators are not allowed in the final SELECT with differential privacy")
		}
	}
	for _, ji := range a.joins {
		switch {
		case ji.j == nil || ji.j.Kind == sp.JoinCross:
			c.errf(t, rule, ReasonDPConstruct, ji.pos, "CROSS JOIN", "cross joins are not allowed with differential privacy")
		case ji.j.Natural || ji.j.Using != nil:
			c.errf(t, rule, ReasonDPConstruct, ji.pos, "USING", "joins need an explicit ON condition with differential privacy")
		}
	}
	for _, ji := range a.joins {
		if ji.j == nil || ji.j.Kind == sp.JoinCross || !dpIn(ji.left) || !dpIn(ji.right) {
			continue
		}
		if !userEquality(ji.j.On, ji) {
			c.errf(t, rule, ReasonDPConstruct, ji.pos, "JOIN", "joins between differential-privacy tables must be equi-joins on their user identifier columns")
		}
	}
	for _, k := range a.clauses {
		if k.name == "ORDER BY" && k.inCTE {
			c.errf(t, rule, ReasonDPConstruct, k.pos, k.name, "ORDER BY is allowed in common table expressions only inside window functions with differential privacy")
		}
	}
	for _, f := range a.funcs {
		if f.name == "ROLLUP" || f.name == "CUBE" || f.name == "GROUPING" {
			c.errf(t, rule, ReasonDPConstruct, f.pos, f.name, "grouping sets, ROLLUP and CUBE are not supported with differential privacy")
		}
	}
	for _, w := range a.windows {
		ok := false
		for _, e := range w.Over.PartitionBy {
			if cr, isCol := unparen(e).(*sp.ColumnRef); isCol && cr.Name.Norm() == user {
				ok = true
			}
		}
		if !ok {
			c.errf(t, rule, ReasonDPConstruct, w.Pos, w.Name, "window functions must partition by the user identifier column with differential privacy")
		}
	}
	for _, si := range a.cteSels {
		reads := false
		for _, b := range si.bindings {
			if b.base == t {
				reads = true
			}
		}
		if !reads {
			continue
		}
		outputsUser := false
		for _, u := range a.uses {
			if u.col.t == t && u.col.col == user && u.ctx.clause == clSelect && u.ctx.agg == nil && !u.ctx.nested && u.ref.Pos.Off >= si.s.Pos.Off && inItems(u.ref.Pos, si.s) {
				outputsUser = true
			}
		}
		for _, it := range si.s.Items {
			if it.Star {
				outputsUser = true
			}
		}
		if !outputsUser {
			c.errf(t, rule, ReasonDPConstruct, si.s.Pos, user, "a common table expression over a differential-privacy table must output the user identifier column")
		}
	}
}

// dpIn reports whether one of ts has differential privacy.
func dpIn(ts []*tinfo) bool {
	for _, t := range ts {
		if t.custom != nil && t.custom.DifferentialPrivacyColumn != "" {
			return true
		}
	}
	return false
}

// userEquality reports whether e (an AND of conditions) equates the user
// identifier columns of a differential-privacy table on each side of ji.
func userEquality(e sp.Expr, ji *joinInfo) bool {
	x, ok := unparen(e).(*sp.Binary)
	if !ok {
		return false
	}
	switch x.Op {
	case "AND":
		return userEquality(x.L, ji) || userEquality(x.R, ji)
	case "=":
		l, lok := unparen(x.L).(*sp.ColumnRef)
		r, rok := unparen(x.R).(*sp.ColumnRef)
		if !lok || !rok {
			return false
		}
		lb, rb := ji.sc.bindingOf(l), ji.sc.bindingOf(r)
		isUser := func(b *binding, ref *sp.ColumnRef) bool {
			return b != nil && b.base != nil && b.base.custom != nil &&
				strings.EqualFold(b.base.custom.DifferentialPrivacyColumn, ref.Name.Norm())
		}
		return isUser(lb, l) && isUser(rb, r)
	}
	return false
}

// inItems reports whether p lies in the select list of s.
func inItems(p sp.Pos, s *sp.Select) bool { return p.Off >= s.Pos.Off && p.Off < s.ItemsEnd }

// c3r checks where columns of C3R-encrypted tables are used: fingerprint
// columns only in join conditions and COUNT / COUNT DISTINCT, sealed
// columns only as plain SELECT outputs (or counted).
func (c *checker) c3r() {
	for _, u := range c.a.uses {
		t := u.col.t
		if t == nil || t.t.C3R == nil {
			continue
		}
		counted := u.ctx.agg != nil && u.ctx.direct && u.ctx.agg.Name == "COUNT"
		switch t.c3r(u.col.col) {
		case cleanroom.Fingerprint:
			if u.ctx.clause != clOn && !counted {
				c.errf(t, RuleC3R, ReasonC3RColumnKind, u.ref.Pos, u.col.col, "fingerprint columns may be used only in join conditions and COUNT")
			}
		case cleanroom.Sealed:
			plain := u.ctx.clause == clSelect && u.ctx.agg == nil && !u.ctx.nested
			if !plain && !(counted && !u.ctx.agg.Distinct) {
				c.errf(t, RuleC3R, ReasonC3RColumnKind, u.ref.Pos, u.col.col, "sealed columns may only be selected")
			}
		}
	}
}

// additional checks the tables' additional-analyses settings against
// Options.AdditionalAnalysis.
func (c *checker) additional() {
	for _, t := range c.a.order {
		var aa types.AdditionalAnalyses
		switch {
		case t.agg != nil:
			aa = types.AdditionalAnalysesNotAllowed // the User Guide: not supported for aggregation
		case t.list != nil:
			aa = t.list.AdditionalAnalyses
		case t.custom != nil:
			aa = t.custom.AdditionalAnalyses
		default:
			continue
		}
		allowed := aa == types.AdditionalAnalysesAllowed || aa == types.AdditionalAnalysesRequired
		switch {
		case c.o.AdditionalAnalysis && !allowed:
			c.errf(t, t.kind, ReasonAdditionalNotAllowed, t.firstPos, t.t.Name, "the table's rule does not allow additional analyses")
		case !c.o.AdditionalAnalysis && aa == types.AdditionalAnalysesRequired:
			c.add(t, t.kind, ReasonAdditionalRequired, cleanroom.SeverityWarning, t.firstPos, t.t.Name,
				"the table's rule requires its results to feed an additional analysis")
		}
	}
}
