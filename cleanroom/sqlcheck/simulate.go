package sqlcheck

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	sp "github.com/cdpkit/cdpkit/cleanroom/sqlcheck/internal/sqlparse"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// Simulation is the result of Simulate: the rows the service would return
// (before any differential-privacy noise) and what the output constraints
// removed.
type Simulation struct {
	// Report is the check's report (warnings, output constraints,
	// differential privacy).
	Report  *Report
	Columns []Column
	Rows    [][]any
	// Removed counts, per output constraint, the result rows whose distinct
	// count of the constrained column was below the minimum. A row below
	// several minimums counts under each.
	Removed []Removal
	// RemovedRows is the number of result rows removed (each row once).
	RemovedRows int
}

// Removal says how many result rows one output constraint removed; it
// never says which.
type Removal struct {
	OutputConstraint
	Rows int
}

// constraintPrefix names the columns Simulate adds to compute distinct
// counts; they are removed from the result.
const constraintPrefix = "__sqlcheck_oc_"

// Simulate checks query (as Check does, and fails with ErrRejected if the
// service would refuse it), runs it on the tables' sample rows (Table.Rows,
// typed by Table.Columns) with the embedded SQL engine, and applies the
// AGGREGATION output constraints as the service does: every result row
// whose distinct count of a constrained column is below the minimum is
// removed. To know those counts, the query runs with one COUNT(DISTINCT
// column) per constraint added to its SELECT list, computed per group
// alongside the query's own aggregates; the added columns are dropped from
// the result.
//
// Row values are Go values of their column's type: string for string and
// varchar, int64 for bigint and int, float64 for double and decimal, bool,
// time.Time for date and timestamp, []byte for binary, nil for NULL.
// Options.Params gives the values of analysis-template parameters. The
// engine is SQLite's: Clean Rooms functions it lacks fail the simulation
// with ErrSimulation and the engine's message; TOP n runs as LIMIT n and
// x::type as CAST(x AS type).
// Differential privacy adds noise on the service, not here.
func Simulate(ctx context.Context, query string, tables []Table, optFns ...func(*Options)) (*Simulation, error) {
	return simulate(ctx, query, tables, options(optFns), true)
}

// simulate is Simulate; reduce false loads every row and column (for
// tests comparing the two).
func simulate(ctx context.Context, query string, tables []Table, o Options, reduce bool) (*Simulation, error) {
	rep, a, q := check(query, tables, o)
	if err := rep.Err(); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Op = "simulate"
		}
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sim := &Simulation{Report: rep}
	var edits []edit
	var cons []OutputConstraint
	if rep.RuleType == RuleAggregation && len(a.topSel) == 1 {
		si := a.topSel[0]
		var cols []string
		for _, b := range si.bindings {
			if b.base == nil || b.base.agg == nil {
				continue
			}
			for _, oc := range b.base.agg.OutputConstraints {
				n := len(cons)
				cons = append(cons, OutputConstraint{Table: b.base.t.Name, Column: strings.ToLower(oc.Column), Minimum: int(oc.Minimum)})
				cols = append(cols, ", COUNT(DISTINCT "+quoteIdent(b.written)+"."+quoteIdent(oc.Column)+") AS "+quoteIdent(constraintPrefix+strconv.Itoa(n)))
			}
		}
		edits = append(edits, edit{off: si.s.ItemsEnd, end: si.s.ItemsEnd, text: strings.Join(cols, "")})
	}
	if body, ok := q.Body.(*sp.Select); ok && body.Top != nil && q.Limit == nil {
		lit := body.Top.(*sp.Literal)
		edits = append(edits, edit{off: body.TopPos.Off, end: lit.End, text: ""})
		end := queryEnd(query)
		edits = append(edits, edit{off: end, end: end, text: "\nLIMIT " + lit.Value})
	}
	// The engine (SQLite) has no x::type: run it as CAST(x AS type).
	for _, c := range a.colonCasts {
		edits = append(edits, edit{off: c.Pos.Off, end: c.Pos.Off, text: "CAST("},
			edit{off: c.OpOff, end: c.End, text: " AS " + c.Type + ")"})
	}
	run := applyEdits(query, edits)
	run = strings.TrimRight(run, " \t\r\n")

	lp := planLoad(a, rep)
	if !reduce {
		lp.cols, lp.eqs = map[*tinfo][]string{}, nil
	}
	lp.ctx = ctx
	ets := lp.engineTables(a.order)
	res, err := sqlengine.Run(lp.ctx, strings.TrimSuffix(run, ";"), ets, func(eo *sqlengine.Options) {
		eo.Params = o.Params
		eo.MaxRows = o.MaxRows
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var own *Error
		if errors.As(err, &own) {
			return nil, own
		}
		e := &Error{Op: "simulate", Kind: ErrSimulation}
		var ee *sqlengine.Error
		if errors.As(err, &ee) && ee.Kind != nil {
			// The engine's own error is not kept in the chain: SQLite
			// quotes the token it stopped at, which may be a literal.
			msg := engineMessage(ee.Message, query)
			e.Err = &sqlengine.Error{Op: ee.Op, Table: ee.Table, Kind: ee.Kind, Message: msg}
			e.Message = msg
			if ee.Table != "" {
				e.Message = "table " + strconv.Quote(ee.Table) + ": " + msg
			}
		} else {
			// A table's Rows failed (or an I/O fault): the caller's
			// error, kept in the chain as it came.
			e.Err = err
		}
		return nil, e
	}
	keep := len(res.Columns) - len(cons)
	for _, c := range res.Columns[:keep] {
		sim.Columns = append(sim.Columns, Column{Name: c.Name, Type: c.Type})
	}
	sim.Removed = make([]Removal, len(cons))
	for i, c := range cons {
		sim.Removed[i].OutputConstraint = c
	}
	sim.Rows = make([][]any, 0, len(res.Rows))
	for _, row := range res.Rows {
		removed := false
		for i := range cons {
			if n, ok := asInt(row[keep+i]); !ok || n < int64(cons[i].Minimum) {
				sim.Removed[i].Rows++
				removed = true
			}
		}
		if removed {
			sim.RemovedRows++
			continue
		}
		sim.Rows = append(sim.Rows, slices.Clip(row[:keep]))
	}
	return sim, nil
}

type edit struct {
	off, end int
	text     string
}

// applyEdits replaces query[off:end] by text for each edit (edits do not
// overlap).
func applyEdits(query string, edits []edit) string {
	slices.SortStableFunc(edits, func(a, b edit) int { return b.off - a.off })
	for _, e := range edits {
		query = query[:e.off] + e.text + query[e.end:]
	}
	return query
}

// queryEnd is the byte offset after the query's last token, before a
// final semicolon and trailing comments.
func queryEnd(query string) int {
	end := 0
	for _, t := range sp.Tokens(query) {
		if t.Kind == sp.TokEOF || (t.Kind == sp.TokOp && t.Text == ";") {
			break
		}
		end = t.End
	}
	return end
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	case int:
		return int64(v), true
	}
	return 0, false
}

// engineMessage is the engine's message msg without any literal of query.
// SQLite quotes the token where parsing stopped (near "'2024-01-01'":
// syntax error, unrecognized token: "'…") and that token may be a value;
// such messages keep only what went wrong, and any other message that
// contains a string literal of the query is replaced whole.
func engineMessage(msg, query string) string {
	switch {
	case strings.HasPrefix(msg, `near "`):
		if i := strings.LastIndex(msg, `": `); i >= len(`near "`)-1 {
			msg = msg[i+len(`": `):] + " (at a construct the engine does not support)"
		} else {
			msg = "syntax error (at a construct the engine does not support)"
		}
	case strings.HasPrefix(msg, "unrecognized token"):
		msg = "unrecognized token (a construct the engine does not support)"
	}
	for _, t := range sp.Tokens(query) {
		if t.Kind == sp.TokString && t.Text != "" && strings.Contains(msg, t.Text) {
			return "the engine could not run the query (its message quoted a value of the query)"
		}
	}
	return msg
}
