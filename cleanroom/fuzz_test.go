package cleanroom

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"

	"github.com/cdpkit/cdpkit/cleanroom/internal/wire"
)

// FuzzValidate feeds request bodies, decoded as the REST test server
// decodes them, to the validators: whatever arrives, they report problems
// and never panic.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		`{"analysisRuleType":"AGGREGATION","analysisRulePolicy":{"v1":{"aggregation":{"aggregateColumns":[{"columnNames":["a"],"function":"COUNT"}],"joinColumns":[],"dimensionColumns":[],"scalarFunctions":[],"outputConstraints":[{"columnName":"a","minimum":2,"type":"COUNT_DISTINCT"}]}}}}`,
		`{"analysisRuleType":"LIST","analysisRulePolicy":{"v1":{"list":{"joinColumns":["a-b"],"listColumns":["a-b"]}}}}`,
		`{"analysisRuleType":"CUSTOM","analysisRulePolicy":{"v1":{"custom":{"allowedAnalyses":["ANY_QUERY"],"differentialPrivacy":{"columns":[{}]}}}}}`,
		`{"analysisRulePolicy":{"v1":{"aggregation":{"outputConstraints":[{}],"aggregateColumns":[{}]}}}}`,
		`{"name":"\u00a0","tableReference":{"glue":{}},"allowedColumns":[""],"tags":{"":""}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var rule cleanrooms.CreateConfiguredTableAnalysisRuleInput
		if wire.Unmarshal(body, &rule) == nil {
			_ = ValidateRule(rule.AnalysisRuleType, rule.AnalysisRulePolicy)
		}
		var assoc cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput
		if wire.Unmarshal(body, &assoc) == nil {
			_ = ValidateAssociationRule(assoc.AnalysisRuleType, assoc.AnalysisRulePolicy)
		}
		var table cleanrooms.CreateConfiguredTableInput
		if wire.Unmarshal(body, &table) == nil {
			_ = ValidateCreateTable(&table)
		}
		var collab cleanrooms.CreateCollaborationInput
		if wire.Unmarshal(body, &collab) == nil {
			_ = ValidateCreateCollaboration(&collab)
		}
	})
}
