package cleanroomtest

import (
	"bytes"
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// ---- schemas: the tables of a collaboration as its members see them ----

// schemaRec is one schema of a collaboration with its analysis rules,
// built afresh from the fake's state at each call.
type schemaRec struct {
	s     types.Schema
	rules []types.AnalysisRule
}

// schemas lists the schemas of collaboration rec, by name: one TABLE
// schema per configured table association, one ID_MAPPING_TABLE schema per
// ID mapping table. Called with f.mu held.
func (f *CleanRooms) schemas(rec *collabRec) []schemaRec {
	collab := aws.ToString(rec.c.Id)
	var out []schemaRec
	for _, a := range f.collabAssociations(collab) {
		t := f.tables[aws.ToString(a.a.ConfiguredTableId)]
		if t == nil {
			continue
		}
		out = append(out, f.tableSchema(rec, a, t))
	}
	for _, m := range f.collabIDMappingTables(collab) {
		out = append(out, idmtSchema(rec, m))
	}
	slices.SortFunc(out, func(x, y schemaRec) int { return strings.Compare(*x.s.Name, *y.s.Name) })
	return out
}

func (f *CleanRooms) tableSchema(rec *collabRec, a *assocRec, t *tableRec) schemaRec {
	owner := arnAccount(aws.ToString(t.t.Arn))
	s := types.Schema{
		Name: aws.String(aws.ToString(a.a.Name)), Type: types.SchemaTypeTable, Description: a.a.Description,
		CollaborationId: rec.c.Id, CollaborationArn: rec.c.Arn, CreatorAccountId: aws.String(owner),
		Columns: f.schemaColumns(owner, t), PartitionKeys: []types.Column{},
		AnalysisMethod: t.t.AnalysisMethod, SelectedAnalysisMethods: slices.Clone(t.t.SelectedAnalysisMethods),
		ResourceArn: aws.String(aws.ToString(a.a.Arn)), AnalysisRuleTypes: []types.AnalysisRuleType{},
		CreateTime: a.a.CreateTime, UpdateTime: a.a.UpdateTime,
	}
	var rules []types.AnalysisRule
	for _, rt := range []types.ConfiguredTableAnalysisRuleType{types.ConfiguredTableAnalysisRuleTypeAggregation, types.ConfiguredTableAnalysisRuleTypeList, types.ConfiguredTableAnalysisRuleTypeCustom} {
		r, ok := t.rules[rt]
		if !ok {
			continue
		}
		p := schemaPolicy(clone(r).Policy)
		if p == nil {
			continue
		}
		art := types.AnalysisRuleType(rt)
		s.AnalysisRuleTypes = append(s.AnalysisRuleTypes, art)
		ar := types.AnalysisRule{Name: s.Name, Type: art, CollaborationId: rec.c.Id, Policy: p, CreateTime: r.CreateTime, UpdateTime: r.UpdateTime}
		if cr, ok := a.rules[types.ConfiguredTableAssociationAnalysisRuleType(rt)]; ok {
			ar.CollaborationPolicy = clone(cr).Policy
		}
		rules = append(rules, ar)
	}
	if len(rules) == 0 {
		s.SchemaStatusDetails = []types.SchemaStatusDetail{{Status: types.SchemaStatusNotReady, AnalysisType: types.AnalysisTypeDirectAnalysis,
			Reasons: []types.SchemaStatusReason{{Code: types.SchemaStatusReasonCodeAnalysisRuleMissing, Message: aws.String("the configured table has no analysis rule")}}}}
	} else {
		s.SchemaStatusDetails = []types.SchemaStatusDetail{{Status: types.SchemaStatusReady, AnalysisType: types.AnalysisTypeDirectAnalysis, AnalysisRuleType: rules[0].Type}}
	}
	return schemaRec{s: s, rules: rules}
}

// schemaPolicy turns a configured table's rule policy into a schema
// analysis rule's policy (the same rule under the schema's union).
func schemaPolicy(p types.ConfiguredTableAnalysisRulePolicy) types.AnalysisRulePolicy {
	v1, ok := p.(*types.ConfiguredTableAnalysisRulePolicyMemberV1)
	if !ok || v1 == nil {
		return nil
	}
	switch v := v1.Value.(type) {
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation:
		return &types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberAggregation{Value: v.Value}}
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberList:
		return &types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberList{Value: v.Value}}
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberCustom:
		return &types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberCustom{Value: v.Value}}
	}
	return nil
}

// schemaColumns are the allowed columns of t, typed from the table's data
// in the fake when it has rows or Parquet files, else string.
func (f *CleanRooms) schemaColumns(owner string, t *tableRec) []types.Column {
	typ := map[string]string{}
	if ref, _ := t.t.TableReference.(*types.TableReferenceMemberGlue); ref != nil {
		d := f.data[dataKey{owner, strings.ToLower(aws.ToString(ref.Value.DatabaseName)), strings.ToLower(aws.ToString(ref.Value.TableName))}]
		switch {
		case d.Store != nil:
		case len(d.Parquet) > 0:
			if cols, _, err := sqlengine.ReadParquet(bytes.NewReader(d.Parquet[0]), int64(len(d.Parquet[0]))); err == nil {
				for _, c := range cols {
					typ[strings.ToLower(c.Name)] = c.Type
				}
			}
		default:
			for _, c := range d.Columns {
				typ[strings.ToLower(c.Name)] = c.Type
			}
		}
	}
	out := make([]types.Column, 0, len(t.t.AllowedColumns))
	for _, c := range t.t.AllowedColumns {
		ty := typ[strings.ToLower(c)]
		if ty == "" {
			ty = "string"
		}
		out = append(out, types.Column{Name: aws.String(c), Type: aws.String(ty)})
	}
	return out
}

func idmtSchema(rec *collabRec, m *idmtRec) schemaRec {
	s := types.Schema{
		Name: aws.String(aws.ToString(m.t.Name)), Type: types.SchemaTypeIdMappingTable, Description: m.t.Description,
		CollaborationId: rec.c.Id, CollaborationArn: rec.c.Arn, CreatorAccountId: aws.String(m.account),
		PartitionKeys: []types.Column{}, AnalysisMethod: types.AnalysisMethodDirectQuery,
		ResourceArn: aws.String(aws.ToString(m.t.Arn)), AnalysisRuleTypes: []types.AnalysisRuleType{types.AnalysisRuleTypeIdMappingTable},
		SchemaTypeProperties: &types.SchemaTypePropertiesMemberIdMappingTable{Value: types.IdMappingTableSchemaTypeProperties{
			IdMappingTableInputSource: slices.Clone(m.t.InputReferenceProperties.IdMappingTableInputSource)}},
		SchemaStatusDetails: []types.SchemaStatusDetail{{Status: types.SchemaStatusReady, AnalysisType: types.AnalysisTypeDirectAnalysis, AnalysisRuleType: types.AnalysisRuleTypeIdMappingTable}},
		CreateTime:          m.t.CreateTime, UpdateTime: m.t.UpdateTime,
	}
	for _, c := range m.columns {
		s.Columns = append(s.Columns, types.Column{Name: aws.String(c), Type: aws.String("string")})
	}
	if len(m.rows) == 0 {
		s.SchemaStatusDetails = []types.SchemaStatusDetail{{Status: types.SchemaStatusNotReady, AnalysisType: types.AnalysisTypeDirectAnalysis, AnalysisRuleType: types.AnalysisRuleTypeIdMappingTable,
			Reasons: []types.SchemaStatusReason{{Code: types.SchemaStatusReasonCodeIdMappingTableNotPopulated, Message: aws.String("the ID mapping table has no rows")}}}}
	}
	r := copyRule(m.rule)
	ar := types.AnalysisRule{Name: s.Name, Type: types.AnalysisRuleTypeIdMappingTable, CollaborationId: rec.c.Id,
		Policy:     &types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberIdMappingTable{Value: r.SDK()}},
		CreateTime: m.t.CreateTime, UpdateTime: m.t.UpdateTime}
	return schemaRec{s: s, rules: []types.AnalysisRule{ar}}
}

// collabFor returns the collaboration id if the caller is a member of it
// (AccessDeniedException otherwise, as GetCollaboration). Called with f.mu
// held.
func (f *CleanRooms) collabFor(id *string) (*collabRec, error) {
	if !isUUID(id) {
		return nil, badID("collaborationIdentifier")
	}
	rec, ok := f.collabs[*id]
	if !ok {
		return nil, accessDenied()
	}
	if _, ok := f.visible(rec); !ok {
		return nil, accessDenied()
	}
	return rec, nil
}

func schemaNotFound(name string) error {
	return &types.ResourceNotFoundException{Message: aws.String("schema not found"), ResourceId: aws.String(name)}
}

func findSchema(all []schemaRec, name string) (schemaRec, bool) {
	i := slices.IndexFunc(all, func(s schemaRec) bool { return strings.EqualFold(*s.s.Name, name) })
	if i < 0 {
		return schemaRec{}, false
	}
	return all[i], true
}

// GetSchema implements the operation: a table of a collaboration the
// caller is a member of, by name (ResourceNotFoundException when none).
func (f *CleanRooms) GetSchema(ctx context.Context, in *cleanrooms.GetSchemaInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetSchemaOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetSchema", false); err != nil {
		return nil, err
	}
	rec, err := f.collabFor(in.CollaborationIdentifier)
	if err != nil {
		return nil, err
	}
	s, ok := findSchema(f.schemas(rec), aws.ToString(in.Name))
	if !ok {
		return nil, schemaNotFound(aws.ToString(in.Name))
	}
	return &cleanrooms.GetSchemaOutput{Schema: &s.s}, nil
}

// ListSchemas implements the operation: the collaboration's schemas by
// name, optionally of one SchemaType.
func (f *CleanRooms) ListSchemas(ctx context.Context, in *cleanrooms.ListSchemasInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListSchemasOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListSchemas", false); err != nil {
		return nil, err
	}
	rec, err := f.collabFor(in.CollaborationIdentifier)
	if err != nil {
		return nil, err
	}
	var all []types.SchemaSummary
	for _, r := range f.schemas(rec) {
		s := r.s
		if in.SchemaType != "" && s.Type != in.SchemaType {
			continue
		}
		all = append(all, types.SchemaSummary{Name: s.Name, Type: s.Type, CollaborationId: s.CollaborationId, CollaborationArn: s.CollaborationArn,
			CreatorAccountId: s.CreatorAccountId, AnalysisRuleTypes: s.AnalysisRuleTypes, AnalysisMethod: s.AnalysisMethod,
			SelectedAnalysisMethods: s.SelectedAnalysisMethods, ResourceArn: s.ResourceArn, CreateTime: s.CreateTime, UpdateTime: s.UpdateTime})
	}
	page, next, err := paginate(f, all, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListSchemasOutput{SchemaSummaries: page, NextToken: next}, nil
}

// BatchGetSchema implements the operation: 1–25 names; a name without a
// schema is listed in Errors (code ResourceNotFoundException; the
// service's code is not documented).
func (f *CleanRooms) BatchGetSchema(ctx context.Context, in *cleanrooms.BatchGetSchemaInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.BatchGetSchemaOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "BatchGetSchema", false); err != nil {
		return nil, err
	}
	if err := batchSize("names", len(in.Names)); err != nil {
		return nil, err
	}
	rec, err := f.collabFor(in.CollaborationIdentifier)
	if err != nil {
		return nil, err
	}
	all := f.schemas(rec)
	out := &cleanrooms.BatchGetSchemaOutput{Schemas: []types.Schema{}, Errors: []types.BatchGetSchemaError{}}
	for _, name := range in.Names {
		s, ok := findSchema(all, name)
		if !ok {
			out.Errors = append(out.Errors, types.BatchGetSchemaError{Name: aws.String(name), Code: aws.String("ResourceNotFoundException"), Message: aws.String("schema not found")})
			continue
		}
		out.Schemas = append(out.Schemas, s.s)
	}
	return out, nil
}

func batchSize(path string, n int) error {
	switch {
	case n == 0:
		return validation(cleanroom.Problems{{Path: path, Reason: cleanroom.ReasonRequired, Severity: cleanroom.SeverityError}})
	case n > 25:
		return validation(cleanroom.Problems{{Path: path, Reason: cleanroom.ReasonTooMany, Severity: cleanroom.SeverityError}})
	}
	return nil
}

func schemaRule(s schemaRec, rt types.AnalysisRuleType) (types.AnalysisRule, bool) {
	i := slices.IndexFunc(s.rules, func(r types.AnalysisRule) bool { return r.Type == rt })
	if i < 0 {
		return types.AnalysisRule{}, false
	}
	return s.rules[i], true
}

// GetSchemaAnalysisRule implements the operation: the rule of type Type
// of a schema (AGGREGATION, LIST or CUSTOM: the configured table's rule
// with the association's collaboration rule; ID_MAPPING_TABLE: the ID
// mapping table's service-managed rule). ResourceNotFoundException when
// the schema has no rule of that type.
func (f *CleanRooms) GetSchemaAnalysisRule(ctx context.Context, in *cleanrooms.GetSchemaAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetSchemaAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetSchemaAnalysisRule", false); err != nil {
		return nil, err
	}
	if err := ruleTypeValid("type", in.Type); err != nil {
		return nil, err
	}
	rec, err := f.collabFor(in.CollaborationIdentifier)
	if err != nil {
		return nil, err
	}
	s, ok := findSchema(f.schemas(rec), aws.ToString(in.Name))
	if !ok {
		return nil, schemaNotFound(aws.ToString(in.Name))
	}
	r, ok := schemaRule(s, in.Type)
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("analysis rule not found"), ResourceId: aws.String(aws.ToString(in.Name))}
	}
	return &cleanrooms.GetSchemaAnalysisRuleOutput{AnalysisRule: &r}, nil
}

func ruleTypeValid(path string, t types.AnalysisRuleType) error {
	if !slices.Contains(types.AnalysisRuleType("").Values(), t) {
		return validation(cleanroom.Problems{{Path: path, Reason: cleanroom.ReasonEnum, Severity: cleanroom.SeverityError}})
	}
	return nil
}

// BatchGetSchemaAnalysisRule implements the operation: 1–25 requests
// (name, type); one without a rule is listed in Errors (code
// ResourceNotFoundException; the service's code is not documented).
func (f *CleanRooms) BatchGetSchemaAnalysisRule(ctx context.Context, in *cleanrooms.BatchGetSchemaAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.BatchGetSchemaAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "BatchGetSchemaAnalysisRule", false); err != nil {
		return nil, err
	}
	if err := batchSize("schemaAnalysisRuleRequests", len(in.SchemaAnalysisRuleRequests)); err != nil {
		return nil, err
	}
	for i, r := range in.SchemaAnalysisRuleRequests {
		if err := ruleTypeValid("schemaAnalysisRuleRequests["+itoa(i)+"].type", r.Type); err != nil {
			return nil, err
		}
	}
	rec, err := f.collabFor(in.CollaborationIdentifier)
	if err != nil {
		return nil, err
	}
	all := f.schemas(rec)
	out := &cleanrooms.BatchGetSchemaAnalysisRuleOutput{AnalysisRules: []types.AnalysisRule{}, Errors: []types.BatchGetSchemaAnalysisRuleError{}}
	for _, req := range in.SchemaAnalysisRuleRequests {
		name := aws.ToString(req.Name)
		s, ok := findSchema(all, name)
		var r types.AnalysisRule
		if ok {
			r, ok = schemaRule(s, req.Type)
		}
		if !ok {
			out.Errors = append(out.Errors, types.BatchGetSchemaAnalysisRuleError{Name: aws.String(name), Type: req.Type,
				Code: aws.String("ResourceNotFoundException"), Message: aws.String("analysis rule not found")})
			continue
		}
		out.AnalysisRules = append(out.AnalysisRules, r)
	}
	return out, nil
}
