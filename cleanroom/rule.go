package cleanroom

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// Wildcards accepted in a CUSTOM rule's AllowedAnalyses.
const (
	// AnyQuery lets the accounts in AllowedAnalysisProviders run any SQL.
	AnyQuery = "ANY_QUERY"
	// AnyJob is the PySpark analogue of AnyQuery.
	AnyJob = "ANY_JOB"
)

// Rule is a configured-table analysis rule: one of *Aggregation, *List or
// *Custom (or their values). It converts to the SDK's request members.
type Rule interface {
	// Type is the analysisRuleType the policy must be sent with.
	Type() types.ConfiguredTableAnalysisRuleType
	// Policy is the analysisRulePolicy the SDK serializes. Legal empty lists
	// are non-nil empty slices, so the wire JSON carries [].
	Policy() types.ConfiguredTableAnalysisRulePolicy
	// Validate checks the rule as the service would (see ValidateRule).
	Validate() Problems
}

// Aggregate allows one aggregate function over columns.
type Aggregate struct {
	Function types.AggregateFunctionName
	Columns  []string
}

// OutputConstraint is a COUNT_DISTINCT threshold: rows whose distinct count
// of Column is below Minimum (2–100000) are dropped from results.
type OutputConstraint struct {
	Column  string
	Minimum int32
}

// Aggregation builds an AGGREGATION rule: queries must aggregate, may group
// by dimension columns and join on join columns, and every output row must
// meet the output constraints.
type Aggregation struct {
	Aggregates []Aggregate
	// JoinColumns may be empty; they can be joined on and aggregated, never
	// output directly.
	JoinColumns []string
	// JoinRequired sets joinRequired=QUERY_RUNNER: queries must join a table
	// of the member who runs them.
	JoinRequired bool
	// JoinOperators nil omits the field (the service then allows AND only).
	JoinOperators     []types.JoinOperator
	DimensionColumns  []string
	ScalarFunctions   []types.ScalarFunctions
	OutputConstraints []OutputConstraint
	// AdditionalAnalyses empty omits the field.
	AdditionalAnalyses types.AdditionalAnalyses
}

// Type implements Rule.
func (Aggregation) Type() types.ConfiguredTableAnalysisRuleType {
	return types.ConfiguredTableAnalysisRuleTypeAggregation
}

// SDK returns the rule as the SDK member type.
func (a Aggregation) SDK() types.AnalysisRuleAggregation {
	out := types.AnalysisRuleAggregation{
		AggregateColumns:     make([]types.AggregateColumn, 0, len(a.Aggregates)),
		JoinColumns:          dedupe(a.JoinColumns),
		DimensionColumns:     dedupe(a.DimensionColumns),
		ScalarFunctions:      dedupe(a.ScalarFunctions),
		OutputConstraints:    make([]types.AggregationConstraint, 0, len(a.OutputConstraints)),
		AllowedJoinOperators: dedupeOrNil(a.JoinOperators),
		AdditionalAnalyses:   a.AdditionalAnalyses,
	}
	for _, ag := range a.Aggregates {
		out.AggregateColumns = append(out.AggregateColumns, types.AggregateColumn{
			ColumnNames: dedupe(ag.Columns),
			Function:    ag.Function,
		})
	}
	for _, oc := range a.OutputConstraints {
		out.OutputConstraints = append(out.OutputConstraints, types.AggregationConstraint{
			ColumnName: aws.String(oc.Column),
			Minimum:    aws.Int32(oc.Minimum),
			Type:       types.AggregationTypeCountDistinct,
		})
	}
	if a.JoinRequired {
		out.JoinRequired = types.JoinRequiredOptionQueryRunner
	}
	return out
}

// Policy implements Rule.
func (a Aggregation) Policy() types.ConfiguredTableAnalysisRulePolicy {
	return &types.ConfiguredTableAnalysisRulePolicyMemberV1{
		Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{Value: a.SDK()},
	}
}

// Validate implements Rule.
func (a Aggregation) Validate() Problems { return ValidateRule(a.Type(), a.Policy()) }

// List builds a LIST rule: queries return rows of list columns for matches
// on join columns (at least one).
type List struct {
	JoinColumns        []string
	ListColumns        []string
	JoinOperators      []types.JoinOperator
	AdditionalAnalyses types.AdditionalAnalyses
}

// Type implements Rule.
func (List) Type() types.ConfiguredTableAnalysisRuleType {
	return types.ConfiguredTableAnalysisRuleTypeList
}

// SDK returns the rule as the SDK member type.
func (l List) SDK() types.AnalysisRuleList {
	return types.AnalysisRuleList{
		JoinColumns:          dedupe(l.JoinColumns),
		ListColumns:          dedupe(l.ListColumns),
		AllowedJoinOperators: dedupeOrNil(l.JoinOperators),
		AdditionalAnalyses:   l.AdditionalAnalyses,
	}
}

// Policy implements Rule.
func (l List) Policy() types.ConfiguredTableAnalysisRulePolicy {
	return &types.ConfiguredTableAnalysisRulePolicyMemberV1{
		Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberList{Value: l.SDK()},
	}
}

// Validate implements Rule.
func (l List) Validate() Problems { return ValidateRule(l.Type(), l.Policy()) }

// Custom builds a CUSTOM rule: analysis templates by ARN, or AnyQuery /
// AnyJob for the accounts in AllowedAnalysisProviders. An empty
// AllowedAnalyses is legal (nothing may run yet).
type Custom struct {
	AllowedAnalyses          []string
	AllowedAnalysisProviders []string
	AdditionalAnalyses       types.AdditionalAnalyses
	DisallowedOutputColumns  []string
	// DifferentialPrivacyColumn, when set, turns on differential privacy with
	// this user-identifier column.
	DifferentialPrivacyColumn string
}

// Type implements Rule.
func (Custom) Type() types.ConfiguredTableAnalysisRuleType {
	return types.ConfiguredTableAnalysisRuleTypeCustom
}

// SDK returns the rule as the SDK member type.
func (c Custom) SDK() types.AnalysisRuleCustom {
	out := types.AnalysisRuleCustom{
		AllowedAnalyses:          dedupe(c.AllowedAnalyses),
		AllowedAnalysisProviders: dedupeOrNil(c.AllowedAnalysisProviders),
		AdditionalAnalyses:       c.AdditionalAnalyses,
		DisallowedOutputColumns:  dedupeOrNil(c.DisallowedOutputColumns),
	}
	if c.DifferentialPrivacyColumn != "" {
		out.DifferentialPrivacy = &types.DifferentialPrivacyConfiguration{
			Columns: []types.DifferentialPrivacyColumn{{Name: aws.String(c.DifferentialPrivacyColumn)}},
		}
	}
	return out
}

// Policy implements Rule.
func (c Custom) Policy() types.ConfiguredTableAnalysisRulePolicy {
	return &types.ConfiguredTableAnalysisRulePolicyMemberV1{
		Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{Value: c.SDK()},
	}
}

// Validate implements Rule.
func (c Custom) Validate() Problems { return ValidateRule(c.Type(), c.Policy()) }

// AssociationRule builds the collaboration analysis rule of a configured
// table association: who may receive results of queries on the table and
// which additional analyses (Clean Rooms ML) may use it, in one
// collaboration. Type empty means "the same type as the table's rule".
type AssociationRule struct {
	Type            types.ConfiguredTableAssociationAnalysisRuleType
	ResultReceivers []string
	// AdditionalAnalyses are configured audience model association or
	// configured model algorithm association ARNs.
	AdditionalAnalyses []string
}

// Policy returns the analysisRulePolicy for the association rule's type.
func (r AssociationRule) Policy() types.ConfiguredTableAssociationAnalysisRulePolicy {
	rec, add := dedupeOrNil(r.ResultReceivers), dedupeOrNil(r.AdditionalAnalyses)
	var v1 types.ConfiguredTableAssociationAnalysisRulePolicyV1
	switch r.Type {
	case types.ConfiguredTableAssociationAnalysisRuleTypeList:
		v1 = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList{Value: types.ConfiguredTableAssociationAnalysisRuleList{AllowedResultReceivers: rec, AllowedAdditionalAnalyses: add}}
	case types.ConfiguredTableAssociationAnalysisRuleTypeCustom:
		v1 = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom{Value: types.ConfiguredTableAssociationAnalysisRuleCustom{AllowedResultReceivers: rec, AllowedAdditionalAnalyses: add}}
	default:
		v1 = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation{Value: types.ConfiguredTableAssociationAnalysisRuleAggregation{AllowedResultReceivers: rec, AllowedAdditionalAnalyses: add}}
	}
	return &types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{Value: v1}
}

// Validate checks the rule as the service would (see ValidateAssociationRule).
func (r AssociationRule) Validate() Problems {
	return ValidateAssociationRule(r.Type, r.Policy())
}

// dedupe returns a non-nil copy of s without repeated items, keeping the
// first occurrence (duplicates are unspecified by the service, rule A9).
func dedupe[T comparable](s []T) []T {
	out := make([]T, 0, len(s))
	seen := make(map[T]bool, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// dedupeOrNil is dedupe for optional lists: nil stays nil (field omitted).
func dedupeOrNil[T comparable](s []T) []T {
	if s == nil {
		return nil
	}
	return dedupe(s)
}
