package athenatest

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// A statement runs in three steps so that a slow one never holds the
// fake's lock (a.mu): under a.mu, claim marks the due queries a call needs
// as run by that call (they show RUNNING to everyone else) and hands each
// a turn on its database's engine; without a.mu, the call waits for the
// turn and runs the statement on the engine, computing everything it
// changes (rows, files, catalog entries) inside an open SQLite
// transaction; under a.mu again, publish commits the transaction, writes
// the files and moves the query to its terminal state, or rolls it all
// back when the query was stopped meanwhile.
//
// What still serialises: the statements of one database, on its turns.
// SQLite's in-memory database is one connection, and the fake's catalog
// and Athena's semantics need a database's statements to run in the order
// they complete by the clock (a SELECT of a table a CTAS creates just
// before it must find the table). Statements of different databases run
// at the same time. A call waits for the engine only when it needs a
// statement's outcome: GetQueryExecution, GetQueryResults and
// StopQueryExecution of a query due by the clock and not yet run (with
// the due statements of its database before it), GetTableMetadata and
// ListTableMetadata of a database with due statements, and Executions.

// job is one claimed run of a query's statement by one call.
type job struct {
	q      *query
	d      *database
	ticket uint64
	// ctx is the claiming call's context; StopQueryExecution cancels it.
	ctx    context.Context
	cancel context.CancelFunc
}

// turns hands out a database's engine in ticket order. Its fields are
// guarded by Athena.mu.
type turns struct {
	next, serving uint64
	skip          map[uint64]bool // tickets given up before their turn
	turn          chan struct{}   // closed when serving moves
}

func newTurns() turns { return turns{skip: map[uint64]bool{}, turn: make(chan struct{})} }

// take returns the next ticket. Called with a.mu held.
func (t *turns) take() uint64 {
	n := t.next
	t.next++
	return n
}

// release ends ticket n's turn, or gives it up when its turn has not come
// yet. Called with a.mu held.
func (t *turns) release(n uint64) {
	if n != t.serving {
		t.skip[n] = true
		return
	}
	t.serving++
	for t.skip[t.serving] {
		delete(t.skip, t.serving)
		t.serving++
	}
	close(t.turn)
	t.turn = make(chan struct{})
}

// wait returns when ticket n's turn on d has come, or ctx's error.
func (a *Athena) wait(ctx context.Context, d *database, n uint64) error {
	for {
		a.mu.Lock()
		if d.turns.serving == n {
			a.mu.Unlock()
			return nil
		}
		ch := d.turns.turn
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func active(q *query) bool {
	return q.state == types.QueryExecutionStateQueued || q.state == types.QueryExecutionStateRunning
}

// due reports whether q's statement is due to run by the clock and no call
// runs it yet. Called with a.mu held, after advance.
func (a *Athena) due(q *query, now time.Time) bool {
	return active(q) && q.run == nil && !now.Before(q.doneAt)
}

// claim claims for the calling call the statements that are due and not
// run yet: those of database db ("" for every database) that complete by
// the clock no later than until (zero for no bound), in the order they
// complete. A query whose database does not exist fails at once. Called
// with a.mu held, after advance.
func (a *Athena) claim(ctx context.Context, db string, until time.Time) []*job {
	now := a.opts.Now()
	var qs []*query
	for _, q := range a.order {
		if a.due(q, now) && (db == "" || q.db == db) && (until.IsZero() || !q.doneAt.After(until)) {
			qs = append(qs, q)
		}
	}
	slices.SortStableFunc(qs, func(x, y *query) int { return x.doneAt.Compare(y.doneAt) })
	var jobs []*job
	for _, q := range qs {
		d := a.dbs[q.db]
		if d == nil {
			q.ran = true
			a.fail(q, userError("SCHEMA_NOT_FOUND", "Schema '%s' does not exist", q.db))
			continue
		}
		j := &job{q: q, d: d, ticket: d.turns.take()}
		j.ctx, j.cancel = context.WithCancel(ctx)
		q.run = j
		jobs = append(jobs, j)
	}
	return jobs
}

// claimFor claims what answering about q needs: q's statement when it is
// due and not run yet, with the due statements of its database that
// complete before it. Called with a.mu held, after advance.
func (a *Athena) claimFor(ctx context.Context, q *query) []*job {
	if !a.due(q, a.opts.Now()) {
		return nil
	}
	return a.claim(ctx, q.db, q.doneAt)
}

// runJobs runs claimed jobs one after the other, without a.mu. When ctx
// ends, the job being run and those not run yet are given back (their
// queries stay RUNNING and run on a later call) and ctx's error is
// returned. Called without a.mu.
func (a *Athena) runJobs(ctx context.Context, jobs []*job) error {
	for i, j := range jobs {
		if err := a.runJob(j); err != nil || ctx.Err() != nil {
			a.mu.Lock()
			for _, rest := range jobs[i+1:] {
				a.giveBack(rest)
			}
			a.mu.Unlock()
			if err == nil {
				err = ctx.Err()
			}
			return err
		}
	}
	return nil
}

// giveBack returns a claimed job's query to the unclaimed (its statement
// runs on a later call) and gives up its turn. Called with a.mu held.
func (a *Athena) giveBack(j *job) {
	if j.q.run == j {
		j.q.run = nil
	}
	j.d.turns.release(j.ticket)
	j.cancel()
}

// runJob waits for j's turn, runs the statement and publishes its
// outcome. It returns an error only when the claiming call's context
// ended before the statement's outcome was known.
func (a *Athena) runJob(j *job) error {
	defer j.cancel()
	if err := a.wait(j.ctx, j.d, j.ticket); err != nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		stopped := j.q.state == types.QueryExecutionStateCancelled
		a.giveBack(j)
		if stopped {
			return nil
		}
		return err
	}
	if a.hook != nil {
		a.hook(j.ctx, j.q.id, "run")
	}
	o := a.execute(j.ctx, j.q, j.d)
	if a.hook != nil {
		a.hook(j.ctx, j.q.id, "publish")
	}
	a.mu.Lock()
	q := j.q
	q.run = nil
	stopped := q.state == types.QueryExecutionStateCancelled
	if !stopped && (o.err == nil || j.ctx.Err() == nil) {
		a.publish(q, o)
		j.d.turns.release(j.ticket)
		a.mu.Unlock()
		return nil
	}
	// Stopped while it ran, or the call's context ended mid-statement:
	// nothing of the statement stays. A stopped query is CANCELLED
	// already; an abandoned one stays RUNNING and runs on a later call.
	a.mu.Unlock()
	o.rollback()
	a.mu.Lock()
	defer a.mu.Unlock()
	j.d.turns.release(j.ticket)
	if stopped {
		return nil
	}
	return j.ctx.Err()
}

// publish ends q with its statement's outcome: the transaction commits,
// the files are written and the catalog changes, or q fails. Called with
// a.mu held and q's database's turn.
func (a *Athena) publish(q *query, o *outcome) {
	err := o.err
	if err == nil && o.mustBeEmpty != "" {
		// Checked again here, where writes of other databases' statements
		// cannot come between the check and the files.
		bucket, key, _ := splitURI(o.mustBeEmpty)
		if len(a.opts.S3.Keys(bucket, key)) > 0 {
			err = pathExists(q, o.create.name, o.mustBeEmpty)
		}
	}
	if err == nil && o.tx != nil {
		err = o.tx.Commit()
		o.tx = nil
	}
	q.ran = true
	q.stmtType, q.subType = o.stmtType, o.subType
	if err != nil {
		o.rollback()
		a.fail(q, err)
		return
	}
	for _, p := range o.puts {
		a.opts.S3.put(p.bucket, p.key, p.body)
	}
	if o.create != nil {
		o.d.tables[o.create.name] = o.create
	}
	if o.drop != "" {
		delete(o.d.tables, o.drop)
	}
	if o.grow != nil {
		o.grow.bytes += o.growBytes
	}
	q.cols, q.rows, q.update, q.scanned = o.cols, o.rows, o.update, o.scanned
	q.completed, q.engineTime = q.doneAt, a.opts.RunTime
	q.state = types.QueryExecutionStateSucceeded
}

// fail ends q FAILED with err, an Athena query error or an engine error.
// Called with a.mu held.
func (a *Athena) fail(q *query, err error) {
	var qe *queryError
	if !errors.As(err, &qe) {
		qe = engineError(err)
	}
	q.completed, q.engineTime = q.doneAt, a.opts.RunTime
	q.state = types.QueryExecutionStateFailed
	q.reason = qe.Error()
	q.aerr = &types.AthenaError{ErrorCategory: aws.Int32(qe.category), ErrorType: aws.Int32(qe.typ), ErrorMessage: aws.String(q.reason)}
}
