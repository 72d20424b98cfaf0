package cleanroom_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/internal/wire"
)

// capture is a real SDK client whose requests land in an httptest server
// that records the body: the JSON the SDK would send to the service.
type capture struct {
	mu     sync.Mutex
	body   []byte
	client *cleanrooms.Client
}

func newCapture(t *testing.T) *capture {
	t.Helper()
	c := &capture{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.body = b
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	c.client = cleanrooms.New(cleanrooms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", ""),
	})
	return c
}

func (c *capture) last() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.body
}

func (c *capture) rule(t *testing.T, r cleanroom.Rule) []byte {
	t.Helper()
	_, err := c.client.CreateConfiguredTableAnalysisRule(context.Background(), &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: aws.String("0a1b2c3d-0000-4000-8000-00000000abcd"),
		AnalysisRuleType:          r.Type(), AnalysisRulePolicy: r.Policy()})
	if err != nil {
		t.Fatalf("SDK rejected the builder output: %v", err)
	}
	return c.last()
}

func (c *capture) associationRule(t *testing.T, r cleanroom.AssociationRule) []byte {
	t.Helper()
	_, err := c.client.CreateConfiguredTableAssociationAnalysisRule(context.Background(), &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier:                 aws.String("0a1b2c3d-0000-4000-8000-00000000abcd"),
		ConfiguredTableAssociationIdentifier: aws.String("0a1b2c3d-0000-4000-8000-00000000abce"),
		AnalysisRuleType:                     r.Type, AnalysisRulePolicy: r.Policy()})
	if err != nil {
		t.Fatalf("SDK rejected the builder output: %v", err)
	}
	return c.last()
}

func jsonDiff(t *testing.T, want string, got []byte) string {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("SDK body is not JSON: %v", err)
	}
	return cmp.Diff(w, g)
}

func strs(ps cleanroom.Problems) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// raw lets a case send an SDK policy no builder would produce (nil
// required lists, duplicates, unknown variants).
type raw struct {
	t types.ConfiguredTableAnalysisRuleType
	p types.ConfiguredTableAnalysisRulePolicy
}

func (r raw) Type() types.ConfiguredTableAnalysisRuleType     { return r.t }
func (r raw) Policy() types.ConfiguredTableAnalysisRulePolicy { return r.p }
func (r raw) Validate() cleanroom.Problems                    { return cleanroom.ValidateRule(r.t, r.p) }
func v1(v types.ConfiguredTableAnalysisRulePolicyV1) types.ConfiguredTableAnalysisRulePolicy {
	return &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: v}
}

// overlap is the canonical overlap rule: COUNT_DISTINCT on the hashed email
// join column, at least 100 per output row.
func overlap() cleanroom.Aggregation {
	return cleanroom.Aggregation{
		Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
		JoinColumns:       []string{"hashed_email"},
		OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
	}
}

func aggRaw(mut func(a *types.AnalysisRuleAggregation)) raw {
	a := overlap().SDK()
	mut(&a)
	return raw{types.ConfiguredTableAnalysisRuleTypeAggregation, v1(&types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{Value: a})}
}

func listRaw(mut func(l *types.AnalysisRuleList)) raw {
	l := cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"segment"}}.SDK()
	mut(&l)
	return raw{types.ConfiguredTableAnalysisRuleTypeList, v1(&types.ConfiguredTableAnalysisRulePolicyV1MemberList{Value: l})}
}

func customRaw(mut func(c *types.AnalysisRuleCustom)) raw {
	c := cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{"123456789012"}}.SDK()
	mut(&c)
	return raw{types.ConfiguredTableAnalysisRuleTypeCustom, v1(&types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{Value: c})}
}

func agg(mut func(a *cleanroom.Aggregation)) cleanroom.Aggregation {
	a := overlap()
	mut(&a)
	return a
}

const (
	templateARN = "arn:aws:cleanrooms:us-east-1:123456789012:membership/11111111-2222-3333-4444-555555555555/analysistemplate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	pAgg        = "analysisRulePolicy.v1.aggregation."
	pList       = "analysisRulePolicy.v1.list."
	pCustom     = "analysisRulePolicy.v1.custom."
)

// TestRules covers every field row and cross-field rule of reference §1.2
// (AGGREGATION), §1.3 (LIST), §1.4 (CUSTOM), §1.5 (ID mapping, read-only)
// and the placement matrix §1.7, valid and invalid. Valid builder cases
// also pin the exact JSON the SDK sends.
func TestRules(t *testing.T) {
	cap := newCapture(t)
	tests := []struct {
		name string
		rule cleanroom.Rule
		want []string // Problem.String() of every problem, in order
		json string   // when set: the SDK request body for the builder output
	}{
		// §1.2 fields.
		{name: "agg/overlap minimal, empty lists emitted as []", rule: overlap(), want: []string{},
			json: `{"analysisRuleType":"AGGREGATION","analysisRulePolicy":{"v1":{"aggregation":{
				"aggregateColumns":[{"columnNames":["hashed_email"],"function":"COUNT_DISTINCT"}],
				"joinColumns":["hashed_email"],"dimensionColumns":[],"scalarFunctions":[],
				"outputConstraints":[{"columnName":"hashed_email","minimum":100,"type":"COUNT_DISTINCT"}]}}}}`},
		{name: "agg/every field", rule: cleanroom.Aggregation{
			Aggregates: []cleanroom.Aggregate{
				{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}},
				{Function: types.AggregateFunctionNameSum, Columns: []string{"spend"}},
			},
			JoinColumns: []string{"hashed_email"}, JoinRequired: true,
			JoinOperators:      []types.JoinOperator{types.JoinOperatorAnd, types.JoinOperatorOr},
			DimensionColumns:   []string{"segment"},
			ScalarFunctions:    []types.ScalarFunctions{types.ScalarFunctionsLower, types.ScalarFunctionsTrunc},
			OutputConstraints:  []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 2}},
			AdditionalAnalyses: types.AdditionalAnalysesNotAllowed,
		}, want: []string{},
			json: `{"analysisRuleType":"AGGREGATION","analysisRulePolicy":{"v1":{"aggregation":{
				"aggregateColumns":[{"columnNames":["hashed_email"],"function":"COUNT_DISTINCT"},{"columnNames":["spend"],"function":"SUM"}],
				"joinColumns":["hashed_email"],"joinRequired":"QUERY_RUNNER","allowedJoinOperators":["AND","OR"],
				"dimensionColumns":["segment"],"scalarFunctions":["LOWER","TRUNC"],
				"outputConstraints":[{"columnName":"hashed_email","minimum":2,"type":"COUNT_DISTINCT"}],
				"additionalAnalyses":"NOT_ALLOWED"}}}}`},
		{name: "agg/aggregateColumns empty", rule: agg(func(a *cleanroom.Aggregation) { a.Aggregates = nil }),
			want: []string{"error " + pAgg + "aggregateColumns: too_few"}},
		{name: "agg/aggregateColumns nil", rule: aggRaw(func(a *types.AnalysisRuleAggregation) {
			a.AggregateColumns = nil
			a.OutputConstraints[0].ColumnName = aws.String("hashed_email")
		}),
			want: []string{"error " + pAgg + "aggregateColumns: required"}},
		{name: "agg/columnNames empty", rule: agg(func(a *cleanroom.Aggregation) { a.Aggregates[0].Columns = []string{} }),
			want: []string{"error " + pAgg + "aggregateColumns[0].columnNames: too_few"}},
		{name: "agg/columnNames nil", rule: aggRaw(func(a *types.AnalysisRuleAggregation) { a.AggregateColumns[0].ColumnNames = nil }),
			want: []string{"error " + pAgg + "aggregateColumns[0].columnNames: required"}},
		{name: "agg/function every allowed value", rule: agg(func(a *cleanroom.Aggregation) {
			for _, f := range []types.AggregateFunctionName{"SUM", "SUM_DISTINCT", "COUNT", "AVG"} {
				a.Aggregates = append(a.Aggregates, cleanroom.Aggregate{Function: f, Columns: []string{"spend"}})
			}
		}), want: []string{}},
		{name: "agg/function unknown", rule: agg(func(a *cleanroom.Aggregation) { a.Aggregates[0].Function = "MEDIAN" }),
			want: []string{"error " + pAgg + "aggregateColumns[0].function: enum"}},
		{name: "agg/function missing", rule: agg(func(a *cleanroom.Aggregation) { a.Aggregates[0].Function = "" }),
			want: []string{"error " + pAgg + "aggregateColumns[0].function: required"}},
		{name: "agg/column pattern in every list", rule: agg(func(a *cleanroom.Aggregation) {
			a.Aggregates[0].Columns = []string{"Email"}
			a.JoinColumns = []string{"a-b"}
			a.DimensionColumns = []string{" seg"}
			a.OutputConstraints[0].Column = "-x"
		}), want: []string{
			"error " + pAgg + "aggregateColumns[0].columnNames[0]: pattern",
			"error " + pAgg + "joinColumns[0]: pattern",
			"error " + pAgg + "dimensionColumns[0]: pattern",
			"error " + pAgg + "outputConstraints[0].columnName: pattern",
			"warning " + pAgg + "outputConstraints[0].columnName: output_constraint_column_unused (A7)",
		}},
		{name: "agg/joinColumns nil", rule: aggRaw(func(a *types.AnalysisRuleAggregation) { a.JoinColumns = nil }),
			want: []string{"error " + pAgg + "joinColumns: required"}},
		{name: "agg/joinColumns empty is legal", rule: agg(func(a *cleanroom.Aggregation) { a.JoinColumns = nil }), want: []string{},
			json: `{"analysisRuleType":"AGGREGATION","analysisRulePolicy":{"v1":{"aggregation":{
				"aggregateColumns":[{"columnNames":["hashed_email"],"function":"COUNT_DISTINCT"}],
				"joinColumns":[],"dimensionColumns":[],"scalarFunctions":[],
				"outputConstraints":[{"columnName":"hashed_email","minimum":100,"type":"COUNT_DISTINCT"}]}}}}`},
		{name: "agg/joinRequired unknown", rule: aggRaw(func(a *types.AnalysisRuleAggregation) { a.JoinRequired = "ANYONE" }),
			want: []string{"error " + pAgg + "joinRequired: enum"}},
		{name: "agg/operators three", rule: agg(func(a *cleanroom.Aggregation) {
			a.JoinOperators = []types.JoinOperator{"AND", "OR", "XOR"}
		}), want: []string{"error " + pAgg + "allowedJoinOperators: too_many", "error " + pAgg + "allowedJoinOperators[2]: enum"}},
		{name: "agg/operators explicitly empty is legal (0-2) and sent as []", rule: agg(func(a *cleanroom.Aggregation) { a.JoinOperators = []types.JoinOperator{} }), want: []string{},
			json: `{"analysisRuleType":"AGGREGATION","analysisRulePolicy":{"v1":{"aggregation":{
				"aggregateColumns":[{"columnNames":["hashed_email"],"function":"COUNT_DISTINCT"}],
				"joinColumns":["hashed_email"],"allowedJoinOperators":[],"dimensionColumns":[],"scalarFunctions":[],
				"outputConstraints":[{"columnName":"hashed_email","minimum":100,"type":"COUNT_DISTINCT"}]}}}}`},
		{name: "agg/dimensionColumns nil", rule: aggRaw(func(a *types.AnalysisRuleAggregation) { a.DimensionColumns = nil }),
			want: []string{"error " + pAgg + "dimensionColumns: required"}},
		{name: "agg/scalarFunctions all 24", rule: agg(func(a *cleanroom.Aggregation) {
			a.ScalarFunctions = types.ScalarFunctions("").Values()
		}), want: []string{}},
		{name: "agg/scalarFunctions unknown", rule: agg(func(a *cleanroom.Aggregation) { a.ScalarFunctions = []types.ScalarFunctions{"REGEXP_REPLACE"} }),
			want: []string{"error " + pAgg + "scalarFunctions[0]: enum"}},
		{name: "agg/scalarFunctions nil", rule: aggRaw(func(a *types.AnalysisRuleAggregation) { a.ScalarFunctions = nil }),
			want: []string{"error " + pAgg + "scalarFunctions: required"}},
		{name: "agg/outputConstraints empty", rule: agg(func(a *cleanroom.Aggregation) { a.OutputConstraints = nil }),
			want: []string{"error " + pAgg + "outputConstraints: too_few"}},
		{name: "agg/outputConstraints nil", rule: aggRaw(func(a *types.AnalysisRuleAggregation) { a.OutputConstraints = nil }),
			want: []string{"error " + pAgg + "outputConstraints: required"}},
		{name: "agg/minimum bounds 2 and 100000", rule: agg(func(a *cleanroom.Aggregation) {
			a.OutputConstraints = []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 2}, {Column: "hashed_email", Minimum: 100000}}
		}), want: []string{}},
		{name: "agg/minimum 1", rule: agg(func(a *cleanroom.Aggregation) { a.OutputConstraints[0].Minimum = 1 }),
			want: []string{"error " + pAgg + "outputConstraints[0].minimum: out_of_range"}},
		{name: "agg/minimum 100001", rule: agg(func(a *cleanroom.Aggregation) { a.OutputConstraints[0].Minimum = 100001 }),
			want: []string{"error " + pAgg + "outputConstraints[0].minimum: out_of_range"}},
		{name: "agg/constraint members missing", rule: aggRaw(func(a *types.AnalysisRuleAggregation) {
			a.OutputConstraints[0] = types.AggregationConstraint{}
		}), want: []string{
			"error " + pAgg + "outputConstraints[0].columnName: required",
			"error " + pAgg + "outputConstraints[0].minimum: required",
			"error " + pAgg + "outputConstraints[0].type: required",
		}},
		{name: "agg/constraint type COUNT", rule: aggRaw(func(a *types.AnalysisRuleAggregation) { a.OutputConstraints[0].Type = "COUNT" }),
			want: []string{"error " + pAgg + "outputConstraints[0].type: enum"}},
		{name: "agg/additionalAnalyses unknown", rule: agg(func(a *cleanroom.Aggregation) { a.AdditionalAnalyses = "MAYBE" }),
			want: []string{"error " + pAgg + "additionalAnalyses: enum", "warning " + pAgg + "additionalAnalyses: additional_analyses_unsupported (A8)"}},
		// §1.2 semantic rules.
		{name: "A1/join column as dimension", rule: agg(func(a *cleanroom.Aggregation) { a.DimensionColumns = []string{"segment", "hashed_email"} }),
			want: []string{"error " + pAgg + "dimensionColumns[1]: column_placement (A1)"}},
		{name: "A1/aggregate column as dimension", rule: agg(func(a *cleanroom.Aggregation) {
			a.Aggregates = append(a.Aggregates, cleanroom.Aggregate{Function: "SUM", Columns: []string{"spend"}})
			a.DimensionColumns = []string{"spend"}
		}), want: []string{"error " + pAgg + "dimensionColumns[0]: column_placement (A1)"}},
		{name: "A2/join column also aggregated", rule: overlap(), want: []string{}},
		{name: "A3/same column under AVG and SUM", rule: agg(func(a *cleanroom.Aggregation) {
			a.Aggregates = append(a.Aggregates,
				cleanroom.Aggregate{Function: "AVG", Columns: []string{"points accumulated"}},
				cleanroom.Aggregate{Function: "SUM", Columns: []string{"points accumulated"}})
		}), want: []string{}},
		{name: "A4/join required without join columns", rule: agg(func(a *cleanroom.Aggregation) { a.JoinColumns = nil; a.JoinRequired = true }),
			want: []string{"warning " + pAgg + "joinColumns: join_required_without_columns (A4)"}},
		{name: "A5/two join columns, operators explicitly empty", rule: agg(func(a *cleanroom.Aggregation) {
			a.JoinColumns = []string{"hashed_email", "hashed_phone"}
			a.JoinOperators = []types.JoinOperator{}
		}), want: []string{"warning " + pAgg + "allowedJoinOperators: no_join_operator (A5)"}},
		{name: "A5/two join columns, operators omitted means AND", rule: agg(func(a *cleanroom.Aggregation) {
			a.JoinColumns = []string{"hashed_email", "hashed_phone"}
		}), want: []string{}},
		{name: "A7/constraint on a column in no other list", rule: agg(func(a *cleanroom.Aggregation) { a.OutputConstraints[0].Column = "loyalty_number" }),
			want: []string{"warning " + pAgg + "outputConstraints[0].columnName: output_constraint_column_unused (A7)"}},
		{name: "A8/additional analyses allowed on aggregation", rule: agg(func(a *cleanroom.Aggregation) { a.AdditionalAnalyses = types.AdditionalAnalysesAllowed }),
			want: []string{"warning " + pAgg + "additionalAnalyses: additional_analyses_unsupported (A8)"}},
		{name: "A9/builder dedupes lists", rule: agg(func(a *cleanroom.Aggregation) {
			a.JoinColumns = []string{"hashed_email", "hashed_email"}
			a.JoinOperators = []types.JoinOperator{"AND", "AND"}
		}), want: []string{},
			json: `{"analysisRuleType":"AGGREGATION","analysisRulePolicy":{"v1":{"aggregation":{
				"aggregateColumns":[{"columnNames":["hashed_email"],"function":"COUNT_DISTINCT"}],
				"joinColumns":["hashed_email"],"allowedJoinOperators":["AND"],"dimensionColumns":[],"scalarFunctions":[],
				"outputConstraints":[{"columnName":"hashed_email","minimum":100,"type":"COUNT_DISTINCT"}]}}}}`},
		{name: "A9/raw duplicates warn", rule: aggRaw(func(a *types.AnalysisRuleAggregation) {
			a.JoinColumns = []string{"hashed_email", "hashed_email"}
			a.AllowedJoinOperators = []types.JoinOperator{"AND", "AND"}
			a.AggregateColumns = append(a.AggregateColumns, types.AggregateColumn{Function: "COUNT_DISTINCT", ColumnNames: []string{"segment"}})
		}), want: []string{
			"warning " + pAgg + "aggregateColumns[1].function: duplicate (A9)",
			"warning " + pAgg + "joinColumns[1]: duplicate (A9)",
			"warning " + pAgg + "allowedJoinOperators[1]: duplicate (A9)",
		}},
		// Policy envelope.
		{name: "type/mismatch with policy variant", rule: raw{types.ConfiguredTableAnalysisRuleTypeList, overlap().Policy()},
			want: []string{"error analysisRuleType: type_mismatch"}},
		{name: "type/missing", rule: raw{"", overlap().Policy()}, want: []string{"error analysisRuleType: required"}},
		{name: "policy/missing", rule: raw{types.ConfiguredTableAnalysisRuleTypeAggregation, nil}, want: []string{"error analysisRulePolicy: required"}},
		{name: "policy/v1 missing", rule: raw{types.ConfiguredTableAnalysisRuleTypeAggregation, v1(nil)}, want: []string{"error analysisRulePolicy.v1: required"}},
		{name: "policy/over 100 KB", rule: agg(func(a *cleanroom.Aggregation) {
			for i := range 1800 {
				a.DimensionColumns = append(a.DimensionColumns, "dimension_column_"+strings.Repeat("x", 40)+"_"+itoa(i))
			}
		}), want: []string{"error analysisRulePolicy: too_large"}},
		// §1.5: ID_MAPPING_TABLE rules are service-managed, not creatable.
		{name: "idmapping/type not creatable", rule: raw{"ID_MAPPING_TABLE", overlap().Policy()},
			want: []string{"error analysisRuleType: enum"}},

		// §1.3 LIST.
		{name: "list/valid, listColumns empty emitted as []", rule: cleanroom.List{JoinColumns: []string{"hashed_email"}}, want: []string{},
			json: `{"analysisRuleType":"LIST","analysisRulePolicy":{"v1":{"list":{"joinColumns":["hashed_email"],"listColumns":[]}}}}`},
		{name: "list/every field", rule: cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"segment", "region"},
			JoinOperators: []types.JoinOperator{"OR"}, AdditionalAnalyses: types.AdditionalAnalysesAllowed}, want: []string{},
			json: `{"analysisRuleType":"LIST","analysisRulePolicy":{"v1":{"list":{"joinColumns":["hashed_email"],"listColumns":["segment","region"],
				"allowedJoinOperators":["OR"],"additionalAnalyses":"ALLOWED"}}}}`},
		{name: "list/joinColumns empty", rule: cleanroom.List{ListColumns: []string{"segment"}}, want: []string{"error " + pList + "joinColumns: too_few"}},
		{name: "list/joinColumns nil", rule: listRaw(func(l *types.AnalysisRuleList) { l.JoinColumns = nil }), want: []string{"error " + pList + "joinColumns: required"}},
		{name: "list/listColumns nil", rule: listRaw(func(l *types.AnalysisRuleList) { l.ListColumns = nil }), want: []string{"error " + pList + "listColumns: required"}},
		{name: "list/operator unknown", rule: listRaw(func(l *types.AnalysisRuleList) { l.AllowedJoinOperators = []types.JoinOperator{"NAND"} }),
			want: []string{"error " + pList + "allowedJoinOperators[0]: enum"}},
		{name: "list/additional unknown", rule: listRaw(func(l *types.AnalysisRuleList) { l.AdditionalAnalyses = "SOMETIMES" }),
			want: []string{"error " + pList + "additionalAnalyses: enum"}},
		{name: "list/column pattern", rule: cleanroom.List{JoinColumns: []string{"x-ray"}, ListColumns: []string{"Segment"}},
			want: []string{"error " + pList + "joinColumns[0]: pattern", "error " + pList + "listColumns[0]: pattern"}},
		{name: "list/raw duplicates warn (A9)", rule: listRaw(func(l *types.AnalysisRuleList) { l.ListColumns = []string{"segment", "segment"} }),
			want: []string{"warning " + pList + "listColumns[1]: duplicate (A9)"}},
		{name: "L1/join column also a list column", rule: cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"segment", "hashed_email"}},
			want: []string{"error " + pList + "listColumns[1]: column_placement (L1)"}},

		// §1.4 CUSTOM.
		{name: "custom/empty rule, allowedAnalyses emitted as []", rule: cleanroom.Custom{}, want: []string{},
			json: `{"analysisRuleType":"CUSTOM","analysisRulePolicy":{"v1":{"custom":{"allowedAnalyses":[]}}}}`},
		{name: "custom/templates", rule: cleanroom.Custom{AllowedAnalyses: []string{templateARN}, DisallowedOutputColumns: []string{"hashed_email"}}, want: []string{},
			json: `{"analysisRuleType":"CUSTOM","analysisRulePolicy":{"v1":{"custom":{"allowedAnalyses":["` + templateARN + `"],"disallowedOutputColumns":["hashed_email"]}}}}`},
		{name: "custom/any query with providers and DP", rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery},
			AllowedAnalysisProviders: []string{"123456789012"}, DifferentialPrivacyColumn: "user_id", AdditionalAnalyses: types.AdditionalAnalysesRequired}, want: []string{},
			json: `{"analysisRuleType":"CUSTOM","analysisRulePolicy":{"v1":{"custom":{"allowedAnalyses":["ANY_QUERY"],"allowedAnalysisProviders":["123456789012"],
				"additionalAnalyses":"REQUIRED","differentialPrivacy":{"columns":[{"name":"user_id"}]}}}}}`},
		{name: "custom/allowedAnalyses nil", rule: customRaw(func(c *types.AnalysisRuleCustom) { c.AllowedAnalyses = nil; c.AllowedAnalysisProviders = nil }),
			want: []string{"error " + pCustom + "allowedAnalyses: required"}},
		{name: "custom/allowedAnalyses bad item and too long", rule: cleanroom.Custom{AllowedAnalyses: []string{"SELECT *", templateARN + strings.Repeat("a", 200-len(templateARN)+1)}},
			want: []string{"error " + pCustom + "allowedAnalyses[0]: pattern", "error " + pCustom + "allowedAnalyses[1]: too_long"}},
		{name: "custom/provider not an account id", rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{"12345"}},
			want: []string{"error " + pCustom + "allowedAnalysisProviders[0]: too_short"}},
		{name: "custom/additional unknown", rule: customRaw(func(c *types.AnalysisRuleCustom) { c.AdditionalAnalyses = "YES" }),
			want: []string{"error " + pCustom + "additionalAnalyses: enum"}},
		{name: "custom/disallowed column pattern", rule: cleanroom.Custom{DisallowedOutputColumns: []string{"Age"}},
			want: []string{"error " + pCustom + "disallowedOutputColumns[0]: pattern"}},
		{name: "custom/DP two columns", rule: customRaw(func(c *types.AnalysisRuleCustom) {
			c.DifferentialPrivacy = &types.DifferentialPrivacyConfiguration{Columns: []types.DifferentialPrivacyColumn{{Name: aws.String("a_id")}, {Name: aws.String("b_id")}}}
		}), want: []string{"error " + pCustom + "differentialPrivacy.columns: too_many"}},
		{name: "custom/DP no column", rule: customRaw(func(c *types.AnalysisRuleCustom) {
			c.DifferentialPrivacy = &types.DifferentialPrivacyConfiguration{Columns: []types.DifferentialPrivacyColumn{}}
		}), want: []string{"error " + pCustom + "differentialPrivacy.columns: too_few"}},
		{name: "custom/DP columns nil", rule: customRaw(func(c *types.AnalysisRuleCustom) {
			c.DifferentialPrivacy = &types.DifferentialPrivacyConfiguration{}
		}), want: []string{"error " + pCustom + "differentialPrivacy.columns: required"}},
		{name: "custom/DP column name", rule: cleanroom.Custom{DifferentialPrivacyColumn: "User-ID"},
			want: []string{"error " + pCustom + "differentialPrivacy.columns[0].name: pattern"}},
		{name: "C1/any query without providers", rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}},
			want: []string{"error " + pCustom + "allowedAnalysisProviders: providers_required (C1)"}},
		{name: "C1/any job with providers", rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyJob}, AllowedAnalysisProviders: []string{"123456789012"}}, want: []string{},
			json: `{"analysisRuleType":"CUSTOM","analysisRulePolicy":{"v1":{"custom":{"allowedAnalyses":["ANY_JOB"],"allowedAnalysisProviders":["123456789012"]}}}}`},
		{name: "C1/any job without providers", rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyJob}},
			want: []string{"warning " + pCustom + "allowedAnalysisProviders: providers_required (C1)"}},
		{name: "C1/templates mixed with wildcard", rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery, templateARN}, AllowedAnalysisProviders: []string{"123456789012"}},
			want: []string{"warning " + pCustom + "allowedAnalyses: mixed_analyses (C1)"}},
		{name: "C1/providers with templates only", rule: cleanroom.Custom{AllowedAnalyses: []string{templateARN}, AllowedAnalysisProviders: []string{"123456789012"}},
			want: []string{"warning " + pCustom + "allowedAnalysisProviders: providers_without_wildcard (C1)"}},

		// §1.7 placement matrix, cell by cell.
		{name: "matrix/aggregate x aggregate (two functions)", rule: agg(func(a *cleanroom.Aggregation) {
			a.Aggregates = append(a.Aggregates, cleanroom.Aggregate{Function: "COUNT", Columns: []string{"hashed_email"}})
		}), want: []string{}},
		{name: "matrix/aggregate x join", rule: overlap(), want: []string{}},
		{name: "matrix/aggregate x dimension", rule: agg(func(a *cleanroom.Aggregation) { a.DimensionColumns = []string{"hashed_email"} }),
			want: []string{"error " + pAgg + "dimensionColumns[0]: column_placement (A1)"}},
		{name: "matrix/join x dimension", rule: agg(func(a *cleanroom.Aggregation) {
			a.JoinColumns = []string{"hashed_email", "hashed_phone"}
			a.DimensionColumns = []string{"hashed_phone"}
		}), want: []string{"error " + pAgg + "dimensionColumns[0]: column_placement (A1)"}},
		{name: "matrix/dimension x output constraint (U)", rule: agg(func(a *cleanroom.Aggregation) {
			a.DimensionColumns = []string{"segment"}
			a.OutputConstraints = append(a.OutputConstraints, cleanroom.OutputConstraint{Column: "segment", Minimum: 10})
		}), want: []string{"warning " + pAgg + "outputConstraints[1].columnName: output_constraint_column_unused (A7)"}},
		{name: "matrix/aggregate x output constraint", rule: overlap(), want: []string{}},
		{name: "matrix/list join x list", rule: cleanroom.List{JoinColumns: []string{"a_id"}, ListColumns: []string{"a_id"}},
			want: []string{"error " + pList + "listColumns[0]: column_placement (L1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strs(tt.rule.Validate())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if tt.json != "" {
				body := cap.rule(t, tt.rule)
				if diff := jsonDiff(t, tt.json, body); diff != "" {
					t.Errorf("SDK request body (-want +got):\n%s", diff)
				}
				// The wire codec the fake and the diffing use must agree with the SDK.
				var sent map[string]json.RawMessage
				if err := json.Unmarshal(body, &sent); err != nil {
					t.Fatal(err)
				}
				ours, err := wire.Marshal(tt.rule.Policy())
				if err != nil {
					t.Fatal(err)
				}
				if diff := jsonDiff(t, string(sent["analysisRulePolicy"]), ours); diff != "" {
					t.Errorf("wire.Marshal differs from the SDK serializer (-sdk +wire):\n%s", diff)
				}
			}
		})
	}
}

// TestAssociationRules covers reference §1.6.
func TestAssociationRules(t *testing.T) {
	cap := newCapture(t)
	const (
		audience = "arn:aws:cleanrooms:us-east-1:123456789012:membership/11111111-2222-3333-4444-555555555555/configuredaudiencemodelassociation/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
		mlAny    = "arn:aws:cleanrooms-ml:us-east-1:*:membership/*/configured-model-algorithm-association/*"
	)
	many := make([]string, 26)
	for i := range many {
		many[i] = strings.Replace(audience, "aaaaaaaa", "a"+itoa(10000000 + i)[1:], 1)
	}
	tests := []struct {
		name string
		rule cleanroom.AssociationRule
		want []string
		json string
	}{
		{name: "aggregation receivers", rule: cleanroom.AssociationRule{Type: "AGGREGATION", ResultReceivers: []string{"123456789012"}}, want: []string{},
			json: `{"analysisRuleType":"AGGREGATION","analysisRulePolicy":{"v1":{"aggregation":{"allowedResultReceivers":["123456789012"]}}}}`},
		{name: "list with additional analyses", rule: cleanroom.AssociationRule{Type: "LIST", ResultReceivers: []string{}, AdditionalAnalyses: []string{audience, mlAny}}, want: []string{},
			json: `{"analysisRuleType":"LIST","analysisRulePolicy":{"v1":{"list":{"allowedResultReceivers":[],"allowedAdditionalAnalyses":["` + audience + `","` + mlAny + `"]}}}}`},
		{name: "custom empty", rule: cleanroom.AssociationRule{Type: "CUSTOM"}, want: []string{},
			json: `{"analysisRuleType":"CUSTOM","analysisRulePolicy":{"v1":{"custom":{}}}}`},
		{name: "type missing", rule: cleanroom.AssociationRule{}, want: []string{"error analysisRuleType: required"}},
		{name: "type unknown", rule: cleanroom.AssociationRule{Type: "ID_MAPPING_TABLE"}, want: []string{"error analysisRuleType: enum"}},
		{name: "receiver not an account id", rule: cleanroom.AssociationRule{Type: "CUSTOM", ResultReceivers: []string{"12345678901x"}},
			want: []string{"error analysisRulePolicy.v1.custom.allowedResultReceivers[0]: pattern"}},
		{name: "additional analysis not an allowed ARN", rule: cleanroom.AssociationRule{Type: "CUSTOM", AdditionalAnalyses: []string{templateARN}},
			want: []string{"error analysisRulePolicy.v1.custom.allowedAdditionalAnalyses[0]: pattern"}},
		{name: "additional analysis ARN over 256", rule: cleanroom.AssociationRule{Type: "LIST", AdditionalAnalyses: []string{strings.Replace(audience, "aaaaaaaa", strings.Repeat("a", 8+257-len(audience)), 1)}},
			want: []string{"error analysisRulePolicy.v1.list.allowedAdditionalAnalyses[0]: too_long"}},
		{name: "duplicate receivers (A9, lint)", rule: cleanroom.AssociationRule{Type: "LIST", ResultReceivers: []string{"123456789012", "123456789012"}},
			want: []string{}, json: `{"analysisRuleType":"LIST","analysisRulePolicy":{"v1":{"list":{"allowedResultReceivers":["123456789012"]}}}}`},
		{name: "26 additional analyses", rule: cleanroom.AssociationRule{Type: "CUSTOM", AdditionalAnalyses: many},
			want: []string{"error analysisRulePolicy.v1.custom.allowedAdditionalAnalyses: too_many"}},
		{name: "additional analyses on aggregation (lint)", rule: cleanroom.AssociationRule{Type: "AGGREGATION", AdditionalAnalyses: []string{audience}},
			want: []string{"warning analysisRulePolicy.v1.aggregation.allowedAdditionalAnalyses: additional_analyses_unsupported (§1.6)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, strs(tt.rule.Validate())); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if tt.json != "" {
				if diff := jsonDiff(t, tt.json, cap.associationRule(t, tt.rule)); diff != "" {
					t.Errorf("SDK request body (-want +got):\n%s", diff)
				}
			}
		})
	}
	// A policy whose variant differs from the type.
	ps := cleanroom.ValidateAssociationRule("LIST", cleanroom.AssociationRule{Type: "CUSTOM"}.Policy())
	if diff := cmp.Diff([]string{"error analysisRuleType: type_mismatch"}, strs(ps)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

// TestResourceRequestJSON pins the JSON the SDK sends for the table and
// association requests the specs build.
func TestResourceRequestJSON(t *testing.T) {
	cap := newCapture(t)
	ctx := context.Background()
	tags := map[string]string{cleanroom.DefaultTagKey: "customers"}
	tbl := cleanroom.Table{Name: "Customers", Description: "hashed", Database: "cdp", Table: "customers", Region: types.CommercialRegionEuWest1,
		AllowedColumns: []string{"hashed_email", "segment", "hashed_email"}, AnalysisMethod: types.AnalysisMethodMultiple,
		SelectedAnalysisMethods: []types.SelectedAnalysisMethod{"DIRECT_QUERY", "DIRECT_JOB"}}
	if _, err := cap.client.CreateConfiguredTable(ctx, tbl.CreateInput(tags)); err != nil {
		t.Fatal(err)
	}
	want := `{"name":"Customers","description":"hashed","tableReference":{"glue":{"databaseName":"cdp","tableName":"customers","region":"eu-west-1"}},
		"allowedColumns":["hashed_email","segment"],"analysisMethod":"MULTIPLE","selectedAnalysisMethods":["DIRECT_QUERY","DIRECT_JOB"],"tags":{"cdpkit:id":"customers"}}`
	if diff := jsonDiff(t, want, cap.last()); diff != "" {
		t.Errorf("CreateConfiguredTable body (-want +got):\n%s", diff)
	}
	// Defaults: DIRECT_QUERY, no description, region or selected methods.
	if _, err := cap.client.CreateConfiguredTable(ctx, cleanroom.Table{Name: "C", Database: "cdp", Table: "c", AllowedColumns: []string{"a"}}.CreateInput(nil)); err != nil {
		t.Fatal(err)
	}
	want = `{"name":"C","tableReference":{"glue":{"databaseName":"cdp","tableName":"c"}},"allowedColumns":["a"],"analysisMethod":"DIRECT_QUERY"}`
	if diff := jsonDiff(t, want, cap.last()); diff != "" {
		t.Errorf("CreateConfiguredTable defaults body (-want +got):\n%s", diff)
	}
	a := cleanroom.Association{MembershipID: membershipID, Name: "customers", Description: "for the overlap", RoleARN: roleARN}
	if _, err := cap.client.CreateConfiguredTableAssociation(ctx, a.CreateInput("0a1b2c3d-0000-4000-8000-00000000abce", tags)); err != nil {
		t.Fatal(err)
	}
	want = `{"name":"customers","description":"for the overlap","configuredTableIdentifier":"0a1b2c3d-0000-4000-8000-00000000abce",
		"roleArn":"` + roleARN + `","tags":{"cdpkit:id":"customers"}}`
	if diff := jsonDiff(t, want, cap.last()); diff != "" {
		t.Errorf("CreateConfiguredTableAssociation body (-want +got):\n%s", diff)
	}
}
