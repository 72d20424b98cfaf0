package sqlcheck

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// TestReducedLoadSameResult: loading only the referenced columns and the
// rows with a join partner gives the same simulation as loading
// everything, on random tables (NULL keys, duplicates, unmatched keys) and
// queries joining two or three tables.
func TestReducedLoadSameResult(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	rule := func(min int32) cleanroom.Aggregation {
		return cleanroom.Aggregation{
			Aggregates: []cleanroom.Aggregate{
				{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"k"}},
				{Function: types.AggregateFunctionNameSum, Columns: []string{"v"}},
				{Function: types.AggregateFunctionNameCount, Columns: []string{"v"}},
			},
			JoinColumns:       []string{"k", "k2"},
			DimensionColumns:  []string{"d", "unused"},
			ScalarFunctions:   []types.ScalarFunctions{},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "k", Minimum: min}},
		}
	}
	table := func(name, member string, n int) Table {
		var rows [][]any
		for i := 0; i < n; i++ {
			var k, k2 any = "k" + strconv.Itoa(rng.IntN(30)), "j" + strconv.Itoa(rng.IntN(10))
			if rng.IntN(10) == 0 {
				k = nil
			}
			rows = append(rows, []any{k, k2, "d" + strconv.Itoa(rng.IntN(4)), float64(rng.IntN(100)), "u"})
		}
		return Table{
			Name: name, Member: member, Rule: rule(int32(2 + rng.IntN(3))),
			Columns: []Column{{Name: "k"}, {Name: "k2"}, {Name: "d"}, {Name: "v", Type: "double"}, {Name: "unused"}},
			Rows:    RowsOf(rows),
		}
	}
	queries := []string{
		`SELECT b.d, COUNT(DISTINCT a.k), SUM(b.v) FROM a JOIN b ON a.k = b.k GROUP BY b.d`,
		`SELECT a.d, COUNT(b.v) FROM a JOIN b ON a.k = b.k AND a.k2 = b.k2 WHERE a.d <> 'd1' GROUP BY a.d`,
		`SELECT c.d, COUNT(DISTINCT c.k) FROM a JOIN b ON a.k = b.k JOIN c ON c.k2 = b.k2 GROUP BY c.d`,
		`SELECT COUNT(DISTINCT b.k) FROM b JOIN a ON b.k = a.k`,
		`SELECT c.d, COUNT(DISTINCT a.k) FROM a JOIN m ON a.k = m.src JOIN c ON c.k = m.tgt GROUP BY c.d`,
	}
	// m is an ID mapping table from a's keys to c's.
	mapping := func(n int) Table {
		var rows [][]any
		for i := 0; i < n; i++ {
			rows = append(rows, []any{"k" + strconv.Itoa(rng.IntN(40)), "k" + strconv.Itoa(rng.IntN(40))})
		}
		return Table{
			Name: "m", Member: "111111111111", Columns: Columns("src", "tgt"), Rows: RowsOf(rows),
			IDMapping: &cleanroom.IDMappingRule{JoinColumns: []string{"src", "tgt"},
				QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"src", "tgt"}}}},
		}
	}
	o := Options{Runner: "111111111111"}
	for i := 0; i < 50; i++ {
		tables := []Table{table("a", "111111111111", rng.IntN(60)), table("b", "222222222222", rng.IntN(60)), table("c", "333333333333", rng.IntN(60)),
			mapping(rng.IntN(60))}
		q := queries[i%len(queries)]
		full, err := simulate(t.Context(), q, tables, o, false)
		if err != nil {
			t.Fatal(err)
		}
		reduced, err := simulate(t.Context(), q, tables, o, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(full, reduced, cmp.AllowUnexported(Report{})); diff != "" {
			t.Fatalf("query %d differs when reduced (-full +reduced):\n%s", i, diff)
		}
	}
	// The plan does reduce: the second table of a two-table join is
	// filtered by the first one's keys, and unused columns are dropped.
	rep, a, _ := check(queries[0], []Table{table("a", "1", 1), table("b", "2", 1)}, o)
	lp := planLoad(a, rep)
	if len(lp.eqs) != 1 || len(lp.cols[a.order[0]]) != 1 || len(lp.cols[a.order[1]]) != 3 {
		t.Errorf("plan: %d equalities, columns %v", len(lp.eqs), lp.cols)
	}
}

// TestLoadContext: the caller's cancellation stops loading within 1024
// rows.
func TestLoadContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	read := 0
	endless := func(yield func([]any, error) bool) {
		for i := 0; ; i++ {
			read++
			if i == 5000 {
				cancel()
			}
			if !yield([]any{"k" + strconv.Itoa(i)}, nil) {
				return
			}
		}
	}
	tables := []Table{{Name: "t", Member: "1", Columns: Columns("k"), Rows: endless,
		Rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{"1"}}}}
	_, err := Simulate(ctx, `SELECT COUNT(*) FROM t`, tables, func(o *Options) { o.Runner = "1" })
	if !errors.Is(err, context.Canceled) || read > 5000+1024 {
		t.Fatalf("err %v after %d rows", err, read)
	}
}
