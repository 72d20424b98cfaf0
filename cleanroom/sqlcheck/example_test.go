package sqlcheck_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// An advertiser (the member who runs queries) measures its overlap with a
// publisher's audience. The publisher's rule lets queries count distinct
// hashed emails by campaign, joined to the advertiser's table, with at
// least 100 people per result row.
func ExampleCheck() {
	const advertiser, publisher = "111122223333", "444455556666"
	tables := []sqlcheck.Table{
		{
			Name: "customers", Member: advertiser,
			Columns: sqlcheck.Columns("hashed_email", "segment"),
			Rule: cleanroom.Aggregation{
				Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
				JoinColumns:       []string{"hashed_email"},
				DimensionColumns:  []string{"segment"},
				ScalarFunctions:   []types.ScalarFunctions{},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
			},
		},
		{
			Name: "exposures", Member: publisher,
			Columns: sqlcheck.Columns("hashed_email", "campaign", "spend"),
			Rule: cleanroom.Aggregation{
				Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
				JoinColumns:       []string{"hashed_email"},
				JoinRequired:      true,
				DimensionColumns:  []string{"campaign"},
				ScalarFunctions:   []types.ScalarFunctions{types.ScalarFunctionsLower},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
			},
		},
	}
	asAdvertiser := func(o *sqlcheck.Options) { o.Runner = advertiser }

	good := `SELECT e.campaign, COUNT(DISTINCT c.hashed_email) AS people
FROM customers c JOIN exposures e ON c.hashed_email = e.hashed_email
GROUP BY e.campaign`
	rep := sqlcheck.Check(good, tables, asAdvertiser)
	fmt.Println("good:", rep.Err(), rep.RuleType, rep.OutputConstraints)

	bad := `SELECT campaign, SUM(spend)
FROM exposures
WHERE hashed_email <> 'x'`
	rep = sqlcheck.Check(bad, tables, asAdvertiser)
	for _, p := range rep.Problems {
		fmt.Println(p)
	}
	err := rep.Err()
	fmt.Println(errors.Is(err, sqlcheck.ErrRejected), errors.Is(err, cdpkit.ErrInvalid))
	// Output:
	// good: <nil> AGGREGATION [{customers hashed_email 100} {exposures hashed_email 100}]
	// error 1:22: aggregate_not_allowed [table "exposures" AGGREGATION] "spend": SUM is not allowed on this column
	// error 2:6: join_required [table "exposures" AGGREGATION] "exposures": inner join to query runner table required for this table
	// error 3:7: join_column_outside_on [table "exposures" AGGREGATION] "hashed_email": join columns may appear only in ON (or as aggregate arguments) and are never output
	// true true
}

// A CUSTOM rule that lets the advertiser run any query, as long as the
// hashed emails never reach the output.
func ExampleCheck_custom() {
	tables := []sqlcheck.Table{{
		Name: "orders", Member: "444455556666",
		Columns: sqlcheck.Columns("hashed_email", "store", "amount"),
		Rule: cleanroom.Custom{
			AllowedAnalyses:          []string{cleanroom.AnyQuery},
			AllowedAnalysisProviders: []string{"111122223333"},
			DisallowedOutputColumns:  []string{"hashed_email"},
		},
	}}
	query := `WITH o AS (SELECT hashed_email AS id, store FROM orders)
SELECT * FROM o`
	rep := sqlcheck.Check(query, tables, func(o *sqlcheck.Options) { o.Runner = "111122223333" })
	fmt.Println(rep.Problems)
	// Output:
	// error 2:8: disallowed_output_column [table "orders" CUSTOM] "hashed_email": this column may not reach the query's output, directly or transformed
}

// Simulate runs a checked aggregation on sample rows and removes the
// groups the output constraint would remove on the service, reporting
// only how many.
func ExampleSimulate() {
	rule := cleanroom.Aggregation{
		Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
		JoinColumns:       []string{"hashed_email"},
		DimensionColumns:  []string{"campaign"},
		ScalarFunctions:   []types.ScalarFunctions{},
		OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 3}},
	}
	tables := []sqlcheck.Table{
		{
			Name: "customers", Member: "111122223333", Rule: rule,
			Columns: sqlcheck.Columns("hashed_email", "campaign"),
			Rows:    sqlcheck.RowsOf([][]any{{"h1", ""}, {"h2", ""}, {"h3", ""}, {"h4", ""}}),
		},
		{
			Name: "exposures", Member: "444455556666", Rule: rule,
			Columns: sqlcheck.Columns("hashed_email", "campaign"),
			Rows: sqlcheck.RowsOf([][]any{
				{"h1", "spring"}, {"h2", "spring"}, {"h3", "spring"}, {"h4", "autumn"},
			}),
		},
	}
	sim, err := sqlcheck.Simulate(context.Background(), `SELECT e.campaign, COUNT(DISTINCT c.hashed_email) AS people
FROM customers c JOIN exposures e ON c.hashed_email = e.hashed_email
GROUP BY e.campaign`, tables, func(o *sqlcheck.Options) { o.Runner = "111122223333" })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sim.Rows)
	fmt.Println("rows removed:", sim.RemovedRows)
	// Output:
	// [[spring 3]]
	// rows removed: 1
}
