package cleanroom_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

// A collaboration, a shared table under an aggregation rule, a protected
// query and its results, on the fake.
func ExampleClient_RunQuery() {
	ctx := context.Background()
	fake := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) {
		o.QueryQueued, o.QueryRuns = time.Millisecond, time.Millisecond
	})
	c := cleanroom.New(fake, func(o *cleanroom.Options) { o.PollInterval = time.Millisecond })

	col, err := c.EnsureCollaboration(ctx, cleanroom.CollaborationSpec{
		Key: "example", Name: "Example", Description: "segment sizes",
		CreatorDisplayName: "cdp", CreatorAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Membership: &cleanroom.MembershipSpec{Results: &cleanroom.ResultConfiguration{Bucket: "results"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range col.Plan {
		fmt.Println(ch)
	}
	_, err = c.Ensure(ctx, cleanroom.TableSpec{Key: "customers",
		Table: cleanroom.Table{Name: "customers", Database: "cdp", Table: "customers", AllowedColumns: []string{"hashed_email", "segment"}},
		Rule: cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
			JoinColumns:       []string{"hashed_email"},
			DimensionColumns:  []string{"segment"},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 2}},
		},
		Association: &cleanroom.Association{MembershipID: col.MembershipID, Name: "customers", RoleARN: "arn:aws:iam::111122223333:role/cleanrooms-read"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fake.SetTableData("cdp", "customers", cleanroomtest.TableData{
		Columns: []cleanroomtest.Column{{Name: "hashed_email", Type: "string"}, {Name: "segment", Type: "string"}},
		Rows:    [][]any{{"a", "sports"}, {"b", "sports"}, {"c", "news"}},
	})
	q, err := c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: col.MembershipID,
		SQL: "SELECT segment, COUNT(DISTINCT hashed_email) AS people FROM customers GROUP BY segment"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Status)
	for row, err := range cleanroom.ResultRows(ctx, fake.S3(), q.ResultLocation) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row.Get("segment"), row.Get("people")) // "news" has one person: withheld
	}
	// Output:
	// create collaboration: no collaboration carries the key's tag
	// create membership: the creator has not joined
	// SUCCESS
	// sports 2
}
