package athenatest_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

// forgetful drops ClientRequestToken, as an Athena without idempotency
// would behave.
type forgetful struct{ *athenatest.Athena }

func (f forgetful) StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, o ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error) {
	c := *in
	c.ClientRequestToken = nil
	return f.Athena.StartQueryExecution(ctx, &c, o...)
}

// The suite catches an API that breaks a promise.
func TestConformanceCatchesMissingIdempotency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		err := athenatest.TestAthena(t.Context(), forgetful{a}, athenatest.Conformance{ResultLocation: "s3://results/"})
		if err == nil || !strings.Contains(err.Error(), "TokenIdempotent") {
			t.Fatalf("TestAthena = %v, want a TokenIdempotent failure", err)
		}
	})
}

// Whatever text arrives, the fake's SQL front end answers with an error or
// a plan, never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "CREATE TABLE t WITH (format = 'PARQUET', partitioned_by = ARRAY['a']) AS SELECT 1 AS a",
		"DROP TABLE IF EXISTS x", "INSERT INTO t SELECT 1", "SELECT CAST(x AS varchar) || 'a''b' FROM \"t\" -- c",
		"/* x */ WITH a AS (SELECT 1) SELECT * FROM a", "CREATE TABLE t WITH (", "SELECT CAST(", "'", "\"",
	} {
		f.Add(s)
	}
	a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = -1, -1 })
	f.Cleanup(func() { a.Close() })
	f.Fuzz(func(t *testing.T, sql string) {
		if len(sql) == 0 || len(sql) > 4096 {
			return
		}
		out, err := a.StartQueryExecution(context.Background(), &athena.StartQueryExecutionInput{QueryString: &sql})
		if err != nil {
			return
		}
		if _, err := a.GetQueryExecution(context.Background(), &athena.GetQueryExecutionInput{QueryExecutionId: out.QueryExecutionId}); err != nil {
			t.Fatal(err)
		}
	})
}

// statusless answers GetQueryExecution without a status, as a broken
// endpoint might.
type statusless struct{ *athenatest.Athena }

func (s statusless) GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, o ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error) {
	return &athena.GetQueryExecutionOutput{}, nil
}

// The suite reports an API that returns no status; it does not panic.
func TestConformanceStatusless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		err := athenatest.TestAthena(t.Context(), statusless{a}, athenatest.Conformance{ResultLocation: "s3://results/"})
		if err == nil || !strings.Contains(err.Error(), "no status") {
			t.Fatalf("TestAthena = %v, want a failure naming the missing status", err)
		}
	})
}
