package athenarun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// API is the part of *athena.Client the runner calls, with the SDK's
// signatures.
type API interface {
	StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error)
	GetQueryResults(ctx context.Context, in *athena.GetQueryResultsInput, optFns ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error)
	StopQueryExecution(ctx context.Context, in *athena.StopQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error)
	ListTableMetadata(ctx context.Context, in *athena.ListTableMetadataInput, optFns ...func(*athena.Options)) (*athena.ListTableMetadataOutput, error)
}

// Storage is the part of *s3.Client the runner calls: to delete the files
// of its temporary tables (Athena's DROP TABLE leaves them) and, with
// Options.ReadOutputFiles, to read the output table's Parquet files.
type Storage interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// Options configures a Runner.
type Options struct {
	// Database is the Glue database the input tables are in and the
	// run's tables are created in. Default "default".
	Database string
	// Catalog is the data catalog; empty is Athena's default
	// (AwsDataCatalog).
	Catalog string
	// WorkGroup runs the queries. Default "primary".
	WorkGroup string
	// ResultLocation is the s3:// prefix for query result files. Empty
	// uses the workgroup's (which then must have one).
	ResultLocation string

	// PollInterval is the first wait between GetQueryExecution calls and
	// between retries of throttled calls; it doubles per wait up to
	// MaxPollInterval. Defaults 500 ms and 5 s (awswrangler and
	// dbt-athena poll every second without backing off).
	PollInterval, MaxPollInterval time.Duration
	// MaxRetries bounds the retries of a throttled or failing call
	// (ThrottlingException, TooManyRequestsException, InternalServerException,
	// network errors). Default 8.
	MaxRetries int
	// MaxAttempts bounds the queries started for one step: a query that
	// fails with AthenaError.Retryable, or that an earlier process's
	// cancellation left CANCELLED, is started again under a new token and
	// storage location. Default 3.
	MaxAttempts int

	// PartitionBySource writes the output table partitioned by source (a
	// tenant or system per source keeps reads of one source cheap). Past
	// 100 sources the output is written by one CTAS and one INSERT INTO per
	// further 100 sources (Athena's limit per statement), each reading the
	// label and node tables again. Every record needs a source: a NULL
	// source fails the run with ErrInvalid when the output is written.
	PartitionBySource bool

	// NumberBySource numbers the records with one window per source
	// (sqlgen's NodesBySource) instead of one window over all records,
	// which Athena runs on a single worker: the same numbers, computed in
	// parallel across sources, at the price of reading the input twice.
	// Use it past a few hundred million records spread over many sources.
	NumberBySource bool

	// ReadOutputFiles makes Persons read the output table's Parquet files
	// from S3 (Result.Location) instead of paging through GetQueryResults
	// at 1,000 rows a call: the way to read more than a few million
	// assignments. It needs s3:GetObject and s3:ListBucket there.
	ReadOutputFiles bool

	// ReplaceOutput lets Resolve drop an output table that exists but was
	// not written by this run. Without it that is ErrAlreadyExists.
	ReplaceOutput bool
	// KeepOnFailure keeps the run's temporary tables and files when a
	// step fails, for inspection; by default they are removed. They are
	// always kept when ctx ends, so that a restart resumes; Cleanup
	// removes them.
	KeepOnFailure bool

	// Progress, when set, is called after every step (on the calling
	// goroutine).
	Progress func(Step)
	// Logger receives debug records of queries started and stopped; nil
	// logs nothing.
	Logger *slog.Logger
}

// Runner drives Athena queries: generic statements with Exec and Rows, and
// sqlgen's connected-components plan with Resolve. It holds no state
// between calls and is safe for concurrent use.
type Runner struct {
	api   API
	store Storage
	opts  Options
}

// New returns a runner over api (an *athena.Client or a fake) and store
// (an *s3.Client or a fake).
func New(api API, store Storage, optFns ...func(*Options)) (*Runner, error) {
	o := Options{}
	for _, f := range optFns {
		f(&o)
	}
	if api == nil || store == nil {
		return nil, fmt.Errorf("%w: athenarun: new: api and store are required", ErrInvalid)
	}
	if o.Database == "" {
		o.Database = "default"
	}
	if o.WorkGroup == "" {
		o.WorkGroup = "primary"
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	if o.MaxPollInterval < o.PollInterval {
		o.MaxPollInterval = max(5*time.Second, o.PollInterval)
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 8
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.ResultLocation != "" && !strings.HasPrefix(o.ResultLocation, "s3://") {
		return nil, fmt.Errorf("%w: athenarun: new: ResultLocation must be an s3:// prefix", ErrInvalid)
	}
	return &Runner{api: api, store: store, opts: o}, nil
}

// Exec runs one statement under a token derived from runID, step and the
// statement (see Token), waits for it to end and returns its step report.
// A restarted caller passing the same runID and step gets the query the
// first call started, whatever state it reached.
func (r *Runner) Exec(ctx context.Context, runID, step, statement string) (Step, error) {
	ex, err := r.run(ctx, step, statement, Token(runID, step, statement))
	if ex == nil {
		return Step{Name: step}, err
	}
	return stepOf(step, "", ex), err
}

// runID hashes the caller's run id into the name and path component of
// the run's temporary tables.
func runHash(runID string) string {
	s := sha256.Sum256([]byte("athenarun/run\x00" + runID))
	return hex.EncodeToString(s[:])[:10]
}

// tables lists the database's tables whose names match pattern (a regular
// expression on the whole name), with their locations.
func (r *Runner) tables(ctx context.Context, pattern string) (map[string]string, error) {
	out := map[string]string{}
	var token *string
	for {
		in := &athena.ListTableMetadataInput{CatalogName: aws.String(r.catalog()), DatabaseName: aws.String(r.opts.Database), Expression: aws.String(pattern), NextToken: token, MaxResults: aws.Int32(50)}
		if r.opts.WorkGroup != "" {
			in.WorkGroup = aws.String(r.opts.WorkGroup)
		}
		page, err := call(ctx, r, "ListTableMetadata", "", func() (*athena.ListTableMetadataOutput, error) { return r.api.ListTableMetadata(ctx, in) })
		if err != nil {
			return nil, err
		}
		for _, t := range page.TableMetadataList {
			out[strings.ToLower(aws.ToString(t.Name))] = t.Parameters["location"]
		}
		if page.NextToken == nil {
			return out, nil
		}
		token = page.NextToken
	}
}

func (r *Runner) catalog() string {
	if r.opts.Catalog != "" {
		return r.opts.Catalog
	}
	return "AwsDataCatalog"
}

// deletePrefix deletes every object under an s3:// prefix, 1,000 per
// DeleteObjects call.
func (r *Runner) deletePrefix(ctx context.Context, uri string) error {
	bucket, prefix, ok := strings.Cut(strings.TrimPrefix(uri, "s3://"), "/")
	if !ok || bucket == "" || prefix == "" || !strings.HasPrefix(uri, "s3://") {
		return fmt.Errorf("%w: athenarun: refusing to delete under %q: not an s3:// prefix below a bucket", ErrInvalid, uri)
	}
	for {
		page, err := call(ctx, r, "ListObjectsV2", "", func() (*s3.ListObjectsV2Output, error) {
			return r.store.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		})
		if err != nil {
			return err
		}
		if len(page.Contents) == 0 {
			return nil
		}
		del := &s3types.Delete{Quiet: aws.Bool(true)}
		for _, o := range page.Contents {
			del.Objects = append(del.Objects, s3types.ObjectIdentifier{Key: o.Key})
		}
		out, err := call(ctx, r, "DeleteObjects", "", func() (*s3.DeleteObjectsOutput, error) {
			return r.store.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: del})
		})
		if err != nil {
			return err
		}
		if len(out.Errors) > 0 {
			return apiError("DeleteObjects", "", fmt.Errorf("%d objects not deleted (first: %s)", len(out.Errors), aws.ToString(out.Errors[0].Code)))
		}
	}
}
