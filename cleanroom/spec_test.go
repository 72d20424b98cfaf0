package cleanroom_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
)

const membershipID = "0a1b2c3d-0000-4000-8000-00000000abcd"

func baseSpec() cleanroom.TableSpec {
	return cleanroom.TableSpec{
		Key:   "customers",
		Table: cleanroom.Table{Name: "Customers", Database: "cdp", Table: "customers", AllowedColumns: []string{"hashed_email", "segment", "spend"}},
		Rule:  overlap(),
	}
}

// TestTableSpec covers the cross-resource checks: rule columns ⊆ allowed
// columns ⊆ Glue columns (A6, §2.7), C3R column kinds (A10, L5) and the
// association rule type (§1.6).
func TestTableSpec(t *testing.T) {
	tests := []struct {
		name string
		mut  func(s *cleanroom.TableSpec)
		want []string
	}{
		{"valid", func(s *cleanroom.TableSpec) {}, []string{}},
		{"key required", func(s *cleanroom.TableSpec) { s.Key = "" }, []string{"error key: required"}},
		{"key is a tag value: 256 code points", func(s *cleanroom.TableSpec) { s.Key = repeat("é", 256) }, []string{}},
		{"key is a tag value: 257 code points", func(s *cleanroom.TableSpec) { s.Key = repeat("é", 257) }, []string{"error key: too_long"}},
		{"A6/rule column not allowed", func(s *cleanroom.TableSpec) { s.Table.AllowedColumns = []string{"segment"} },
			[]string{
				"error rule.analysisRulePolicy.v1.aggregation.aggregateColumns[0].columnNames[0]: column_not_allowed (A6)",
				"error rule.analysisRulePolicy.v1.aggregation.joinColumns[0]: column_not_allowed (A6)",
				"error rule.analysisRulePolicy.v1.aggregation.outputConstraints[0].columnName: column_not_allowed (A6)",
			}},
		{"allowed column not in Glue schema", func(s *cleanroom.TableSpec) { s.GlueColumns = []string{"Hashed_Email", "segment"} },
			[]string{"warning table.allowedColumns[2]: column_not_in_schema (§2.7)"}},
		{"paths index the request sent: duplicates removed first", func(s *cleanroom.TableSpec) {
			s.Table.AllowedColumns = []string{"hashed_email", "hashed_email", "segment", "Spend"}
			s.GlueColumns = []string{"hashed_email", "segment"}
		}, []string{"error table.allowedColumns[2]: pattern", "warning table.allowedColumns[2]: column_not_in_schema (§2.7)"}},
		{"allowed columns shape", func(s *cleanroom.TableSpec) { s.Table.AllowedColumns = nil; s.Rule = nil },
			[]string{"error table.allowedColumns: too_few"}},
		{"128-char allowed column cannot be used in a rule", func(s *cleanroom.TableSpec) {
			s.Table.AllowedColumns = append(s.Table.AllowedColumns, repeat("c", 128))
		}, []string{"warning table.allowedColumns[3]: allowed_column_unusable_in_rule (§1.1)"}},
		{"128-char differential-privacy column: no warning", func(s *cleanroom.TableSpec) {
			col := repeat("c", 128)
			s.Table.AllowedColumns = append(s.Table.AllowedColumns, col)
			s.Rule = cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{"111122223333"}, DifferentialPrivacyColumn: col}
		}, []string{}},
		{"table name and glue names", func(s *cleanroom.TableSpec) { s.Table.Name = " "; s.Table.Database = "my db"; s.Table.Table = "-t" },
			[]string{"error table.name: blank", "error table.tableReference.glue.databaseName: pattern", "error table.tableReference.glue.tableName: pattern"}},
		{"analysis method unknown", func(s *cleanroom.TableSpec) { s.Table.AnalysisMethod = "INDIRECT" },
			[]string{"error table.analysisMethod: enum"}},
		{"MULTIPLE with both selected methods", func(s *cleanroom.TableSpec) {
			s.Table.AnalysisMethod = types.AnalysisMethodMultiple
			s.Table.SelectedAnalysisMethods = []types.SelectedAnalysisMethod{"DIRECT_QUERY", "DIRECT_JOB"}
		}, []string{}},
		{"MULTIPLE without selected methods (§2.2, lint)", func(s *cleanroom.TableSpec) { s.Table.AnalysisMethod = types.AnalysisMethodMultiple },
			[]string{"warning table.selectedAnalysisMethods: required (§2.2)"}},
		{"one selected method (§2.2, lint)", func(s *cleanroom.TableSpec) {
			s.Table.AnalysisMethod = types.AnalysisMethodMultiple
			s.Table.SelectedAnalysisMethods = []types.SelectedAnalysisMethod{"DIRECT_QUERY"}
		}, []string{"warning table.selectedAnalysisMethods: too_few (§2.2)"}},
		{"selected method unknown", func(s *cleanroom.TableSpec) {
			s.Table.AnalysisMethod = types.AnalysisMethodMultiple
			s.Table.SelectedAnalysisMethods = []types.SelectedAnalysisMethod{"DIRECT_QUERY", "INDIRECT"}
		}, []string{"error table.selectedAnalysisMethods[1]: enum"}},
		{"100 allowed columns (quota)", func(s *cleanroom.TableSpec) {
			for i := len(s.Table.AllowedColumns); i < 100; i++ {
				s.Table.AllowedColumns = append(s.Table.AllowedColumns, "c"+itoa(i))
			}
		}, []string{}},
		{"101 allowed columns: over the adjustable quota (lint)", func(s *cleanroom.TableSpec) {
			for i := len(s.Table.AllowedColumns); i < 101; i++ {
				s.Table.AllowedColumns = append(s.Table.AllowedColumns, "c"+itoa(i))
			}
		}, []string{"warning table.allowedColumns: too_many (quota)"}},
		{"duplicate allowed column: the request is deduplicated (A9)", func(s *cleanroom.TableSpec) { s.Table.AllowedColumns = append(s.Table.AllowedColumns, "segment") },
			[]string{}},
		{"description too long", func(s *cleanroom.TableSpec) { s.Table.Description = repeat("d", 256) },
			[]string{"error table.description: too_long"}},
		{"A10/C3R sealed join and SUM on fingerprint", func(s *cleanroom.TableSpec) {
			s.Rule = agg(func(a *cleanroom.Aggregation) {
				a.Aggregates = append(a.Aggregates, cleanroom.Aggregate{Function: "SUM", Columns: []string{"spend"}})
				a.DimensionColumns = []string{"segment"}
			})
			s.C3R = map[string]cleanroom.ColumnKind{"hashed_email": cleanroom.Sealed, "spend": cleanroom.Fingerprint, "segment": cleanroom.Fingerprint}
		}, []string{
			"error rule.analysisRulePolicy.v1.aggregation.aggregateColumns[0].columnNames[0]: c3r_column_kind (A10)",
			"error rule.analysisRulePolicy.v1.aggregation.aggregateColumns[1].columnNames[0]: c3r_column_kind (A10)",
			"error rule.analysisRulePolicy.v1.aggregation.joinColumns[0]: c3r_column_kind (A10)",
			"error rule.analysisRulePolicy.v1.aggregation.dimensionColumns[0]: c3r_column_kind (A10)",
			"error rule.analysisRulePolicy.v1.aggregation.outputConstraints[0].columnName: c3r_column_kind (A10)",
		}},
		{"A10/C3R fingerprint join, cleartext dimension and SUM", func(s *cleanroom.TableSpec) {
			s.Rule = agg(func(a *cleanroom.Aggregation) {
				a.Aggregates = append(a.Aggregates, cleanroom.Aggregate{Function: "AVG", Columns: []string{"spend"}})
				a.DimensionColumns = []string{"segment"}
			})
			s.C3R = map[string]cleanroom.ColumnKind{"hashed_email": cleanroom.Fingerprint, "spend": cleanroom.Cleartext, "segment": cleanroom.Cleartext}
		}, []string{}},
		{"L5/C3R fingerprint list column, sealed join column", func(s *cleanroom.TableSpec) {
			s.Rule = cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"segment", "spend"}}
			s.C3R = map[string]cleanroom.ColumnKind{"hashed_email": cleanroom.Sealed, "segment": cleanroom.Fingerprint, "spend": cleanroom.Sealed}
		}, []string{
			"error rule.analysisRulePolicy.v1.list.joinColumns[0]: c3r_column_kind (L5)",
			"error rule.analysisRulePolicy.v1.list.listColumns[0]: c3r_column_kind (L5)",
		}},
		{"C1/ANY_JOB on a DIRECT_QUERY table (lint)", func(s *cleanroom.TableSpec) {
			s.Rule = cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyJob}, AllowedAnalysisProviders: []string{partner}}
		}, []string{"warning rule.analysisRulePolicy.v1.custom.allowedAnalyses[0]: analysis_method_mismatch (C1)"}},
		{"C1/ANY_QUERY on a DIRECT_JOB table (lint)", func(s *cleanroom.TableSpec) {
			s.Table.AnalysisMethod = types.AnalysisMethodDirectJob
			s.Rule = cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyJob, cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{partner}}
		}, []string{"warning rule.analysisRulePolicy.v1.custom.allowedAnalyses[1]: analysis_method_mismatch (C1)"}},
		{"C1/both wildcards on a MULTIPLE table", func(s *cleanroom.TableSpec) {
			s.Table.AnalysisMethod = types.AnalysisMethodMultiple
			s.Table.SelectedAnalysisMethods = []types.SelectedAnalysisMethod{"DIRECT_QUERY", "DIRECT_JOB"}
			s.Rule = cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyJob, cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{partner}}
		}, []string{}},
		{"association rule without association", func(s *cleanroom.TableSpec) { s.AssociationRule = &cleanroom.AssociationRule{} },
			[]string{"error association: required"}},
		{"association rule type differs from table rule", func(s *cleanroom.TableSpec) {
			s.Association = &cleanroom.Association{MembershipID: membershipID, Name: "customers", RoleARN: roleARN}
			s.AssociationRule = &cleanroom.AssociationRule{Type: types.ConfiguredTableAssociationAnalysisRuleTypeList}
		}, []string{"warning associationRule.analysisRuleType: rule_types_differ (§1.6)"}},
		{"association shapes", func(s *cleanroom.TableSpec) {
			s.Association = &cleanroom.Association{MembershipID: "M-1", Name: "a-b", RoleARN: "arn:aws:iam::123456789012:user/not-a-role-at-all"}
		}, []string{"error association.membershipIdentifier: pattern", "error association.name: pattern", "error association.roleArn: pattern"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := baseSpec()
			tt.mut(&s)
			if diff := cmp.Diff(tt.want, strs(s.Validate())); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSetup covers the checks across tables: DP user-id column (C3),
// unique association names per membership, unique keys, receivers.
func TestSetup(t *testing.T) {
	dp := func(key, col string) cleanroom.TableSpec {
		s := baseSpec()
		s.Key = key
		s.Table.AllowedColumns = append(s.Table.AllowedColumns, col)
		s.Rule = cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{partner}, DifferentialPrivacyColumn: col}
		return s
	}
	assoc := func(s cleanroom.TableSpec, name string) cleanroom.TableSpec {
		s.Association = &cleanroom.Association{MembershipID: membershipID, Name: name, RoleARN: roleARN}
		return s
	}
	inMembership := func(s cleanroom.TableSpec, m string) cleanroom.TableSpec {
		a := *s.Association
		a.MembershipID = m
		s.Association = &a
		return s
	}
	const otherMembershipID = "0a1b2c3d-0000-4000-8000-00000000abce"
	withReceivers := func(s cleanroom.TableSpec, r ...string) cleanroom.TableSpec {
		s.AssociationRule = &cleanroom.AssociationRule{ResultReceivers: r}
		return s
	}
	members := []cleanroom.Member{
		{AccountID: "111122223333", Abilities: []types.MemberAbility{"CAN_QUERY", "CAN_RECEIVE_RESULTS"}},
		{AccountID: partner, Abilities: []types.MemberAbility{"CAN_QUERY"}},
	}
	tests := []struct {
		name  string
		setup cleanroom.Setup
		want  []string
	}{
		{"C3/same DP column", cleanroom.Setup{Tables: []cleanroom.TableSpec{assoc(dp("a", "user_id"), "a"), assoc(dp("b", "user_id"), "b")}}, []string{}},
		{"C3/different DP columns in one collaboration", cleanroom.Setup{Tables: []cleanroom.TableSpec{
			assoc(dp("a", "user_id"), "a"), assoc(dp("b", "person_id"), "b"), assoc(dp("c", "user_id"), "c"), assoc(dp("d", "person_id"), "d")}},
			[]string{
				"error tables[1].rule.analysisRulePolicy.v1.custom.differentialPrivacy.columns[0].name: dp_column_mismatch (C3)",
				"error tables[3].rule.analysisRulePolicy.v1.custom.differentialPrivacy.columns[0].name: dp_column_mismatch (C3)",
			}},
		// C3 is per collaboration: tables in different memberships, or not
		// associated by this setup, may use different user-id columns.
		{"C3/different DP columns in different collaborations", cleanroom.Setup{Tables: []cleanroom.TableSpec{
			assoc(dp("a", "user_id"), "a"), inMembership(assoc(dp("b", "person_id"), "b"), otherMembershipID)}}, []string{}},
		{"C3/different DP columns, not associated", cleanroom.Setup{Tables: []cleanroom.TableSpec{dp("a", "user_id"), dp("b", "person_id")}}, []string{}},
		{"C3/DP table next to a table without DP", cleanroom.Setup{Tables: []cleanroom.TableSpec{assoc(baseSpec(), "a"), assoc(dp("b", "person_id"), "b")}}, []string{}},
		{"duplicate keys", cleanroom.Setup{Tables: []cleanroom.TableSpec{baseSpec(), baseSpec()}}, []string{"error tables[1].key: duplicate"}},
		{"duplicate association names", cleanroom.Setup{Tables: []cleanroom.TableSpec{assoc(dp("a", "user_id"), "t"), assoc(dp("b", "user_id"), "t")}},
			[]string{"error tables[1].association.name: duplicate_association_name (§2.3)"}},
		{"receivers", cleanroom.Setup{Members: members, Tables: []cleanroom.TableSpec{withReceivers(assoc(baseSpec(), "t"), "111122223333", partner, "999988887777")}},
			[]string{
				"warning tables[0].associationRule.analysisRulePolicy.v1.aggregation.allowedResultReceivers[1]: receiver_cannot_receive_results (§1.6)",
				"warning tables[0].associationRule.analysisRulePolicy.v1.aggregation.allowedResultReceivers[2]: receiver_not_member (§1.6)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, strs(tt.setup.Validate())); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestValidateCreateCollaboration(t *testing.T) {
	valid := func() *cleanrooms.CreateCollaborationInput {
		return &cleanrooms.CreateCollaborationInput{
			Name: aws.String("Overlap"), Description: aws.String("CDP x publisher"),
			CreatorDisplayName: aws.String("cdp"), CreatorMemberAbilities: []types.MemberAbility{},
			Members: []types.MemberSpecification{{AccountId: aws.String(partner), DisplayName: aws.String("publisher"),
				MemberAbilities: []types.MemberAbility{"CAN_QUERY", "CAN_RECEIVE_RESULTS"}}},
			QueryLogStatus: "ENABLED",
		}
	}
	pay := &types.PaymentConfiguration{QueryCompute: &types.QueryComputePaymentConfig{IsResponsible: aws.Bool(true)}}
	tests := []struct {
		name string
		mut  func(in *cleanrooms.CreateCollaborationInput)
		want []string
	}{
		{"valid (creator provides data only)", func(in *cleanrooms.CreateCollaborationInput) {}, []string{}},
		{"description required in the pinned model", func(in *cleanrooms.CreateCollaborationInput) { in.Description = nil },
			[]string{"error description: required"}},
		{"blank description", func(in *cleanrooms.CreateCollaborationInput) { in.Description = aws.String(" \n") },
			[]string{"error description: pattern"}},
		{"description of Unicode spaces only (lint)", func(in *cleanrooms.CreateCollaborationInput) { in.Description = aws.String("\u3000\u00a0") },
			[]string{"warning description: blank (§0.1)"}},
		{"abilities unique and known", func(in *cleanrooms.CreateCollaborationInput) {
			in.Members[0].MemberAbilities = []types.MemberAbility{"CAN_QUERY", "CAN_QUERY", "CAN_ADMIN"}
		}, []string{"error members[0].memberAbilities[1]: duplicate", "error members[0].memberAbilities[2]: enum"}},
		{"members required (may be empty)", func(in *cleanrooms.CreateCollaborationInput) { in.Members = nil },
			[]string{"error members: required"}},
		{"two payers", func(in *cleanrooms.CreateCollaborationInput) {
			in.CreatorPaymentConfiguration = pay
			in.Members[0].PaymentConfiguration = pay
		}, []string{"error members[0].paymentConfiguration.queryCompute.isResponsible: too_many"}},
		{"encryption settings all required", func(in *cleanrooms.CreateCollaborationInput) {
			in.DataEncryptionMetadata = &types.DataEncryptionMetadata{AllowCleartext: aws.Bool(true)}
		}, []string{
			"error dataEncryptionMetadata.allowDuplicates: required",
			"error dataEncryptionMetadata.allowJoinsOnColumnsWithDifferentNames: required",
			"error dataEncryptionMetadata.preserveNulls: required",
		}},
		{"log status", func(in *cleanrooms.CreateCollaborationInput) { in.QueryLogStatus = "" }, []string{"error queryLogStatus: required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.mut(in)
			if diff := cmp.Diff(tt.want, strs(cleanroom.ValidateCreateCollaboration(in))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateUpdates(t *testing.T) {
	const id = "0a1b2c3d-0000-4000-8000-00000000abcd"
	tests := []struct {
		name string
		ps   cleanroom.Problems
		want []string
	}{
		{"table: only the id", cleanroom.ValidateUpdateTable(&cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: aws.String(id)}), []string{}},
		{"table: every field", cleanroom.ValidateUpdateTable(&cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: aws.String(id),
			Name: aws.String("T"), Description: aws.String(""), AllowedColumns: []string{"a"}, AnalysisMethod: "DIRECT_QUERY",
			TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String("d"), TableName: aws.String("t")}}}),
			[]string{}},
		{"table: bad values", cleanroom.ValidateUpdateTable(&cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: aws.String("arn:x"),
			Name: aws.String(""), AllowedColumns: []string{}, AnalysisMethod: "X"}),
			[]string{"error configuredTableIdentifier: pattern", "error name: too_short", "error allowedColumns: too_few", "error analysisMethod: enum"}},
		{"table: nil", cleanroom.ValidateUpdateTable(nil), []string{"error : required"}},
		{"association: role only", cleanroom.ValidateUpdateAssociation(&cleanrooms.UpdateConfiguredTableAssociationInput{
			MembershipIdentifier: aws.String(id), ConfiguredTableAssociationIdentifier: aws.String(id), RoleArn: aws.String(roleARN)}), []string{}},
		{"association: bad values", cleanroom.ValidateUpdateAssociation(&cleanrooms.UpdateConfiguredTableAssociationInput{
			MembershipIdentifier: aws.String(id), RoleArn: aws.String("arn:aws:iam::123456789012:user/not-a-role-at-all"), Description: aws.String("a\x00")}),
			[]string{"error configuredTableAssociationIdentifier: required", "error description: charset", "error roleArn: pattern"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, strs(tt.ps)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
