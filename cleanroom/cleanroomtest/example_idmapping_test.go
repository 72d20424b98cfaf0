package cleanroomtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

// An advertiser and a publisher link their ids through an ID mapping
// table. The advertiser reads the table's service-managed rule as any
// member would, then runs one query that joins through the table and one
// that breaks its rule.
func ExampleCleanRooms_AddIDMappingTable() {
	ctx := context.Background()
	const advertiser, publisher = "111122223333", "444455556666"
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) {
		o.AccountID = advertiser
		o.Now = func() time.Time { now = now.Add(time.Second); return now } // queries end after a few reads
	})
	c, err := f.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
		Name: aws.String("reach"), Description: aws.String("reach by campaign"), CreatorDisplayName: aws.String("advertiser"),
		CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:                []types.MemberSpecification{{AccountId: aws.String(publisher), DisplayName: aws.String("publisher"), MemberAbilities: []types.MemberAbility{}}},
		QueryLogStatus:         types.CollaborationQueryLogStatusDisabled,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Each member joins and shares one table under an aggregation rule.
	var membership string
	for _, m := range []struct{ account, table, id, dim string }{
		{advertiser, "customers", "customer_id", "segment"},
		{publisher, "devices", "device_id", "campaign"},
	} {
		view := f.As(m.account)
		out, err := view.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
		if err != nil {
			fmt.Println(err)
			return
		}
		if m.account == advertiser {
			membership = aws.ToString(out.Membership.Id)
		}
		rows := map[string][][]any{"customers": {{"c1", "new"}, {"c2", "new"}, {"c3", "loyal"}}, "devices": {{"d1", "spring"}, {"d2", "spring"}, {"d3", "spring"}}}[m.table]
		view.SetTableData("db", m.table, cleanroomtest.TableData{Columns: []cleanroomtest.Column{{Name: m.id, Type: "string"}, {Name: m.dim, Type: "string"}}, Rows: rows})
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
			fmt.Println(err)
			return
		}
	}
	_, err = f.AddIDMappingTable(ctx, membership, cleanroomtest.IDMappingTable{Name: "id_map",
		Rule: cleanroom.IDMappingRule{JoinColumns: []string{"source_id", "target_id"},
			QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"source_id", "target_id"}}}},
		Rows: [][]any{{"c1", "d1"}, {"c2", "d2"}, {"c3", "d3"}}})
	if err != nil {
		fmt.Println(err)
		return
	}

	ar, err := f.GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: c.Collaboration.Id,
		Name: aws.String("id_map"), Type: types.AnalysisRuleTypeIdMappingTable})
	if err != nil {
		fmt.Println(err)
		return
	}
	rule, _ := cleanroom.IDMappingRuleFromSchema(*ar.AnalysisRule)
	fmt.Println(rule.Name, rule.JoinColumns, rule.OverlapColumns())

	run := func(sql string) {
		q, err := f.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(membership), Type: types.ProtectedQueryTypeSql,
			SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(sql)},
			ResultConfiguration: &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{
				Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("results"), ResultFormat: types.ResultFormatCsv}}}})
		if err != nil {
			fmt.Println(err)
			return
		}
		for {
			got, err := f.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(membership), ProtectedQueryIdentifier: q.ProtectedQuery.Id})
			if err != nil {
				fmt.Println(err)
				return
			}
			switch pq := got.ProtectedQuery; pq.Status {
			case types.ProtectedQueryStatusSuccess:
				loc := pq.Result.Output.(*types.ProtectedQueryOutputMemberS3).Value.Location
				for row, err := range cleanroom.ResultRows(ctx, f.S3(), aws.ToString(loc)) {
					if err != nil {
						fmt.Println(err)
						return
					}
					fmt.Println(row.Values...)
				}
				return
			case types.ProtectedQueryStatusFailed:
				fmt.Println(pq.Status, aws.ToString(pq.Error.Code))
				return
			}
		}
	}
	run(`SELECT d.campaign, COUNT(DISTINCT c.customer_id) AS customers
FROM customers c JOIN id_map m ON c.customer_id = m.source_id
JOIN devices d ON d.device_id = m.target_id
GROUP BY d.campaign`)
	// The mapping table's target ids may not be output.
	run(`SELECT m.target_id, COUNT(DISTINCT c.customer_id)
FROM customers c JOIN id_map m ON c.customer_id = m.source_id
GROUP BY m.target_id`)
	// Output:
	// id_map [source_id target_id] [source_id target_id]
	// spring 3
	// FAILED ANALYSIS_RULE_VIOLATION
}
