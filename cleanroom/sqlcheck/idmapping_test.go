package sqlcheck_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// idMappingTables: the test collaboration plus an advertiser's customers
// and a publisher's devices (AGGREGATION) and three ID mapping tables
// between the members' ids: idmt (the service's usual rule: both mapping
// columns must overlap, match_type is a dimension), idmt_loose (no overlap
// constraint; source_id allowed as a dimension, as when the source ID
// namespace association relaxes its protection) and idmt_new (a
// constraint this package does not know).
func idMappingTables() []sqlcheck.Table {
	mapping := sqlcheck.Columns("source_id", "target_id", "match_type", "confidence")
	return append(collaboration(),
		sqlcheck.Table{
			Name: "adv", Member: runner,
			Columns: sqlcheck.Columns("customer_id", "segment", "spend"),
			Rule: cleanroom.Aggregation{
				Aggregates: []cleanroom.Aggregate{
					{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"customer_id"}},
					{Function: types.AggregateFunctionNameSum, Columns: []string{"spend"}},
				},
				JoinColumns:       []string{"customer_id"},
				DimensionColumns:  []string{"segment"},
				ScalarFunctions:   []types.ScalarFunctions{},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: "customer_id", Minimum: 2}},
			},
		},
		sqlcheck.Table{
			Name: "devices", Member: publisher,
			Columns: sqlcheck.Columns("device_id", "campaign"),
			Rule: cleanroom.Aggregation{
				Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"device_id"}}},
				JoinColumns:       []string{"device_id"},
				JoinRequired:      true,
				DimensionColumns:  []string{"campaign"},
				ScalarFunctions:   []types.ScalarFunctions{},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: "device_id", Minimum: 2}},
			},
		},
		sqlcheck.Table{
			Name: "idmt", Member: runner, Columns: mapping,
			IDMapping: &cleanroom.IDMappingRule{
				JoinColumns:      []string{"source_id", "target_id"},
				QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"source_id", "target_id"}}},
				DimensionColumns: []string{"match_type"},
			},
		},
		sqlcheck.Table{
			Name: "idmt_loose", Member: runner, Columns: mapping,
			IDMapping: &cleanroom.IDMappingRule{
				JoinColumns:      []string{"source_id", "target_id"},
				QueryConstraints: []cleanroom.IDMappingConstraint{},
				DimensionColumns: []string{"source_id", "match_type"},
			},
		},
		sqlcheck.Table{
			Name: "idmt_new", Member: runner, Columns: mapping,
			IDMapping: &cleanroom.IDMappingRule{
				JoinColumns:      []string{"source_id", "target_id"},
				QueryConstraints: []cleanroom.IDMappingConstraint{{Unknown: "requireSomethingElse"}},
			},
		},
	)
}

// The three usual joins through the mapping table (FROM a … m … b).
const (
	viaAgg    = "FROM adv a JOIN idmt m ON a.customer_id = m.source_id JOIN devices d ON d.device_id = m.target_id"
	viaCustom = "FROM mine x JOIN idmt m ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id"
)

var idMappingCases = []checkCase{
	// Allowed.
	{name: "agg/inner joins through the mapping table", opts: asRunner,
		query: "SELECT d.campaign, COUNT(DISTINCT a.customer_id) " + viaAgg + " GROUP BY d.campaign"},
	{name: "list/inner joins through the mapping table", opts: asRunner,
		query: "SELECT DISTINCT crm.city, leads.score FROM crm JOIN idmt m ON crm.hashed_email = m.source_id JOIN leads ON leads.hashed_email = m.target_id"},
	{name: "custom/inner joins", opts: asRunner,
		query: "SELECT s.store, COUNT(*) " + viaCustom + " GROUP BY s.store"},
	{name: "custom/table LEFT JOIN mapping table", opts: asRunner,
		query: "SELECT x.tier, COUNT(s.store) FROM mine x LEFT JOIN idmt m ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id GROUP BY x.tier"},
	{name: "custom/mapping table RIGHT JOIN table", opts: asRunner,
		query: "SELECT x.tier FROM idmt m RIGHT JOIN mine x ON x.hashed_email = m.source_id INNER JOIN sales s ON m.target_id = s.hashed_email"},
	{name: "custom/dimension column selected, filtered, grouped, ordered", opts: asRunner,
		query: "SELECT m.match_type, COUNT(*) " + viaCustom + " WHERE m.match_type <> 'x' GROUP BY m.match_type HAVING COUNT(*) > 1 ORDER BY m.match_type"},
	{name: "custom/overlap equality beside another condition", opts: asRunner,
		query: "SELECT s.store FROM mine x JOIN idmt m ON (x.hashed_email = m.source_id AND m.match_type = 'RULE') JOIN sales s ON s.hashed_email = m.target_id"},
	{name: "custom/relaxed protection: mapping column as a dimension, no overlap constraint", opts: asRunner,
		query: "SELECT m.source_id, COUNT(*) FROM mine x JOIN idmt_loose m ON x.hashed_email = m.source_id GROUP BY m.source_id"},
	{name: "agg/join requirement met through the mapping table", opts: asRunner,
		query: "SELECT COUNT(DISTINCT d.device_id) FROM devices d JOIN idmt m ON d.device_id = m.target_id JOIN adv a ON a.customer_id = m.source_id"},

	// Refused: the mapping table on the outer side of a join.
	{name: "mapping table LEFT JOIN table", opts: asRunner,
		query: "SELECT x.tier FROM idmt m LEFT JOIN mine x ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:27 id_mapping_table_outer_side idmt LEFT JOIN"}},
	{name: "table RIGHT JOIN mapping table", opts: asRunner,
		query: "SELECT x.tier FROM mine x RIGHT JOIN idmt m ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:27 id_mapping_table_outer_side idmt RIGHT JOIN"}},
	{name: "FULL JOIN", opts: asRunner,
		query: "SELECT x.tier FROM mine x FULL JOIN idmt m ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:27 id_mapping_table_outer_side idmt FULL JOIN", "E 1:37 overlap_required idmt source_id"}},
	{name: "mapping table inside the preserved side of a later LEFT JOIN", opts: asRunner,
		query: "SELECT x.tier, s.store FROM mine x JOIN idmt m ON x.hashed_email = m.source_id LEFT JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:80 id_mapping_table_outer_side idmt LEFT JOIN"}},
	{name: "agg/LEFT JOIN refused by the aggregation rule it inherits", opts: asRunner,
		query: "SELECT COUNT(DISTINCT a.customer_id) FROM adv a LEFT JOIN idmt m ON a.customer_id = m.source_id JOIN devices d ON d.device_id = m.target_id",
		want:  []string{"E 1:49 join_type adv LEFT JOIN", "E 1:102 join_required devices devices"}},

	// Refused: joins that cannot meet the overlap requirement.
	{name: "implicit join", opts: asRunner,
		query: "SELECT x.tier FROM mine x, idmt m, sales s WHERE x.hashed_email = m.source_id AND s.hashed_email = m.target_id",
		want: []string{"E 1:28 join_type idmt", "E 1:36 join_type idmt", "E 1:67 join_column_outside_on idmt source_id", "E 1:100 join_column_outside_on idmt target_id",
			"E 1:28 overlap_required idmt source_id", "E 1:28 overlap_required idmt target_id"}},
	{name: "CROSS JOIN", opts: asRunner,
		query: "SELECT x.tier FROM mine x CROSS JOIN idmt m JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:27 join_type idmt CROSS JOIN", "E 1:38 overlap_required idmt source_id"}},
	{name: "JOIN USING", opts: asRunner,
		query: "SELECT s.store FROM idmt m JOIN idmt_loose l USING (source_id) JOIN mine x ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:28 join_type idmt", "E 1:28 join_type idmt_loose"}},

	// Refused: mapping columns outside join conditions.
	{name: "mapping column selected", opts: asRunner,
		query: "SELECT m.target_id, s.store " + viaCustom,
		want:  []string{"E 1:8 join_column_outside_on idmt target_id"}},
	{name: "mapping column in WHERE", opts: asRunner,
		query: "SELECT s.store " + viaCustom + " WHERE m.source_id IS NOT NULL",
		want:  []string{"E 1:123 join_column_outside_on idmt source_id"}},
	{name: "mapping column in GROUP BY and HAVING", opts: asRunner,
		query: "SELECT COUNT(*) " + viaCustom + " GROUP BY m.source_id HAVING COUNT(DISTINCT m.target_id) > 1",
		want:  []string{"E 1:127 join_column_outside_on idmt source_id", "E 1:161 join_column_outside_on idmt target_id"}},
	{name: "mapping column in ORDER BY", opts: asRunner,
		query: "SELECT s.store " + viaCustom + " ORDER BY m.target_id",
		want:  []string{"E 1:126 join_column_outside_on idmt target_id"}},
	{name: "mapping column aggregated", opts: asRunner,
		query: "SELECT COUNT(DISTINCT m.source_id) " + viaCustom,
		want:  []string{"E 1:23 join_column_outside_on idmt source_id"}},
	{name: "mapping column through a CTE", opts: asRunner,
		query: "WITH j AS (SELECT x.tier, m.target_id AS t " + viaCustom + ") SELECT tier FROM j",
		want:  []string{"E 1:27 join_column_outside_on idmt target_id"}},
	{name: "SELECT * over the mapping table", opts: asRunner,
		query: "SELECT * " + viaCustom,
		want: []string{"E 1:8 join_column_outside_on idmt source_id", "E 1:8 join_column_outside_on idmt target_id",
			"E 1:8 non_dimension_column idmt confidence", "E 1:8 disallowed_output_column sales hashed_email"}},
	{name: "m.* over a mapping table without dimension columns", opts: asRunner,
		query: "SELECT m.* FROM mine x JOIN idmt_new m ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		want: []string{"E 1:8 join_column_outside_on idmt_new source_id", "E 1:8 join_column_outside_on idmt_new target_id",
			"E 1:8 non_dimension_column idmt_new match_type", "E 1:8 non_dimension_column idmt_new confidence",
			"W 1:29 unknown_query_constraint idmt_new requireSomethingElse"}},
	{name: "other mapping-table column outside ON and in ON", opts: asRunner,
		query: "SELECT m.confidence, s.store FROM mine x JOIN idmt m ON x.hashed_email = m.source_id AND m.confidence = x.tier JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:8 non_dimension_column idmt confidence", "E 1:90 non_join_column_in_on idmt confidence"}},

	{name: "agg/dimension of the mapping table under the other tables' scalar functions and aggregates", opts: asRunner,
		query: "SELECT LOWER(m.match_type), UPPER(m.match_type), COUNT(DISTINCT m.match_type), COUNT(DISTINCT a.customer_id) " + viaAgg + " GROUP BY m.match_type",
		want: []string{"E 1:8 scalar_function_not_allowed adv LOWER", "E 1:8 scalar_function_not_allowed devices LOWER",
			"E 1:29 scalar_function_not_allowed adv UPPER", "E 1:29 scalar_function_not_allowed devices UPPER",
			"W 1:65 aggregate_not_allowed idmt match_type"}},

	// Refused: requireOverlap.
	{name: "one overlap column not joined", opts: asRunner,
		query: "SELECT x.tier FROM mine x JOIN idmt m ON x.hashed_email = m.source_id",
		want:  []string{"E 1:32 overlap_required idmt target_id"}},
	{name: "overlap equality only under OR", opts: asRunner,
		query: "SELECT s.store FROM mine x JOIN idmt m ON x.hashed_email = m.source_id OR x.user_id = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:33 overlap_required idmt source_id"}},
	{name: "overlap column joined to the mapping table itself", opts: asRunner,
		query: "SELECT x.tier FROM mine x JOIN idmt m ON x.hashed_email = m.source_id JOIN idmt m2 ON m.target_id = m2.target_id",
		want:  []string{"E 1:32 overlap_required idmt target_id", "E 1:76 overlap_required idmt source_id", "E 1:76 overlap_required idmt target_id"}},
	{name: "each reading of the mapping table must overlap", opts: asRunner,
		query: "SELECT s.store " + viaCustom + " JOIN idmt m2 ON m2.source_id = x.hashed_email",
		want:  []string{"E 1:122 overlap_required idmt target_id"}},
	{name: "mapping table alone", opts: asRunner,
		query: "SELECT m.match_type FROM idmt m",
		want:  []string{"E 1:26 id_mapping_table_alone idmt idmt", "E 1:26 overlap_required idmt source_id", "E 1:26 overlap_required idmt target_id"}},
	{name: "unknown constraint is a warning", opts: asRunner,
		query: "SELECT s.store FROM mine x JOIN idmt_new m ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"W 1:33 unknown_query_constraint idmt_new requireSomethingElse"}},

	// The other tables' rules still apply, and must be of one type.
	{name: "agg/join requirement not met by the mapping table alone", opts: asRunner,
		query: "SELECT COUNT(DISTINCT d.device_id) FROM devices d JOIN idmt_loose m ON d.device_id = m.target_id",
		want:  []string{"E 1:41 join_required devices devices"}},
	{name: "agg/aggregation rule still applies to the other tables", opts: asRunner,
		query: "SELECT a.spend, COUNT(DISTINCT a.customer_id) " + viaAgg,
		want:  []string{"E 1:8 non_dimension_column adv spend"}},
	{name: "list/list rule still applies", opts: asRunner,
		query: "SELECT crm.city FROM crm JOIN idmt m ON crm.hashed_email = m.source_id JOIN leads ON leads.hashed_email = m.target_id",
		want:  []string{"E 1:1 distinct_required SELECT"}},
	{name: "custom/custom rule still applies", opts: asRunner,
		query: "SELECT s.hashed_email " + viaCustom,
		want:  []string{"E 1:8 disallowed_output_column sales hashed_email"}},
	{name: "rules of the other tables not homogeneous", opts: asRunner,
		query: "SELECT COUNT(DISTINCT a.customer_id) FROM adv a JOIN idmt m ON a.customer_id = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		want:  []string{"E 1:97 mixed_rule_types sales sales"}},
}

func TestCheckIDMapping(t *testing.T) {
	tables := idMappingTables()
	for _, tc := range idMappingCases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*sqlcheck.Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			rep := sqlcheck.Check(tc.query, tables, opts...)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if diff := cmp.Diff(sortStrings(want), sortStrings(briefs(rep.Problems))); diff != "" {
				t.Errorf("problems (-want +got):\n%s\nall: %s", diff, rep.Problems)
			}
			for _, p := range rep.Problems {
				if p.Table != "" && strings.HasPrefix(p.Table, "idmt") && p.Rule != sqlcheck.RuleIDMappingTable {
					t.Errorf("problem of an ID mapping table under rule %q: %s", p.Rule, p)
				}
			}
		})
	}
}

// TestIDMappingReasonsCovered: the table above exercises every reason code
// of ID mapping tables, and the shared ones it reuses.
func TestIDMappingReasonsCovered(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range idMappingCases {
		for _, w := range tc.want {
			seen[strings.Fields(w)[2]] = true
		}
	}
	for _, r := range []string{
		string(sqlcheck.ReasonMappingAlone), string(sqlcheck.ReasonMappingOuterSide), string(sqlcheck.ReasonOverlapRequired),
		string(sqlcheck.ReasonUnknownConstraint), string(sqlcheck.ReasonJoinType), string(sqlcheck.ReasonJoinColumnOutsideOn),
		string(sqlcheck.ReasonNotDimension), string(sqlcheck.ReasonNotJoinColumn),
	} {
		if !seen[r] {
			t.Errorf("no case expects %s", r)
		}
	}
}

// TestIDMappingRuleType: the report's rule type is the other tables'; the
// mapping table is listed among the tables read.
func TestIDMappingRuleType(t *testing.T) {
	rep := sqlcheck.Check("SELECT d.campaign, COUNT(DISTINCT a.customer_id) "+viaAgg+" GROUP BY d.campaign", idMappingTables(), asRunner)
	if rep.RuleType != sqlcheck.RuleAggregation {
		t.Errorf("rule type %q", rep.RuleType)
	}
	if d := cmp.Diff([]string{"adv", "idmt", "devices"}, rep.Tables); d != "" {
		t.Error(d)
	}
	if len(rep.OutputConstraints) != 2 {
		t.Errorf("output constraints %v", rep.OutputConstraints)
	}
	rep = sqlcheck.Check("SELECT m.match_type FROM idmt m", idMappingTables(), asRunner)
	if rep.RuleType != "" {
		t.Errorf("mapping table alone: rule type %q", rep.RuleType)
	}
}

// mappingSample: the advertiser's customers, the publisher's devices and
// the ID mapping table between them, with mapping rows that overlap
// neither side (c9 is no customer, d99 no device).
func mappingSample() []sqlcheck.Table {
	tables := idMappingTables()
	rows := map[string][][]any{
		"adv":     {{"c1", "s1", 1.0}, {"c2", "s1", 2.0}, {"c3", "s1", 3.0}, {"c4", "s2", 4.0}, {"c5", "s2", 5.0}},
		"devices": {{"d1", "A"}, {"d2", "A"}, {"d3", "A"}, {"d4", "B"}, {"d5", "B"}, {"d7", "C"}},
		"idmt": {{"c1", "d1", "RULE", "1"}, {"c2", "d2", "RULE", "1"}, {"c3", "d3", "ML", "0.9"}, {"c4", "d4", "RULE", "1"},
			{"c5", "d7", "RULE", "1"}, {"c9", "d5", "RULE", "1"}, {"c1", "d99", "ML", "0.5"},
			{"h1", "k1", "RULE", "1"}, {"h2", "k9", "RULE", "1"}, {"h8", "k2", "RULE", "1"}},
		"mine":  {{"u1", "h1", "gold"}, {"u2", "h2", "gold"}, {"u3", "h3", "silver"}},
		"sales": {{"k1", "10", "storeA", "t"}, {"k2", "20", "storeB", "t"}},
	}
	for i := range tables {
		if r, ok := rows[tables[i].Name]; ok {
			tables[i].Rows = sqlcheck.RowsOf(r)
		}
	}
	return tables
}

// TestSimulateThroughMappingTable: the simulation joins through the
// mapping table on the sample rows; mapping rows without a partner on
// both sides reach no result, and the output constraints of the other
// tables apply.
func TestSimulateThroughMappingTable(t *testing.T) {
	sim, err := sqlcheck.Simulate(t.Context(), "SELECT d.campaign, COUNT(DISTINCT a.customer_id) AS n "+viaAgg+
		" GROUP BY d.campaign ORDER BY d.campaign", mappingSample(), asRunner)
	if err != nil {
		t.Fatal(err)
	}
	// A: c1, c2, c3 (3 customers, 3 devices). B (c4) and C (c5) have one
	// of each, under both minimums of 2. c9→d5 and c1→d99 join nothing.
	if d := cmp.Diff([][]any{{"A", int64(3)}}, sim.Rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	want := []sqlcheck.Removal{
		{OutputConstraint: sqlcheck.OutputConstraint{Table: "adv", Column: "customer_id", Minimum: 2}, Rows: 2},
		{OutputConstraint: sqlcheck.OutputConstraint{Table: "devices", Column: "device_id", Minimum: 2}, Rows: 2},
	}
	if d := cmp.Diff(want, sim.Removed); d != "" || sim.RemovedRows != 2 {
		t.Errorf("removed %d (-want +got):\n%s", sim.RemovedRows, d)
	}

	// CUSTOM: every customer kept, the mapping table and the sales inside
	// the LEFT JOIN's inner side. u2's mapping (h2→k9) has no sale, h8→k2
	// no customer: neither is counted.
	sim, err = sqlcheck.Simulate(t.Context(), `SELECT x.tier, COUNT(s.store) AS n
FROM mine x LEFT JOIN (idmt m JOIN sales s ON s.hashed_email = m.target_id) ON x.hashed_email = m.source_id
GROUP BY x.tier ORDER BY x.tier`, mappingSample(), asRunner)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([][]any{{"gold", int64(1)}, {"silver", int64(0)}}, sim.Rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}

	// The mapping table on the preserved side is refused before anything runs.
	_, err = sqlcheck.Simulate(t.Context(), "SELECT COUNT(*) FROM idmt m LEFT JOIN mine x ON x.hashed_email = m.source_id JOIN sales s ON s.hashed_email = m.target_id",
		mappingSample(), asRunner)
	var e *sqlcheck.Error
	if !errors.As(err, &e) || !errors.Is(err, sqlcheck.ErrRejected) || e.Problems[0].Reason != sqlcheck.ReasonMappingOuterSide {
		t.Errorf("err = %v, want %s", err, sqlcheck.ReasonMappingOuterSide)
	}
}

// BenchmarkCheckIDMapping checks an aggregation query joining two members'
// tables through an ID mapping table, with a dimension, a filter and an
// order.
func BenchmarkCheckIDMapping(b *testing.B) {
	tables := idMappingTables()
	const query = `SELECT d.campaign, a.segment, COUNT(DISTINCT a.customer_id) AS people, SUM(a.spend) AS spend
FROM adv a INNER JOIN idmt m ON a.customer_id = m.source_id
INNER JOIN devices d ON d.device_id = m.target_id
WHERE a.segment <> 'test' AND m.match_type = 'RULE'
GROUP BY d.campaign, a.segment
ORDER BY people DESC`
	if err := sqlcheck.Check(query, tables, asRunner).Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		sqlcheck.Check(query, tables, asRunner)
	}
	b.ReportMetric((cpuSeconds()-cpu0)*1e6/float64(b.N), "cpu-us/op")
}

func TestFromSchema(t *testing.T) {
	str := func(s string) *string { return &s }
	schema := types.Schema{
		Name: str("idmt"), CreatorAccountId: str(runner),
		Columns:       []types.Column{{Name: str("source_id"), Type: str("string")}, {Name: str("target_id"), Type: str("string")}},
		PartitionKeys: []types.Column{{Name: str("day"), Type: str("date")}},
	}
	rules := []types.AnalysisRule{
		{Name: str("crm"), Type: types.AnalysisRuleTypeList, Policy: &types.AnalysisRulePolicyMemberV1{
			Value: &types.AnalysisRulePolicyV1MemberList{Value: types.AnalysisRuleList{JoinColumns: []string{"hashed_email"}}}}},
		{Name: str("idmt"), Type: types.AnalysisRuleTypeIdMappingTable, Policy: &types.AnalysisRulePolicyMemberV1{
			Value: &types.AnalysisRulePolicyV1MemberIdMappingTable{Value: types.AnalysisRuleIdMappingTable{
				JoinColumns:      []string{"source_id", "target_id"},
				QueryConstraints: []types.QueryConstraint{&types.QueryConstraintMemberRequireOverlap{Value: types.QueryConstraintRequireOverlap{Columns: []string{"source_id"}}}},
			}}}},
	}
	got := sqlcheck.FromSchema(schema, rules...)
	want := sqlcheck.Table{
		Name: "idmt", Member: runner,
		Columns: []sqlcheck.Column{{Name: "source_id", Type: "string"}, {Name: "target_id", Type: "string"}, {Name: "day", Type: "date"}},
		IDMapping: &cleanroom.IDMappingRule{Name: "idmt", JoinColumns: []string{"source_id", "target_id"},
			QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"source_id"}}}},
	}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(sqlcheck.Table{}, "Rows")); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	schema.Name = str("crm")
	if got := sqlcheck.FromSchema(schema, rules...); got.IDMapping != nil || got.Rule == nil || got.Rule.Type() != types.ConfiguredTableAnalysisRuleTypeList {
		t.Errorf("crm: %+v", got)
	}
	schema.Name = str("other")
	if got := sqlcheck.FromSchema(schema, rules...); got.IDMapping != nil || got.Rule != nil {
		t.Errorf("no rule: %+v", got)
	}
}
