package cleanroom

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom/internal/wire"
)

// PolicyRule is a configured-table analysis rule held as the SDK's policy,
// as ParseRule loads it. It satisfies Rule, so an existing rule can be
// validated (ValidateRule, TableSpec.Validate) or ensured as it is.
type PolicyRule struct {
	RuleType   types.ConfiguredTableAnalysisRuleType
	RulePolicy types.ConfiguredTableAnalysisRulePolicy
}

// Type is the rule's analysisRuleType.
func (r PolicyRule) Type() types.ConfiguredTableAnalysisRuleType { return r.RuleType }

// Policy is the rule's analysisRulePolicy.
func (r PolicyRule) Policy() types.ConfiguredTableAnalysisRulePolicy { return r.RulePolicy }

// Validate checks the rule as the service would.
func (r PolicyRule) Validate() Problems { return ValidateRule(r.RuleType, r.RulePolicy) }

// ParseRule loads a configured-table analysis rule from the JSON the
// console, the AWS CLI and CloudFormation use:
//
//   - a policy, as passed to --analysis-rule-policy or shown by the
//     console: {"v1": {"aggregation": {...}}};
//   - a rule as the CLI prints it (get-configured-table-analysis-rule),
//     with or without the outer {"analysisRule": ...}:
//     {"type": "AGGREGATION", "policy": {"v1": ...}};
//   - a CloudFormation AnalysisRules item (AWS::CleanRooms::ConfiguredTable)
//     or its policy, in PascalCase: {"Type": "LIST", "Policy": {"V1": {"List": ...}}}.
//
// The type, when the JSON gives none, is the policy's v1 member. Lists
// keep the difference between omitted (nil) and empty ([] → non-nil empty
// slice), which the service treats differently. Unknown members are
// ignored, as the SDK does; malformed JSON or an unknown policy member is
// ErrInvalidInput. The rule is not validated: call Validate.
func ParseRule(data []byte) (PolicyRule, error) {
	bad := func(reason string, err error) (PolicyRule, error) {
		return PolicyRule{}, &Error{Op: "parse rule", Kind: ErrInvalidInput, Reason: reason, Err: err}
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return bad("MALFORMED_JSON", err)
	}
	obj, ok := camel(raw).(map[string]any)
	if !ok {
		return bad("NOT_AN_OBJECT", nil)
	}
	if inner, ok := obj["analysisRule"].(map[string]any); ok {
		obj = inner
	}
	var r PolicyRule
	policy := obj
	if p, ok := obj["policy"].(map[string]any); ok {
		policy = p
		if t, ok := obj["type"].(string); ok {
			r.RuleType = types.ConfiguredTableAnalysisRuleType(t)
		}
	}
	if _, ok := policy["v1"]; !ok {
		return bad("NO_POLICY", nil)
	}
	b, err := json.Marshal(map[string]any{"policy": policy})
	if err != nil {
		return bad("MALFORMED_JSON", err)
	}
	var holder types.ConfiguredTableAnalysisRule
	if err := wire.Unmarshal(b, &holder); err != nil {
		return bad("UNKNOWN_POLICY_SHAPE", err)
	}
	r.RulePolicy = holder.Policy
	if r.RuleType == "" {
		if v1, ok := r.RulePolicy.(*types.ConfiguredTableAnalysisRulePolicyMemberV1); ok {
			switch v1.Value.(type) {
			case *types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation:
				r.RuleType = types.ConfiguredTableAnalysisRuleTypeAggregation
			case *types.ConfiguredTableAnalysisRulePolicyV1MemberList:
				r.RuleType = types.ConfiguredTableAnalysisRuleTypeList
			case *types.ConfiguredTableAnalysisRulePolicyV1MemberCustom:
				r.RuleType = types.ConfiguredTableAnalysisRuleTypeCustom
			}
		}
	}
	return r, nil
}

// camel lower-cases the first letter of every object key (CloudFormation's
// PascalCase to the wire's camelCase; wire keys are unchanged).
func camel(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[lowerFirst(k)] = camel(e)
		}
		return out
	case []any:
		for i := range x {
			x[i] = camel(x[i])
		}
		return x
	}
	return v
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsUpper(r) {
		return s
	}
	// "V1" → "v1"; an all-caps key stays as the wire spells it elsewhere.
	return strings.ToLower(s[:n]) + s[n:]
}
