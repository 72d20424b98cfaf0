package sqlcheck_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// overlapTables: the runner's customers and a publisher's exposures, both
// AGGREGATION with output constraints on the hashed email (3 and 2).
func overlapTables() []sqlcheck.Table {
	agg := func(min int32, dims ...string) cleanroom.Aggregation {
		return cleanroom.Aggregation{
			Aggregates: []cleanroom.Aggregate{
				{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}},
				{Function: types.AggregateFunctionNameSum, Columns: []string{"spend"}},
			},
			JoinColumns:       []string{"hashed_email"},
			JoinRequired:      true,
			DimensionColumns:  dims,
			ScalarFunctions:   []types.ScalarFunctions{},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: min}},
		}
	}
	return []sqlcheck.Table{
		{
			Name: "cust", Member: runner, Rule: agg(3, "segment"),
			Columns: []sqlcheck.Column{{Name: "hashed_email"}, {Name: "segment"}, {Name: "spend", Type: "double"}},
			Rows: sqlcheck.RowsOf([][]any{
				{"e1", "s1", 1.0}, {"e2", "s1", 2.0}, {"e3", "s2", 3.0}, {"e4", "s2", 4.0}, {"e5", "s2", 5.0}, {"e6", "s3", 6.0},
			}),
		},
		{
			Name: "expo", Member: publisher, Rule: agg(2, "campaign"),
			Columns: []sqlcheck.Column{{Name: "hashed_email"}, {Name: "campaign"}, {Name: "spend", Type: "double"}},
			Rows: sqlcheck.RowsOf([][]any{
				{"e1", "A", 1.0}, {"e2", "A", 1.0}, {"e3", "A", 1.0}, {"e4", "A", 1.0},
				{"e5", "B", 1.0}, {"e6", "B", 1.0}, {"e1", "C", 1.0}, {"zz", "C", 1.0},
			}),
		},
	}
}

func TestSimulateOutputConstraints(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		rows        [][]any
		removed     []int
	}{
		{"counted column", `SELECT expo.campaign, COUNT(DISTINCT cust.hashed_email) AS n
FROM cust JOIN expo ON cust.hashed_email = expo.hashed_email
GROUP BY expo.campaign ORDER BY expo.campaign;`, [][]any{{"A", int64(4)}}, []int{2, 1}},
		// The constraint applies even when the query does not count the
		// column; SUM(expo.spend) of campaign B (2 people) is removed too.
		{"uncounted column", `SELECT expo.campaign, SUM(expo.spend) FROM cust JOIN expo ON cust.hashed_email = expo.hashed_email GROUP BY 1 ORDER BY 1 -- trailing comment`,
			[][]any{{"A", 4.0}}, []int{2, 1}},
		{"no group", `SELECT SUM(cust.spend) FROM cust JOIN expo ON cust.hashed_email = expo.hashed_email`,
			[][]any{{22.0}}, []int{0, 0}},
		{"self join counts each binding", `SELECT c2.segment, COUNT(DISTINCT c1.hashed_email) FROM cust c1 JOIN cust c2 ON c1.hashed_email = c2.hashed_email GROUP BY c2.segment ORDER BY c2.segment`,
			[][]any{{"s2", int64(3)}}, []int{2, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, err := sqlcheck.Simulate(t.Context(), tc.query, overlapTables(), asRunner)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.rows, sim.Rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			var removed []int
			for _, r := range sim.Removed {
				removed = append(removed, r.Rows)
			}
			if diff := cmp.Diff(tc.removed, removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			for _, c := range sim.Columns {
				if strings.HasPrefix(c.Name, "__sqlcheck") {
					t.Errorf("added column %q left in the result", c.Name)
				}
			}
		})
	}
}

func TestSimulateRemovedRowsCounted(t *testing.T) {
	sim, err := sqlcheck.Simulate(t.Context(), `SELECT expo.campaign, COUNT(DISTINCT cust.hashed_email) FROM cust JOIN expo ON cust.hashed_email = expo.hashed_email GROUP BY 1`, overlapTables(), asRunner)
	if err != nil {
		t.Fatal(err)
	}
	// B is under cust's 3, C (one person) under both: 2 rows removed.
	want := []sqlcheck.Removal{
		{OutputConstraint: sqlcheck.OutputConstraint{Table: "cust", Column: "hashed_email", Minimum: 3}, Rows: 2},
		{OutputConstraint: sqlcheck.OutputConstraint{Table: "expo", Column: "hashed_email", Minimum: 2}, Rows: 1},
	}
	if diff := cmp.Diff(want, sim.Removed); diff != "" || sim.RemovedRows != 2 {
		t.Errorf("removed %d (-want +got):\n%s", sim.RemovedRows, diff)
	}
}

func listTables() []sqlcheck.Table {
	return []sqlcheck.Table{
		{Name: "crm", Member: runner, Columns: sqlcheck.Columns("hashed_email", "city"),
			Rule: cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"city"}},
			Rows: sqlcheck.RowsOf([][]any{{"e1", "Paris"}, {"e2", "Lyon"}, {"e3", "Nice"}, {"e4", "Paris"}})},
		{Name: "leads", Member: publisher, Columns: []sqlcheck.Column{{Name: "hashed_email"}, {Name: "score", Type: "bigint"}},
			Rule: cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"score"}},
			Rows: sqlcheck.RowsOf([][]any{{"e1", 5}, {"e2", 7}, {"e4", 9}, {"e9", 1}})},
	}
}

func TestSimulateList(t *testing.T) {
	_, err := sqlcheck.Simulate(t.Context(), `SELECT TOP 2 DISTINCT crm.city, leads.score FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email WHERE leads.score > 5 ORDER BY 2`, listTables(), asRunner)
	if err == nil || !errors.Is(err, sqlcheck.ErrRejected) {
		t.Fatalf("ORDER BY in a list query: err = %v, want ErrRejected", err)
	}
	sim, err := sqlcheck.Simulate(t.Context(), `SELECT TOP 1 DISTINCT crm.city, leads.score FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email WHERE leads.score > 5;`, listTables(), asRunner)
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.Rows) != 1 || len(sim.Removed) != 0 {
		t.Errorf("TOP 1: rows %v, removed %v", sim.Rows, sim.Removed)
	}
	sim, err = sqlcheck.Simulate(t.Context(), `SELECT DISTINCT crm.city FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email`, listTables(), asRunner)
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.Rows) != 2 {
		t.Errorf("rows %v, want Paris and Lyon", sim.Rows)
	}
}

func TestSimulateTemplateParams(t *testing.T) {
	tables := []sqlcheck.Table{{
		Name: "visits", Member: publisher, Columns: []sqlcheck.Column{{Name: "page"}, {Name: "n", Type: "bigint"}},
		Rule: cleanroom.Custom{AllowedAnalyses: []string{template}, DifferentialPrivacyColumn: ""},
		Rows: sqlcheck.RowsOf([][]any{{"a", 1}, {"b", 5}, {"c", 9}}),
	}}
	sim, err := sqlcheck.Simulate(t.Context(), `SELECT page FROM visits WHERE n >= :min ORDER BY page`, tables, func(o *sqlcheck.Options) {
		o.Runner, o.AnalysisTemplate, o.Params = runner, template, map[string]any{"min": 5}
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]any{{"b"}, {"c"}}, sim.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestSimulateErrors(t *testing.T) {
	ctx := t.Context()
	// Rejected by the rules: the check's problems, no run.
	_, err := sqlcheck.Simulate(ctx, `SELECT cust.spend FROM cust`, overlapTables(), asRunner)
	var e *sqlcheck.Error
	if !errors.As(err, &e) || !errors.Is(err, sqlcheck.ErrRejected) || !errors.Is(err, cdpkit.ErrInvalid) || len(e.Problems) == 0 || e.Op != "simulate" {
		t.Fatalf("rejected query: %v", err)
	}
	// The engine cannot run it: ErrSimulation with the engine's message,
	// never a value.
	tables := []sqlcheck.Table{{
		Name: "t", Member: runner, Columns: sqlcheck.Columns("a"),
		Rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{runner}},
		Rows: sqlcheck.RowsOf([][]any{{"x"}}),
	}}
	_, err = sqlcheck.Simulate(ctx, `SELECT NO_SUCH_FUNCTION(a, 'secret-value') FROM t`, tables, asRunner)
	if !errors.As(err, &e) || !errors.Is(err, sqlcheck.ErrSimulation) || e.Message == "" {
		t.Fatalf("engine failure: %v", err)
	}
	if strings.Contains(err.Error(), "secret-value") {
		t.Errorf("engine error echoes a literal")
	}
	// An unusable sample: a row of the wrong width.
	tables[0].Rows = sqlcheck.RowsOf([][]any{{"x", "y"}})
	_, err = sqlcheck.Simulate(ctx, `SELECT a FROM t`, tables, asRunner)
	if !errors.Is(err, sqlcheck.ErrSimulation) {
		t.Fatalf("bad sample: %v", err)
	}
	// A cancelled context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	tables[0].Rows = sqlcheck.RowsOf([][]any{{"x"}})
	if _, err = sqlcheck.Simulate(cctx, `SELECT a FROM t`, tables, asRunner); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestSimulateQuotedNames: tables and columns whose names need quoting
// (spaces, mixed case) get their constraint columns right.
func TestSimulateQuotedNames(t *testing.T) {
	tables := collaboration()
	for i := range tables {
		if tables[i].Name == "My Events" {
			tables[i].Columns = sqlcheck.Columns("event id", "points accumulated", "hashed_email")
			tables[i].Rows = sqlcheck.RowsOf([][]any{
				{"1", "gold", "a"}, {"2", "gold", "b"}, {"3", "silver", "c"}, {"3", "silver", "d"},
			})
		}
	}
	sim, err := sqlcheck.Simulate(t.Context(), `SELECT "points accumulated" AS tier, COUNT("event id") AS n FROM "My Events" AS "Ev" GROUP BY 1 ORDER BY 1`, tables, asRunner)
	if err != nil {
		t.Fatal(err)
	}
	// silver has two events but one distinct event id: under the minimum 2.
	if diff := cmp.Diff([][]any{{"gold", int64(2)}}, sim.Rows); diff != "" || sim.RemovedRows != 1 {
		t.Errorf("rows (-want +got):\n%s removed %d", diff, sim.RemovedRows)
	}
}

// TestSimulateColonCast: x::type, nested and inside the select list's
// last item, runs as CAST on the engine.
func TestSimulateColonCast(t *testing.T) {
	sim, err := sqlcheck.Simulate(t.Context(), `SELECT cust.segment::varchar(10) AS s, COUNT(DISTINCT cust.hashed_email)::bigint::varchar AS n
FROM cust JOIN expo ON cust.hashed_email = expo.hashed_email GROUP BY 1 ORDER BY 1`, castTables(), asRunner)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]any{{"s2", "3"}}, sim.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func castTables() []sqlcheck.Table {
	tables := overlapTables()
	for i := range tables {
		r := tables[i].Rule.(cleanroom.Aggregation)
		r.ScalarFunctions = []types.ScalarFunctions{types.ScalarFunctionsCast}
		tables[i].Rule = r
	}
	return tables
}

// TestSimulateEngineErrorNoLiteral: Clean Rooms syntax the engine cannot
// parse (typed literals, intervals) makes SQLite quote the token it
// stopped at; that token is a literal of the query and must not reach the
// error, its chain or its message.
func TestSimulateEngineErrorNoLiteral(t *testing.T) {
	tables := []sqlcheck.Table{{
		Name: "t", Member: runner, Columns: sqlcheck.Columns("a"),
		Rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{runner}},
		Rows: sqlcheck.RowsOf([][]any{{"x"}}),
	}}
	for _, q := range []string{
		`SELECT a FROM t WHERE a > DATE 'secret-literal'`,
		`SELECT a FROM t WHERE a > TIMESTAMP 'secret-literal'`,
		`SELECT a FROM t WHERE a > INTERVAL 'secret-literal' DAY`,
	} {
		_, err := sqlcheck.Simulate(t.Context(), q, tables, asRunner)
		var e *sqlcheck.Error
		if !errors.As(err, &e) || !errors.Is(err, sqlcheck.ErrSimulation) || e.Message == "" {
			t.Fatalf("%s: want ErrSimulation with a message, got %T", q, err)
		}
		leaks := strings.Contains(err.Error(), "secret-literal") || strings.Contains(e.Message, "secret-literal")
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
			leaks = leaks || strings.Contains(u.Error(), "secret-literal")
		}
		for _, u := range e.Unwrap() {
			leaks = leaks || strings.Contains(u.Error(), "secret-literal")
		}
		if leaks {
			t.Errorf("%s: the engine error echoes the query's literal", q)
		}
	}
}

// TestSimulateRowError: an error of a table's Rows reaches the caller in
// the chain (errors.Is), as an ErrSimulation.
func TestSimulateRowError(t *testing.T) {
	errRead := errors.New("sample unreadable")
	tables := []sqlcheck.Table{{
		Name: "t", Member: runner, Columns: sqlcheck.Columns("a"),
		Rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{runner}},
		Rows: func(yield func([]any, error) bool) {
			if yield([]any{"x"}, nil) {
				yield(nil, errRead)
			}
		},
	}}
	_, err := sqlcheck.Simulate(t.Context(), `SELECT a FROM t`, tables, asRunner)
	if !errors.Is(err, errRead) || !errors.Is(err, sqlcheck.ErrSimulation) {
		t.Fatalf("Simulate = %v, want ErrSimulation wrapping the rows' error", err)
	}
}
