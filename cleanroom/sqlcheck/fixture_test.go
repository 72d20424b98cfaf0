package sqlcheck_test

import (
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// The test collaboration: the runner (an advertiser) and a publisher.
const (
	runner    = "111111111111"
	publisher = "222222222222"
	template  = "arn:aws:cleanrooms:us-east-1:222222222222:membership/11111111-2222-3333-4444-555555555555/analysistemplate/66666666-7777-8888-9999-000000000000"
	template2 = "arn:aws:cleanrooms:us-east-1:222222222222:membership/11111111-2222-3333-4444-555555555555/analysistemplate/00000000-7777-8888-9999-000000000000"
)

func collaboration() []sqlcheck.Table {
	return []sqlcheck.Table{
		{
			Name: "cdp", Member: runner,
			Columns: sqlcheck.Columns("hashed_email", "segment", "region", "spend", "visits", "signup_date"),
			Rule: cleanroom.Aggregation{
				Aggregates: []cleanroom.Aggregate{
					{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}},
					{Function: types.AggregateFunctionNameSum, Columns: []string{"spend"}},
					{Function: types.AggregateFunctionNameAvg, Columns: []string{"spend"}},
					{Function: types.AggregateFunctionNameCount, Columns: []string{"visits"}},
				},
				JoinColumns:       []string{"hashed_email"},
				DimensionColumns:  []string{"segment", "region", "signup_date"},
				ScalarFunctions:   []types.ScalarFunctions{types.ScalarFunctionsRound, types.ScalarFunctionsLower, types.ScalarFunctionsCast, types.ScalarFunctionsTrunc},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
			},
		},
		{
			Name: "pub", Member: publisher,
			Columns: sqlcheck.Columns("hashed_email", "campaign", "impressions", "device"),
			Rule: &cleanroom.Aggregation{
				Aggregates: []cleanroom.Aggregate{
					{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}},
					{Function: types.AggregateFunctionNameSum, Columns: []string{"impressions"}},
				},
				JoinColumns:       []string{"hashed_email"},
				JoinRequired:      true,
				DimensionColumns:  []string{"campaign", "device"},
				ScalarFunctions:   []types.ScalarFunctions{types.ScalarFunctionsRound, types.ScalarFunctionsCast, types.ScalarFunctionsLower},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 150}},
			},
		},
		{
			Name: "pub2", Member: publisher,
			Columns: sqlcheck.Columns("hashed_email", "phone", "campaign"),
			Rule: cleanroom.Aggregation{
				Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
				JoinColumns:       []string{"hashed_email", "phone"},
				JoinOperators:     []types.JoinOperator{types.JoinOperatorAnd, types.JoinOperatorOr},
				DimensionColumns:  []string{"campaign"},
				ScalarFunctions:   []types.ScalarFunctions{},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 2}},
			},
		},
		{
			Name: "crm", Member: runner,
			Columns: sqlcheck.Columns("hashed_email", "first_name", "city", "age"),
			Rule:    cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"first_name", "city"}},
		},
		{
			Name: "leads", Member: publisher,
			Columns: sqlcheck.Columns("hashed_email", "score", "zip"),
			Rule: cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"score", "zip"},
				AdditionalAnalyses: types.AdditionalAnalysesAllowed},
		},
		{
			Name: "sales", Member: publisher,
			Columns: sqlcheck.Columns("hashed_email", "amount", "store", "ts"),
			Rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{runner},
				DisallowedOutputColumns: []string{"hashed_email"}},
		},
		{
			Name: "visits", Member: publisher,
			Columns: sqlcheck.Columns("user_id", "page", "ts"),
			Rule:    cleanroom.Custom{AllowedAnalyses: []string{template}, AdditionalAnalyses: types.AdditionalAnalysesRequired},
		},
		{
			Name: "dp_events", Member: publisher,
			Columns: sqlcheck.Columns("user_id", "event", "value"),
			Rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{runner},
				DifferentialPrivacyColumn: "user_id"},
		},
		{
			Name: "dp_users", Member: publisher,
			Columns: sqlcheck.Columns("uid", "country"),
			Rule: cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{runner},
				DifferentialPrivacyColumn: "uid"},
		},
		{
			Name: "mine", Member: runner,
			Columns: sqlcheck.Columns("user_id", "hashed_email", "tier"),
			Rule:    cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery, template}, AllowedAnalysisProviders: []string{runner}},
		},
		{
			Name: "locked", Member: publisher,
			Columns: sqlcheck.Columns("a", "b"),
			Rule:    cleanroom.Custom{AllowedAnalyses: []string{}},
		},
		{Name: "norule", Member: publisher, Columns: sqlcheck.Columns("a", "b")},
		{
			Name: "enc", Member: publisher,
			Columns: sqlcheck.Columns("fp_email", "sealed_name", "region", "amount"),
			Rule:    cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{runner}},
			C3R: map[string]cleanroom.ColumnKind{
				"fp_email": cleanroom.Fingerprint, "sealed_name": cleanroom.Sealed, "region": cleanroom.Cleartext,
			},
		},
		{
			Name: "My Events", Member: runner,
			Rule: cleanroom.Aggregation{
				Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCount, Columns: []string{"event id"}}},
				JoinColumns:       []string{"hashed_email"},
				DimensionColumns:  []string{"points accumulated"},
				ScalarFunctions:   []types.ScalarFunctions{},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: "event id", Minimum: 2}},
			},
		},
	}
}
