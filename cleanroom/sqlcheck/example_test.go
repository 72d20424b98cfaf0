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

// The advertiser's customer ids and the publisher's device ids are linked
// by an ID mapping table, whose service-managed rule is read from
// GetSchemaAnalysisRule. Queries join through it with the mapping table
// on the inner side, its id columns only in ON; the publisher's
// aggregation rule still applies.
func ExampleCheck_idMapping() {
	const advertiser, publisher = "111122223333", "444455556666"
	// The output of aws cleanrooms get-schema-analysis-rule --type ID_MAPPING_TABLE.
	idmt, err := cleanroom.ParseIDMappingRule([]byte(`{"analysisRule": {"name": "id_map", "type": "ID_MAPPING_TABLE",
	  "policy": {"v1": {"idMappingTable": {"joinColumns": ["source_id", "target_id"],
	    "queryConstraints": [{"requireOverlap": {"columns": ["source_id", "target_id"]}}]}}}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	rule := func(id, dim string) cleanroom.Aggregation {
		return cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{id}}},
			JoinColumns:       []string{id},
			DimensionColumns:  []string{dim},
			ScalarFunctions:   []types.ScalarFunctions{},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: id, Minimum: 2}},
		}
	}
	tables := []sqlcheck.Table{
		{Name: "customers", Member: advertiser, Columns: sqlcheck.Columns("customer_id", "segment"), Rule: rule("customer_id", "segment"),
			Rows: sqlcheck.RowsOf([][]any{{"c1", "new"}, {"c2", "new"}, {"c3", "loyal"}})},
		{Name: "devices", Member: publisher, Columns: sqlcheck.Columns("device_id", "campaign"), Rule: rule("device_id", "campaign"),
			Rows: sqlcheck.RowsOf([][]any{{"d1", "spring"}, {"d2", "spring"}, {"d3", "spring"}, {"d9", "autumn"}})},
		{Name: idmt.Name, Member: advertiser, Columns: sqlcheck.Columns("source_id", "target_id"), IDMapping: &idmt,
			Rows: sqlcheck.RowsOf([][]any{{"c1", "d1"}, {"c2", "d2"}, {"c3", "d3"}, {"c7", "d9"}})},
	}
	asAdvertiser := func(o *sqlcheck.Options) { o.Runner = advertiser }

	good := `SELECT d.campaign, COUNT(DISTINCT c.customer_id) AS customers
FROM customers c JOIN id_map m ON c.customer_id = m.source_id
JOIN devices d ON d.device_id = m.target_id
GROUP BY d.campaign`
	sim, err := sqlcheck.Simulate(context.Background(), good, tables, asAdvertiser)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sim.Report.RuleType, sim.Rows)

	bad := `SELECT m.target_id, COUNT(DISTINCT c.customer_id)
FROM id_map m LEFT JOIN customers c ON c.customer_id = m.source_id
GROUP BY m.target_id`
	for _, p := range sqlcheck.Check(bad, tables, asAdvertiser).Problems {
		fmt.Println(p.Pos, p.Reason, p.Name)
	}
	// Output:
	// AGGREGATION [[spring 3]]
	// 1:8 join_column_outside_on target_id
	// 2:6 overlap_required target_id
	// 2:15 join_type LEFT JOIN
	// 2:15 id_mapping_table_outer_side LEFT JOIN
	// 3:10 join_column_outside_on target_id
}
