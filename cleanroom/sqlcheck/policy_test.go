package sqlcheck_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// TestRuleFromPolicy: a rule sent to the SDK comes back from its policy
// unchanged, for both policy shapes; unknown policies give nil.
func TestRuleFromPolicy(t *testing.T) {
	for _, tc := range collaboration() {
		if tc.Rule == nil {
			continue
		}
		want := tc.Rule
		if p, ok := want.(*cleanroom.Aggregation); ok {
			want = *p
		}
		got := sqlcheck.RuleFromPolicy(tc.Rule.Policy())
		if diff := cmp.Diff(want, got, cmp.Transformer("nilEmpty", func(s []string) []string {
			if len(s) == 0 {
				return nil
			}
			return s
		})); diff != "" {
			t.Errorf("%s: RuleFromPolicy (-want +got):\n%s", tc.Name, diff)
		}
		var schema types.AnalysisRulePolicy
		switch v := tc.Rule.Policy().(*types.ConfiguredTableAnalysisRulePolicyMemberV1).Value.(type) {
		case *types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation:
			schema = &types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberAggregation{Value: v.Value}}
		case *types.ConfiguredTableAnalysisRulePolicyV1MemberList:
			schema = &types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberList{Value: v.Value}}
		case *types.ConfiguredTableAnalysisRulePolicyV1MemberCustom:
			schema = &types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberCustom{Value: v.Value}}
		}
		if diff := cmp.Diff(got, sqlcheck.RuleFromSchemaPolicy(schema)); diff != "" {
			t.Errorf("%s: RuleFromSchemaPolicy differs:\n%s", tc.Name, diff)
		}
	}
	if sqlcheck.RuleFromPolicy(nil) != nil || sqlcheck.RuleFromSchemaPolicy(nil) != nil ||
		sqlcheck.RuleFromSchemaPolicy(&types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberIdMappingTable{}}) != nil {
		t.Error("nil or ID mapping policy gave a rule")
	}
}

func TestFromSpec(t *testing.T) {
	rule := cleanroom.List{JoinColumns: []string{"k"}, ListColumns: []string{"v"}}
	spec := cleanroom.TableSpec{
		Table:       cleanroom.Table{Name: "Display name", AllowedColumns: []string{"k", "v"}},
		Rule:        rule,
		Association: &cleanroom.Association{Name: "pairs"},
		C3R:         map[string]cleanroom.ColumnKind{"k": cleanroom.Fingerprint},
	}
	got := sqlcheck.FromSpec(spec, runner)
	want := sqlcheck.Table{Name: "pairs", Member: runner, Columns: sqlcheck.Columns("k", "v"), Rule: rule, C3R: spec.C3R}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b cleanroom.Rule) bool { return cmp.Equal(a, b) })); diff != "" {
		t.Errorf("FromSpec (-want +got):\n%s", diff)
	}
	spec.Association, spec.Table.AllowedColumns = nil, nil
	if got := sqlcheck.FromSpec(spec, runner); got.Name != "Display name" || got.Columns != nil {
		t.Errorf("without association: name %q, columns %v", got.Name, got.Columns)
	}
	// The description checks as the spec's rule says.
	rep := sqlcheck.Check(`SELECT DISTINCT v FROM "Display name"`, []sqlcheck.Table{sqlcheck.FromSpec(spec, runner)}, asRunner)
	if got := briefs(rep.Problems); !cmp.Equal(got, []string{"E 1:24 join_required Display name Display name"}) {
		t.Errorf("list query without a join: %v", got)
	}
}

// TestRepositoryExampleSetups: the rules and queries of the repository's
// clean-room examples pass, described with FromSpec.
func TestRepositoryExampleSetups(t *testing.T) {
	agg := func(dim string) cleanroom.Aggregation {
		return cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
			JoinColumns:       []string{"hashed_email"},
			DimensionColumns:  []string{dim},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 3}},
		}
	}
	insights := []sqlcheck.Table{
		sqlcheck.FromSpec(cleanroom.TableSpec{Table: cleanroom.Table{AllowedColumns: []string{"hashed_email", "segment"}}, Rule: agg("segment"),
			Association: &cleanroom.Association{Name: "customers"}}, runner),
		sqlcheck.FromSpec(cleanroom.TableSpec{Table: cleanroom.Table{AllowedColumns: []string{"hashed_email", "section"}}, Rule: agg("section"),
			Association: &cleanroom.Association{Name: "readers"}}, publisher),
	}
	rep := sqlcheck.Check(`SELECT c.segment, r.section, COUNT(DISTINCT c.hashed_email) AS people
FROM customers c JOIN readers r ON c.hashed_email = r.hashed_email
GROUP BY c.segment, r.section
ORDER BY c.segment, r.section`, insights, asRunner)
	if len(rep.Problems) != 0 || len(rep.OutputConstraints) != 2 {
		t.Errorf("insights: %v, constraints %v", rep.Problems, rep.OutputConstraints)
	}
	match := []sqlcheck.Table{
		sqlcheck.FromSpec(cleanroom.TableSpec{Table: cleanroom.Table{AllowedColumns: []string{"match_key", "email_sha256"}},
			Rule: cleanroom.List{JoinColumns: []string{"match_key"}, ListColumns: []string{"email_sha256"}}, Association: &cleanroom.Association{Name: "crm"}}, runner),
		sqlcheck.FromSpec(cleanroom.TableSpec{Table: cleanroom.Table{AllowedColumns: []string{"match_key", "interest"}},
			Rule: cleanroom.List{JoinColumns: []string{"match_key"}, ListColumns: []string{"interest"}}, Association: &cleanroom.Association{Name: "subscribers"}}, publisher),
	}
	rep = sqlcheck.Check(`SELECT DISTINCT c.email_sha256 FROM crm c JOIN subscribers s ON c.match_key = s.match_key WHERE s.interest = 'outdoors'`, match, asRunner)
	if len(rep.Problems) != 0 || rep.RuleType != sqlcheck.RuleList {
		t.Errorf("match: %v (%s)", rep.Problems, rep.RuleType)
	}
}
