package sqlcheck

import (
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// RuleFromPolicy converts a configured table's analysis rule policy, as the
// SDK sends and returns it (CreateConfiguredTableAnalysisRule,
// GetConfiguredTableAnalysisRule), into the cleanroom.Rule Table.Rule
// takes. It returns nil for a nil or unknown policy.
func RuleFromPolicy(p types.ConfiguredTableAnalysisRulePolicy) cleanroom.Rule {
	v1, ok := p.(*types.ConfiguredTableAnalysisRulePolicyMemberV1)
	if !ok || v1 == nil {
		return nil
	}
	switch v := v1.Value.(type) {
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation:
		return fromAggregation(v.Value)
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberList:
		return fromList(v.Value)
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberCustom:
		return fromCustom(v.Value)
	}
	return nil
}

// RuleFromSchemaPolicy converts the policy of a schema analysis rule
// (GetSchemaAnalysisRule, BatchGetSchemaAnalysisRule: what a collaboration
// member sees of another member's table) into a cleanroom.Rule. It returns
// nil for a nil, unknown or ID_MAPPING_TABLE policy; an ID mapping table's
// rule goes in Table.IDMapping instead (cleanroom.IDMappingRuleFromPolicy).
func RuleFromSchemaPolicy(p types.AnalysisRulePolicy) cleanroom.Rule {
	v1, ok := p.(*types.AnalysisRulePolicyMemberV1)
	if !ok || v1 == nil {
		return nil
	}
	switch v := v1.Value.(type) {
	case *types.AnalysisRulePolicyV1MemberAggregation:
		return fromAggregation(v.Value)
	case *types.AnalysisRulePolicyV1MemberList:
		return fromList(v.Value)
	case *types.AnalysisRulePolicyV1MemberCustom:
		return fromCustom(v.Value)
	}
	return nil
}

func fromAggregation(a types.AnalysisRuleAggregation) cleanroom.Rule {
	r := cleanroom.Aggregation{
		JoinColumns:        a.JoinColumns,
		JoinRequired:       a.JoinRequired == types.JoinRequiredOptionQueryRunner,
		JoinOperators:      a.AllowedJoinOperators,
		DimensionColumns:   a.DimensionColumns,
		ScalarFunctions:    a.ScalarFunctions,
		AdditionalAnalyses: a.AdditionalAnalyses,
	}
	for _, ac := range a.AggregateColumns {
		r.Aggregates = append(r.Aggregates, cleanroom.Aggregate{Function: ac.Function, Columns: ac.ColumnNames})
	}
	for _, oc := range a.OutputConstraints {
		c := cleanroom.OutputConstraint{}
		if oc.ColumnName != nil {
			c.Column = *oc.ColumnName
		}
		if oc.Minimum != nil {
			c.Minimum = *oc.Minimum
		}
		r.OutputConstraints = append(r.OutputConstraints, c)
	}
	return r
}

func fromList(l types.AnalysisRuleList) cleanroom.Rule {
	return cleanroom.List{
		JoinColumns:        l.JoinColumns,
		ListColumns:        l.ListColumns,
		JoinOperators:      l.AllowedJoinOperators,
		AdditionalAnalyses: l.AdditionalAnalyses,
	}
}

func fromCustom(c types.AnalysisRuleCustom) cleanroom.Rule {
	r := cleanroom.Custom{
		AllowedAnalyses:          c.AllowedAnalyses,
		AllowedAnalysisProviders: c.AllowedAnalysisProviders,
		AdditionalAnalyses:       c.AdditionalAnalyses,
		DisallowedOutputColumns:  c.DisallowedOutputColumns,
	}
	if dp := c.DifferentialPrivacy; dp != nil && len(dp.Columns) > 0 && dp.Columns[0].Name != nil {
		r.DifferentialPrivacyColumn = *dp.Columns[0].Name
	}
	return r
}
