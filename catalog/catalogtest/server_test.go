package catalogtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

func post(t *testing.T, srv *catalogtest.GlueServer, target, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	return resp, m
}

// The wire shapes match the protocol: error type and message, status codes.
func TestServerWireErrors(t *testing.T) {
	srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
	defer srv.Close()
	resp, m := post(t, srv, "AWSGlue.GetDatabase", `{"Name":"nope"}`)
	if resp.StatusCode != 400 || m["__type"] != "EntityNotFoundException" || m["Message"] == "" {
		t.Errorf("missing database: status %d, body %v", resp.StatusCode, m)
	}
	if resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("content type %q", resp.Header.Get("Content-Type"))
	}
	resp, m = post(t, srv, "AWSGlue.NoSuchOp", `{}`)
	if resp.StatusCode != 400 || m["__type"] != "UnknownOperationException" {
		t.Errorf("unknown op: status %d, body %v", resp.StatusCode, m)
	}
	resp, m = post(t, srv, "AWSGlue.GetDatabase", `{"Name":5}`)
	if resp.StatusCode != 400 || m["__type"] != "SerializationException" {
		t.Errorf("bad body: status %d, body %v", resp.StatusCode, m)
	}
	srv.Glue.Inject(catalogtest.FailTimes("GetDatabases", 1, &types.InternalServiceException{Message: aws.String("boom")}))
	resp, m = post(t, srv, "AWSGlue.GetDatabases", `{}`)
	if resp.StatusCode != 500 || m["__type"] != "InternalServiceException" {
		t.Errorf("server fault: status %d, body %v", resp.StatusCode, m)
	}
	resp, m = post(t, srv, "AWSGlue.GetDatabases", `{"MaxResults":2}`)
	if resp.StatusCode != 200 || m["DatabaseList"] == nil {
		t.Errorf("GetDatabases: status %d, body %v", resp.StatusCode, m)
	}
}

// The real client sees typed exceptions inside *smithy.OperationError, and
// an injected non-API failure as a dropped connection.
func TestServerErrorsThroughClient(t *testing.T) {
	srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
	defer srv.Close()
	c := srv.Client()
	ctx := t.Context()
	srv.Glue.Inject(
		catalogtest.FailTimes("GetDatabases", 1, &types.ThrottlingException{Message: aws.String("slow down")}),
		catalogtest.FailTimes("GetDatabase", 1, nil),
	)
	_, err := c.GetDatabases(ctx, &glue.GetDatabasesInput{})
	var te *types.ThrottlingException
	var oe *smithy.OperationError
	if !errors.As(err, &te) || !errors.As(err, &oe) || oe.Operation() != "GetDatabases" || aws.ToString(te.Message) != "slow down" {
		t.Errorf("throttled call: %v", err)
	}
	_, err = c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("x")})
	var ae smithy.APIError
	if err == nil || errors.As(err, &ae) {
		t.Errorf("dropped connection: %v, want a transport error", err)
	}
}

// What a Registrar sends over the wire is awswrangler's Parquet table,
// field for field, as the real SDK serialises it.
func TestServerRecordsWireRequests(t *testing.T) {
	srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
	defer srv.Close()
	r := catalog.New(srv.Client())
	ctx := t.Context()
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	s := catalog.Schema{
		Columns:       []catalog.Column{{Name: "id", Type: "string"}},
		PartitionKeys: []catalog.Column{},
		Location:      "s3://b/t",
	}
	if _, err := r.EnsureTable(ctx, "lake", "t", s); err != nil {
		t.Fatal(err)
	}
	var body []byte
	for _, req := range srv.Requests() {
		if req.Op == "CreateTable" {
			body = req.Body
		}
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"DatabaseName": "lake",
		"TableInput": map[string]any{
			"Name":          "t",
			"TableType":     "EXTERNAL_TABLE",
			"PartitionKeys": []any{},
			"Parameters": map[string]any{
				"classification": "parquet", "compressionType": "snappy", "typeOfData": "file", "projection.enabled": "false",
			},
			"StorageDescriptor": map[string]any{
				"Columns":         []any{map[string]any{"Name": "id", "Type": "string"}},
				"Location":        "s3://b/t/",
				"InputFormat":     catalog.ParquetInputFormat,
				"OutputFormat":    catalog.ParquetOutputFormat,
				"Compressed":      true,
				"NumberOfBuckets": float64(-1),
				"BucketColumns":   []any{},
				"SortColumns":     []any{},
				"SerdeInfo": map[string]any{
					"SerializationLibrary": catalog.ParquetSerDe,
					"Parameters":           map[string]any{"serialization.format": "1"},
				},
				"Parameters": map[string]any{
					"CrawlerSchemaDeserializerVersion": "1.0", "classification": "parquet", "compressionType": "snappy", "typeOfData": "file",
				},
			},
		},
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) {
		t.Errorf("CreateTable wire body:\n got %s\nwant %s", gb, wb)
	}
}

// One model, two doors: what the client writes over HTTP is visible in
// process, and the other way round.
func TestServerSharesModel(t *testing.T) {
	g := catalogtest.NewGlue()
	srv := catalogtest.NewGlueServer(g)
	defer srv.Close()
	ctx := context.Background()
	if _, err := catalog.New(g).EnsureDatabase(ctx, catalog.Database{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.New(srv.Client()).EnsureDatabase(ctx, catalog.Database{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	if g.Database("b") == nil {
		t.Error("database created over HTTP is not in the model")
	}
	if _, err := srv.Client().GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("a")}); err != nil {
		t.Errorf("database created in process is not served: %v", err)
	}
}

// Timestamps travel as epoch seconds and come back as the same instant.
func TestServerTimestamps(t *testing.T) {
	g := catalogtest.NewGlue()
	fixed := time.Date(2026, 11, 23, 18, 30, 15, 250_000_000, time.UTC)
	g.Now = func() time.Time { return fixed }
	srv := catalogtest.NewGlueServer(g)
	defer srv.Close()
	c := srv.Client()
	ctx := t.Context()
	if _, err := c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}); err != nil {
		t.Fatal(err)
	}
	analyzed := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: &types.TableInput{
		Name: aws.String("t"), LastAnalyzedTime: aws.Time(analyzed), Retention: 7,
		StorageDescriptor: &types.StorageDescriptor{NumberOfBuckets: -1, Compressed: true, SortColumns: []types.Order{{Column: aws.String("c"), SortOrder: 1}}},
	}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	tb := out.Table
	if d := tb.CreateTime.Sub(fixed); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("CreateTime off by %v", d)
	}
	if !tb.LastAnalyzedTime.Equal(analyzed) {
		t.Errorf("LastAnalyzedTime = %v", tb.LastAnalyzedTime)
	}
	if tb.Retention != 7 || tb.StorageDescriptor.NumberOfBuckets != -1 || !tb.StorageDescriptor.Compressed ||
		len(tb.StorageDescriptor.SortColumns) != 1 || tb.StorageDescriptor.SortColumns[0].SortOrder != 1 {
		t.Errorf("scalar members did not round-trip: %+v", tb.StorageDescriptor)
	}
}

// A real *glue.Client with the SDK's standard retryer (retries on, no
// backoff) retries what the SDK deems retryable — throttling, server faults,
// dropped connections — and surfaces the rest after one call, typed.
func TestServerWithSDKRetries(t *testing.T) {
	retryable := []struct {
		name string
		err  error
	}{
		{"throttling", &types.ThrottlingException{Message: aws.String("rate exceeded")}},
		{"internal fault", &types.InternalServiceException{Message: aws.String("internal")}},
		{"dropped connection", nil},
	}
	sdkRetries := func(o *glue.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	for _, tt := range retryable {
		t.Run(tt.name, func(t *testing.T) {
			srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
			defer srv.Close()
			srv.Glue.Inject(catalogtest.FailTimes("GetDatabases", 2, tt.err))
			if _, err := srv.Client(sdkRetries).GetDatabases(t.Context(), &glue.GetDatabasesInput{}); err != nil {
				t.Fatalf("after two retryable failures: %v", err)
			}
			if n := srv.Glue.Count("GetDatabases"); n != 3 {
				t.Errorf("calls = %d, want 3", n)
			}
		})
	}
	final := []struct {
		name  string
		err   error
		check func(error) bool
	}{
		{"concurrent modification", &types.ConcurrentModificationException{Message: aws.String("m")},
			func(err error) bool { var e *types.ConcurrentModificationException; return errors.As(err, &e) }},
		{"not found", &types.EntityNotFoundException{Message: aws.String("m")},
			func(err error) bool { var e *types.EntityNotFoundException; return errors.As(err, &e) }},
		{"version limit", &types.ResourceNumberLimitExceededException{Message: aws.String("m")},
			func(err error) bool { var e *types.ResourceNumberLimitExceededException; return errors.As(err, &e) }},
		{"access denied", &types.AccessDeniedException{Message: aws.String("m")},
			func(err error) bool { var e *types.AccessDeniedException; return errors.As(err, &e) }},
	}
	for _, tt := range final {
		t.Run(tt.name, func(t *testing.T) {
			srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
			defer srv.Close()
			srv.Glue.Inject(catalogtest.FailTimes("GetDatabases", 2, tt.err))
			_, err := srv.Client(sdkRetries).GetDatabases(t.Context(), &glue.GetDatabasesInput{})
			var oe *smithy.OperationError
			if !errors.As(err, &oe) || oe.Operation() != "GetDatabases" || !tt.check(err) {
				t.Fatalf("error %T %v, want the typed exception inside *smithy.OperationError", err, err)
			}
			if n := srv.Glue.Count("GetDatabases"); n != 1 {
				t.Errorf("calls = %d, want 1 (not retryable)", n)
			}
		})
	}
}
