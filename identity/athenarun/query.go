package athenarun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// Token returns the ClientRequestToken the runner sends for a statement:
// the hex SHA-256 of the run id, the step name and the statement (64
// characters). Athena answers a repeated token with the query it started
// the first time, so a restarted run waits for (or reads) that query
// instead of starting another.
func Token(runID, step, statement string) string {
	h := sha256.New()
	for _, s := range []string{"athenarun/1", runID, step, statement} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Step is one query of a run, as reported to Options.Progress and in
// Result.Steps.
type Step struct {
	// Name is the plan step: "nodes", "edges", "cc_0", "cc_3",
	// "changed_3", "drop cc_1", "output", "assignments".
	Name string
	// Table is the table the step creates or drops, if any.
	Table   string
	QueryID string
	// Adopted: the table existed from an earlier attempt of this run, so
	// no query ran.
	Adopted bool
	// Reused: Athena answered the step's token with a query an earlier
	// process had started (submitted more than 5 s before this start, by
	// Athena's clock against the local one); the runner waited for or read
	// that query.
	Reused bool
	// DataScanned is Athena's DataScannedInBytes: what the query is billed
	// on (the first 10 MB of every query are billed regardless).
	DataScanned int64
	// Elapsed is Athena's TotalExecutionTimeInMillis (queue, planning and
	// engine time); Queued is the part spent queued.
	Elapsed, Queued time.Duration
	// Flaps counts the times the query went from RUNNING back to QUEUED.
	Flaps int
	// Rows is the rows a CTAS wrote or a count query returned, when known.
	Rows int64
}

// backoff returns the wait before retry n (0-based): PollInterval doubled
// per retry, capped at MaxPollInterval, with half of it jittered.
func (r *Runner) backoff(n int) time.Duration {
	d := r.opts.PollInterval
	for range n {
		d *= 2
		if d >= r.opts.MaxPollInterval {
			d = r.opts.MaxPollInterval
			break
		}
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// call runs f, retrying throttling and service faults with capped backoff
// up to Options.MaxRetries times.
func call[T any](ctx context.Context, r *Runner, op, step string, f func() (T, error)) (T, error) {
	for n := 0; ; n++ {
		v, err := f()
		if err == nil {
			return v, nil
		}
		if ctx.Err() != nil || !throttled(err) || n >= r.opts.MaxRetries {
			var zero T
			if ctx.Err() != nil {
				return zero, &Error{Op: op, Step: step, Err: errors.Join(ctx.Err(), err)}
			}
			return zero, apiError(op, step, err)
		}
		if err := sleep(ctx, r.backoff(n)); err != nil {
			var zero T
			return zero, &Error{Op: op, Step: step, Err: err}
		}
	}
}

// execution is a finished query.
type execution struct {
	id     string
	qe     *types.QueryExecution
	reused bool
	// cancelledBefore: the token's query was CANCELLED when first looked
	// at, so a stop before this call ended it (an interrupted process's),
	// not anything this call did.
	cancelledBefore bool
	flaps           int
}

// run starts statement with token and waits for it to end. On ctx's end it
// stops the query and returns ctx's error. A FAILED or CANCELLED query is
// returned as *QueryError along with the execution.
func (r *Runner) run(ctx context.Context, step, statement, token string) (*execution, error) {
	in := &athena.StartQueryExecutionInput{
		QueryString:           aws.String(statement),
		QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(r.opts.Database)},
		WorkGroup:             aws.String(r.opts.WorkGroup),
	}
	if token != "" { // else the SDK fills in a random one
		in.ClientRequestToken = aws.String(token)
	}
	if r.opts.Catalog != "" {
		in.QueryExecutionContext.Catalog = aws.String(r.opts.Catalog)
	}
	if r.opts.ResultLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(r.opts.ResultLocation)}
	}
	before := time.Now()
	out, err := call(ctx, r, "StartQueryExecution", step, func() (*athena.StartQueryExecutionOutput, error) {
		return r.api.StartQueryExecution(ctx, in)
	})
	if err != nil {
		return nil, err
	}
	ex := &execution{id: aws.ToString(out.QueryExecutionId)}
	r.log("athenarun: query started", "step", step, "query_id", ex.id)
	wasRunning := false
	for n := 0; ; n++ {
		got, err := call(ctx, r, "GetQueryExecution", step, func() (*athena.GetQueryExecutionOutput, error) {
			return r.api.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(ex.id)})
		})
		if err != nil {
			if ctx.Err() != nil {
				r.stop(ctx, step, ex.id)
			}
			return nil, err
		}
		qe := got.QueryExecution
		if qe == nil || qe.Status == nil {
			return nil, apiError("GetQueryExecution", step, fmt.Errorf("no status for query %s", ex.id))
		}
		if n == 0 && qe.Status.SubmissionDateTime != nil && qe.Status.SubmissionDateTime.Before(before.Add(-5*time.Second)) {
			ex.reused = true
		}
		switch qe.Status.State {
		case types.QueryExecutionStateRunning:
			wasRunning = true
		case types.QueryExecutionStateQueued:
			if wasRunning {
				ex.flaps++ // Athena requeues a query after a transient error
				wasRunning = false
			}
		case types.QueryExecutionStateSucceeded:
			ex.qe = qe
			return ex, nil
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			ex.qe = qe
			ex.cancelledBefore = n == 0 && qe.Status.State == types.QueryExecutionStateCancelled
			qerr := &QueryError{Step: step, QueryID: ex.id, State: qe.Status.State, Reason: aws.ToString(qe.Status.StateChangeReason)}
			if ae := qe.Status.AthenaError; ae != nil {
				qerr.Category, qerr.Type, qerr.Retryable = aws.ToInt32(ae.ErrorCategory), aws.ToInt32(ae.ErrorType), ae.Retryable
				if qerr.Reason == "" {
					qerr.Reason = aws.ToString(ae.ErrorMessage)
				}
			}
			return ex, qerr
		}
		if err := sleep(ctx, r.backoff(n)); err != nil {
			r.stop(ctx, step, ex.id)
			return nil, &Error{Op: "GetQueryExecution", Step: step, Err: err}
		}
	}
}

// stop cancels a query after ctx ended, on a context of its own.
func (r *Runner) stop(ctx context.Context, step, id string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := r.api.StopQueryExecution(sctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)})
	r.log("athenarun: query stopped", "step", step, "query_id", id, "error", err)
}

func (r *Runner) log(msg string, args ...any) {
	if r.opts.Logger != nil {
		r.opts.Logger.Debug(msg, args...)
	}
}

// stepOf fills a Step from a finished execution.
func stepOf(name, tab string, ex *execution) Step {
	s := Step{Name: name, Table: tab, QueryID: ex.id, Reused: ex.reused, Flaps: ex.flaps}
	if ex.qe != nil && ex.qe.Statistics != nil {
		st := ex.qe.Statistics
		s.DataScanned = aws.ToInt64(st.DataScannedInBytes)
		s.Elapsed = time.Duration(aws.ToInt64(st.TotalExecutionTimeInMillis)) * time.Millisecond
		s.Queued = time.Duration(aws.ToInt64(st.QueryQueueTimeInMillis)) * time.Millisecond
	}
	return s
}

// Column is a result column with its Athena type (varchar, bigint,
// double, boolean, date, timestamp, decimal, ...).
type Column struct {
	Name, Type       string
	Precision, Scale int
	Nullable         bool
}

// Row is one result row: values as Athena returns them, all strings, nil
// for NULL, with the result's columns.
type Row struct {
	Columns []Column
	Values  []*string
}

// String returns value i ("" for NULL).
func (r Row) String(i int) string {
	if i < 0 || i >= len(r.Values) || r.Values[i] == nil {
		return ""
	}
	return *r.Values[i]
}

// Int64 parses value i of an integer column (tinyint ... bigint).
func (r Row) Int64(i int) (int64, error) {
	if i < 0 || i >= len(r.Values) || i >= len(r.Columns) {
		// Columns is shorter than Values when Athena sent no (or short)
		// result metadata.
		return 0, fmt.Errorf("%w: athenarun: column %d out of range or without metadata", ErrInvalid, i)
	}
	switch r.Columns[i].Type {
	case "tinyint", "smallint", "integer", "int", "bigint":
	default:
		return 0, fmt.Errorf("%w: athenarun: column %q is %s, not an integer", ErrInvalid, r.Columns[i].Name, r.Columns[i].Type)
	}
	if r.Values[i] == nil {
		return 0, fmt.Errorf("%w: athenarun: column %q is NULL", ErrInvalid, r.Columns[i].Name)
	}
	n, err := strconv.ParseInt(*r.Values[i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: athenarun: column %q: not an integer", ErrInvalid, r.Columns[i].Name)
	}
	return n, nil
}

// Rows reads a succeeded SELECT's results, 1,000 rows per
// GetQueryResults page, skipping the header row Athena puts first.
func (r *Runner) Rows(ctx context.Context, queryID string) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		var token *string
		var cols []Column
		first := true
		for {
			out, err := call(ctx, r, "GetQueryResults", queryID, func() (*athena.GetQueryResultsOutput, error) {
				return r.api.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(queryID), NextToken: token, MaxResults: aws.Int32(1000)})
			})
			if err != nil {
				yield(Row{}, err)
				return
			}
			rs := out.ResultSet
			if rs == nil {
				return
			}
			if cols == nil && rs.ResultSetMetadata != nil {
				for _, c := range rs.ResultSetMetadata.ColumnInfo {
					cols = append(cols, Column{Name: aws.ToString(c.Name), Type: aws.ToString(c.Type), Precision: int(c.Precision), Scale: int(c.Scale), Nullable: c.Nullable != types.ColumnNullableNotNull})
				}
			}
			rows := rs.Rows
			if first && len(rows) > 0 && isHeader(rows[0], cols) {
				rows = rows[1:]
			}
			first = false
			for _, row := range rows {
				vals := make([]*string, len(row.Data))
				for i, d := range row.Data {
					vals[i] = d.VarCharValue
				}
				if !yield(Row{Columns: cols, Values: vals}, nil) {
					return
				}
			}
			if out.NextToken == nil {
				return
			}
			token = out.NextToken
		}
	}
}

// isHeader says whether row is the header Athena sends first for a SELECT:
// its values are the column names.
func isHeader(row types.Row, cols []Column) bool {
	if len(row.Data) != len(cols) || len(cols) == 0 {
		return false
	}
	for i, d := range row.Data {
		if aws.ToString(d.VarCharValue) != cols[i].Name {
			return false
		}
	}
	return true
}
