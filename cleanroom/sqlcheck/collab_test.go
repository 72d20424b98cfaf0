package sqlcheck_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// stubSchemas serves n TABLE schemas (ListSchemas pages of 20), each with
// a LIST rule, and records the batch sizes it was asked for.
type stubSchemas struct {
	n           int
	missingRule string // a schema whose rule the batch call reports as an error entry
	batches     []int
}

func (s *stubSchemas) ListSchemas(_ context.Context, in *cleanrooms.ListSchemasInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListSchemasOutput, error) {
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	out := &cleanrooms.ListSchemasOutput{}
	for i := start; i < min(start+20, s.n); i++ {
		out.SchemaSummaries = append(out.SchemaSummaries, types.SchemaSummary{Name: aws.String("t" + strconv.Itoa(i))})
	}
	if start+20 < s.n {
		out.NextToken = aws.String(strconv.Itoa(start + 20))
	}
	return out, nil
}

func (s *stubSchemas) BatchGetSchema(_ context.Context, in *cleanrooms.BatchGetSchemaInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.BatchGetSchemaOutput, error) {
	s.batches = append(s.batches, len(in.Names))
	out := &cleanrooms.BatchGetSchemaOutput{}
	for _, n := range in.Names {
		out.Schemas = append(out.Schemas, types.Schema{Name: aws.String(n), Type: types.SchemaTypeTable, CreatorAccountId: aws.String("111122223333"),
			Columns:           []types.Column{{Name: aws.String("id"), Type: aws.String("string")}, {Name: aws.String("v"), Type: aws.String("int")}},
			AnalysisRuleTypes: []types.AnalysisRuleType{types.AnalysisRuleTypeList}})
	}
	return out, nil
}

func (s *stubSchemas) BatchGetSchemaAnalysisRule(_ context.Context, in *cleanrooms.BatchGetSchemaAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.BatchGetSchemaAnalysisRuleOutput, error) {
	s.batches = append(s.batches, len(in.SchemaAnalysisRuleRequests))
	out := &cleanrooms.BatchGetSchemaAnalysisRuleOutput{}
	for _, r := range in.SchemaAnalysisRuleRequests {
		if aws.ToString(r.Name) == s.missingRule {
			out.Errors = append(out.Errors, types.BatchGetSchemaAnalysisRuleError{Name: r.Name, Type: r.Type, Code: aws.String("ResourceNotFoundException")})
			continue
		}
		out.AnalysisRules = append(out.AnalysisRules, types.AnalysisRule{Name: r.Name, Type: r.Type,
			Policy: &types.AnalysisRulePolicyMemberV1{Value: &types.AnalysisRulePolicyV1MemberList{Value: types.AnalysisRuleList{
				JoinColumns: []string{"id"}, ListColumns: []string{"v"}}}}})
	}
	return out, nil
}

// TestTablesOfPagesAndBatches: 60 schemas over three ListSchemas pages
// are fetched 25 at a time, in order, each with its rule.
func TestTablesOfPagesAndBatches(t *testing.T) {
	s := &stubSchemas{n: 60}
	tables, err := sqlcheck.TablesOf(t.Context(), s, "collab")
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 60 {
		t.Fatalf("%d tables", len(tables))
	}
	for i, tb := range tables {
		if tb.Name != "t"+strconv.Itoa(i) || tb.Rule == nil || len(tb.Columns) != 2 || tb.Member != "111122223333" {
			t.Fatalf("table %d: %+v", i, tb)
		}
	}
	if fmt.Sprint(s.batches) != "[25 25 10 25 25 10]" {
		t.Errorf("batch sizes %v", s.batches)
	}
}

// TestTablesOfErrorEntry: a rule the service lists but does not return is
// a typed error naming the schema.
func TestTablesOfErrorEntry(t *testing.T) {
	_, err := sqlcheck.TablesOf(t.Context(), &stubSchemas{n: 3, missingRule: "t1"}, "collab")
	var ce *cleanroom.Error
	if !errors.Is(err, cleanroom.ErrNotFound) || !errors.As(err, &ce) || ce.Key != "t1" {
		t.Fatalf("err = %v", err)
	}
}

// TestTablesOfOnTheFake reads a collaboration with two members' tables
// and an ID mapping table from cleanroomtest, in memory and over the wire,
// and checks queries against what it read.
func TestTablesOfOnTheFake(t *testing.T) {
	f, collab := idMappingCollaboration(t)
	srv := cleanroomtest.NewCleanRoomsServer(f)
	defer srv.Close()
	for name, api := range map[string]sqlcheck.SchemaAPI{"memory": f, "wire": srv.Client()} {
		tables, err := sqlcheck.TablesOf(t.Context(), api, collab)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		byName := map[string]sqlcheck.Table{}
		for _, tb := range tables {
			byName[tb.Name] = tb
		}
		if len(tables) != 3 || byName["customers"].Rule == nil || byName["devices"].Rule == nil || byName["id_map"].IDMapping == nil {
			t.Fatalf("%s: tables %+v", name, tables)
		}
		ok := sqlcheck.Check(`SELECT d.campaign, COUNT(DISTINCT c.customer_id) FROM customers c
JOIN id_map m ON c.customer_id = m.source_id JOIN devices d ON d.device_id = m.target_id GROUP BY d.campaign`, tables)
		if err := ok.Err(); err != nil {
			t.Errorf("%s: allowed query: %v", name, err)
		}
		bad := sqlcheck.Check(`SELECT m.target_id, COUNT(DISTINCT c.customer_id) FROM customers c
JOIN id_map m ON c.customer_id = m.source_id GROUP BY m.target_id`, tables)
		if !errors.Is(bad.Err(), sqlcheck.ErrRejected) {
			t.Errorf("%s: the mapping table's target ids were allowed out", name)
		}
	}
}

// idMappingCollaboration: an advertiser (customers) and a publisher
// (devices) under aggregation rules, and an ID mapping table between them.
func idMappingCollaboration(t *testing.T) (*cleanroomtest.CleanRooms, string) {
	t.Helper()
	ctx := t.Context()
	const advertiser, publisher = "111122223333", "444455556666"
	f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.AccountID = advertiser })
	c, err := f.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
		Name: aws.String("reach"), Description: aws.String("reach"), CreatorDisplayName: aws.String("advertiser"),
		CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:                []types.MemberSpecification{{AccountId: aws.String(publisher), DisplayName: aws.String("publisher"), MemberAbilities: []types.MemberAbility{}}},
		QueryLogStatus:         types.CollaborationQueryLogStatusDisabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	var membership string
	for _, m := range []struct{ account, table, id, dim string }{
		{advertiser, "customers", "customer_id", "segment"},
		{publisher, "devices", "device_id", "campaign"},
	} {
		view := f.As(m.account)
		out, err := view.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
		if err != nil {
			t.Fatal(err)
		}
		if m.account == advertiser {
			membership = aws.ToString(out.Membership.Id)
		}
		view.SetTableData("db", m.table, cleanroomtest.TableData{Columns: []cleanroomtest.Column{{Name: m.id, Type: "string"}, {Name: m.dim, Type: "string"}}})
		_, err = cleanroom.New(view).Ensure(ctx, cleanroom.TableSpec{Key: m.table,
			Table: cleanroom.Table{Name: m.table, Database: "db", Table: m.table, AllowedColumns: []string{m.id, m.dim}},
			Rule: cleanroom.Aggregation{
				Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{m.id}}},
				JoinColumns:       []string{m.id},
				DimensionColumns:  []string{m.dim},
				ScalarFunctions:   []types.ScalarFunctions{},
				OutputConstraints: []cleanroom.OutputConstraint{{Column: m.id, Minimum: 2}},
			},
			Association: &cleanroom.Association{MembershipID: aws.ToString(out.Membership.Id), Name: m.table, RoleARN: "arn:aws:iam::" + m.account + ":role/cleanrooms"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = f.AddIDMappingTable(ctx, membership, cleanroomtest.IDMappingTable{Name: "id_map",
		Rule: cleanroom.IDMappingRule{JoinColumns: []string{"source_id", "target_id"},
			QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"source_id", "target_id"}}}},
		Rows: [][]any{{"c1", "d1"}}})
	if err != nil {
		t.Fatal(err)
	}
	return f, aws.ToString(c.Collaboration.Id)
}
