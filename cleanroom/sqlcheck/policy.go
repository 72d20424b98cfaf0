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

// FromSchema describes a table of a collaboration as a member sees it
// (GetSchema or BatchGetSchema) with its analysis rule among rules
// (GetSchemaAnalysisRule or BatchGetSchemaAnalysisRule; the rule whose
// name is the schema's, or an unnamed one): the schema name is the table's
// name in SQL, its creator the member, its columns and partition keys the
// columns (with their types). An ID_MAPPING_TABLE rule goes in
// Table.IDMapping, any other in Table.Rule; without a matching rule the
// table has none.
func FromSchema(s types.Schema, rules ...types.AnalysisRule) Table {
	var t Table
	if s.Name != nil {
		t.Name = *s.Name
	}
	if s.CreatorAccountId != nil {
		t.Member = *s.CreatorAccountId
	}
	for _, cols := range [][]types.Column{s.Columns, s.PartitionKeys} {
		for _, c := range cols {
			if c.Name == nil {
				continue
			}
			col := Column{Name: *c.Name}
			if c.Type != nil {
				col.Type = *c.Type
			}
			t.Columns = append(t.Columns, col)
		}
	}
	for _, r := range rules {
		if r.Name != nil && *r.Name != t.Name {
			continue
		}
		if m, ok := cleanroom.IDMappingRuleFromSchema(r); ok {
			t.IDMapping = &m
			break
		}
		if rule := RuleFromSchemaPolicy(r.Policy); rule != nil {
			t.Rule = rule
			break
		}
	}
	return t
}
