package athenatest_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

func start(t *testing.T, a *athenatest.Athena, sql string) string {
	t.Helper()
	out, err := a.StartQueryExecution(t.Context(), &athena.StartQueryExecutionInput{QueryString: aws.String(sql)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.QueryExecutionId
}

func status(t *testing.T, a *athenatest.Athena, id string) *types.QueryExecutionStatus {
	t.Helper()
	out, err := a.GetQueryExecution(t.Context(), &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return out.QueryExecution.Status
}

// SQL the fake cannot run as Athena would fails as Athena fails.
func TestDialect(t *testing.T) {
	cases := []struct{ sql, code string }{
		{"SELECT CAST(1 AS string)", "TYPE_NOT_FOUND"},
		{"SELECT CAST(1 AS text)", "TYPE_NOT_FOUND"},
		{"SELECT ifnull(1, 2)", "FUNCTION_NOT_FOUND"},
		{"SELECT group_concat('a')", "FUNCTION_NOT_FOUND"},
		{"SELECT `a` FROM t", "SYNTAX_ERROR"},
		{"SELECT 1; SELECT 2", "SYNTAX_ERROR"},
		{"CREATE TABLE x USING PARQUET AS SELECT 1 AS n", "NOT_SUPPORTED"},
		{"CREATE TABLE x WITH (colour = 'red') AS SELECT 1 AS n", "INVALID_TABLE_PROPERTY"},
		{"SELECT * FROM nope", "TABLE_NOT_FOUND"},
		{"SELECT nope FROM t", "COLUMN_NOT_FOUND"},
		{"DROP TABLE nope", "TABLE_NOT_FOUND"},
		{"VACUUM", "NOT_SUPPORTED"},
		{"WITH a AS (SELECT 1 AS n) DELETE FROM t", "SYNTAX_ERROR"},
	}
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		if err := a.PutTable("default", "t", "s3://d/t/", []athenatest.Column{{Name: "n", Type: "bigint"}}, [][]any{{int64(1)}}); err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(cases))
		for i, c := range cases {
			ids[i] = start(t, a, c.sql)
		}
		time.Sleep(2 * time.Second)
		for i, c := range cases {
			st := status(t, a, ids[i])
			if st.State != types.QueryExecutionStateFailed || !strings.HasPrefix(aws.ToString(st.StateChangeReason), c.code+":") {
				t.Errorf("%s: %s %q, want FAILED %s", c.sql, st.State, aws.ToString(st.StateChangeReason), c.code)
			}
			if st.AthenaError == nil || aws.ToInt32(st.AthenaError.ErrorCategory) != 2 {
				t.Errorf("%s: not a user error", c.sql)
			}
		}
		// And the dialect it does run.
		ok := []string{
			"SELECT CAST(length('abc') AS VARCHAR) || ':' || 'x' AS v",
			"WITH a AS (SELECT n FROM default.t) SELECT ROW_NUMBER() OVER (ORDER BY n) AS r, COUNT(*) OVER () AS c FROM a",
			"SELECT n, CASE WHEN n < 2 THEN 'a' ELSE 'b' END AS k FROM t WHERE n IN (1, 2) AND n <> 3",
			"SELECT n FROM t WHERE n IN (SELECT 1) OR n = (SELECT 1)",
		}
		for _, q := range ok {
			id := start(t, a, q)
			time.Sleep(2 * time.Second)
			if st := status(t, a, id); st.State != types.QueryExecutionStateSucceeded {
				t.Errorf("%s: %s %q", q, st.State, aws.ToString(st.StateChangeReason))
			}
		}
	})
}

// A query walks QUEUED, RUNNING and SUCCEEDED on the clock; a flap sends it
// back to QUEUED once; StopQueryExecution cancels it.
func TestStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = time.Second, 4*time.Second })
		defer a.Close()
		a.Flap("flap", 1)
		plain, flap, stop := start(t, a, "SELECT 1 AS plain"), start(t, a, "SELECT 1 AS flap"), start(t, a, "SELECT 1 AS stopme")
		want := map[time.Duration][2]types.QueryExecutionState{
			500 * time.Millisecond:  {"QUEUED", "QUEUED"},
			2 * time.Second:         {"RUNNING", "RUNNING"},
			3500 * time.Millisecond: {"RUNNING", "QUEUED"},
			5500 * time.Millisecond: {"SUCCEEDED", "RUNNING"},
			9 * time.Second:         {"SUCCEEDED", "SUCCEEDED"},
		}
		begin := time.Now()
		for _, at := range []time.Duration{500 * time.Millisecond, 2 * time.Second, 3500 * time.Millisecond, 5500 * time.Millisecond, 9 * time.Second} {
			time.Sleep(at - time.Since(begin))
			if at == 2*time.Second {
				if _, err := a.StopQueryExecution(t.Context(), &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(stop)}); err != nil {
					t.Fatal(err)
				}
			}
			if got := [2]types.QueryExecutionState{status(t, a, plain).State, status(t, a, flap).State}; got != want[at] {
				t.Errorf("at %v: %v, want %v", at, got, want[at])
			}
		}
		if st := status(t, a, stop); st.State != types.QueryExecutionStateCancelled {
			t.Errorf("stopped query is %s", st.State)
		}
		ex := a.Executions()
		if ex[2].Ran {
			t.Error("the cancelled query ran")
		}
	})
}

// More active queries than the limit are refused with the service's shape;
// tokens deduplicate.
func TestLimitAndTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.MaxActiveQueries = 2 })
		defer a.Close()
		start(t, a, "SELECT 1")
		start(t, a, "SELECT 2")
		_, err := a.StartQueryExecution(t.Context(), &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 3")})
		var tm *types.TooManyRequestsException
		if !errors.As(err, &tm) || tm.Reason != types.ThrottleReasonConcurrentQueryLimitExceeded {
			t.Fatalf("third query: %v", err)
		}
		time.Sleep(2 * time.Second)
		tok := strings.Repeat("a", 32)
		in := &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 3"), ClientRequestToken: aws.String(tok)}
		x, err := a.StartQueryExecution(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		y, err := a.StartQueryExecution(t.Context(), in)
		if err != nil || *x.QueryExecutionId != *y.QueryExecutionId {
			t.Fatalf("same token: %v, %v", err, y)
		}
		in.ClientRequestToken = aws.String("short")
		var ir *types.InvalidRequestException
		if _, err := a.StartQueryExecution(t.Context(), in); !errors.As(err, &ir) {
			t.Errorf("short token: %v", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := a.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: x.QueryExecutionId}); !errors.Is(err, context.Canceled) {
			t.Errorf("canceled context: %v", err)
		}
	})
}

// CTAS and INSERT INTO write at most 100 partitions each; CTAS needs an
// empty location and DROP TABLE leaves the files.
func TestPartitionsAndLocations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		var rows [][]any
		for i := range 150 {
			rows = append(rows, []any{"k" + strconv.Itoa(i), "s" + strconv.Itoa(i)})
		}
		if err := a.PutTable("default", "src", "s3://d/src/", []athenatest.Column{{Name: "k", Type: "varchar"}, {Name: "s", Type: "varchar"}}, rows); err != nil {
			t.Fatal(err)
		}
		run := func(sql string) *types.QueryExecutionStatus {
			id := start(t, a, sql)
			time.Sleep(2 * time.Second)
			return status(t, a, id)
		}
		st := run("CREATE TABLE p WITH (external_location = 's3://d/p/', partitioned_by = ARRAY['s']) AS SELECT k, s FROM src")
		if !strings.HasPrefix(aws.ToString(st.StateChangeReason), "HIVE_TOO_MANY_OPEN_PARTITIONS") {
			t.Errorf("150 partitions: %s %q", st.State, aws.ToString(st.StateChangeReason))
		}
		if len(a.S3().Keys("d", "p/")) != 0 || len(a.Tables("default")) != 1 {
			t.Error("a failed CTAS left files or a table")
		}
		if st := run("CREATE TABLE p WITH (external_location = 's3://d/p/', partitioned_by = ARRAY['s']) AS SELECT k, s FROM src WHERE s < 's5'"); st.State != "SUCCEEDED" {
			t.Fatalf("CTAS: %s %q", st.State, aws.ToString(st.StateChangeReason))
		}
		if st := run("INSERT INTO p SELECT k, s FROM src WHERE s >= 's5'"); st.State != "SUCCEEDED" {
			t.Fatalf("INSERT: %s %q", st.State, aws.ToString(st.StateChangeReason))
		}
		if n := len(a.S3().Keys("d", "p/")); n != 150 {
			t.Errorf("%d partition files, want 150", n)
		}
		if st := run("DROP TABLE p"); st.State != "SUCCEEDED" {
			t.Fatal(st.State)
		}
		if n := len(a.S3().Keys("d", "p/")); n != 150 {
			t.Errorf("DROP TABLE deleted files: %d left", n)
		}
		st = run("CREATE TABLE p WITH (external_location = 's3://d/p/') AS SELECT k FROM src")
		if !strings.HasPrefix(aws.ToString(st.StateChangeReason), "HIVE_PATH_ALREADY_EXISTS") {
			t.Errorf("CTAS into used location: %s", st.State)
		}
	})
}

// ListQueryExecutions lists IDs newest first, in pages; a bad token,
// workgroup or page size is InvalidRequestException.
func TestListQueryExecutions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		ids := []string{start(t, a, "SELECT 1"), start(t, a, "SELECT 2"), start(t, a, "SELECT 3")}
		var got []string
		in := &athena.ListQueryExecutionsInput{MaxResults: aws.Int32(2)}
		for pages := 0; ; pages++ {
			out, err := a.ListQueryExecutions(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.QueryExecutionIds) > 2 || pages > 2 {
				t.Fatalf("page %d: %d IDs", pages, len(out.QueryExecutionIds))
			}
			got = append(got, out.QueryExecutionIds...)
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		if want := []string{ids[2], ids[1], ids[0]}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("listed %d IDs, not the three newest first", len(got))
		}
		for _, bad := range []*athena.ListQueryExecutionsInput{
			{NextToken: aws.String("nope")},
			{WorkGroup: aws.String("other")},
			{MaxResults: aws.Int32(51)},
		} {
			var ir *types.InvalidRequestException
			if _, err := a.ListQueryExecutions(t.Context(), bad); !errors.As(err, &ir) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
	})
}
