package sqlcheck_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// brief renders a problem as "E 1:8 reason table name" (W for warnings).
func brief(p sqlcheck.Problem) string {
	sev := "E"
	if p.Severity.String() == "warning" {
		sev = "W"
	}
	return strings.Join(strings.Fields(sev+" "+p.Pos.String()+" "+string(p.Reason)+" "+p.Table+" "+p.Name), " ")
}

func briefs(ps sqlcheck.Problems) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, brief(p))
	}
	return out
}

type checkCase struct {
	name  string
	query string
	opts  func(*sqlcheck.Options)
	want  []string
}

func asRunner(o *sqlcheck.Options) { o.Runner = runner }

var checkCases = []checkCase{
	// AGGREGATION: valid shapes.
	{name: "agg/valid join and group", opts: asRunner, query: `SELECT COUNT(DISTINCT cdp.hashed_email) AS people, pub.campaign
FROM cdp INNER JOIN pub ON cdp.hashed_email = pub.hashed_email
GROUP BY pub.campaign`},
	{name: "agg/valid sum avg dims where having order", query: `SELECT segment, region, SUM(spend), AVG(spend) AS a FROM cdp
WHERE region = 'eu' AND signup_date > '2026-01-01' GROUP BY segment, region HAVING SUM(spend) > 100 ORDER BY a DESC`},
	{name: "agg/valid scalar on dimension and aggregate", query: `SELECT LOWER(segment) s, ROUND(AVG(spend), 2) FROM cdp GROUP BY LOWER(segment)`},
	{name: "agg/valid cast and quoted names", query: `SELECT COUNT("event id"), "points accumulated" FROM "My Events" GROUP BY "points accumulated"`},
	{name: "agg/valid or allowed", query: `SELECT COUNT(DISTINCT pub2.hashed_email), pub2.campaign FROM cdp JOIN pub2 ON cdp.hashed_email = pub2.hashed_email OR cdp.hashed_email = pub2.phone GROUP BY pub2.campaign`,
		want: []string{"E 1:116 join_operator_not_allowed cdp OR"}},
	// AGGREGATION: violations.
	{name: "agg/no aggregate", query: `SELECT segment FROM cdp`,
		want: []string{"E 1:1 no_aggregate SELECT"}},
	{name: "agg/non-dimension column selected", query: `SELECT spend, COUNT(visits) FROM cdp GROUP BY spend`,
		want: []string{"E 1:8 non_dimension_column cdp spend", "E 1:47 non_dimension_column cdp spend"}},
	{name: "agg/join column output", query: `SELECT hashed_email, SUM(spend) FROM cdp GROUP BY 1`,
		want: []string{"E 1:8 join_column_outside_on cdp hashed_email"}},
	{name: "agg/join column in where", query: `SELECT SUM(spend) FROM cdp WHERE hashed_email = 'x@example.com'`,
		want: []string{"E 1:34 join_column_outside_on cdp hashed_email"}},
	{name: "agg/function not allowed on column", query: `SELECT SUM(visits), AVG(hashed_email) FROM cdp`,
		want: []string{"E 1:12 aggregate_not_allowed cdp visits", "E 1:25 aggregate_not_allowed cdp hashed_email"}},
	{name: "agg/count distinct vs count", query: `SELECT COUNT(hashed_email), COUNT(DISTINCT visits) FROM cdp`,
		want: []string{"E 1:14 aggregate_not_allowed cdp hashed_email", "E 1:44 aggregate_not_allowed cdp visits"}},
	{name: "agg/MAX is not an aggregation-rule function", query: `SELECT MAX(spend) FROM cdp`,
		want: []string{"E 1:8 aggregate_not_allowed cdp MAX"}},
	{name: "agg/aggregate of an expression", query: `SELECT SUM(ROUND(spend)) FROM cdp`,
		want: []string{"E 1:12 aggregate_argument cdp SUM"}},
	{name: "agg/count star", query: `SELECT COUNT(*), segment FROM cdp GROUP BY segment`,
		want: []string{"W 1:8 aggregate_argument COUNT"}},
	{name: "agg/scalar function not allowed", query: `SELECT UPPER(segment), SUM(spend) FROM cdp GROUP BY UPPER(segment)`,
		want: []string{"E 1:8 scalar_function_not_allowed cdp UPPER", "E 1:53 scalar_function_not_allowed cdp UPPER"}},
	{name: "agg/scalar allowed by one table only", opts: asRunner, query: `SELECT TRUNC(cdp.signup_date), COUNT(DISTINCT pub.hashed_email) FROM cdp JOIN pub ON cdp.hashed_email = pub.hashed_email GROUP BY 1`},
	{name: "agg/niladic scalar checked against every table", opts: asRunner, query: `SELECT COUNT(DISTINCT pub.hashed_email) FROM cdp JOIN pub ON cdp.hashed_email = pub.hashed_email WHERE cdp.signup_date < CURRENT_DATE`,
		want: []string{"E 1:122 scalar_function_not_allowed cdp CURRENT_DATE", "E 1:122 scalar_function_not_allowed pub CURRENT_DATE"}},
	{name: "agg/cast syntax", query: `SELECT CAST(segment AS VARCHAR(10)), region::varchar, SUM(spend) FROM cdp GROUP BY 1, 2`},
	{name: "agg/non-join column in ON", opts: asRunner, query: `SELECT COUNT(DISTINCT pub.hashed_email) FROM cdp JOIN pub ON cdp.segment = pub.campaign`,
		want: []string{"E 1:62 non_join_column_in_on cdp segment", "E 1:76 non_join_column_in_on pub campaign"}},
	{name: "agg/OR not allowed", opts: asRunner, query: `SELECT COUNT(DISTINCT pub.hashed_email) FROM cdp JOIN pub ON cdp.hashed_email = pub.hashed_email OR cdp.hashed_email = pub.hashed_email`,
		want: []string{"E 1:98 join_operator_not_allowed cdp OR", "E 1:98 join_operator_not_allowed pub OR"}},
	{name: "agg/join condition not equality", opts: asRunner, query: `SELECT COUNT(DISTINCT pub.hashed_email) FROM cdp JOIN pub ON cdp.hashed_email < pub.hashed_email`,
		want: []string{"E 1:62 join_condition pub", "E 1:55 join_required pub pub"}},
	{name: "agg/left join", opts: asRunner, query: `SELECT COUNT(DISTINCT pub.hashed_email) FROM cdp LEFT JOIN pub ON cdp.hashed_email = pub.hashed_email`,
		want: []string{"E 1:50 join_type pub LEFT JOIN", "E 1:60 join_required pub pub"}},
	{name: "agg/comma join", query: `SELECT COUNT(DISTINCT pub.hashed_email) FROM cdp, pub WHERE cdp.hashed_email = pub.hashed_email`,
		want: []string{"E 1:51 join_type pub", "E 1:61 join_column_outside_on cdp hashed_email", "E 1:80 join_column_outside_on pub hashed_email", "W 1:51 runner_unknown"}},
	{name: "agg/join required, queried alone", query: `SELECT campaign, SUM(impressions) FROM pub GROUP BY campaign`, opts: asRunner,
		want: []string{"E 1:40 join_required pub pub"}},
	{name: "agg/join required, runner unknown", query: `SELECT campaign, SUM(impressions) FROM pub GROUP BY campaign`,
		want: []string{"W 1:40 runner_unknown"}},
	{name: "agg/join required satisfied transitively", opts: asRunner, query: `SELECT COUNT(DISTINCT pub.hashed_email) FROM pub JOIN pub2 ON pub.hashed_email = pub2.hashed_email JOIN cdp ON cdp.hashed_email = pub2.hashed_email`},
	{name: "agg/subquery, CTE, LIMIT, CASE not allowed", query: `WITH x AS (SELECT segment FROM cdp) SELECT CASE WHEN segment = 'a' THEN 1 END, SUM(spend) FROM cdp GROUP BY 1 LIMIT 10`,
		want: []string{"E 1:1 construct_not_allowed WITH", "E 1:44 construct_not_allowed CASE", "E 1:111 construct_not_allowed LIMIT"}},
	{name: "agg/select star", query: `SELECT * FROM cdp`,
		want: []string{"E 1:1 no_aggregate SELECT", "E 1:8 construct_not_allowed *"}},
	{name: "agg/window function", query: `SELECT SUM(spend) OVER (PARTITION BY segment) FROM cdp`,
		want: []string{"E 1:1 no_aggregate SELECT", "E 1:8 construct_not_allowed window function", "E 1:12 non_dimension_column cdp spend"}},
	{name: "agg/distinct", query: `SELECT DISTINCT segment, SUM(spend) FROM cdp GROUP BY segment`,
		want: []string{"E 1:8 construct_not_allowed DISTINCT"}},
	{name: "agg/unknown column", query: `SELECT SUM(spnd) FROM cdp`,
		want: []string{"E 1:12 unknown_column spnd"}},
	{name: "agg/ambiguous column", opts: asRunner, query: `SELECT COUNT(DISTINCT hashed_email) FROM cdp JOIN pub ON cdp.hashed_email = pub.hashed_email`,
		want: []string{"E 1:23 ambiguous_column hashed_email"}},
	{name: "agg/unknown table", query: `SELECT COUNT(x) FROM nowhere`,
		want: []string{"E 1:22 unknown_table nowhere"}},
	{name: "agg/additional analysis not supported", query: `SELECT SUM(spend) FROM cdp`, opts: func(o *sqlcheck.Options) { o.AdditionalAnalysis = true },
		want: []string{"E 1:24 additional_analysis_not_allowed cdp cdp"}},

	// LIST.
	{name: "list/valid", opts: asRunner, query: `SELECT DISTINCT crm.first_name, leads.score AS s FROM crm INNER JOIN leads ON crm.hashed_email = leads.hashed_email WHERE leads.zip IN ('1000', '2000') AND crm.city LIKE 'Par%' LIMIT 100`},
	{name: "list/valid top and arithmetic", opts: asRunner, query: `SELECT TOP 10 DISTINCT leads.score * 2 FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email`},
	{name: "list/distinct required", opts: asRunner, query: `SELECT crm.city FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email`,
		want: []string{"E 1:1 distinct_required SELECT"}},
	{name: "list/non-list column", opts: asRunner, query: `SELECT DISTINCT crm.age FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email WHERE crm.age > 30`,
		want: []string{"E 1:17 non_list_column crm age", "E 1:92 non_list_column crm age"}},
	{name: "list/join column selected", opts: asRunner, query: `SELECT DISTINCT leads.hashed_email FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email`,
		want: []string{"E 1:17 join_column_outside_on leads hashed_email"}},
	{name: "list/no join", opts: asRunner, query: `SELECT DISTINCT city FROM crm`,
		want: []string{"E 1:27 join_required crm crm"}},
	{name: "list/join without runner table", opts: asRunner, query: `SELECT DISTINCT a.score FROM leads a JOIN leads b ON a.hashed_email = b.hashed_email`,
		want: []string{"E 1:30 join_required leads leads"}},
	{name: "list/functions and aggregates", opts: asRunner, query: `SELECT DISTINCT UPPER(crm.city), COUNT(crm.first_name) FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email`,
		want: []string{"E 1:17 function_not_allowed crm UPPER", "E 1:34 function_not_allowed crm COUNT"}},
	{name: "list/group by order by", opts: asRunner, query: `SELECT DISTINCT crm.city FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email GROUP BY crm.city ORDER BY crm.city`,
		want: []string{"E 1:87 construct_not_allowed GROUP BY", "E 1:105 construct_not_allowed ORDER BY"}},
	{name: "list/subquery", opts: asRunner, query: `SELECT DISTINCT crm.city FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email WHERE leads.zip IN (SELECT zip FROM leads)`,
		want: []string{"E 1:93 construct_not_allowed IN subquery"}},
	{name: "list/operators outside the list", opts: asRunner, query: `SELECT DISTINCT crm.city || 'x' FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email WHERE leads.score BETWEEN 1 AND 5 OR crm.city ILIKE 'p%'`,
		want: []string{"E 1:26 construct_not_allowed ||", "E 1:100 construct_not_allowed BETWEEN", "E 1:131 construct_not_allowed ILIKE"}},
	{name: "list/non-join column in ON", opts: asRunner, query: `SELECT DISTINCT crm.city FROM crm JOIN leads ON crm.city = leads.zip`,
		want: []string{"E 1:49 non_join_column_in_on crm city", "E 1:60 non_join_column_in_on leads zip"}},
	{name: "list/additional analysis allowed by one table only", query: `SELECT DISTINCT crm.city FROM crm JOIN leads ON crm.hashed_email = leads.hashed_email`,
		opts: func(o *sqlcheck.Options) { o.Runner = runner; o.AdditionalAnalysis = true },
		want: []string{"E 1:31 additional_analysis_not_allowed crm crm"}},

	// CUSTOM.
	{name: "custom/valid provider query with CTE and window", opts: asRunner, query: `WITH s AS (SELECT hashed_email, SUM(amount) AS total FROM sales GROUP BY hashed_email)
SELECT m.tier, AVG(s.total), ROW_NUMBER() OVER (ORDER BY m.tier) FROM s JOIN mine m ON m.hashed_email = s.hashed_email LEFT JOIN mine m2 ON m2.user_id = m.user_id GROUP BY m.tier`},
	{name: "custom/provider not allowed", opts: func(o *sqlcheck.Options) { o.Runner = "333333333333" }, query: `SELECT store FROM sales`,
		want: []string{"E 1:19 provider_not_allowed sales sales"}},
	{name: "custom/template required", opts: asRunner, query: `SELECT page FROM visits`,
		want: []string{"E 1:18 template_not_allowed visits visits", "W 1:18 additional_analysis_required visits visits"}},
	{name: "custom/template allowed with parameters", query: `SELECT page, COUNT(*) FROM visits WHERE ts > :since GROUP BY page`,
		opts: func(o *sqlcheck.Options) {
			o.Runner = runner
			o.AnalysisTemplate = template
			o.AdditionalAnalysis = true
		}},
	{name: "custom/other template", query: `SELECT page FROM visits`,
		opts: func(o *sqlcheck.Options) {
			o.Runner = runner
			o.AnalysisTemplate = template2
			o.AdditionalAnalysis = true
		},
		want: []string{"E 1:18 template_not_allowed visits visits"}},
	{name: "custom/parameter without template", opts: asRunner, query: `SELECT store FROM sales WHERE amount > :min`,
		want: []string{"E 1:40 parameter_without_template min"}},
	{name: "custom/no analysis allowed", opts: asRunner, query: `SELECT a FROM locked`,
		want: []string{"E 1:15 no_analysis_allowed locked locked"}},
	{name: "custom/disallowed output direct and aliased", opts: asRunner, query: `SELECT hashed_email, LOWER(hashed_email) AS h, store FROM sales`,
		want: []string{"E 1:8 disallowed_output_column sales hashed_email", "E 1:22 disallowed_output_column sales hashed_email"}},
	{name: "custom/disallowed output through CTE and star", opts: asRunner, query: `WITH x AS (SELECT hashed_email AS k, store FROM sales) SELECT * FROM x`,
		want: []string{"E 1:63 disallowed_output_column sales hashed_email"}},
	{name: "custom/disallowed column in filter and join is fine", opts: asRunner, query: `SELECT s.store, COUNT(DISTINCT m.user_id) FROM sales s JOIN mine m ON s.hashed_email = m.hashed_email WHERE s.hashed_email IS NOT NULL GROUP BY s.store`},
	{name: "custom/select star on table with disallowed column", opts: asRunner, query: `SELECT * FROM sales`,
		want: []string{"E 1:8 disallowed_output_column sales hashed_email"}},
	{name: "custom/dp valid", opts: asRunner, query: `SELECT event, COUNT(DISTINCT user_id), SUM(value), AVG(value), STDDEV(value) FROM dp_events GROUP BY event`},
	{name: "custom/dp unsupported aggregate", opts: asRunner, query: `SELECT event, MAX(value), SUM(DISTINCT value) FROM dp_events GROUP BY event`,
		want: []string{"E 1:15 dp_aggregate_not_supported dp_events MAX", "E 1:27 dp_aggregate_not_supported dp_events SUM"}},
	{name: "custom/dp constructs", opts: asRunner, query: `WITH u AS (SELECT event FROM dp_events LIMIT 5) SELECT TOP 3 COUNT(*) FROM u CROSS JOIN mine WHERE EXISTS (SELECT 1 FROM mine)`,
		want: []string{"E 1:12 dp_construct_not_supported dp_events user_id", "E 1:40 dp_construct_not_supported dp_events LIMIT", "E 1:60 dp_construct_not_supported dp_events TOP", "E 1:78 dp_construct_not_supported dp_events CROSS JOIN", "E 1:100 dp_construct_not_supported dp_events EXISTS subquery"}},
	{name: "custom/dp window partition", opts: asRunner, query: `SELECT COUNT(*) OVER (PARTITION BY event) FROM dp_events`,
		want: []string{"E 1:8 dp_construct_not_supported dp_events COUNT"}},
	{name: "custom/dp join on user ids", opts: asRunner, query: `SELECT u.country, COUNT(DISTINCT e.user_id) FROM dp_events e JOIN dp_users u ON e.user_id = u.uid GROUP BY u.country`},
	{name: "custom/dp join not on user ids, ORDER BY in CTE, ROLLUP", opts: asRunner, query: `WITH x AS (SELECT user_id, event FROM dp_events ORDER BY event)
SELECT u.country, COUNT(*) FROM x JOIN dp_users u ON x.event = u.country JOIN dp_events e ON e.event = u.country GROUP BY ROLLUP(u.country)`,
		want: []string{"E 1:49 dp_construct_not_supported dp_events ORDER BY", "E 1:49 dp_construct_not_supported dp_users ORDER BY",
			"E 2:74 dp_construct_not_supported dp_events JOIN", "E 2:74 dp_construct_not_supported dp_users JOIN",
			"E 2:123 dp_construct_not_supported dp_events ROLLUP", "E 2:123 dp_construct_not_supported dp_users ROLLUP"}},
	{name: "custom/dp union", opts: asRunner, query: `SELECT COUNT(user_id) FROM dp_events UNION SELECT COUNT(user_id) FROM dp_events`,
		want: []string{"E 1:38 dp_construct_not_supported dp_events UNION"}},

	// C3R column kinds.
	{name: "c3r/valid", opts: asRunner, query: `SELECT e.sealed_name, e.region, COUNT(DISTINCT e.fp_email) FROM enc e JOIN mine m ON e.fp_email = m.hashed_email GROUP BY 1, 2`},
	{name: "c3r/sealed in a join", opts: asRunner, query: `SELECT e.region FROM enc e JOIN mine m ON e.sealed_name = m.hashed_email`,
		want: []string{"E 1:43 c3r_column_kind enc sealed_name"}},
	{name: "c3r/fingerprint selected and filtered", opts: asRunner, query: `SELECT fp_email, region FROM enc WHERE fp_email <> ''`,
		want: []string{"E 1:8 c3r_column_kind enc fp_email", "E 1:40 c3r_column_kind enc fp_email"}},
	{name: "c3r/sealed filtered, grouped and transformed", opts: asRunner, query: `SELECT LOWER(sealed_name), COUNT(sealed_name) FROM enc WHERE sealed_name = 'x' GROUP BY sealed_name`,
		want: []string{"E 1:14 c3r_column_kind enc sealed_name", "E 1:62 c3r_column_kind enc sealed_name", "E 1:89 c3r_column_kind enc sealed_name"}},
	{name: "c3r/sum of fingerprint", opts: asRunner, query: `SELECT SUM(fp_email) FROM enc`,
		want: []string{"E 1:12 c3r_column_kind enc fp_email"}},

	// Query-wide.
	{name: "syntax error", query: "SELECT a\nFROM t WHERE",
		want: []string{"E 2:13 syntax_error"}},
	{name: "syntax error, not a SELECT", query: "DROP TABLE cdp",
		want: []string{"E 1:1 syntax_error"}},
	{name: "no rule", opts: asRunner, query: `SELECT a FROM norule`,
		want: []string{"E 1:15 no_analysis_rule norule norule"}},
	{name: "mixed rule types", opts: asRunner, query: `SELECT COUNT(DISTINCT c.hashed_email) FROM cdp c JOIN crm l ON c.hashed_email = l.hashed_email`,
		want: []string{"E 1:55 mixed_rule_types crm crm", "E 1:1 distinct_required SELECT", "E 1:8 function_not_allowed cdp COUNT"}},
	{name: "qualifier not in scope", opts: asRunner, query: `SELECT x.store FROM sales`,
		want: []string{"E 1:8 unknown_table x"}},
	{name: "no table at all", query: `SELECT 1`},
}

func TestCheck(t *testing.T) {
	tables := collaboration()
	for _, tc := range checkCases {
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
		})
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestEveryReasonCovered: the table above exercises every reason code.
func TestEveryReasonCovered(t *testing.T) {
	reasons := []string{
		string(sqlcheck.ReasonSyntax), string(sqlcheck.ReasonUnknownTable), string(sqlcheck.ReasonUnknownColumn),
		string(sqlcheck.ReasonAmbiguousColumn), string(sqlcheck.ReasonNoRule), string(sqlcheck.ReasonMixedRuleTypes),
		string(sqlcheck.ReasonRunnerUnknown), string(sqlcheck.ReasonParamNoTemplate), string(sqlcheck.ReasonConstruct),
		string(sqlcheck.ReasonFunctionNotAllowed), string(sqlcheck.ReasonNoAggregate), string(sqlcheck.ReasonAggregateNotAllowed),
		string(sqlcheck.ReasonAggregateArgument), string(sqlcheck.ReasonNotDimension), string(sqlcheck.ReasonScalarNotAllowed),
		string(sqlcheck.ReasonJoinColumnOutsideOn), string(sqlcheck.ReasonNotJoinColumn), string(sqlcheck.ReasonJoinCondition),
		string(sqlcheck.ReasonJoinOperator), string(sqlcheck.ReasonJoinType), string(sqlcheck.ReasonJoinRequired),
		string(sqlcheck.ReasonDistinctRequired), string(sqlcheck.ReasonNotListColumn), string(sqlcheck.ReasonAdditionalNotAllowed),
		string(sqlcheck.ReasonAdditionalRequired), string(sqlcheck.ReasonNoAnalysisAllowed), string(sqlcheck.ReasonTemplateNotAllowed),
		string(sqlcheck.ReasonProviderNotAllowed), string(sqlcheck.ReasonDisallowedOutput), string(sqlcheck.ReasonDPAggregate),
		string(sqlcheck.ReasonDPConstruct), string(sqlcheck.ReasonC3RColumnKind),
	}
	seen := map[string]bool{}
	valid, invalid := 0, 0
	for _, tc := range checkCases {
		if len(tc.want) == 0 {
			valid++
		} else {
			invalid++
		}
		for _, w := range tc.want {
			seen[strings.Fields(w)[2]] = true
		}
	}
	for _, r := range reasons {
		if !seen[r] {
			t.Errorf("no case expects %s", r)
		}
	}
	if len(checkCases) < 60 || valid < 10 || invalid < 40 {
		t.Errorf("%d cases (%d valid, %d invalid), want at least 60", len(checkCases), valid, invalid)
	}
}
