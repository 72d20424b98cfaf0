package cleanroom_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
)

// getSchemaAnalysisRule is a GetSchemaAnalysisRule answer for an ID
// mapping table, in the wire form the service sends.
const getSchemaAnalysisRule = `{"analysisRule": {
	"collaborationId": "11111111-2222-3333-4444-555555555555",
	"name": "idmt_email",
	"type": "ID_MAPPING_TABLE",
	"createTime": 1.7e9, "updateTime": 1.7e9,
	"policy": {"v1": {"idMappingTable": {
		"joinColumns": ["source_id", "target_id"],
		"queryConstraints": [{"requireOverlap": {"columns": ["source_id", "target_id"]}}],
		"dimensionColumns": ["match_rule"]
	}}}
}}`

var wantIDMapping = cleanroom.IDMappingRule{
	Name:             "idmt_email",
	JoinColumns:      []string{"source_id", "target_id"},
	QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"source_id", "target_id"}}},
	DimensionColumns: []string{"match_rule"},
}

func TestParseIDMappingRuleForms(t *testing.T) {
	policy := `{"v1": {"idMappingTable": {"joinColumns": ["source_id", "target_id"],
		"queryConstraints": [{"requireOverlap": {"columns": ["source_id", "target_id"]}}], "dimensionColumns": ["match_rule"]}}}`
	bare := `{"JoinColumns": ["source_id", "target_id"],
		"QueryConstraints": [{"RequireOverlap": {"Columns": ["source_id", "target_id"]}}], "DimensionColumns": ["match_rule"]}`
	rule := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(getSchemaAnalysisRule), `{"analysisRule":`), "}")
	for name, tc := range map[string]struct {
		js   string
		name string
	}{
		"get-schema-analysis-rule": {getSchemaAnalysisRule, "idmt_email"},
		"analysis rule":            {rule, "idmt_email"},
		"policy":                   {policy, ""},
		"bare rule, PascalCase":    {bare, ""},
	} {
		got, err := cleanroom.ParseIDMappingRule([]byte(tc.js))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := wantIDMapping
		want.Name = tc.name
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
		if ps := got.Validate(); len(ps) > 0 {
			t.Errorf("%s: %v", name, ps)
		}
	}
}

// TestParseIDMappingRuleMatchesSDK: the SDK's own deserializer, on the same
// answer served over loopback, gives the same rule.
func TestParseIDMappingRuleMatchesSDK(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(getSchemaAnalysisRule))
	}))
	defer srv.Close()
	client := cleanrooms.New(cleanrooms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1,
	})
	out, err := client.GetSchemaAnalysisRule(t.Context(), &cleanrooms.GetSchemaAnalysisRuleInput{
		CollaborationIdentifier: aws.String("11111111-2222-3333-4444-555555555555"),
		Name:                    aws.String("idmt_email"), Type: types.AnalysisRuleTypeIdMappingTable,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := cleanroom.IDMappingRuleFromSchema(*out.AnalysisRule)
	if !ok {
		t.Fatal("not an ID mapping rule")
	}
	if d := cmp.Diff(wantIDMapping, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// And back: SDK() then FromSDK is the identity.
	got.Name = ""
	if d := cmp.Diff(got, cleanroom.IDMappingRuleFromSDK(got.SDK())); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if _, ok := cleanroom.IDMappingRuleFromSchema(types.AnalysisRule{Type: types.AnalysisRuleTypeList}); ok {
		t.Error("a LIST rule converted")
	}
	if _, ok := cleanroom.IDMappingRuleFromPolicy(nil); ok {
		t.Error("a nil policy converted")
	}
}

func TestParseIDMappingRulesBatch(t *testing.T) {
	batch := `{"analysisRules": [
		{"name": "crm", "type": "LIST", "policy": {"v1": {"list": {"joinColumns": ["a"], "listColumns": []}}}},
		{"name": "idmt_a", "type": "ID_MAPPING_TABLE", "policy": {"v1": {"idMappingTable": {"joinColumns": ["s", "t"], "queryConstraints": []}}}},
		{"name": "idmt_b", "type": "ID_MAPPING_TABLE", "policy": {"v1": {"idMappingTable": {"joinColumns": ["s", "t"]}}}}
	], "errors": [{"name": "gone", "type": "ID_MAPPING_TABLE", "code": "ResourceNotFound", "message": "m"}]}`
	got, err := cleanroom.ParseIDMappingRules([]byte(batch))
	if err != nil {
		t.Fatal(err)
	}
	want := []cleanroom.IDMappingRule{
		{Name: "idmt_a", JoinColumns: []string{"s", "t"}, QueryConstraints: []cleanroom.IDMappingConstraint{}},
		{Name: "idmt_b", JoinColumns: []string{"s", "t"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Omitted and empty stay apart: the omitted constraints are a
	// validation error, the empty list is not.
	if ps := got[0].Validate(); len(ps) != 0 {
		t.Errorf("empty constraints: %v", ps)
	}
	if ps := got[1].Validate(); len(ps) != 1 || ps[0].Reason != cleanroom.ReasonRequired {
		t.Errorf("omitted constraints: %v", ps)
	}
	one, err := cleanroom.ParseIDMappingRules([]byte(getSchemaAnalysisRule))
	if err != nil || len(one) != 1 || one[0].Name != "idmt_email" {
		t.Errorf("single answer: %v %v", one, err)
	}
}

func TestParseIDMappingRuleErrors(t *testing.T) {
	for name, js := range map[string]string{
		"malformed":              `{"v1": `,
		"not an object":          `["a"]`,
		"another type":           `{"type": "AGGREGATION", "policy": {"v1": {"aggregation": {}}}}`,
		"type and policy differ": `{"type": "LIST", "policy": {"v1": {"idMappingTable": {"joinColumns": ["a", "b"], "queryConstraints": []}}}}`,
		"another policy":         `{"v1": {"list": {"joinColumns": ["a"]}}}`,
		"no policy":              `{"something": 1}`,
		"constraint not union":   `{"joinColumns": ["a", "b"], "queryConstraints": [{"requireOverlap": {}, "other": {}}]}`,
		"columns not a list":     `{"joinColumns": "a"}`,
		"batch not a list":       `{"analysisRules": {"a": 1}}`,
	} {
		var err error
		if name == "batch not a list" {
			_, err = cleanroom.ParseIDMappingRules([]byte(js))
		} else {
			_, err = cleanroom.ParseIDMappingRule([]byte(js))
		}
		var e *cleanroom.Error
		if !errors.As(err, &e) || !errors.Is(err, cdpkit.ErrInvalid) || e.Reason == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestIDMappingRuleValidate(t *testing.T) {
	ok := []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"s"}}}
	for _, tc := range []struct {
		name string
		r    cleanroom.IDMappingRule
		want []string
	}{
		{"valid", cleanroom.IDMappingRule{JoinColumns: []string{"s", "t"}, QueryConstraints: ok}, nil},
		{"join columns omitted", cleanroom.IDMappingRule{QueryConstraints: ok},
			[]string{"error v1.idMappingTable.joinColumns: required", "warning v1.idMappingTable.queryConstraints[0].requireOverlap.columns[0]: column_placement (ID2)"}},
		{"one join column", cleanroom.IDMappingRule{JoinColumns: []string{"s"}, QueryConstraints: ok},
			[]string{"error v1.idMappingTable.joinColumns: too_few"}},
		{"three join columns", cleanroom.IDMappingRule{JoinColumns: []string{"s", "t", "u"}, QueryConstraints: ok},
			[]string{"error v1.idMappingTable.joinColumns: too_many"}},
		{"bad column names", cleanroom.IDMappingRule{JoinColumns: []string{"S", "t"}, QueryConstraints: ok, DimensionColumns: []string{""}},
			[]string{"error v1.idMappingTable.joinColumns[0]: pattern", "error v1.idMappingTable.dimensionColumns[0]: too_short"}},
		{"duplicate join column", cleanroom.IDMappingRule{JoinColumns: []string{"s", "s"}, QueryConstraints: ok},
			[]string{"warning v1.idMappingTable.joinColumns[1]: duplicate (A9)"}},
		{"two constraints, one unknown", cleanroom.IDMappingRule{JoinColumns: []string{"s", "t"},
			QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"t"}}, {Unknown: "requireSomething"}}},
			[]string{"error v1.idMappingTable.queryConstraints: too_many", "warning v1.idMappingTable.queryConstraints[1]: enum (ID1)"}},
	} {
		var got []string
		for _, p := range tc.r.Validate() {
			got = append(got, p.String())
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

// TestRequireOverlapWithoutColumns: a requireOverlap without columns is
// still a requireOverlap (non-nil, empty), from JSON and from the SDK.
func TestRequireOverlapWithoutColumns(t *testing.T) {
	want := []cleanroom.IDMappingConstraint{{RequireOverlap: []string{}}}
	r, err := cleanroom.ParseIDMappingRule([]byte(`{"joinColumns": ["a", "b"], "queryConstraints": [{"requireOverlap": {}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, r.QueryConstraints); d != "" {
		t.Errorf("JSON (-want +got):\n%s", d)
	}
	sdk := cleanroom.IDMappingRuleFromSDK(types.AnalysisRuleIdMappingTable{
		QueryConstraints: []types.QueryConstraint{&types.QueryConstraintMemberRequireOverlap{}},
	})
	if d := cmp.Diff(want, sdk.QueryConstraints); d != "" {
		t.Errorf("SDK (-want +got):\n%s", d)
	}
}

func TestIDMappingRuleOverlapColumns(t *testing.T) {
	r := cleanroom.IDMappingRule{QueryConstraints: []cleanroom.IDMappingConstraint{
		{RequireOverlap: []string{"Source_ID", "target_id"}}, {Unknown: "x"}, {RequireOverlap: []string{"source_id"}},
	}}
	if d := cmp.Diff([]string{"source_id", "target_id"}, r.OverlapColumns()); d != "" {
		t.Error(d)
	}
}

// FuzzParseIDMappingRule: any input parses or fails with a typed error,
// never panics, validates, and a parsed rule survives the trip through
// the SDK's type.
func FuzzParseIDMappingRule(f *testing.F) {
	f.Add([]byte(getSchemaAnalysisRule))
	f.Add([]byte(`{"analysisRules": [{"type": "ID_MAPPING_TABLE", "policy": {"v1": {"idMappingTable": {"joinColumns": ["a"], "queryConstraints": [{"x": {}}]}}}}]}`))
	f.Add([]byte(`{"joinColumns": ["a", "b"], "queryConstraints": [{"requireOverlap": {}}], "dimensionColumns": []}`))
	f.Add([]byte(`{"v1": {"idMappingTable": null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := cleanroom.ParseIDMappingRules(data)
		if err != nil {
			if !errors.Is(err, cdpkit.ErrInvalid) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, r := range rs {
			_ = r.Validate()
			_ = r.OverlapColumns()
			r.Name = ""
			if d := cmp.Diff(r, cleanroom.IDMappingRuleFromSDK(r.SDK())); d != "" {
				t.Fatalf("round trip (-parsed +back):\n%s", d)
			}
		}
	})
}
