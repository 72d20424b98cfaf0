package cleanroom_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// TestTypedNilInputsDoNotPanic: validators take caller input and must
// report nil union members and nil rules as missing, never panic.
func TestTypedNilInputsDoNotPanic(t *testing.T) {
	tests := []struct {
		name string
		ps   func() cleanroom.Problems
		want []string
	}{
		{"rule: nil aggregation member", func() cleanroom.Problems {
			return cleanroom.ValidateRule("AGGREGATION", v1((*types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation)(nil)))
		}, []string{"error analysisRulePolicy.v1: required"}},
		{"rule: nil list member", func() cleanroom.Problems {
			return cleanroom.ValidateRule("LIST", v1((*types.ConfiguredTableAnalysisRulePolicyV1MemberList)(nil)))
		}, []string{"error analysisRulePolicy.v1: required"}},
		{"rule: nil custom member", func() cleanroom.Problems {
			return cleanroom.ValidateRule("CUSTOM", v1((*types.ConfiguredTableAnalysisRulePolicyV1MemberCustom)(nil)))
		}, []string{"error analysisRulePolicy.v1: required"}},
		{"association rule: nil members", func() cleanroom.Problems {
			var ps cleanroom.Problems
			for _, m := range []types.ConfiguredTableAssociationAnalysisRulePolicyV1{
				(*types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation)(nil),
				(*types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList)(nil),
				(*types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom)(nil),
			} {
				ps = append(ps, cleanroom.ValidateAssociationRule("LIST", &types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{Value: m})...)
			}
			ps = append(ps, cleanroom.ValidateAssociationRule("LIST", (*types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1)(nil))...)
			return ps
		}, []string{"error analysisRulePolicy.v1: required", "error analysisRulePolicy.v1: required", "error analysisRulePolicy.v1: required", "error analysisRulePolicy: required"}},
		{"table: nil glue reference", func() cleanroom.Problems {
			return cleanroom.ValidateCreateTable(&cleanrooms.CreateConfiguredTableInput{
				Name: aws.String("T"), TableReference: (*types.TableReferenceMemberGlue)(nil), AllowedColumns: []string{"a"}, AnalysisMethod: "DIRECT_QUERY"})
		}, []string{"error tableReference: required"}},
		{"spec: nil *Aggregation rule", func() cleanroom.Problems {
			s := baseSpec()
			s.Rule = (*cleanroom.Aggregation)(nil)
			return s.Validate()
		}, []string{"error rule: required"}},
		{"setup: nil *Custom rule", func() cleanroom.Problems {
			s := baseSpec()
			s.Rule = (*cleanroom.Custom)(nil)
			s.Association = &cleanroom.Association{MembershipID: membershipID, Name: "t", RoleARN: roleARN}
			return cleanroom.Setup{Tables: []cleanroom.TableSpec{s}}.Validate()
		}, []string{"error tables[0].rule: required"}},
		{"pointer rules work like values", func() cleanroom.Problems {
			s := baseSpec()
			r := overlap()
			s.Rule = &r
			return s.Validate()
		}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, strs(tt.ps())); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
