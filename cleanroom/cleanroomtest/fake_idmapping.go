package cleanroomtest

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// ---- ID mapping tables ----

// IDMappingTable is an ID mapping table to put into a collaboration with
// CleanRooms.AddIDMappingTable. On the service such a table is created
// from two Entity Resolution ID namespace associations (one member's
// source ids, another's target ids) and filled by an ID mapping workflow;
// the fake has neither, so a test gives the table's rows and its
// service-managed ID_MAPPING_TABLE rule directly.
type IDMappingTable struct {
	// Name is the table's name in SQL and its schema name (a TableAlias:
	// letters, digits and underscores, at most 128 characters). It must
	// not be the name of another table of the collaboration.
	Name        string
	Description string
	// Rule is the table's ID_MAPPING_TABLE rule. Its JoinColumns (exactly
	// two: source id, target id) are the table's first two columns; any
	// DimensionColumns that are not join columns follow, in order. nil
	// QueryConstraints are served as [] (no overlap required).
	Rule cleanroom.IDMappingRule
	// Rows are the mapping rows, one value per column (source id, target
	// id, then the extra dimension columns); ids are strings, as the
	// service's mapping columns are.
	Rows [][]any
}

type idmtRec struct {
	t       types.IdMappingTable
	account string // the member who created it (the schema's creator)
	rule    cleanroom.IDMappingRule
	columns []string
	rows    [][]any
}

// columns lists the columns of an ID mapping table's rule: the join
// columns, then the dimension columns that are not join columns.
func idmtColumns(r cleanroom.IDMappingRule) []string {
	cols := slices.Clone(r.JoinColumns)
	for _, d := range r.DimensionColumns {
		if !slices.ContainsFunc(cols, func(c string) bool { return strings.EqualFold(c, d) }) {
			cols = append(cols, d)
		}
	}
	return cols
}

func copyRule(r cleanroom.IDMappingRule) cleanroom.IDMappingRule {
	out := cleanroom.IDMappingRule{Name: r.Name, JoinColumns: slices.Clone(r.JoinColumns), DimensionColumns: slices.Clone(r.DimensionColumns)}
	out.QueryConstraints = make([]cleanroom.IDMappingConstraint, 0, len(r.QueryConstraints))
	for _, c := range r.QueryConstraints {
		out.QueryConstraints = append(out.QueryConstraints, cleanroom.IDMappingConstraint{RequireOverlap: slices.Clone(c.RequireOverlap), Unknown: c.Unknown})
	}
	return out
}

// AddIDMappingTable puts an ID mapping table into the collaboration of
// membershipID (a membership of the caller's account), as
// CreateIdMappingTable and a finished mapping workflow do on the service.
// The table then shows as a schema of type ID_MAPPING_TABLE with its
// rule (GetSchema, ListSchemas, BatchGetSchema, GetSchemaAnalysisRule,
// BatchGetSchemaAnalysisRule), is listed by ListIdMappingTables, and
// protected queries of the collaboration can join through it. Its input
// sources name ID namespace association ids the fake makes up (it serves
// no ID namespace associations).
//
// Errors are the SDK's: *types.ValidationException for a bad name, a
// rule that breaks the model (cleanroom.IDMappingRule.Validate) or a row
// of the wrong width; *types.ResourceNotFoundException for an unknown
// membership; *types.ConflictException when the name is taken in the
// collaboration. The call counts as a write.
func (f *CleanRooms) AddIDMappingTable(ctx context.Context, membershipID string, t IDMappingTable) (*types.IdMappingTable, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "AddIDMappingTable", true); err != nil {
		return nil, err
	}
	m, err := f.membership(aws.String(membershipID))
	if err != nil {
		return nil, err
	}
	var ps cleanroom.Problems
	if !tableAlias(t.Name) {
		ps = append(ps, cleanroom.Problem{Path: "name", Reason: cleanroom.ReasonPattern, Severity: cleanroom.SeverityError})
	}
	rule := copyRule(t.Rule)
	rule.Name = t.Name
	ps = append(ps, rule.Validate()...)
	cols := idmtColumns(rule)
	for i, r := range t.Rows {
		if len(r) != len(cols) {
			ps = append(ps, cleanroom.Problem{Path: "rows[" + itoa(i) + "]", Reason: cleanroom.ReasonOutOfRange, Severity: cleanroom.SeverityError})
			break
		}
	}
	if err := validation(ps); err != nil {
		return nil, err
	}
	collab := aws.ToString(m.CollaborationId)
	if f.schemaTaken(collab, t.Name) {
		return nil, conflict("", t.Name, types.ConflictExceptionReasonAlreadyExists, "a table of this name already exists in the collaboration")
	}
	id := f.newID()
	now := f.now()
	rec := &idmtRec{account: f.account, rule: rule, columns: cols, rows: make([][]any, len(t.Rows))}
	for i, r := range t.Rows {
		rec.rows[i] = slices.Clone(r)
	}
	rec.t = types.IdMappingTable{
		Arn:              aws.String(aws.ToString(m.Arn) + "/idmappingtable/" + id),
		Id:               aws.String(id),
		Name:             aws.String(t.Name),
		CollaborationArn: m.CollaborationArn, CollaborationId: m.CollaborationId,
		MembershipArn: m.Arn, MembershipId: m.Id,
		InputReferenceConfig: &types.IdMappingTableInputReferenceConfig{
			InputReferenceArn:      aws.String("arn:aws:entityresolution:" + f.opts.Region + ":" + f.account + ":idmappingworkflow/" + t.Name),
			ManageResourcePolicies: aws.Bool(true),
		},
		InputReferenceProperties: &types.IdMappingTableInputReferenceProperties{IdMappingTableInputSource: []types.IdMappingTableInputSource{
			{IdNamespaceAssociationId: aws.String(f.newID()), Type: types.IdNamespaceTypeSource},
			{IdNamespaceAssociationId: aws.String(f.newID()), Type: types.IdNamespaceTypeTarget},
		}},
		CreateTime: now, UpdateTime: now,
	}
	if t.Description != "" {
		rec.t.Description = aws.String(t.Description)
	}
	f.idmts[id] = rec
	return ptr(clone(rec.t)), nil
}

// tableAlias reports whether s is a TableAlias: ^[a-zA-Z0-9_](([a-zA-Z0-9_ ]+-)*([a-zA-Z0-9_ ]+))?$
// in the model; the fake takes the common subset, letters, digits and
// underscores, 1–128 characters.
func tableAlias(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// schemaTaken reports whether a table of the collaboration (an
// association or an ID mapping table) is named name. Called with f.mu
// held.
func (f *CleanRooms) schemaTaken(collab, name string) bool {
	for _, a := range f.collabAssociations(collab) {
		if strings.EqualFold(aws.ToString(a.a.Name), name) {
			return true
		}
	}
	for _, t := range f.collabIDMappingTables(collab) {
		if strings.EqualFold(aws.ToString(t.t.Name), name) {
			return true
		}
	}
	return false
}

// collabIDMappingTables lists the ID mapping tables of a collaboration by
// id. Called with f.mu held.
func (f *CleanRooms) collabIDMappingTables(collab string) []*idmtRec {
	var out []*idmtRec
	for _, t := range f.idmts {
		if aws.ToString(t.t.CollaborationId) == collab {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(x, y *idmtRec) int { return strings.Compare(*x.t.Id, *y.t.Id) })
	return out
}

func idmtNotFound(id string) error {
	return &types.ResourceNotFoundException{Message: aws.String("ID mapping table not found"), ResourceId: aws.String(id)}
}

// idmt returns the ID mapping table id of the caller's membership mid.
// Called with f.mu held.
func (f *CleanRooms) idmt(mid, id *string) (*idmtRec, error) {
	if _, err := f.membership(mid); err != nil {
		return nil, err
	}
	if !isUUID(id) {
		return nil, badID("idMappingTableIdentifier")
	}
	t, ok := f.idmts[*id]
	if !ok || aws.ToString(t.t.MembershipId) != *mid {
		return nil, idmtNotFound(*id)
	}
	return t, nil
}

// GetIdMappingTable implements the operation for the ID mapping tables of
// the caller's membership.
func (f *CleanRooms) GetIdMappingTable(ctx context.Context, in *cleanrooms.GetIdMappingTableInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetIdMappingTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetIdMappingTable", false); err != nil {
		return nil, err
	}
	t, err := f.idmt(in.MembershipIdentifier, in.IdMappingTableIdentifier)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.GetIdMappingTableOutput{IdMappingTable: ptr(clone(t.t))}, nil
}

// ListIdMappingTables implements the operation: the ID mapping tables the
// caller's membership created, oldest first.
func (f *CleanRooms) ListIdMappingTables(ctx context.Context, in *cleanrooms.ListIdMappingTablesInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListIdMappingTablesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListIdMappingTables", false); err != nil {
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	var all []types.IdMappingTableSummary
	for _, t := range f.collabIDMappingTables(aws.ToString(m.CollaborationId)) {
		if aws.ToString(t.t.MembershipId) != *m.Id {
			continue
		}
		all = append(all, types.IdMappingTableSummary{Arn: t.t.Arn, Id: t.t.Id, Name: t.t.Name, Description: t.t.Description,
			CollaborationArn: t.t.CollaborationArn, CollaborationId: t.t.CollaborationId, MembershipArn: t.t.MembershipArn, MembershipId: t.t.MembershipId,
			InputReferenceConfig: t.t.InputReferenceConfig, CreateTime: t.t.CreateTime, UpdateTime: t.t.UpdateTime})
	}
	page, next, err := paginate(f, clone(all), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListIdMappingTablesOutput{IdMappingTableSummaries: page, NextToken: next}, nil
}

// DeleteIdMappingTable implements the operation: the table, its schema and
// its rule leave the collaboration; queries that run after it cannot read it.
func (f *CleanRooms) DeleteIdMappingTable(ctx context.Context, in *cleanrooms.DeleteIdMappingTableInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.DeleteIdMappingTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteIdMappingTable", true); err != nil {
		return nil, err
	}
	t, err := f.idmt(in.MembershipIdentifier, in.IdMappingTableIdentifier)
	if err != nil {
		return nil, err
	}
	delete(f.idmts, *t.t.Id)
	return &cleanrooms.DeleteIdMappingTableOutput{}, nil
}
