package cleanroom_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
)

func TestParseRuleFromConsoleCLIAndCloudFormation(t *testing.T) {
	cli := `{"analysisRule": {"configuredTableId": "x", "type": "AGGREGATION", "policy": {"v1": {"aggregation": {
		"aggregateColumns": [{"columnNames": ["hashed_email"], "function": "COUNT_DISTINCT"}],
		"joinColumns": ["hashed_email"], "dimensionColumns": ["segment"], "scalarFunctions": [],
		"outputConstraints": [{"columnName": "hashed_email", "minimum": 100, "type": "COUNT_DISTINCT"}]}}}}}`
	console := `{"v1": {"aggregation": {
		"aggregateColumns": [{"columnNames": ["hashed_email"], "function": "COUNT_DISTINCT"}],
		"joinColumns": ["hashed_email"], "dimensionColumns": ["segment"], "scalarFunctions": [],
		"outputConstraints": [{"columnName": "hashed_email", "minimum": 100, "type": "COUNT_DISTINCT"}]}}}`
	cfn := `{"Type": "AGGREGATION", "Policy": {"V1": {"Aggregation": {
		"AggregateColumns": [{"ColumnNames": ["hashed_email"], "Function": "COUNT_DISTINCT"}],
		"JoinColumns": ["hashed_email"], "DimensionColumns": ["segment"], "ScalarFunctions": [],
		"OutputConstraints": [{"ColumnName": "hashed_email", "Minimum": 100, "Type": "COUNT_DISTINCT"}]}}}}`
	want := cleanroom.Aggregation{
		Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
		JoinColumns:       []string{"hashed_email"},
		DimensionColumns:  []string{"segment"},
		ScalarFunctions:   []types.ScalarFunctions{},
		OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
	}
	for name, js := range map[string]string{"cli": cli, "console": console, "cloudformation": cfn} {
		r, err := cleanroom.ParseRule([]byte(js))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Type() != types.ConfiguredTableAnalysisRuleTypeAggregation {
			t.Errorf("%s: type %s", name, r.Type())
		}
		if d := cmp.Diff(want.Policy(), r.Policy(), cmp.AllowUnexported(types.ConfiguredTableAnalysisRulePolicyMemberV1{},
			types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{}, types.AnalysisRuleAggregation{}, types.AggregateColumn{}, types.AggregationConstraint{})); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
		if ps := r.Validate(); len(ps.Errors()) > 0 {
			t.Errorf("%s: %v", name, ps)
		}
	}
}

func TestParseRuleKeepsOmittedAndEmptyApart(t *testing.T) {
	// allowedAnalysisProviders omitted vs []: the SDK sends the member only
	// when the slice is non-nil.
	omitted, err := cleanroom.ParseRule([]byte(`{"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	empty, err := cleanroom.ParseRule([]byte(`{"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"], "allowedAnalysisProviders": []}}}`))
	if err != nil {
		t.Fatal(err)
	}
	get := func(r cleanroom.PolicyRule) []string {
		return r.Policy().(*types.ConfiguredTableAnalysisRulePolicyMemberV1).Value.(*types.ConfiguredTableAnalysisRulePolicyV1MemberCustom).Value.AllowedAnalysisProviders
	}
	if get(omitted) != nil || get(empty) == nil || len(get(empty)) != 0 {
		t.Errorf("omitted %#v, empty %#v", get(omitted), get(empty))
	}
	if omitted.Type() != types.ConfiguredTableAnalysisRuleTypeCustom {
		t.Errorf("type %s", omitted.Type())
	}
	for _, bad := range []string{`{`, `[]`, `{"v2": {}}`, `{"v1": {"graph": {}}}`} {
		if _, err := cleanroom.ParseRule([]byte(bad)); !errors.Is(err, cleanroom.ErrInvalidInput) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
