package athenatest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"
	_ "modernc.org/sqlite" // the embedded engine, pure Go
)

// AthenaOptions configures a fake Athena.
type AthenaOptions struct {
	// Now is the clock queries walk their states on. Default time.Now,
	// which inside a testing/synctest bubble is the bubble's clock.
	Now func() time.Time
	// QueueTime is how long a query stays QUEUED, RunTime how long it
	// then stays RUNNING before it runs on the engine and reaches its
	// terminal state. Zero means the defaults, 100 ms and 1 s; a negative
	// duration means none (the query ends when first looked at).
	QueueTime, RunTime time.Duration
	// MaxActiveQueries is the account's limit of queued plus running
	// queries: one more is refused with TooManyRequestsException
	// (CONCURRENT_QUERY_LIMIT_EXCEEDED). Default 20.
	MaxActiveQueries int
	// OutputLocation is the primary workgroup's query result location,
	// used when a query names none. Default "s3://athenatest-results/".
	OutputLocation string
	// S3 holds the files CTAS and query results write. Default NewS3().
	S3 *S3
}

// Failure is how an injected query failure is reported: Status's
// StateChangeReason and AthenaError.
type Failure struct {
	Reason    string
	Category  int32 // 1 system, 2 user, 3 other
	Type      int32
	Retryable bool
}

// Execution is a query the fake received, for tests to inspect.
type Execution struct {
	ID, Query, Database, Token string
	State                      types.QueryExecutionState
	Reason                     string
	// Ran is whether the statement ran on the engine (a cancelled or
	// injected-failure query did not).
	Ran bool
}

// Athena is an in-memory Athena: it runs the SQL of StartQueryExecution on
// an embedded SQLite engine (one in-memory database per Athena database),
// walks each query QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED on the
// clock of its options, and serves GetQueryExecution, GetQueryResults
// (paginated, header row first, types in ColumnInfo), StopQueryExecution,
// ListQueryExecutions, GetTableMetadata and ListTableMetadata with the
// SDK's signatures. It is safe for concurrent use, and runs statements
// without holding its lock (see the package documentation); Close
// releases the engines.
type Athena struct {
	opts AthenaOptions

	mu      sync.Mutex
	dbs     map[string]*database
	queries map[string]*query
	order   []*query
	tokens  map[string]*query
	seq     int
	faults  map[string][]apiFault
	fails   []queryFault
	flaps   []queryFault

	// hook, when set (by this package's tests), is called by the call
	// running a statement, without a.mu: before the engine runs it (stage
	// "run") and before its outcome is published ("publish").
	hook func(ctx context.Context, id, stage string)
}

type database struct {
	db *sql.DB
	// tables is the catalog. It changes only under a.mu and the
	// database's turn, so a statement holding the turn reads it without
	// a.mu.
	tables map[string]*table
	turns  turns
}

type table struct {
	name      string
	location  string
	columns   []types.Column
	partition []types.Column
	created   time.Time
	bytes     int64
}

type apiFault struct {
	n   int
	err error
}

type queryFault struct {
	match string
	n     int
	f     Failure
}

type query struct {
	id, sql, db, workgroup, output, token string

	submitted, startAt, doneAt, completed time.Time
	flapAt                                time.Time // zero: no flap pending
	state                                 types.QueryExecutionState
	reason                                string
	aerr                                  *types.AthenaError
	fail                                  *Failure
	ran                                   bool

	// run is the job of the call running the statement now (nil
	// otherwise).
	run *job

	stmtType   types.StatementType
	subType    string
	scanned    int64
	cols       []types.ColumnInfo
	rows       [][]*string
	update     *int64
	engineTime time.Duration
}

// NewAthena returns an empty fake with the database "default".
func NewAthena(optFns ...func(*AthenaOptions)) *Athena {
	var o AthenaOptions
	for _, f := range optFns {
		f(&o)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.QueueTime == 0 {
		o.QueueTime = 100 * time.Millisecond
	}
	if o.RunTime == 0 {
		o.RunTime = time.Second
	}
	o.QueueTime, o.RunTime = max(o.QueueTime, 0), max(o.RunTime, 0)
	if o.MaxActiveQueries <= 0 {
		o.MaxActiveQueries = 20
	}
	if o.OutputLocation == "" {
		o.OutputLocation = "s3://athenatest-results/"
	}
	if o.S3 == nil {
		o.S3 = NewS3()
	}
	a := &Athena{opts: o, dbs: map[string]*database{}, queries: map[string]*query{}, tokens: map[string]*query{}, faults: map[string][]apiFault{}}
	_ = a.CreateDatabase("default")
	return a
}

// S3 returns the object store the fake writes to.
func (a *Athena) S3() *S3 { return a.opts.S3 }

// Close closes the engines, once the statements running on them end.
func (a *Athena) Close() error {
	a.mu.Lock()
	dbs := a.dbs
	a.dbs = map[string]*database{}
	a.mu.Unlock()
	var errs []error
	for _, d := range dbs {
		errs = append(errs, d.db.Close())
	}
	return errors.Join(errs...)
}

// CreateDatabase adds an empty database; an existing one is kept.
func (a *Athena) CreateDatabase(name string) error {
	name = strings.ToLower(name)
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.dbs[name]; ok {
		return nil
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	a.dbs[name] = &database{db: db, tables: map[string]*table{}, turns: newTurns()}
	return nil
}

// Column is a column of a table loaded with PutTable: a name and an
// Athena type (varchar, bigint, integer, double, boolean).
type Column struct{ Name, Type string }

// PutTable creates table name in database with columns and rows (values
// string, int64, int, float64, bool or nil), as a crawler or a Glue
// CreateTable over existing files would. When location is an s3://
// prefix, the rows are also written there as a Parquet file
// (part-00000.parquet). It replaces a table of that name.
func (a *Athena) PutTable(database, name, location string, cols []Column, rows [][]any) error {
	database, name = strings.ToLower(database), strings.ToLower(name)
	if err := a.CreateDatabase(database); err != nil {
		return err
	}
	// The table is written on the database's turn, between statements.
	a.mu.Lock()
	d := a.dbs[database]
	if d == nil { // closed meanwhile
		a.mu.Unlock()
		return fmt.Errorf("athenatest: database %q: the fake is closed", database)
	}
	ticket := d.turns.take()
	a.mu.Unlock()
	_ = a.wait(context.Background(), d, ticket)
	defer func() {
		a.mu.Lock()
		d.turns.release(ticket)
		a.mu.Unlock()
	}()
	var defs, marks []string
	t := &table{name: name, location: location, created: a.opts.Now()}
	for _, c := range cols {
		st, ok := castTypes[strings.ToLower(c.Type)]
		if !ok {
			return fmt.Errorf("athenatest: column %q: unsupported type %q", c.Name, c.Type)
		}
		defs = append(defs, quoteIdent(c.Name)+" "+st)
		marks = append(marks, "?")
		t.columns = append(t.columns, types.Column{Name: aws.String(strings.ToLower(c.Name)), Type: aws.String(strings.ToLower(c.Type))})
	}
	ctx := context.Background()
	if _, err := d.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteIdent(name)); err != nil {
		return err
	}
	if _, err := d.db.ExecContext(ctx, "CREATE TABLE "+quoteIdent(name)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+quoteIdent(name)+" VALUES ("+strings.Join(marks, ", ")+")")
	if err != nil {
		return err
	}
	for _, r := range rows {
		if len(r) != len(cols) {
			return fmt.Errorf("athenatest: table %q: a row has %d values for %d columns", name, len(r), len(cols))
		}
		for _, v := range r {
			t.bytes += valueBytes(v)
		}
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// The table's files, as a writer of the clean zone would have left
	// them: Parquet under location, which is what queries are billed on.
	if bucket, key, ok := splitURI(location); ok {
		files, _, err := tableFiles(ctx, d.db, "SELECT * FROM "+quoteIdent(name), t.columns, 0)
		if err != nil {
			return err
		}
		t.bytes = 0
		for _, f := range files {
			a.opts.S3.put(bucket, strings.TrimSuffix(key, "/")+"/part-00000.parquet", f.body)
			t.bytes += int64(len(f.body))
		}
	}
	a.mu.Lock()
	d.tables[name] = t
	a.mu.Unlock()
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// valueBytes is the fake's measure of stored data: what the value takes
// uncompressed. Athena bills compressed Parquet column chunks, usually
// smaller; the ratio is the data's, not the fake's to guess.
func valueBytes(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 1
	case string:
		return int64(len(x))
	case []byte:
		return int64(len(x))
	}
	return 8
}

// Tables returns the table names of database, sorted.
func (a *Athena) Tables(database string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.dbs[strings.ToLower(database)]
	if d == nil {
		return nil
	}
	var out []string
	for n := range d.tables {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Executions returns the queries received so far, in the order they were
// started, after advancing them to the clock's time: it runs the
// statements due and not yet run (a statement another call is running
// shows RUNNING).
func (a *Athena) Executions() []Execution {
	a.mu.Lock()
	a.advance()
	if jobs := a.claim(context.Background(), "", time.Time{}); len(jobs) > 0 {
		a.mu.Unlock()
		_ = a.runJobs(context.Background(), jobs) // no context to end
		a.mu.Lock()
	}
	defer a.mu.Unlock()
	out := make([]Execution, len(a.order))
	for i, q := range a.order {
		out[i] = Execution{ID: q.id, Query: q.sql, Database: q.db, Token: q.token, State: q.state, Reason: q.reason, Ran: q.ran}
	}
	return out
}

// Inject makes the next n calls of operation op (such as
// "StartQueryExecution") return err without doing anything. err is
// returned as the SDK would (inside a *smithy.OperationError); use
// Throttling or TooManyRequests for the service's shapes.
func (a *Athena) Inject(op string, n int, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults[op] = append(a.faults[op], apiFault{n: n, err: err})
}

// Fail makes the next n queries whose SQL contains match fail with f once
// they have run their RunTime, instead of running on the engine.
func (a *Athena) Fail(match string, n int, f Failure) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fails = append(a.fails, queryFault{match: match, n: n, f: f})
}

// Flap makes the next n queries whose SQL contains match go from RUNNING
// back to QUEUED once, halfway through their RunTime, as Athena does on
// transient errors; they queue again for QueueTime and then run in full.
func (a *Athena) Flap(match string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flaps = append(a.flaps, queryFault{match: match, n: n})
}

// Throttling is the error Athena returns when an operation's request rate
// is exceeded.
func Throttling() error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded", Fault: smithy.FaultClient}
}

// TooManyRequests is the error StartQueryExecution returns at the
// account's active query limit.
func TooManyRequests() error {
	return &types.TooManyRequestsException{Message: aws.String("You have exceeded the limit for the number of queries you can run concurrently. Reduce the number of concurrent queries submitted by this account."), Reason: types.ThrottleReasonConcurrentQueryLimitExceeded}
}

func opError(op string, err error) error {
	return &smithy.OperationError{ServiceID: "Athena", OperationName: op, Err: err}
}

func invalidRequest(msg string) error {
	return &types.InvalidRequestException{Message: aws.String(msg), AthenaErrorCode: aws.String("INVALID_INPUT")}
}

// begin checks the context and injected faults for op; it is called with
// a.mu held.
func (a *Athena) begin(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return opError(op, &smithy.CanceledError{Err: err})
	}
	fs := a.faults[op]
	if len(fs) > 0 {
		err := fs[0].err
		fs[0].n--
		if fs[0].n <= 0 {
			a.faults[op] = fs[1:]
		}
		return opError(op, err)
	}
	a.advance()
	return nil
}

func takeFault(fs *[]queryFault, sql string) (Failure, bool) {
	for i, f := range *fs {
		if strings.Contains(sql, f.match) {
			(*fs)[i].n--
			if (*fs)[i].n <= 0 {
				*fs = slices.Delete(*fs, i, i+1)
			}
			return f.f, true
		}
	}
	return Failure{}, false
}

// StartQueryExecution queues a query. A ClientRequestToken seen before
// returns the same query (and starts nothing) when the request is the
// same, and InvalidRequestException when it is not.
func (a *Athena) StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, _ ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error) {
	const op = "StartQueryExecution"
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.begin(ctx, op); err != nil {
		return nil, err
	}
	if in == nil || in.QueryString == nil {
		return nil, opError(op, invalidRequest("QueryString is required"))
	}
	q := &query{sql: *in.QueryString, db: "default", workgroup: "primary", output: a.opts.OutputLocation, token: aws.ToString(in.ClientRequestToken)}
	if n := len(q.sql); n < 1 || n > 262144 {
		return nil, opError(op, invalidRequest("queryString length must be between 1 and 262144"))
	}
	if qc := in.QueryExecutionContext; qc != nil && aws.ToString(qc.Database) != "" {
		q.db = strings.ToLower(aws.ToString(qc.Database))
	}
	if in.WorkGroup != nil {
		q.workgroup = *in.WorkGroup
	}
	if rc := in.ResultConfiguration; rc != nil && aws.ToString(rc.OutputLocation) != "" {
		q.output = aws.ToString(rc.OutputLocation)
	}
	if q.workgroup != "primary" {
		return nil, opError(op, invalidRequest("WorkGroup "+q.workgroup+" is not found."))
	}
	if _, _, ok := splitURI(q.output); !ok {
		return nil, opError(op, invalidRequest("No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input."))
	}
	if q.token != "" {
		if n := len(q.token); n < 32 || n > 128 {
			return nil, opError(op, invalidRequest("clientRequestToken length must be between 32 and 128"))
		}
		if old, ok := a.tokens[q.token]; ok {
			if old.sql != q.sql || old.db != q.db || old.workgroup != q.workgroup || old.output != q.output {
				return nil, opError(op, invalidRequest("Idempotent parameters do not match"))
			}
			return &athena.StartQueryExecutionOutput{QueryExecutionId: aws.String(old.id)}, nil
		}
	}
	// A statement due by the clock has ended for the limit, unless a call
	// is running it: Start never waits for the engine.
	n, now := 0, a.opts.Now()
	for _, o := range a.order {
		if active(o) && (o.run != nil || now.Before(o.doneAt)) {
			n++
		}
	}
	if n >= a.opts.MaxActiveQueries {
		return nil, opError(op, TooManyRequests())
	}
	a.seq++
	sum := sha256.Sum256([]byte(strconv.Itoa(a.seq) + "\x00" + q.sql))
	h := hex.EncodeToString(sum[:16])
	q.id = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	q.submitted, q.state = now, types.QueryExecutionStateQueued
	q.startAt = now.Add(a.opts.QueueTime)
	if _, ok := takeFault(&a.flaps, q.sql); ok {
		q.flapAt = q.startAt.Add(a.opts.RunTime / 2)
	}
	if f, ok := takeFault(&a.fails, q.sql); ok {
		q.fail = &f
	}
	q.doneAt = q.startAt.Add(a.opts.RunTime)
	if !q.flapAt.IsZero() {
		q.doneAt = q.flapAt.Add(a.opts.QueueTime + a.opts.RunTime)
	}
	a.queries[q.id] = q
	a.order = append(a.order, q)
	if q.token != "" {
		a.tokens[q.token] = q
	}
	a.advance()
	return &athena.StartQueryExecutionOutput{QueryExecutionId: aws.String(q.id)}, nil
}

// advance moves every active query to its state at the clock's time.
// It runs nothing on the engine: a statement due by the clock shows
// RUNNING until a call that needs its outcome runs it (claim); a query
// with an injected failure ends FAILED at once. Called with a.mu held.
func (a *Athena) advance() {
	now := a.opts.Now()
	for _, q := range a.order {
		if !active(q) || q.run != nil {
			continue
		}
		switch {
		case !now.Before(q.doneAt):
			if q.fail != nil {
				a.failInjected(q)
				continue
			}
			q.state = types.QueryExecutionStateRunning
		case !q.flapAt.IsZero() && !now.Before(q.flapAt) && now.Before(q.flapAt.Add(a.opts.QueueTime)):
			q.state = types.QueryExecutionStateQueued // back in the queue
		case !now.Before(q.startAt):
			q.state = types.QueryExecutionStateRunning
		}
	}
}

func (a *Athena) failInjected(q *query) {
	q.completed = q.doneAt
	q.engineTime = a.opts.RunTime
	q.state = types.QueryExecutionStateFailed
	q.reason = q.fail.Reason
	q.aerr = &types.AthenaError{ErrorCategory: aws.Int32(q.fail.Category), ErrorType: aws.Int32(q.fail.Type), Retryable: q.fail.Retryable, ErrorMessage: aws.String(q.fail.Reason)}
}

// engineError turns a SQLite error into the Athena error it stands for.
func engineError(err error) *queryError {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no such table"):
		return userError("TABLE_NOT_FOUND", "a table the query reads does not exist")
	case strings.Contains(msg, "no such column"):
		return userError("COLUMN_NOT_FOUND", "a column the query reads cannot be resolved")
	case strings.Contains(msg, "syntax error"), strings.Contains(msg, "misuse"), strings.Contains(msg, "ambiguous"):
		return userError("SYNTAX_ERROR", "the query does not parse or resolve")
	}
	return &queryError{code: "GENERIC_INTERNAL_ERROR", msg: "the engine failed", category: 1, typ: 1000}
}

// StopQueryExecution cancels a queued or running query; stopping a
// finished query does nothing. A statement another call is running stops
// there and leaves nothing behind (no table, rows or files); Stop does not
// wait for it. A query that has ended by the clock but not yet run is
// run first (it had finished before the stop came).
func (a *Athena) StopQueryExecution(ctx context.Context, in *athena.StopQueryExecutionInput, _ ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error) {
	const op = "StopQueryExecution"
	q, err := a.read(ctx, op, in.QueryExecutionId)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	if active(q) {
		q.state = types.QueryExecutionStateCancelled
		q.reason = "Query was cancelled by user"
		q.completed = a.opts.Now()
		if q.run != nil {
			q.run.cancel() // the call running it stops and rolls back
		}
	}
	return &athena.StopQueryExecutionOutput{}, nil
}

// read looks the query up after advancing the queries to the clock's
// time and, when its statement is due and not yet run, runs it (with the
// due statements of its database before it) without a.mu. It returns with
// a.mu held when the error is nil.
func (a *Athena) read(ctx context.Context, op string, id *string) (*query, error) {
	a.mu.Lock()
	if err := a.begin(ctx, op); err != nil {
		a.mu.Unlock()
		return nil, err
	}
	q, err := a.lookup(op, id)
	if err != nil {
		a.mu.Unlock()
		return nil, err
	}
	if jobs := a.claimFor(ctx, q); len(jobs) > 0 {
		a.mu.Unlock()
		if err := a.runJobs(ctx, jobs); err != nil {
			return nil, opError(op, &smithy.CanceledError{Err: err})
		}
		a.mu.Lock()
	}
	return q, nil
}

// readCatalog is begin for the catalog reads of database db: the
// statements of db due and not yet run run first (without a.mu), so the
// catalog is the clock's. It returns with a.mu held when the error is nil.
func (a *Athena) readCatalog(ctx context.Context, op, db string) error {
	a.mu.Lock()
	if err := a.begin(ctx, op); err != nil {
		a.mu.Unlock()
		return err
	}
	if jobs := a.claim(ctx, db, time.Time{}); len(jobs) > 0 {
		a.mu.Unlock()
		if err := a.runJobs(ctx, jobs); err != nil {
			return opError(op, &smithy.CanceledError{Err: err})
		}
		a.mu.Lock()
	}
	return nil
}

func (a *Athena) lookup(op string, id *string) (*query, error) {
	q := a.queries[aws.ToString(id)]
	if q == nil {
		return nil, opError(op, invalidRequest("QueryExecution "+aws.ToString(id)+" was not found"))
	}
	return q, nil
}

// GetQueryExecution returns a query's state, statistics and error.
func (a *Athena) GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, _ ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error) {
	const op = "GetQueryExecution"
	q, err := a.read(ctx, op, in.QueryExecutionId)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	qe := &types.QueryExecution{
		QueryExecutionId:      aws.String(q.id),
		Query:                 aws.String(q.sql),
		QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(q.db), Catalog: aws.String("awsdatacatalog")},
		ResultConfiguration:   &types.ResultConfiguration{OutputLocation: aws.String(strings.TrimSuffix(q.output, "/") + "/" + q.id + ".csv")},
		WorkGroup:             aws.String(q.workgroup),
		StatementType:         q.stmtType,
		EngineVersion:         &types.EngineVersion{EffectiveEngineVersion: aws.String("Athena engine version 3"), SelectedEngineVersion: aws.String("AUTO")},
		Status: &types.QueryExecutionStatus{
			State:              q.state,
			SubmissionDateTime: aws.Time(q.submitted),
			AthenaError:        q.aerr,
		},
		Statistics: &types.QueryExecutionStatistics{},
	}
	if q.subType != "" {
		qe.SubstatementType = aws.String(q.subType)
	}
	if q.reason != "" {
		qe.Status.StateChangeReason = aws.String(q.reason)
	}
	st := qe.Statistics
	now := a.opts.Now()
	switch q.state {
	case types.QueryExecutionStateQueued, types.QueryExecutionStateRunning:
		st.QueryQueueTimeInMillis = aws.Int64(earlier(now, q.startAt).Sub(q.submitted).Milliseconds())
	default:
		qe.Status.CompletionDateTime = aws.Time(q.completed)
		st.TotalExecutionTimeInMillis = aws.Int64(q.completed.Sub(q.submitted).Milliseconds())
		st.EngineExecutionTimeInMillis = aws.Int64(q.engineTime.Milliseconds())
		st.QueryQueueTimeInMillis = aws.Int64(max(0, q.completed.Sub(q.submitted)-q.engineTime).Milliseconds())
		st.DataScannedInBytes = aws.Int64(q.scanned)
	}
	return &athena.GetQueryExecutionOutput{QueryExecution: qe}, nil
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// GetQueryResults returns a succeeded query's rows, MaxResults (1–1,000,
// default 1,000) per page; for a SELECT the first row of the first page
// is the header. Values are strings, NULL a Datum without a value.
func (a *Athena) GetQueryResults(ctx context.Context, in *athena.GetQueryResultsInput, _ ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error) {
	const op = "GetQueryResults"
	q, err := a.read(ctx, op, in.QueryExecutionId)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	switch q.state {
	case types.QueryExecutionStateSucceeded:
	case types.QueryExecutionStateFailed:
		return nil, opError(op, invalidRequest(q.reason))
	default:
		return nil, opError(op, invalidRequest("Query has not yet finished. Current state: "+string(q.state)))
	}
	limit := int(aws.ToInt32(in.MaxResults))
	if in.MaxResults == nil {
		limit = 1000
	}
	if limit < 1 || limit > 1000 {
		return nil, opError(op, invalidRequest("MaxResults must be between 1 and 1000"))
	}
	// The header is row 0 of a SELECT's result; rows are addressed through
	// it rather than copied behind it, so a page costs its own rows only
	// (prepending the header copied the whole result for every page).
	var header []*string
	if q.cols != nil {
		header = make([]*string, len(q.cols))
		for i, c := range q.cols {
			header[i] = c.Name
		}
	}
	total := len(q.rows)
	if header != nil {
		total++
	}
	start := 0
	if tok := aws.ToString(in.NextToken); tok != "" {
		id, n, ok := strings.Cut(tok, ":")
		off, err := strconv.Atoi(n)
		if !ok || id != q.id || err != nil || off < 0 || off > total {
			return nil, opError(op, invalidRequest("Invalid NextToken"))
		}
		start = off
	}
	end := min(start+limit, total)
	out := &athena.GetQueryResultsOutput{ResultSet: &types.ResultSet{ResultSetMetadata: &types.ResultSetMetadata{ColumnInfo: slices.Clone(q.cols)}, Rows: make([]types.Row, 0, end-start)}, UpdateCount: q.update}
	var data []types.Datum // one allocation for the page's values
	for i := start; i < end; i++ {
		r := header
		if header == nil {
			r = q.rows[i]
		} else if i > 0 {
			r = q.rows[i-1]
		}
		if len(data) < len(r) {
			data = make([]types.Datum, len(r)*(end-i))
		}
		row := types.Row{Data: data[:len(r):len(r)]}
		data = data[len(r):]
		for j, v := range r {
			row.Data[j] = types.Datum{VarCharValue: v}
		}
		out.ResultSet.Rows = append(out.ResultSet.Rows, row)
	}
	if end < total {
		out.NextToken = aws.String(q.id + ":" + strconv.Itoa(end))
	}
	return out, nil
}

// GetTableMetadata returns a table's columns and parameters (location,
// classification); a missing table is a MetadataException.
func (a *Athena) GetTableMetadata(ctx context.Context, in *athena.GetTableMetadataInput, _ ...func(*athena.Options)) (*athena.GetTableMetadataOutput, error) {
	const op = "GetTableMetadata"
	if err := a.readCatalog(ctx, op, strings.ToLower(aws.ToString(in.DatabaseName))); err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	d := a.dbs[strings.ToLower(aws.ToString(in.DatabaseName))]
	if d == nil {
		return nil, opError(op, &types.MetadataException{Message: aws.String("Database not found")})
	}
	t := d.tables[strings.ToLower(aws.ToString(in.TableName))]
	if t == nil {
		return nil, opError(op, &types.MetadataException{Message: aws.String("Table not found")})
	}
	tm := t.metadata()
	return &athena.GetTableMetadataOutput{TableMetadata: &tm}, nil
}

func (t *table) metadata() types.TableMetadata {
	return types.TableMetadata{
		Name:          aws.String(t.name),
		CreateTime:    aws.Time(t.created),
		TableType:     aws.String("EXTERNAL_TABLE"),
		Columns:       slices.Clone(t.columns),
		PartitionKeys: slices.Clone(t.partition),
		Parameters:    map[string]string{"location": t.location, "classification": "parquet", "EXTERNAL": "TRUE"},
	}
}

// ListTableMetadata lists the tables of a database whose names match
// Expression, a regular expression on the whole name (case-insensitive),
// MaxResults (1–50, default 50) per page.
func (a *Athena) ListTableMetadata(ctx context.Context, in *athena.ListTableMetadataInput, _ ...func(*athena.Options)) (*athena.ListTableMetadataOutput, error) {
	const op = "ListTableMetadata"
	if err := a.readCatalog(ctx, op, strings.ToLower(aws.ToString(in.DatabaseName))); err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	d := a.dbs[strings.ToLower(aws.ToString(in.DatabaseName))]
	if d == nil {
		return nil, opError(op, &types.MetadataException{Message: aws.String("Database not found")})
	}
	var re *regexp.Regexp
	if e := aws.ToString(in.Expression); e != "" {
		var err error
		if re, err = regexp.Compile("(?i)^(?:" + e + ")$"); err != nil {
			return nil, opError(op, invalidRequest("Expression is not a valid pattern"))
		}
	}
	limit := int(aws.ToInt32(in.MaxResults))
	if in.MaxResults == nil {
		limit = 50
	}
	if limit < 1 || limit > 50 {
		return nil, opError(op, invalidRequest("MaxResults must be between 1 and 50"))
	}
	var names []string
	for n := range d.tables {
		if re == nil || re.MatchString(n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	start := 0
	if tok := aws.ToString(in.NextToken); tok != "" {
		start, _ = slices.BinarySearch(names, tok) // the first name at or after the token
	}
	end := min(start+limit, len(names))
	out := &athena.ListTableMetadataOutput{TableMetadataList: []types.TableMetadata{}}
	for _, n := range names[start:end] {
		out.TableMetadataList = append(out.TableMetadataList, d.tables[n].metadata())
	}
	if end < len(names) {
		out.NextToken = aws.String(names[end])
	}
	return out, nil
}

// ListQueryExecutions lists the IDs of a workgroup's queries (default
// "primary", the fake's only one), newest first, MaxResults (0–50; 0 or
// unset is 50) per page. It needs no statement's outcome and never waits
// for the engine.
func (a *Athena) ListQueryExecutions(ctx context.Context, in *athena.ListQueryExecutionsInput, _ ...func(*athena.Options)) (*athena.ListQueryExecutionsOutput, error) {
	const op = "ListQueryExecutions"
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.begin(ctx, op); err != nil {
		return nil, err
	}
	if wg := aws.ToString(in.WorkGroup); wg != "" && wg != "primary" {
		return nil, opError(op, invalidRequest("WorkGroup "+wg+" is not found."))
	}
	limit := int(aws.ToInt32(in.MaxResults))
	if limit < 0 || limit > 50 {
		return nil, opError(op, invalidRequest("MaxResults must be between 0 and 50"))
	}
	if limit == 0 {
		limit = 50
	}
	start := len(a.order) - 1 // newest first
	if tok := aws.ToString(in.NextToken); tok != "" {
		q := a.queries[tok]
		if q == nil {
			return nil, opError(op, invalidRequest("Invalid NextToken"))
		}
		start = slices.Index(a.order, q)
	}
	out := &athena.ListQueryExecutionsOutput{QueryExecutionIds: []string{}}
	i := start
	for ; i >= 0 && len(out.QueryExecutionIds) < limit; i-- {
		out.QueryExecutionIds = append(out.QueryExecutionIds, a.order[i].id)
	}
	if i >= 0 {
		out.NextToken = aws.String(a.order[i].id)
	}
	return out, nil
}
