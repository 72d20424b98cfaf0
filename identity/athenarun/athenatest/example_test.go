package athenatest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

// A real *athena.Client against the wire server, on a clock the example
// moves by hand.
func ExampleNewAthenaServer() {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	fake := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.Now = func() time.Time { return now } })
	defer fake.Close()
	srv := athenatest.NewAthenaServer(fake)
	defer srv.Close()
	client := srv.Client()

	out, err := client.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT CAST(41 AS bigint) + 1 AS answer")})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, step := range []time.Duration{0, 500 * time.Millisecond, time.Second} {
		now = now.Add(step)
		qe, err := client.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: out.QueryExecutionId})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(qe.QueryExecution.Status.State)
	}
	res, err := client.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: out.QueryExecutionId})
	if err != nil {
		fmt.Println(err)
		return
	}
	col := res.ResultSet.ResultSetMetadata.ColumnInfo[0]
	fmt.Println(*col.Name, *col.Type, *res.ResultSet.Rows[1].Data[0].VarCharValue)
	// Output:
	// QUEUED
	// RUNNING
	// SUCCEEDED
	// answer bigint 42
}
