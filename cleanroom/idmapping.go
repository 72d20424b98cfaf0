package cleanroom

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// IDMappingRule is the ID_MAPPING_TABLE analysis rule: the rule Clean
// Rooms adds, by itself, to every ID mapping table of a collaboration (the
// table an ID namespace association's mapping workflow produces, which
// links one member's ids to another's). It cannot be created or edited, so
// IDMappingRule is not a Rule and nothing in this package sends it: read it
// with GetSchemaAnalysisRule or BatchGetSchemaAnalysisRule and convert it
// with IDMappingRuleFromSchema, IDMappingRuleFromPolicy or
// ParseIDMappingRule, or build it in Go for tests. It does not stand alone:
// a query that reads an ID mapping table follows the rule of the other
// tables it reads (which must all have one rule type), with the mapping
// table on the inner side of every join and its mapping columns only in
// join conditions (cleanroom/sqlcheck checks that).
type IDMappingRule struct {
	// Name is the schema (table) name the rule belongs to, as
	// GetSchemaAnalysisRule reports it; "" when the rule came from a bare
	// policy or was built in Go.
	Name string
	// JoinColumns are the mapping table's two id columns (source and
	// target): usable only in join conditions, never output, filtered or
	// grouped on unless they are also DimensionColumns.
	JoinColumns []string
	// QueryConstraints are the rule's query constraints (the service sends
	// zero or one). nil means the field was omitted.
	QueryConstraints []IDMappingConstraint
	// DimensionColumns may be selected, grouped and filtered on. The
	// service lists a mapping column here when the ID namespace
	// association it comes from allows its use as a dimension.
	DimensionColumns []string
}

// IDMappingConstraint is one query constraint of an IDMappingRule: a union
// of which requireOverlap is the only member the service defines.
type IDMappingConstraint struct {
	// RequireOverlap lists the columns a query must join (with an equality,
	// to a table on the other side of the mapping), so that only mapping
	// rows overlapping both members' data are used. nil when the
	// constraint is not requireOverlap.
	RequireOverlap []string
	// Unknown is the member name of a constraint this package does not
	// know ("" for requireOverlap). Query checks report such a constraint
	// as one they could not make.
	Unknown string
}

// OverlapColumns returns the columns of every requireOverlap constraint,
// lower-cased and without repeats, in order.
func (r IDMappingRule) OverlapColumns() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range r.QueryConstraints {
		for _, col := range c.RequireOverlap {
			k := strings.ToLower(col)
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// IDMappingRuleFromSDK converts the SDK's rule. A constraint of a union
// member the SDK does not know keeps its tag in Unknown.
func IDMappingRuleFromSDK(a types.AnalysisRuleIdMappingTable) IDMappingRule {
	r := IDMappingRule{JoinColumns: a.JoinColumns, DimensionColumns: a.DimensionColumns}
	if a.QueryConstraints != nil {
		r.QueryConstraints = make([]IDMappingConstraint, 0, len(a.QueryConstraints))
	}
	for _, qc := range a.QueryConstraints {
		switch v := qc.(type) {
		case *types.QueryConstraintMemberRequireOverlap:
			cols := v.Value.Columns
			if cols == nil {
				cols = []string{}
			}
			r.QueryConstraints = append(r.QueryConstraints, IDMappingConstraint{RequireOverlap: cols})
		case *types.UnknownUnionMember:
			r.QueryConstraints = append(r.QueryConstraints, IDMappingConstraint{Unknown: v.Tag})
		default:
			r.QueryConstraints = append(r.QueryConstraints, IDMappingConstraint{Unknown: "unknown"})
		}
	}
	return r
}

// SDK returns the rule as the SDK's type (what a fake serves from
// GetSchemaAnalysisRule). Constraints with Unknown set become
// *types.UnknownUnionMember.
func (r IDMappingRule) SDK() types.AnalysisRuleIdMappingTable {
	out := types.AnalysisRuleIdMappingTable{JoinColumns: r.JoinColumns, DimensionColumns: r.DimensionColumns}
	if r.QueryConstraints != nil {
		out.QueryConstraints = make([]types.QueryConstraint, 0, len(r.QueryConstraints))
	}
	for _, c := range r.QueryConstraints {
		if c.Unknown != "" {
			out.QueryConstraints = append(out.QueryConstraints, &types.UnknownUnionMember{Tag: c.Unknown})
			continue
		}
		out.QueryConstraints = append(out.QueryConstraints, &types.QueryConstraintMemberRequireOverlap{
			Value: types.QueryConstraintRequireOverlap{Columns: c.RequireOverlap},
		})
	}
	return out
}

// IDMappingRuleFromPolicy returns the ID mapping rule of a schema analysis
// rule's policy, and false when the policy is nil or another rule type.
func IDMappingRuleFromPolicy(p types.AnalysisRulePolicy) (IDMappingRule, bool) {
	v1, ok := p.(*types.AnalysisRulePolicyMemberV1)
	if !ok || v1 == nil {
		return IDMappingRule{}, false
	}
	m, ok := v1.Value.(*types.AnalysisRulePolicyV1MemberIdMappingTable)
	if !ok || m == nil {
		return IDMappingRule{}, false
	}
	return IDMappingRuleFromSDK(m.Value), true
}

// IDMappingRuleFromSchema returns the ID mapping rule of one analysis rule
// of GetSchemaAnalysisRule or BatchGetSchemaAnalysisRule, with its Name,
// and false when it is another rule type.
func IDMappingRuleFromSchema(ar types.AnalysisRule) (IDMappingRule, bool) {
	if ar.Type != "" && ar.Type != types.AnalysisRuleTypeIdMappingTable {
		return IDMappingRule{}, false
	}
	r, ok := IDMappingRuleFromPolicy(ar.Policy)
	if !ok {
		return IDMappingRule{}, false
	}
	if ar.Name != nil {
		r.Name = *ar.Name
	}
	return r, true
}

// ParseIDMappingRule loads an ID mapping rule from the JSON the AWS CLI
// prints and the API returns:
//
//   - the output of get-schema-analysis-rule: {"analysisRule": {...}};
//   - one analysis rule: {"name": ..., "type": "ID_MAPPING_TABLE",
//     "policy": {"v1": {"idMappingTable": {...}}}, ...};
//   - a policy: {"v1": {"idMappingTable": {...}}};
//   - the rule itself: {"joinColumns": [...], "queryConstraints": [...]}.
//
// Lists keep the difference between omitted (nil) and empty ([]). Member
// names match case-insensitively; unknown members are ignored, as the SDK
// does. Malformed JSON, another rule type, or a query constraint that is
// not a one-member object is ErrInvalidInput. The rule is not validated:
// call Validate.
func ParseIDMappingRule(data []byte) (IDMappingRule, error) {
	obj, err := parseObject(data)
	if err != nil {
		return IDMappingRule{}, err
	}
	if inner, ok := member(obj, "analysisRule"); ok {
		if obj, err = object(inner); err != nil {
			return IDMappingRule{}, err
		}
	}
	return idMappingFromObject(obj)
}

// ParseIDMappingRules loads the ID mapping rules of the output of
// batch-get-schema-analysis-rule ({"analysisRules": [...], "errors":
// [...]}), in order, skipping the rules of other types; the errors are the
// service's per-name failures and are not read. Any form
// ParseIDMappingRule accepts gives its one rule.
func ParseIDMappingRules(data []byte) ([]IDMappingRule, error) {
	obj, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	raw, ok := member(obj, "analysisRules")
	if !ok {
		r, err := ParseIDMappingRule(data)
		if err != nil {
			return nil, err
		}
		return []IDMappingRule{r}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, idMappingErr("NOT_A_LIST", err)
	}
	var out []IDMappingRule
	for _, it := range items {
		o, err := object(it)
		if err != nil {
			return nil, err
		}
		if t, ok := member(o, "type"); ok && !isType(t, types.AnalysisRuleTypeIdMappingTable) {
			continue
		}
		r, err := idMappingFromObject(o)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func idMappingErr(reason string, err error) error {
	return &Error{Op: "parse id mapping rule", Kind: ErrInvalidInput, Reason: reason, Err: err}
}

func parseObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, idMappingErr("MALFORMED_JSON", err)
	}
	return object(raw)
}

func object(raw json.RawMessage) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, idMappingErr("NOT_AN_OBJECT", err)
	}
	return obj, nil
}

// member finds a member by name, case-insensitively (the wire's camelCase
// or a PascalCase copy); a JSON null counts as absent.
func member(obj map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	for k, v := range obj {
		if strings.EqualFold(k, name) && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return v, true
		}
	}
	return nil, false
}

func isType(raw json.RawMessage, t types.AnalysisRuleType) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil && s == string(t)
}

// idMappingFromObject reads an analysis rule, a policy or a bare rule.
func idMappingFromObject(obj map[string]json.RawMessage) (IDMappingRule, error) {
	var name string
	if t, ok := member(obj, "type"); ok && !isType(t, types.AnalysisRuleTypeIdMappingTable) {
		return IDMappingRule{}, idMappingErr("NOT_ID_MAPPING_TABLE", nil)
	}
	if p, ok := member(obj, "policy"); ok {
		if n, ok := member(obj, "name"); ok {
			if err := json.Unmarshal(n, &name); err != nil {
				return IDMappingRule{}, idMappingErr("MALFORMED_JSON", err)
			}
		}
		var err error
		if obj, err = object(p); err != nil {
			return IDMappingRule{}, err
		}
	}
	if v1, ok := member(obj, "v1"); ok {
		u, err := object(v1)
		if err != nil {
			return IDMappingRule{}, err
		}
		body, ok := member(u, "idMappingTable")
		if !ok || len(u) != 1 {
			return IDMappingRule{}, idMappingErr("NOT_ID_MAPPING_TABLE", nil)
		}
		if obj, err = object(body); err != nil {
			return IDMappingRule{}, err
		}
	}
	if _, ok := member(obj, "joinColumns"); !ok {
		if _, ok := member(obj, "queryConstraints"); !ok {
			return IDMappingRule{}, idMappingErr("NO_POLICY", nil)
		}
	}
	var body struct {
		JoinColumns      []string          `json:"joinColumns"`
		QueryConstraints []json.RawMessage `json:"queryConstraints"`
		DimensionColumns []string          `json:"dimensionColumns"`
	}
	b, _ := json.Marshal(obj) // re-encoding a decoded object cannot fail
	if err := json.Unmarshal(b, &body); err != nil {
		return IDMappingRule{}, idMappingErr("UNKNOWN_POLICY_SHAPE", err)
	}
	r := IDMappingRule{Name: name, JoinColumns: body.JoinColumns, DimensionColumns: body.DimensionColumns}
	if body.QueryConstraints != nil {
		r.QueryConstraints = make([]IDMappingConstraint, 0, len(body.QueryConstraints))
	}
	for _, raw := range body.QueryConstraints {
		u, err := object(raw)
		if err != nil {
			return IDMappingRule{}, err
		}
		if len(u) != 1 {
			return IDMappingRule{}, idMappingErr("UNKNOWN_POLICY_SHAPE", nil)
		}
		for k, v := range u {
			if k == "" {
				return IDMappingRule{}, idMappingErr("UNKNOWN_POLICY_SHAPE", nil)
			}
			if !strings.EqualFold(k, "requireOverlap") {
				r.QueryConstraints = append(r.QueryConstraints, IDMappingConstraint{Unknown: k})
				continue
			}
			var ro struct {
				Columns []string `json:"columns"`
			}
			if err := json.Unmarshal(v, &ro); err != nil {
				return IDMappingRule{}, idMappingErr("UNKNOWN_POLICY_SHAPE", err)
			}
			if ro.Columns == nil {
				ro.Columns = []string{}
			}
			r.QueryConstraints = append(r.QueryConstraints, IDMappingConstraint{RequireOverlap: ro.Columns})
		}
	}
	return r, nil
}

// Validate checks the rule's shape as the service's model defines it:
// exactly two join columns, at most one query constraint (required, may be
// []), every column an AnalysisRuleColumnName. Paths are JSON paths into
// the policy ("v1.idMappingTable.joinColumns[1]"). Warnings: repeated
// columns, a requireOverlap column that is not a join column, a
// constraint this package does not know. The service builds this rule
// itself, so problems mean the JSON was damaged or the model has moved on.
func (r IDMappingRule) Validate() Problems {
	var c collector
	const base = "v1.idMappingTable"
	ruleColumns(&c, base+".joinColumns", r.JoinColumns, requiredList)
	switch n := len(r.JoinColumns); {
	case r.JoinColumns == nil:
	case n < 2:
		c.err(base+".joinColumns", ReasonTooFew)
	case n > 2:
		c.err(base+".joinColumns", ReasonTooMany)
	}
	if r.QueryConstraints == nil {
		c.err(base+".queryConstraints", ReasonRequired)
	}
	if len(r.QueryConstraints) > 1 {
		c.err(base+".queryConstraints", ReasonTooMany)
	}
	for i, qc := range r.QueryConstraints {
		p := base + ".queryConstraints" + idx(i)
		if qc.Unknown != "" {
			c.warn(p, ReasonEnum, "ID1")
			continue
		}
		p += ".requireOverlap.columns"
		ruleColumns(&c, p, qc.RequireOverlap, nil)
		for j, col := range qc.RequireOverlap {
			if !containsFold(r.JoinColumns, col) {
				c.warn(p+idx(j), ReasonPlacement, "ID2")
			}
		}
	}
	if r.DimensionColumns != nil {
		ruleColumns(&c, base+".dimensionColumns", r.DimensionColumns, nil)
	}
	return c.ps
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
