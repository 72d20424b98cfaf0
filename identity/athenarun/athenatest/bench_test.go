package athenatest_test

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

// resultOf returns a fake holding a succeeded SELECT of rows rows (one
// bigint column), made from a cross join of two small tables so that
// setting up a million rows does not take a million inserts.
func resultOf(tb testing.TB, rows int) (*athenatest.Athena, string) {
	tb.Helper()
	a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = -1, -1 })
	tb.Cleanup(func() { _ = a.Close() })
	side := 1
	for side*side < rows {
		side++
	}
	digits := make([][]any, side)
	for i := range digits {
		digits[i] = []any{int64(i)}
	}
	if err := a.PutTable("default", "d", "", []athenatest.Column{{Name: "n", Type: "bigint"}}, digits); err != nil {
		tb.Fatal(err)
	}
	sql := "SELECT x.n * " + strconv.Itoa(side) + " + y.n AS n FROM d x CROSS JOIN d y WHERE x.n * " + strconv.Itoa(side) + " + y.n < " + strconv.Itoa(rows)
	out, err := a.StartQueryExecution(tb.Context(), &athena.StartQueryExecutionInput{QueryString: aws.String(sql)})
	if err != nil {
		tb.Fatal(err)
	}
	st, err := a.GetQueryExecution(tb.Context(), &athena.GetQueryExecutionInput{QueryExecutionId: out.QueryExecutionId})
	if err != nil {
		tb.Fatal(err)
	}
	if s := st.QueryExecution.Status.State; s != types.QueryExecutionStateSucceeded {
		tb.Fatalf("setup query: %s %s", s, aws.ToString(st.QueryExecution.Status.StateChangeReason))
	}
	return a, *out.QueryExecutionId
}

// BenchmarkGetQueryResultsPaging pages through a whole result with
// MaxResults=1000. Paging is linear in the result's size when ns/page is
// the same for every size.
func BenchmarkGetQueryResultsPaging(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run("rows="+strconv.Itoa(n), func(b *testing.B) {
			a, id := resultOf(b, n)
			pages := 0
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				var token *string
				got := 0
				for {
					out, err := a.GetQueryResults(b.Context(), &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id), MaxResults: aws.Int32(1000), NextToken: token})
					if err != nil {
						b.Fatal(err)
					}
					got += len(out.ResultSet.Rows)
					pages++
					if token = out.NextToken; token == nil {
						break
					}
				}
				if got != n+1 { // the header row
					b.Fatalf("paged %d rows, want %d", got, n+1)
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(pages), "ns/page")
		})
	}
}

// TestGetQueryResultsPageCostsItsRows pins the paging fix: a page of 10
// rows allocates what 10 rows need, whatever the size of the result (a
// page used to copy every row of the result behind the header).
func TestGetQueryResultsPageCostsItsRows(t *testing.T) {
	a, id := resultOf(t, 50_000)
	first, err := a.GetQueryResults(t.Context(), &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id), MaxResults: aws.Int32(10)})
	if err != nil {
		t.Fatal(err)
	}
	if h := first.ResultSet.Rows[0].Data[0].VarCharValue; aws.ToString(h) != "n" {
		t.Fatalf("first row is not the header")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const pages = 20
	token := first.NextToken
	for range pages {
		out, err := a.GetQueryResults(t.Context(), &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id), MaxResults: aws.Int32(10), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ResultSet.Rows) != 10 || out.NextToken == nil {
			t.Fatalf("page of %d rows, next token %v", len(out.ResultSet.Rows), out.NextToken != nil)
		}
		token = out.NextToken
	}
	runtime.ReadMemStats(&after)
	// 10 rows of one column take well under 4 KiB with the output's
	// structs; copying 50,000 row headers takes 1.2 MB.
	if per := (after.TotalAlloc - before.TotalAlloc) / pages; per > 16<<10 {
		t.Errorf("a page of 10 rows allocated %d bytes", per)
	}
}
