package athenatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/identity/athenarun"
)

// Conformance configures TestAthena for the Athena it runs against.
type Conformance struct {
	// Database the queries run in (it must exist). Default "default".
	Database string
	// ResultLocation is the s3:// prefix for query results; empty uses the
	// workgroup's.
	ResultLocation string
	// Location is an s3:// prefix the suite may create tables under (a
	// fresh sub-prefix per run). Empty skips the CTAS checks.
	Location string
	// Store, when set, deletes the files the CTAS checks wrote.
	Store athenarun.Storage
	// Poll is the wait between GetQueryExecution calls. Default 200 ms.
	Poll time.Duration
}

// RunAthena runs the conformance checks as subtests against the API
// newAPI returns, for the fake, the wire server or live Athena.
func RunAthena(t *testing.T, c Conformance, newAPI func(t *testing.T) athenarun.API) {
	t.Helper()
	for _, ck := range checks {
		t.Run(ck.name, func(t *testing.T) {
			if err := ck.run(t.Context(), newAPI(t), c.defaults()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAthena runs the conformance checks against api and returns the
// failures joined, in the manner of testing/slogtest.TestHandler: usable
// outside go test, for example to probe a live account.
func TestAthena(ctx context.Context, api athenarun.API, c Conformance) error {
	var errs []error
	c = c.defaults()
	for _, ck := range checks {
		if err := ck.run(ctx, api, c); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ck.name, err))
		}
	}
	return errors.Join(errs...)
}

func (c Conformance) defaults() Conformance {
	if c.Database == "" {
		c.Database = "default"
	}
	if c.Poll <= 0 {
		c.Poll = 200 * time.Millisecond
	}
	return c
}

var checks = []struct {
	name string
	run  func(context.Context, athenarun.API, Conformance) error
}{
	{"SelectTypesAndHeader", checkSelect},
	{"ResultPages", checkPages},
	{"TokenIdempotent", checkToken},
	{"FailedWithReason", checkFailed},
	{"UnknownType", checkUnknownType},
	{"UnknownQuery", checkUnknownQuery},
	{"CTASLocationAndDrop", checkCTAS},
}

func (c Conformance) start(ctx context.Context, api athenarun.API, sql, token string) (string, error) {
	in := &athena.StartQueryExecutionInput{QueryString: aws.String(sql), QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(c.Database)}}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	if c.ResultLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(c.ResultLocation)}
	}
	out, err := api.StartQueryExecution(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.QueryExecutionId), nil
}

// wait polls until the query ends and returns its execution.
func (c Conformance) wait(ctx context.Context, api athenarun.API, id string) (*types.QueryExecution, error) {
	for {
		out, err := api.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			return nil, err
		}
		if out.QueryExecution == nil || out.QueryExecution.Status == nil {
			return nil, fmt.Errorf("GetQueryExecution %s: no status", id)
		}
		switch out.QueryExecution.Status.State {
		case types.QueryExecutionStateSucceeded, types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			return out.QueryExecution, nil
		case types.QueryExecutionStateQueued, types.QueryExecutionStateRunning:
		default:
			return nil, fmt.Errorf("unknown state %q", out.QueryExecution.Status.State)
		}
		t := time.NewTimer(c.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func (c Conformance) runOK(ctx context.Context, api athenarun.API, sql string) (*types.QueryExecution, error) {
	id, err := c.start(ctx, api, sql, "")
	if err != nil {
		return nil, err
	}
	qe, err := c.wait(ctx, api, id)
	if err != nil {
		return nil, err
	}
	if qe.Status.State != types.QueryExecutionStateSucceeded {
		return nil, fmt.Errorf("query %s: %s", qe.Status.State, aws.ToString(qe.Status.StateChangeReason))
	}
	return qe, nil
}

func randomToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func checkSelect(ctx context.Context, api athenarun.API, c Conformance) error {
	qe, err := c.runOK(ctx, api, "SELECT CAST(7 AS bigint) AS n, 'x' AS s, CAST(NULL AS varchar) AS z")
	if err != nil {
		return err
	}
	if qe.Statistics == nil || qe.Statistics.DataScannedInBytes == nil || qe.Status.CompletionDateTime == nil {
		return errors.New("a succeeded query has no statistics or completion time")
	}
	out, err := api.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: qe.QueryExecutionId})
	if err != nil {
		return err
	}
	cols := out.ResultSet.ResultSetMetadata.ColumnInfo
	if len(cols) != 3 || aws.ToString(cols[0].Type) != "bigint" || aws.ToString(cols[1].Type) != "varchar" || aws.ToString(cols[2].Type) != "varchar" {
		return fmt.Errorf("column info %v, want n bigint, s varchar, z varchar", colTypes(cols))
	}
	rows := out.ResultSet.Rows
	if len(rows) != 2 {
		return fmt.Errorf("%d rows, want the header and one row", len(rows))
	}
	if h := rows[0].Data; aws.ToString(h[0].VarCharValue) != "n" || aws.ToString(h[1].VarCharValue) != "s" {
		return errors.New("the first row is not the header")
	}
	if d := rows[1].Data; aws.ToString(d[0].VarCharValue) != "7" || aws.ToString(d[1].VarCharValue) != "x" || d[2].VarCharValue != nil {
		return errors.New("values are not 7, x and NULL (no VarCharValue)")
	}
	return nil
}

func colTypes(cols []types.ColumnInfo) []string {
	var out []string
	for _, c := range cols {
		out = append(out, aws.ToString(c.Name)+" "+aws.ToString(c.Type))
	}
	return out
}

func checkPages(ctx context.Context, api athenarun.API, c Conformance) error {
	qe, err := c.runOK(ctx, api, "SELECT n FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) t ORDER BY n")
	if err != nil {
		return err
	}
	var got []string
	var token *string
	for pages := 0; ; pages++ {
		if pages > 3 {
			return errors.New("more pages than rows")
		}
		out, err := api.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: qe.QueryExecutionId, MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			return err
		}
		for _, r := range out.ResultSet.Rows {
			got = append(got, aws.ToString(r.Data[0].VarCharValue))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if strings.Join(got, ",") != "n,1,2,3" {
		return fmt.Errorf("pages of 2 gave %v, want header n then 1, 2, 3", got)
	}
	_, err = api.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: qe.QueryExecutionId, MaxResults: aws.Int32(1001)})
	if !isCode(err, "InvalidRequestException") {
		return fmt.Errorf("MaxResults 1001: %v, want InvalidRequestException", err)
	}
	return nil
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

func checkToken(ctx context.Context, api athenarun.API, c Conformance) error {
	tok := randomToken()
	a, err := c.start(ctx, api, "SELECT 1", tok)
	if err != nil {
		return err
	}
	b, err := c.start(ctx, api, "SELECT 1", tok)
	if err != nil {
		return err
	}
	if a != b {
		return errors.New("the same token started a second query")
	}
	if _, err := c.wait(ctx, api, a); err != nil {
		return err
	}
	if _, err := c.start(ctx, api, "SELECT 2", tok); !isCode(err, "InvalidRequestException") {
		return fmt.Errorf("same token, other query: %v, want InvalidRequestException", err)
	}
	return nil
}

func checkFailed(ctx context.Context, api athenarun.API, c Conformance) error {
	id, err := c.start(ctx, api, "SELECT * FROM athenatest_no_such_table_"+randomToken()[:8], "")
	if err != nil {
		return err
	}
	qe, err := c.wait(ctx, api, id)
	if err != nil {
		return err
	}
	st := qe.Status
	if st.State != types.QueryExecutionStateFailed || !strings.Contains(aws.ToString(st.StateChangeReason), "TABLE_NOT_FOUND") {
		return fmt.Errorf("missing table: %s %q, want FAILED with TABLE_NOT_FOUND", st.State, aws.ToString(st.StateChangeReason))
	}
	if st.AthenaError == nil || aws.ToInt32(st.AthenaError.ErrorCategory) != 2 {
		return errors.New("missing table: AthenaError is not category 2 (user)")
	}
	_, err = api.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id)})
	if !isCode(err, "InvalidRequestException") {
		return fmt.Errorf("results of a failed query: %v, want InvalidRequestException", err)
	}
	return nil
}

func checkUnknownType(ctx context.Context, api athenarun.API, c Conformance) error {
	id, err := c.start(ctx, api, "SELECT CAST(1 AS string)", "")
	if err != nil {
		return err
	}
	qe, err := c.wait(ctx, api, id)
	if err != nil {
		return err
	}
	if qe.Status.State != types.QueryExecutionStateFailed || !strings.Contains(aws.ToString(qe.Status.StateChangeReason), "TYPE_NOT_FOUND") {
		return fmt.Errorf("CAST AS string: %s %q, want FAILED with TYPE_NOT_FOUND", qe.Status.State, aws.ToString(qe.Status.StateChangeReason))
	}
	return nil
}

func checkUnknownQuery(ctx context.Context, api athenarun.API, c Conformance) error {
	_, err := api.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String("00000000-0000-0000-0000-000000000000")})
	if !isCode(err, "InvalidRequestException") {
		return fmt.Errorf("unknown query id: %v, want InvalidRequestException", err)
	}
	return nil
}

func checkCTAS(ctx context.Context, api athenarun.API, c Conformance) error {
	if c.Location == "" {
		return nil
	}
	name := "athenatest_" + randomToken()[:12]
	loc := strings.TrimSuffix(c.Location, "/") + "/" + name + "/"
	ctas := "CREATE TABLE " + name + " WITH (format = 'PARQUET', external_location = '" + loc + "') AS SELECT CAST(1 AS bigint) AS n, 'a' AS s"
	if _, err := c.runOK(ctx, api, ctas); err != nil {
		return fmt.Errorf("CTAS: %w", err)
	}
	list, err := api.ListTableMetadata(ctx, &athena.ListTableMetadataInput{CatalogName: aws.String("AwsDataCatalog"), DatabaseName: aws.String(c.Database), Expression: aws.String(name)})
	if err != nil {
		return err
	}
	if len(list.TableMetadataList) != 1 || len(list.TableMetadataList[0].Columns) != 2 {
		return fmt.Errorf("ListTableMetadata found %d tables named like the CTAS", len(list.TableMetadataList))
	}
	if _, err := c.runOK(ctx, api, "DROP TABLE "+name); err != nil {
		return fmt.Errorf("DROP TABLE: %w", err)
	}
	// The files stay: a CTAS into the same location fails.
	id, err := c.start(ctx, api, ctas, "")
	if err != nil {
		return err
	}
	qe, err := c.wait(ctx, api, id)
	if err != nil {
		return err
	}
	if qe.Status.State != types.QueryExecutionStateFailed || !strings.Contains(aws.ToString(qe.Status.StateChangeReason), "HIVE_PATH_ALREADY_EXISTS") {
		return fmt.Errorf("CTAS into a used location: %s, want FAILED with HIVE_PATH_ALREADY_EXISTS", qe.Status.State)
	}
	list, err = api.ListTableMetadata(ctx, &athena.ListTableMetadataInput{CatalogName: aws.String("AwsDataCatalog"), DatabaseName: aws.String(c.Database), Expression: aws.String(name)})
	if err != nil {
		return err
	}
	if len(list.TableMetadataList) != 0 {
		return errors.New("the dropped table is still listed")
	}
	if c.Store != nil {
		bucket, prefix, _ := splitURI(loc)
		objs, err := c.Store.ListObjectsV2(ctx, listInput(bucket, prefix))
		if err != nil {
			return err
		}
		if len(objs.Contents) > 0 {
			if _, err := c.Store.DeleteObjects(ctx, deleteInput(bucket, objs)); err != nil {
				return err
			}
		}
	}
	return nil
}
