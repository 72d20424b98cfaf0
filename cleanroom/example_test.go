package cleanroom_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

// An overlap analysis: partners may count distinct hashed emails they share
// with this table, by segment, and no result row may cover fewer than 100
// people. The rule is validated locally, then applied to the in-memory
// Clean Rooms; a rerun changes nothing.
func Example() {
	ctx := context.Background()
	overlap := cleanroom.Aggregation{
		Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
		JoinColumns:       []string{"hashed_email"},
		JoinRequired:      true,
		DimensionColumns:  []string{"segment"},
		OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
	}
	fmt.Println("problems:", len(overlap.Validate()))

	fake := cleanroomtest.NewCleanRooms()
	membership, err := cleanroomtest.NewMembership(ctx, fake)
	if err != nil {
		fmt.Println(err)
		return
	}
	spec := cleanroom.TableSpec{
		Key: "customers",
		Table: cleanroom.Table{
			Name: "Customers (hashed)", Database: "cdp_curated", Table: "customers",
			AllowedColumns: []string{"hashed_email", "segment"},
		},
		Rule: overlap,
		Association: &cleanroom.Association{
			MembershipID: membership, Name: "customers",
			RoleARN: "arn:aws:iam::111122223333:role/cleanrooms-read-customers",
		},
		AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{fake.AccountID()}},
	}
	client := cleanroom.New(fake)
	res, err := client.Ensure(ctx, spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range res.Changes {
		fmt.Println(c)
	}
	writes := fake.Writes()
	res, err = client.Ensure(ctx, spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rerun changes:", len(res.Changes), "writes:", fake.Writes()-writes)
	// Output:
	// problems: 0
	// create configured table
	// create analysis rule
	// create association
	// create association analysis rule
	// rerun changes: 0 writes: 0
}

// Validate reports every problem at once, with its JSON path, a reason
// code and whether the service rejects it (error) or not (warning).
func ExampleAggregation_Validate() {
	rule := cleanroom.Aggregation{
		Aggregates:         []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
		JoinColumns:        []string{"hashed_email"},
		DimensionColumns:   []string{"hashed_email", "a-b"},
		OutputConstraints:  []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 1}},
		AdditionalAnalyses: types.AdditionalAnalysesAllowed,
	}
	ps := rule.Validate()
	for _, p := range ps {
		fmt.Println(p)
	}
	fmt.Println(len(ps.Errors()), "errors,", len(ps.Warnings()), "warning")
	// Output:
	// error analysisRulePolicy.v1.aggregation.dimensionColumns[1]: pattern
	// error analysisRulePolicy.v1.aggregation.outputConstraints[0].minimum: out_of_range
	// warning analysisRulePolicy.v1.aggregation.additionalAnalyses: additional_analyses_unsupported (A8)
	// error analysisRulePolicy.v1.aggregation.dimensionColumns[0]: column_placement (A1)
	// 3 errors, 1 warning
}

// The association role's policies, for the user to apply with IAM.
func ExampleAssociationRolePolicies() {
	p, err := cleanroom.AssociationRolePolicies(cleanroom.RoleParams{
		Region: "us-east-1", AccountID: "111122223333",
		MembershipIDs: []string{"0a1b2c3d-0000-4000-8000-00000000abcd"},
		Database:      "cdp_curated", Tables: []string{"customers"},
		Locations: []string{"s3://cdp-curated/customers/"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(p.Trust))
	// Output:
	// {
	//   "Version": "2012-10-17",
	//   "Statement": [
	//     {
	//       "Sid": "AllowCleanRoomsForTheseMembershipsOnly",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "Service": "cleanrooms.amazonaws.com"
	//       },
	//       "Action": [
	//         "sts:AssumeRole"
	//       ],
	//       "Condition": {
	//         "ForAnyValue:ArnEquals": {
	//           "aws:SourceArn": [
	//             "arn:aws:cleanrooms:us-east-1:111122223333:membership/0a1b2c3d-0000-4000-8000-00000000abcd"
	//           ]
	//         },
	//         "ForAnyValue:ArnLike": {
	//           "sts:ExternalId": [
	//             "arn:aws:*:us-east-1:*:dbuser:*/0a1b2c3d-0000-4000-8000-00000000abcd*"
	//           ]
	//         }
	//       }
	//     }
	//   ]
	// }
}
