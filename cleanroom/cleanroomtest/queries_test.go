package cleanroomtest_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

func parquetFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	cols := []sqlengine.Column{{Name: "k", Type: "string"}, {Name: "n", Type: "bigint"}}
	if err := sqlengine.WriteParquet(&buf, cols, sqlengine.RowsOf(rows)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestQueriesOverEveryDataSourceAndTheServer runs a query through a real
// SDK client against the REST server, on tables whose data comes from
// rows, Parquet files and a zones.Store location, and walks the states.
func TestQueriesOverEveryDataSourceAndTheServer(t *testing.T) {
	ctx := t.Context()
	// A clock that moves 10 ms at every reading: the query walks its states
	// as it is polled, without the test sleeping.
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tick := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(10 * time.Millisecond)
		return now
	}
	f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) {
		o.Now, o.QueryQueued, o.QueryRuns = tick, 30*time.Millisecond, 30*time.Millisecond
	})
	srv := cleanroomtest.NewCleanRoomsServer(f)
	defer srv.Close()
	api := srv.Client()
	m, err := cleanroomtest.NewMembership(ctx, api)
	if err != nil {
		t.Fatal(err)
	}
	c := cleanroom.New(api, func(o *cleanroom.Options) { o.PollInterval = time.Millisecond })
	store := zones.New(memzone.New())
	if _, err := store.Put(ctx, zones.Curated, "lake/c/part-0.parquet", bytes.NewReader(parquetFile(t, [][]any{{"x", 5}, {"y", 6}}))); err != nil {
		t.Fatal(err)
	}
	f.SetTableData("db", "a", cleanroomtest.TableData{Columns: []cleanroomtest.Column{{Name: "k", Type: "string"}, {Name: "n", Type: "bigint"}}, Rows: [][]any{{"x", 1}, {"y", 2}}})
	f.SetTableData("db", "b", cleanroomtest.TableData{Parquet: [][]byte{parquetFile(t, [][]any{{"x", 3}}), parquetFile(t, [][]any{{"y", 4}})}})
	f.SetTableData("db", "c", cleanroomtest.TableData{Store: store, Zone: zones.Curated, Prefix: "lake/c/"})
	for _, name := range []string{"a", "b", "c"} {
		_, err := c.Ensure(ctx, cleanroom.TableSpec{Key: name, Table: cleanroom.Table{Name: name, Database: "db", Table: name, AllowedColumns: []string{"k", "n"}},
			Rule:        cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{f.AccountID()}},
			Association: &cleanroom.Association{MembershipID: m, Name: name, RoleARN: "arn:aws:iam::111122223333:role/cleanrooms-read"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	q, err := c.StartQuery(ctx, cleanroom.QueryInput{MembershipID: m, Output: &cleanroom.S3Output{Bucket: "out", Format: types.ResultFormatParquet},
		SQL: "SELECT a.k, a.n + b.n + c.n AS total FROM a JOIN b ON a.k = b.k JOIN c ON a.k = c.k ORDER BY a.k"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[types.ProtectedQueryStatus]bool{}
	for !seen[types.ProtectedQueryStatusSuccess] {
		out, err := api.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(m), ProtectedQueryIdentifier: aws.String(q.ID)})
		if err != nil {
			t.Fatal(err)
		}
		seen[out.ProtectedQuery.Status] = true
		if out.ProtectedQuery.Status == types.ProtectedQueryStatusFailed {
			t.Fatalf("failed: %s", aws.ToString(out.ProtectedQuery.Error.Message))
		}
	}
	if !seen[types.ProtectedQueryStatusSubmitted] || !seen[types.ProtectedQueryStatusStarted] {
		t.Errorf("states seen: %v", seen)
	}
	q, err = c.GetQuery(ctx, m, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for row, err := range cleanroom.ResultRows(ctx, f.S3(), q.ResultLocation) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(row.Values[0], " ", row.Values[1]))
	}
	if d := cmp.Diff([]string{"x 9", "y 12"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// No data for a table the query names: FAILED, not an empty result.
	if _, err := c.Ensure(ctx, cleanroom.TableSpec{Key: "d", Table: cleanroom.Table{Name: "d", Database: "db", Table: "d", AllowedColumns: []string{"k"}},
		Rule:        cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{f.AccountID()}},
		Association: &cleanroom.Association{MembershipID: m, Name: "d", RoleARN: "arn:aws:iam::111122223333:role/cleanrooms-read"}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT k FROM d", Output: &cleanroom.S3Output{Bucket: "out"}})
	var ce *cleanroom.Error
	if !errors.As(err, &ce) || ce.Reason != cleanroomtest.CodeNoData {
		t.Errorf("no data: %v", err)
	}
}

func TestStartProtectedQueryValidation(t *testing.T) {
	ctx := t.Context()
	f := cleanroomtest.NewCleanRooms()
	m, err := cleanroomtest.NewMembership(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	s3 := &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("b"), ResultFormat: types.ResultFormatCsv}}}
	for name, in := range map[string]*cleanrooms.StartProtectedQueryInput{
		"no type":                 {MembershipIdentifier: aws.String(m), SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT 1")}, ResultConfiguration: s3},
		"both sql and arn":        {MembershipIdentifier: aws.String(m), Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT 1"), AnalysisTemplateArn: aws.String("arn")}, ResultConfiguration: s3},
		"no result configuration": {MembershipIdentifier: aws.String(m), Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT 1")}},
		"member output to a non-member": {MembershipIdentifier: aws.String(m), Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT 1")},
			ResultConfiguration: &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberMember{Value: types.ProtectedQueryMemberOutputConfiguration{AccountId: aws.String("999988887777")}}}},
	} {
		if _, err := f.StartProtectedQuery(ctx, in); !errors.As(err, new(*types.ValidationException)) {
			t.Errorf("%s: want ValidationException, got %v", name, err)
		}
	}
	// At most five ongoing queries per membership.
	for i := range 6 {
		_, err := f.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(m), Type: types.ProtectedQueryTypeSql,
			SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT 1")}, ResultConfiguration: s3})
		if i < 5 && err != nil {
			t.Fatal(err)
		}
		if i == 5 && !errors.As(err, new(*types.ServiceQuotaExceededException)) {
			t.Errorf("sixth ongoing query: %v", err)
		}
	}
}
