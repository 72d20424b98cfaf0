package cleanroomtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

const (
	advertiser = "111122223333"
	publisher  = "444455556666"
)

// Through the mapping table: campaigns by distinct customers. The
// publisher's devices d1-d3 map to customers c1-c3 ("spring"); d9 maps to
// c7, who is not a customer, and the autumn group is empty.
const mappedQuery = `SELECT d.campaign, COUNT(DISTINCT c.customer_id) AS customers
FROM customers c JOIN id_map m ON c.customer_id = m.source_id
JOIN devices d ON d.device_id = m.target_id
GROUP BY d.campaign`

// The mapping table on the outer side of a LEFT JOIN, its target id
// selected and grouped on: refused.
const refusedQuery = `SELECT m.target_id, COUNT(DISTINCT c.customer_id)
FROM id_map m LEFT JOIN customers c ON c.customer_id = m.source_id
GROUP BY m.target_id`

func idMapRule() cleanroom.IDMappingRule {
	return cleanroom.IDMappingRule{
		JoinColumns:      []string{"source_id", "target_id"},
		QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"source_id", "target_id"}}},
	}
}

// idMappingWorld builds a collaboration of an advertiser (creator, runs
// queries) and a publisher, each with an aggregation table, and the
// advertiser's ID mapping table id_map. The fake's clock moves one second
// at every reading, so queries end after a few polls without waiting.
func idMappingWorld(t *testing.T) (f *cleanroomtest.CleanRooms, membership, collab string) {
	t.Helper()
	ctx := t.Context()
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	f = cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) {
		o.AccountID = advertiser
		o.Now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Second)
			return now
		}
	})
	c, err := f.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
		Name: aws.String("idmt"), Description: aws.String("ID mapping"), CreatorDisplayName: aws.String("advertiser"),
		CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:                []types.MemberSpecification{{AccountId: aws.String(publisher), DisplayName: aws.String("publisher"), MemberAbilities: []types.MemberAbility{}}},
		QueryLogStatus:         types.CollaborationQueryLogStatusDisabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	collab = aws.ToString(c.Collaboration.Id)
	join := func(view *cleanroomtest.CleanRooms) string {
		m, err := view.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: aws.String(collab), QueryLogStatus: types.MembershipQueryLogStatusDisabled})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(m.Membership.Id)
	}
	membership = join(f)
	pub := f.As(publisher)
	pubMembership := join(pub)
	rule := func(id, dim string) cleanroom.Aggregation {
		return cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{id}}},
			JoinColumns:       []string{id},
			DimensionColumns:  []string{dim},
			ScalarFunctions:   []types.ScalarFunctions{},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: id, Minimum: 2}},
		}
	}
	for _, tb := range []struct {
		view         *cleanroomtest.CleanRooms
		membership   string
		name, id, dm string
		rows         [][]any
	}{
		{f, membership, "customers", "customer_id", "segment", [][]any{{"c1", "new"}, {"c2", "new"}, {"c3", "loyal"}}},
		{pub, pubMembership, "devices", "device_id", "campaign", [][]any{{"d1", "spring"}, {"d2", "spring"}, {"d3", "spring"}, {"d9", "autumn"}}},
	} {
		tb.view.SetTableData("db", tb.name, cleanroomtest.TableData{Columns: []cleanroomtest.Column{{Name: tb.id, Type: "string"}, {Name: tb.dm, Type: "string"}}, Rows: tb.rows})
		_, err := cleanroom.New(tb.view).Ensure(ctx, cleanroom.TableSpec{Key: tb.name,
			Table:       cleanroom.Table{Name: tb.name, Database: "db", Table: tb.name, AllowedColumns: []string{tb.id, tb.dm}},
			Rule:        rule(tb.id, tb.dm),
			Association: &cleanroom.Association{MembershipID: tb.membership, Name: tb.name, RoleARN: "arn:aws:iam::" + tb.view.AccountID() + ":role/cleanrooms-read"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.AddIDMappingTable(ctx, membership, cleanroomtest.IDMappingTable{Name: "id_map", Description: "customers to devices", Rule: idMapRule(),
		Rows: [][]any{{"c1", "d1"}, {"c2", "d2"}, {"c3", "d3"}, {"c7", "d9"}}}); err != nil {
		t.Fatal(err)
	}
	return f, membership, collab
}

type queryAPI interface {
	StartProtectedQuery(context.Context, *cleanrooms.StartProtectedQueryInput, ...func(*cleanrooms.Options)) (*cleanrooms.StartProtectedQueryOutput, error)
	GetProtectedQuery(context.Context, *cleanrooms.GetProtectedQueryInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetProtectedQueryOutput, error)
}

// runSQL starts a query and polls it (the fake's clock moves at each
// reading) until it ends.
func runSQL(t *testing.T, api queryAPI, membership, sql string) *types.ProtectedQuery {
	t.Helper()
	ctx := t.Context()
	out, err := api.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(membership), Type: types.ProtectedQueryTypeSql,
		SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(sql)},
		ResultConfiguration: &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{
			Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("results"), ResultFormat: types.ResultFormatCsv}}}})
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		q, err := api.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(membership), ProtectedQueryIdentifier: out.ProtectedQuery.Id})
		if err != nil {
			t.Fatal(err)
		}
		switch q.ProtectedQuery.Status {
		case types.ProtectedQueryStatusSuccess, types.ProtectedQueryStatusFailed, types.ProtectedQueryStatusCancelled, types.ProtectedQueryStatusTimedOut:
			return q.ProtectedQuery
		}
	}
	t.Fatal("the query did not end")
	return nil
}

// checkMappedQueries runs the allowed and the refused query through api.
func checkMappedQueries(t *testing.T, f *cleanroomtest.CleanRooms, api queryAPI, membership string) {
	t.Helper()
	q := runSQL(t, api, membership, mappedQuery)
	if q.Status != types.ProtectedQueryStatusSuccess {
		t.Fatalf("allowed query: %s %s", q.Status, aws.ToString(q.Error.Message))
	}
	loc := q.Result.Output.(*types.ProtectedQueryOutputMemberS3).Value.Location
	var got []string
	for row, err := range cleanroom.ResultRows(t.Context(), f.S3(), aws.ToString(loc)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(row.Values...))
	}
	if d := cmp.Diff([]string{"spring3"}, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}

	q = runSQL(t, api, membership, refusedQuery)
	if q.Status != types.ProtectedQueryStatusFailed || aws.ToString(q.Error.Code) != cleanroomtest.CodeRuleViolation {
		t.Fatalf("refused query: %s %+v", q.Status, q.Error)
	}
	for _, reason := range []string{"id_mapping_table_outer_side", "join_column_outside_on", "overlap_required"} {
		if !strings.Contains(aws.ToString(q.Error.Message), reason) {
			t.Errorf("refused query: message does not give %s:\n%s", reason, aws.ToString(q.Error.Message))
		}
	}
}

func TestIDMappingTableQueries(t *testing.T) {
	f, m, _ := idMappingWorld(t)
	checkMappedQueries(t, f, f, m)

	// Without the mapping table, the same SQL names a table that does not
	// exist.
	tables, err := f.ListIdMappingTables(t.Context(), &cleanrooms.ListIdMappingTablesInput{MembershipIdentifier: aws.String(m)})
	if err != nil || len(tables.IdMappingTableSummaries) != 1 {
		t.Fatalf("ListIdMappingTables: %v %v", tables, err)
	}
	if _, err := f.DeleteIdMappingTable(t.Context(), &cleanrooms.DeleteIdMappingTableInput{MembershipIdentifier: aws.String(m),
		IdMappingTableIdentifier: tables.IdMappingTableSummaries[0].Id}); err != nil {
		t.Fatal(err)
	}
	if q := runSQL(t, f, m, mappedQuery); q.Status != types.ProtectedQueryStatusFailed {
		t.Errorf("query through a deleted mapping table: %s", q.Status)
	}
}

// TestIDMappingTableOverTheWire reads the collaboration's schemas and
// rules with a real SDK client, builds the tables with sqlcheck.FromSchema
// as a member would, and runs the queries over the wire.
func TestIDMappingTableOverTheWire(t *testing.T) {
	ctx := t.Context()
	f, m, collab := idMappingWorld(t)
	srv := cleanroomtest.NewCleanRoomsServer(f)
	defer srv.Close()
	api := srv.Client()

	list, err := api.ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: aws.String(collab)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list.SchemaSummaries {
		names = append(names, aws.ToString(s.Name)+" "+string(s.Type)+" "+fmt.Sprint(s.AnalysisRuleTypes)+" "+aws.ToString(s.CreatorAccountId))
	}
	want := []string{"customers TABLE [AGGREGATION] " + advertiser, "devices TABLE [AGGREGATION] " + publisher, "id_map ID_MAPPING_TABLE [ID_MAPPING_TABLE] " + advertiser}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("ListSchemas (-want +got):\n%s", d)
	}
	only, err := api.ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: aws.String(collab), SchemaType: types.SchemaTypeIdMappingTable})
	if err != nil || len(only.SchemaSummaries) != 1 || aws.ToString(only.SchemaSummaries[0].Name) != "id_map" {
		t.Errorf("ListSchemas of type ID_MAPPING_TABLE: %v", err)
	}

	s, err := api.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(collab), Name: aws.String("id_map")})
	if err != nil {
		t.Fatal(err)
	}
	if s.Schema.Type != types.SchemaTypeIdMappingTable || len(s.Schema.Columns) != 2 || aws.ToString(s.Schema.Columns[1].Name) != "target_id" ||
		s.Schema.SchemaStatusDetails[0].Status != types.SchemaStatusReady {
		t.Errorf("GetSchema: %+v", s.Schema)
	}
	props, ok := s.Schema.SchemaTypeProperties.(*types.SchemaTypePropertiesMemberIdMappingTable)
	if !ok || len(props.Value.IdMappingTableInputSource) != 2 || props.Value.IdMappingTableInputSource[1].Type != types.IdNamespaceTypeTarget {
		t.Errorf("schemaTypeProperties: %#v", s.Schema.SchemaTypeProperties)
	}

	// The rule decodes in the SDK and reads back as the rule given.
	ar, err := api.GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: aws.String(collab), Name: aws.String("id_map"), Type: types.AnalysisRuleTypeIdMappingTable})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := cleanroom.IDMappingRuleFromSchema(*ar.AnalysisRule)
	wantRule := idMapRule()
	wantRule.Name = "id_map"
	if !ok {
		t.Fatalf("IDMappingRuleFromSchema: not an ID mapping rule: %#v", ar.AnalysisRule.Policy)
	}
	if d := cmp.Diff(wantRule, got); d != "" {
		t.Errorf("rule over the SDK (-want +got):\n%s", d)
	}
	// So does the raw JSON the service shape has (what the CLI prints).
	resp, err := http.Get(srv.URL() + "/collaborations/" + collab + "/schemas/id_map/analysisRule/ID_MAPPING_TABLE")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := cleanroom.ParseIDMappingRule(body)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantRule, parsed); d != "" {
		t.Errorf("ParseIDMappingRule (-want +got):\n%s", d)
	}

	// A member builds the tables from BatchGetSchema and
	// BatchGetSchemaAnalysisRule and checks the queries before running them.
	all := []string{"customers", "devices", "id_map"}
	bs, err := api.BatchGetSchema(ctx, &cleanrooms.BatchGetSchemaInput{CollaborationIdentifier: aws.String(collab), Names: append(all, "missing")})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs.Schemas) != 3 || len(bs.Errors) != 1 || aws.ToString(bs.Errors[0].Name) != "missing" {
		t.Errorf("BatchGetSchema: %d schemas, errors %v", len(bs.Schemas), bs.Errors)
	}
	reqs := []types.SchemaAnalysisRuleRequest{
		{Name: aws.String("customers"), Type: types.AnalysisRuleTypeAggregation},
		{Name: aws.String("devices"), Type: types.AnalysisRuleTypeAggregation},
		{Name: aws.String("id_map"), Type: types.AnalysisRuleTypeIdMappingTable},
		{Name: aws.String("id_map"), Type: types.AnalysisRuleTypeList},
	}
	br, err := api.BatchGetSchemaAnalysisRule(ctx, &cleanrooms.BatchGetSchemaAnalysisRuleInput{CollaborationIdentifier: aws.String(collab), SchemaAnalysisRuleRequests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	if len(br.AnalysisRules) != 3 || len(br.Errors) != 1 || br.Errors[0].Type != types.AnalysisRuleTypeList {
		t.Errorf("BatchGetSchemaAnalysisRule: %d rules, errors %v", len(br.AnalysisRules), br.Errors)
	}
	var tables []sqlcheck.Table
	for _, sc := range bs.Schemas {
		tables = append(tables, sqlcheck.FromSchema(sc, br.AnalysisRules...))
	}
	if tables[2].IDMapping == nil || tables[0].Rule == nil {
		t.Fatalf("FromSchema: %+v", tables)
	}
	runner := func(o *sqlcheck.Options) { o.Runner = advertiser }
	if rep := sqlcheck.Check(mappedQuery, tables, runner); len(rep.Problems.Errors()) > 0 {
		t.Errorf("Check of the allowed query: %v", rep.Problems)
	}
	if rep := sqlcheck.Check(refusedQuery, tables, runner); len(rep.Problems.Errors()) == 0 {
		t.Error("Check of the refused query: no error")
	}

	checkMappedQueries(t, f, api, m)

	// The ID mapping table operations over the wire.
	mts, err := api.ListIdMappingTables(ctx, &cleanrooms.ListIdMappingTablesInput{MembershipIdentifier: aws.String(m)})
	if err != nil || len(mts.IdMappingTableSummaries) != 1 {
		t.Fatalf("ListIdMappingTables: %v", err)
	}
	id := mts.IdMappingTableSummaries[0].Id
	mt, err := api.GetIdMappingTable(ctx, &cleanrooms.GetIdMappingTableInput{MembershipIdentifier: aws.String(m), IdMappingTableIdentifier: id})
	if err != nil || aws.ToString(mt.IdMappingTable.Name) != "id_map" || aws.ToString(mt.IdMappingTable.Arn) != aws.ToString(s.Schema.ResourceArn) {
		t.Fatalf("GetIdMappingTable: %v", err)
	}
	if _, err := api.DeleteIdMappingTable(ctx, &cleanrooms.DeleteIdMappingTableInput{MembershipIdentifier: aws.String(m), IdMappingTableIdentifier: id}); err != nil {
		t.Fatal(err)
	}
	_, err = api.GetIdMappingTable(ctx, &cleanrooms.GetIdMappingTableInput{MembershipIdentifier: aws.String(m), IdMappingTableIdentifier: id})
	if !errors.As(err, new(*types.ResourceNotFoundException)) {
		t.Errorf("GetIdMappingTable after delete: %v", err)
	}
	_, err = api.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(collab), Name: aws.String("id_map")})
	if !errors.As(err, new(*types.ResourceNotFoundException)) {
		t.Errorf("GetSchema after delete: %v", err)
	}
}

func TestAddIDMappingTableErrors(t *testing.T) {
	ctx := t.Context()
	f, m, collab := idMappingWorld(t)
	three := idMapRule()
	three.JoinColumns = append(three.JoinColumns, "third")
	for name, tc := range map[string]struct {
		membership string
		table      cleanroomtest.IDMappingTable
		want       any
	}{
		"bad name":             {m, cleanroomtest.IDMappingTable{Name: "id map!", Rule: idMapRule()}, new(*types.ValidationException)},
		"three join columns":   {m, cleanroomtest.IDMappingTable{Name: "m3", Rule: three}, new(*types.ValidationException)},
		"a row of one value":   {m, cleanroomtest.IDMappingTable{Name: "m4", Rule: idMapRule(), Rows: [][]any{{"c1"}}}, new(*types.ValidationException)},
		"name of a table":      {m, cleanroomtest.IDMappingTable{Name: "Devices", Rule: idMapRule()}, new(*types.ConflictException)},
		"unknown membership":   {"00000000-0000-4000-8000-00000000dead", cleanroomtest.IDMappingTable{Name: "m5", Rule: idMapRule()}, new(*types.ResourceNotFoundException)},
		"another's membership": {m, cleanroomtest.IDMappingTable{Name: "m6", Rule: idMapRule()}, nil},
	} {
		view := f
		if name == "another's membership" {
			view, tc.want = f.As(publisher), new(*types.ResourceNotFoundException)
		}
		_, err := view.AddIDMappingTable(ctx, tc.membership, tc.table)
		if err == nil || !errors.As(err, tc.want) {
			t.Errorf("%s: got %v, want %T", name, err, tc.want)
		}
	}

	// An ID mapping table without rows is NOT_READY (not populated).
	if _, err := f.AddIDMappingTable(ctx, m, cleanroomtest.IDMappingTable{Name: "empty_map", Rule: idMapRule()}); err != nil {
		t.Fatal(err)
	}
	s, err := f.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(collab), Name: aws.String("empty_map")})
	if err != nil {
		t.Fatal(err)
	}
	if d := s.Schema.SchemaStatusDetails[0]; d.Status != types.SchemaStatusNotReady || d.Reasons[0].Code != types.SchemaStatusReasonCodeIdMappingTableNotPopulated {
		t.Errorf("empty mapping table: %+v", d)
	}

	// The publisher sees the advertiser's mapping table as a schema of the
	// collaboration; an outsider sees nothing.
	if _, err := f.As(publisher).GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: aws.String(collab),
		Name: aws.String("id_map"), Type: types.AnalysisRuleTypeIdMappingTable}); err != nil {
		t.Errorf("publisher: %v", err)
	}
	if _, err := f.As("999988887777").ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: aws.String(collab)}); !errors.As(err, new(*types.AccessDeniedException)) {
		t.Errorf("outsider: %v", err)
	}
	for name, in := range map[string]*cleanrooms.GetSchemaAnalysisRuleInput{
		"no such schema":       {CollaborationIdentifier: aws.String(collab), Name: aws.String("nope"), Type: types.AnalysisRuleTypeIdMappingTable},
		"no rule of this type": {CollaborationIdentifier: aws.String(collab), Name: aws.String("customers"), Type: types.AnalysisRuleTypeIdMappingTable},
	} {
		if _, err := f.GetSchemaAnalysisRule(ctx, in); !errors.As(err, new(*types.ResourceNotFoundException)) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := f.GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: aws.String(collab), Name: aws.String("id_map"), Type: "NOPE"}); !errors.As(err, new(*types.ValidationException)) {
		t.Errorf("unknown rule type: %v", err)
	}
	if _, err := f.BatchGetSchema(ctx, &cleanrooms.BatchGetSchemaInput{CollaborationIdentifier: aws.String(collab), Names: []string{}}); !errors.As(err, new(*types.ValidationException)) {
		t.Errorf("BatchGetSchema without names: %v", err)
	}
}

// TestIDMappingDimensionColumns: a mapping column the rule also lists as a
// dimension column may be selected and grouped on; without that it is
// refused. An association cannot take a mapping table's name.
func TestIDMappingDimensionColumns(t *testing.T) {
	ctx := t.Context()
	f, m, _ := idMappingWorld(t)
	const byTarget = `SELECT m.target_id, COUNT(DISTINCT c.customer_id) AS customers
FROM customers c JOIN id_map m ON c.customer_id = m.source_id
JOIN devices d ON d.device_id = m.target_id
GROUP BY m.target_id`
	if q := runSQL(t, f, m, byTarget); q.Status != types.ProtectedQueryStatusFailed || aws.ToString(q.Error.Code) != cleanroomtest.CodeRuleViolation {
		t.Fatalf("target id as a dimension without the rule allowing it: %s", q.Status)
	}
	dim := idMapRule()
	dim.DimensionColumns = []string{"target_id"}
	if _, err := f.AddIDMappingTable(ctx, m, cleanroomtest.IDMappingTable{Name: "id_map_dim", Rule: dim,
		Rows: [][]any{{"c1", "d1"}, {"c2", "d1"}, {"c3", "d3"}}}); err != nil {
		t.Fatal(err)
	}
	q := runSQL(t, f, m, strings.ReplaceAll(byTarget, "id_map m", "id_map_dim m"))
	if q.Status != types.ProtectedQueryStatusSuccess {
		t.Fatalf("target id as an allowed dimension: %s %v", q.Status, aws.ToString(q.Error.Message))
	}
	var got []string
	loc := q.Result.Output.(*types.ProtectedQueryOutputMemberS3).Value.Location
	for row, err := range cleanroom.ResultRows(ctx, f.S3(), aws.ToString(loc)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(row.Values...))
	}
	// Each group has one distinct device, under the devices table's
	// minimum of 2 (the more restrictive constraint applies): all removed.
	if d := cmp.Diff([]string(nil), got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}

	ct, err := f.CreateConfiguredTable(ctx, cleanroom.Table{Name: "other", Database: "db", Table: "customers", AllowedColumns: []string{"customer_id"}}.CreateInput(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{MembershipIdentifier: aws.String(m),
		ConfiguredTableIdentifier: ct.ConfiguredTable.Id, Name: aws.String("ID_MAP"), RoleArn: aws.String("arn:aws:iam::111122223333:role/cleanrooms-read")})
	if !errors.As(err, new(*types.ConflictException)) {
		t.Errorf("association named after a mapping table: %v", err)
	}
}
