package wire

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var ignore = cmpopts.IgnoreUnexported(
	types.ConfiguredTable{}, types.GlueTableReference{}, types.ConfiguredTableAnalysisRule{},
	types.AnalysisRuleAggregation{}, types.AggregateColumn{}, types.AggregationConstraint{},
	cleanrooms.CreateConfiguredTableInput{}, types.ConfiguredTableAnalysisRulePolicyMemberV1{},
	types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{}, types.TableReferenceMemberGlue{},
)

func TestRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 23, 18, 0, 0, 125_000_000, time.UTC)
	in := types.ConfiguredTable{
		Id: aws.String("id"), Name: aws.String("n"), CreateTime: &now, AllowedColumns: []string{},
		AnalysisMethod: types.AnalysisMethodDirectQuery,
		TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String("d"), TableName: aws.String("t")}},
	}
	b, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"allowedColumns":[],"analysisMethod":"DIRECT_QUERY","createTime":1795456800.125,"id":"id","name":"n","tableReference":{"glue":{"databaseName":"d","tableName":"t"}}}`
	if string(b) != want {
		t.Errorf("Marshal:\n got %s\nwant %s", b, want)
	}
	var out types.ConfiguredTable
	if err := Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out, ignore); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}

	rule := types.ConfiguredTableAnalysisRule{Type: "AGGREGATION", Policy: &types.ConfiguredTableAnalysisRulePolicyMemberV1{
		Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{Value: types.AnalysisRuleAggregation{
			AggregateColumns:  []types.AggregateColumn{{ColumnNames: []string{"a"}, Function: "COUNT"}},
			OutputConstraints: []types.AggregationConstraint{{ColumnName: aws.String("a"), Minimum: aws.Int32(100), Type: "COUNT_DISTINCT"}},
		}}}}
	b, err = Marshal(rule)
	if err != nil {
		t.Fatal(err)
	}
	var rout types.ConfiguredTableAnalysisRule
	if err := Unmarshal(b, &rout); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rule, rout, ignore); diff != "" {
		t.Errorf("rule round trip (-in +out):\n%s", diff)
	}
	// A bare union member (as a policy value) encodes as its union.
	if b, _ := Marshal(rule.Policy); !strings.HasPrefix(string(b), `{"v1":{"aggregation":`) {
		t.Errorf("bare member: %s", b)
	}
}

// The codec's errors are tested in internal/awsjson; these go through the
// Clean Rooms union registry, which rejects members it does not list.
func TestUnionErrors(t *testing.T) {
	var rule types.ConfiguredTableAnalysisRule
	for _, in := range []string{
		`{"policy":{"v2":{}}}`,                        // unknown union member
		`{"policy":{"v1":{"aggregation":{}},"x":{}}}`, // two members
		`{"policy":{"v1":{"aggregation":{"outputConstraints":[{"minimum":3000000000}]}}}}`, // int32 overflow inside a union
	} {
		if err := Unmarshal([]byte(in), &rule); err == nil {
			t.Errorf("Unmarshal(%s): no error", in)
		}
	}
	if _, err := Marshal(&types.ConfiguredTableAnalysisRule{Policy: &types.UnknownUnionMember{Tag: "v9"}}); err == nil {
		t.Error("Marshal of an unknown union member: no error")
	}
}

// TestTimesKeepMilliseconds round-trips every millisecond of a second:
// times the fake stores go through this codec and must reach clients as
// smithy-go would read them, not a float error early.
func TestTimesKeepMilliseconds(t *testing.T) {
	bad := 0
	for ms := range 1000 {
		want := time.Date(2026, 11, 23, 18, 0, 0, ms*1_000_000, time.UTC)
		b, err := Marshal(types.ConfiguredTable{CreateTime: &want})
		if err != nil {
			t.Fatal(err)
		}
		var got types.ConfiguredTable
		if err := Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got.CreateTime == nil || !got.CreateTime.Equal(want) {
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("%d of 1000 millisecond-aligned times changed in a round trip", bad)
	}
}
