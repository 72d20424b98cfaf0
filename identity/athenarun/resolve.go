package athenarun

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/cdpkit/cdpkit/identity/sqlgen"
)

// Result is a finished Resolve: the output table and every step's report.
type Result struct {
	RunID string
	// Output is the table of assignments: source, record_key,
	// cluster_source, cluster_key. Read it with Assignments or Persons.
	Output string
	// Location is the output table's files (under the run's prefix).
	Location string
	// Iterations is the number of label iterations the plan took,
	// counting those of an interrupted earlier call; 0 when the output of
	// a finished run was adopted.
	Iterations int
	Steps      []Step
	// DataScanned and Elapsed add up the steps'.
	DataScanned int64
	Elapsed     time.Duration
}

// run is one Resolve call's state.
type resolveRun struct {
	r      *Runner
	id     string
	plan   *sqlgen.Plan
	prefix string // the run's table name prefix
	base   string // s3:// prefix of the run's files, ending in /
	have   map[string]string
	res    *Result
}

// Resolve runs identity resolution for cfg on Athena: it creates the node
// and edge tables, one label table per iteration until no label changes,
// and the output table cfg.Output, then drops the temporary tables and
// deletes their files.
//
// runID names the run; it should identify the input (a snapshot or load
// id). The temporary tables are named cfg.Prefix + a hash of runID, and
// every table's files go under cfg.Location (an s3:// prefix the caller
// owns) + that hash + table + attempt. A call with the runID of an
// interrupted run resumes it: tables the earlier call finished are
// adopted, and queries it started are waited for or read through their
// ClientRequestToken rather than started again. Calling it again after
// success adopts the output and runs nothing.
//
// cfg.Location is required; cfg.Prefix defaults to "idr_". The plan's
// tables are not partitioned, so no statement comes near CTAS's
// 100-partition limit.
func (r *Runner) Resolve(ctx context.Context, runID string, cfg sqlgen.Config) (*Result, error) {
	run, err := r.newRun(runID, cfg)
	if err != nil {
		return nil, err
	}
	err = run.resolve(ctx)
	if err != nil && ctx.Err() == nil && !r.opts.KeepOnFailure {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if cerr := run.cleanup(cctx); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}
	if err != nil {
		return run.res, err
	}
	return run.res, nil
}

// Cleanup drops the temporary tables of run runID and deletes their files,
// for a run that was interrupted and will not be resumed (Resolve keeps
// them when ctx ends) or that failed with KeepOnFailure. The output table
// is left alone. cfg is the configuration the run was started with.
func (r *Runner) Cleanup(ctx context.Context, runID string, cfg sqlgen.Config) (*Result, error) {
	run, err := r.newRun(runID, cfg)
	if err != nil {
		return nil, err
	}
	return run.res, run.cleanup(ctx)
}

func (r *Runner) newRun(runID string, cfg sqlgen.Config) (*resolveRun, error) {
	if runID == "" {
		return nil, fmt.Errorf("%w: athenarun: resolve: runID is required", ErrInvalid)
	}
	if !strings.HasPrefix(cfg.Location, "s3://") || len(strings.TrimPrefix(cfg.Location, "s3://")) < 3 {
		return nil, fmt.Errorf("%w: athenarun: resolve: Location must be an s3:// prefix the caller owns", ErrInvalid)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "idr_"
	}
	h := runHash(runID)
	run := &resolveRun{r: r, id: runID, prefix: strings.ToLower(cfg.Prefix + h + "_"), base: strings.TrimSuffix(cfg.Location, "/") + "/" + h + "/"}
	cfg.Prefix, cfg.Location = run.prefix, ""
	cfg.Output = strings.ToLower(cfg.Output)
	p, err := sqlgen.New(sqlgen.Athena, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: athenarun: resolve: %w", ErrInvalid, err)
	}
	if strings.HasPrefix(cfg.Output, run.prefix) {
		return nil, fmt.Errorf("%w: athenarun: resolve: the output table must not start with the temporary prefix", ErrInvalid)
	}
	run.plan = p
	run.res = &Result{RunID: runID, Output: cfg.Output}
	return run, nil
}

func (run *resolveRun) resolve(ctx context.Context) error {
	var err error
	cfg := run.plan.Config()
	if run.have, err = run.r.tables(ctx, run.prefix+".*"); err != nil {
		return err
	}
	out, err := run.r.tables(ctx, cfg.Output)
	if err != nil {
		return err
	}
	for n, loc := range out {
		run.have[n] = loc
	}
	// A finished run: adopt the output and tidy up whatever a crash during
	// cleanup left. A partitioned output is complete once cleanup has
	// begun, which it does by dropping the node table.
	_, building := run.have[run.plan.Nodes().Name]
	if loc, ok := run.have[cfg.Output]; ok {
		switch {
		case run.ours(loc) && run.r.opts.PartitionBySource && building:
			// Batches may be missing: resume below, adopting the output.
		case run.ours(loc):
			run.res.Location = loc
			run.report(Step{Name: "output", Table: cfg.Output, Adopted: true})
			return run.cleanup(ctx)
		case !run.r.opts.ReplaceOutput:
			return fmt.Errorf("%w: athenarun: resolve: output table %q exists and was not written by this run", ErrAlreadyExists, cfg.Output)
		}
	}
	nodes := run.plan.Nodes()
	if run.r.opts.NumberBySource {
		nodes = run.plan.NodesBySource()
	}
	if err := run.ensure(ctx, "nodes", nodes); err != nil {
		return err
	}
	if err := run.ensure(ctx, "edges", run.plan.Edges()); err != nil {
		return err
	}
	last := -1
	for i := cfg.MaxIterations; i >= 0; i-- {
		if _, ok := run.have[run.plan.CC(i)]; ok {
			last = i
			break
		}
	}
	if last < 0 {
		if err := run.ensure(ctx, "cc_0", run.plan.Labels(0)); err != nil {
			return err
		}
		last = 0
	} else {
		run.report(Step{Name: "cc_" + strconv.Itoa(last), Table: run.plan.CC(last), Adopted: true})
	}
	i := last
	if i > 0 {
		// Resumed after label table i: is it the fixed point?
		n, err := run.changed(ctx, i)
		if err != nil {
			return err
		}
		if n == 0 {
			return run.finish(ctx, i)
		}
	}
	for i++; i <= cfg.MaxIterations; i++ {
		name := "cc_" + strconv.Itoa(i)
		if err := run.ensure(ctx, name, run.plan.Labels(i)); err != nil {
			return err
		}
		n, err := run.changed(ctx, i)
		if err != nil {
			return err
		}
		if i >= 2 {
			if err := run.drop(ctx, run.plan.CC(i-2)); err != nil {
				return err
			}
		}
		if n == 0 {
			return run.finish(ctx, i)
		}
	}
	run.res.Iterations = cfg.MaxIterations
	return fmt.Errorf("%w after %d iterations", ErrNotConverged, cfg.MaxIterations)
}

func (run *resolveRun) report(s Step) {
	run.res.Steps = append(run.res.Steps, s)
	run.res.DataScanned += s.DataScanned
	run.res.Elapsed += s.Elapsed
	if p := run.r.opts.Progress; p != nil {
		p(s)
	}
}

// ours says whether a table location is under the run's prefix.
func (run *resolveRun) ours(loc string) bool {
	return strings.HasPrefix(strings.TrimSuffix(loc, "/")+"/", run.base)
}

// ensure creates t with a CTAS unless a table of that name from this run
// exists. Each attempt has its own token and its own storage location
// (a prefix named after the token), so an attempt never meets another's
// files: Athena refuses a CTAS into a non-empty location
// (HIVE_PATH_ALREADY_EXISTS).
func (run *resolveRun) ensure(ctx context.Context, step string, t sqlgen.Table) error {
	return run.ensureWith(ctx, step, t, "")
}

// ensureWith is ensure with more table properties (", partitioned_by = ...").
func (run *resolveRun) ensureWith(ctx context.Context, step string, t sqlgen.Table, with string) error {
	// A temporary table is the run's by its name (which holds the run's
	// hash); the output only by its location.
	if loc, ok := run.have[t.Name]; ok && (t.Name != run.plan.Config().Output || run.ours(loc)) {
		run.report(Step{Name: step, Table: t.Name, Adopted: true})
		if t.Name == run.plan.Config().Output {
			run.res.Location = loc
		}
		return nil
	}
	var lastErr error
	for attempt := 0; attempt < run.r.opts.MaxAttempts; attempt++ {
		key := step + "#" + strconv.Itoa(attempt)
		token := Token(run.id, key, t.Query)
		loc := run.base + t.Name + "/" + token[:16] + "/"
		stmt := "CREATE TABLE " + t.Name + " WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '" + loc + "'" + with + ") AS\n" + t.Query
		ex, err := run.r.run(ctx, step, stmt, Token(run.id, key, stmt))
		if ex != nil && err == nil {
			s := stepOf(step, t.Name, ex)
			// UpdateCount is the rows a CTAS wrote.
			out, rerr := call(ctx, run.r, "GetQueryResults", step, func() (*athena.GetQueryResultsOutput, error) {
				return run.r.api.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(ex.id), MaxResults: aws.Int32(1)})
			})
			if rerr != nil {
				return rerr
			}
			s.Rows = aws.ToInt64(out.UpdateCount)
			run.report(s)
		}
		if err == nil {
			// A reused query may be an earlier process's whose table has
			// since been cleaned up: trust the catalog, not the token.
			have, err := run.r.tables(ctx, t.Name)
			if err != nil {
				return err
			}
			if _, ok := have[t.Name]; ok {
				run.have[t.Name] = loc
				if t.Name == run.plan.Config().Output {
					run.res.Location = loc
				}
				return nil
			}
			lastErr = fmt.Errorf("%w: athenarun: step %q: the query succeeded but table %q is missing", ErrFailed, step, t.Name)
			continue
		}
		var qe *QueryError
		if !errors.As(err, &qe) || ctx.Err() != nil {
			return err
		}
		lastErr = err
		switch {
		case ex != nil && ex.cancelledBefore:
			// Stopped by an earlier, interrupted process: start afresh.
		case qe.Retryable:
		default:
			return err
		}
	}
	return lastErr
}

// changed runs the convergence count for iteration i.
func (run *resolveRun) changed(ctx context.Context, i int) (int64, error) {
	step := "changed_" + strconv.Itoa(i)
	q := run.plan.Changed(i)
	var lastErr error
	for attempt := 0; attempt < run.r.opts.MaxAttempts; attempt++ {
		ex, err := run.r.run(ctx, step, q, Token(run.id, step+"#"+strconv.Itoa(attempt), q))
		if err != nil {
			var qe *QueryError
			if errors.As(err, &qe) && ctx.Err() == nil && (qe.Retryable || ex != nil && ex.cancelledBefore) {
				lastErr = err
				continue
			}
			return 0, err
		}
		s := stepOf(step, "", ex)
		var n int64 = -1
		for row, err := range run.r.Rows(ctx, ex.id) {
			if err != nil {
				return 0, err
			}
			if n, err = row.Int64(0); err != nil {
				return 0, fmt.Errorf("athenarun: step %q: %w", step, err)
			}
		}
		if n < 0 {
			return 0, fmt.Errorf("%w: athenarun: step %q: the count returned no row", ErrFailed, step)
		}
		s.Rows = n
		run.report(s)
		run.res.Iterations = max(run.res.Iterations, i)
		return n, nil
	}
	return 0, lastErr
}

// drop drops a temporary table and deletes its files.
func (run *resolveRun) drop(ctx context.Context, name string) error {
	stmt := run.plan.Drop(name)
	step := "drop " + name
	// The token names the table's location, which is per attempt: a table
	// created again by a later attempt is dropped by a new query.
	ex, err := run.r.run(ctx, step, stmt, Token(run.id, step+"@"+run.have[name], stmt))
	if err != nil {
		return err
	}
	run.report(stepOf(step, name, ex))
	delete(run.have, name)
	return run.r.deletePrefix(ctx, run.base+name+"/")
}

// finish writes the output from label table i and removes the temporary
// tables.
func (run *resolveRun) finish(ctx context.Context, i int) error {
	cfg := run.plan.Config()
	if loc, ok := run.have[cfg.Output]; ok && !run.ours(loc) {
		// ReplaceOutput was set (resolve checked): replace it now that the
		// new labels exist. The old files are not the run's to delete.
		stmt := run.plan.Drop(cfg.Output)
		ex, err := run.r.run(ctx, "replace output", stmt, Token(run.id, "replace output@"+loc, stmt))
		if err != nil {
			return err
		}
		run.report(stepOf("replace output", cfg.Output, ex))
		delete(run.have, cfg.Output)
	}
	run.res.Iterations = max(run.res.Iterations, i)
	if run.r.opts.PartitionBySource {
		if err := run.outputBySource(ctx, i); err != nil {
			return err
		}
	} else if err := run.ensure(ctx, "output", run.plan.Output(i)); err != nil {
		return err
	}
	return run.cleanup(ctx)
}

// MaxPartitions is the number of partitions one CTAS or INSERT INTO may
// write on Athena (more fail with HIVE_TOO_MANY_OPEN_PARTITIONS).
const MaxPartitions = 100

// outputBySource writes the output partitioned by source: a CTAS for the
// first MaxPartitions sources and an INSERT INTO for each further batch,
// as Athena's documentation prescribes. A batch whose sources are all in
// the table already (an earlier process wrote it) is not inserted again.
func (run *resolveRun) outputBySource(ctx context.Context, i int) error {
	cfg := run.plan.Config()
	q := run.plan.Nodes().Name
	stmt := "SELECT DISTINCT source FROM " + q + " ORDER BY source"
	ex, err := run.r.run(ctx, "sources", stmt, Token(run.id, "sources", stmt))
	if err != nil {
		return err
	}
	run.report(stepOf("sources", "", ex))
	var sources []string
	for row, err := range run.r.Rows(ctx, ex.id) {
		if err != nil {
			return err
		}
		if len(row.Values) == 0 || row.Values[0] == nil {
			// The batches select sources with IN, which no NULL matches:
			// its records would be left out of the output without a word.
			return fmt.Errorf("%w: athenarun: step %q: records without a source (NULL) cannot be written partitioned by source; give them one or unset PartitionBySource", ErrInvalid, "sources")
		}
		sources = append(sources, row.String(0))
	}
	if len(sources) == 0 {
		sources = []string{""}
	}
	out := run.plan.Output(i)
	batch := func(k int) (t sqlgen.Table, n int, in string) {
		b := sources[k*MaxPartitions : min((k+1)*MaxPartitions, len(sources))]
		lits := make([]string, len(b))
		for j, s := range b {
			lits[j] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
		}
		in = "source IN (" + strings.Join(lits, ", ") + ")"
		return sqlgen.Table{Name: out.Name, Query: "SELECT record_key, cluster_source, cluster_key, source FROM (\n" + out.Query + "\n) o WHERE " + in}, len(b), in
	}
	first, _, _ := batch(0)
	if err := run.ensureWith(ctx, "output", first, ", partitioned_by = ARRAY['source']"); err != nil {
		return err
	}
	for k := 1; k*MaxPartitions < len(sources); k++ {
		t, n, in := batch(k)
		step := "output_" + strconv.Itoa(k)
		// Which of the batch's sources are there already? Read-only, so a
		// fresh query each time.
		check := "SELECT COUNT(DISTINCT source) FROM " + cfg.Output + " WHERE " + in
		cx, err := run.r.run(ctx, step+" check", check, "")
		if err != nil {
			return err
		}
		var present int64
		for row, err := range run.r.Rows(ctx, cx.id) {
			if err != nil {
				return err
			}
			if present, err = row.Int64(0); err != nil {
				return err
			}
		}
		switch {
		case present == int64(n):
			run.report(Step{Name: step, Table: cfg.Output, Adopted: true})
			continue
		case present > 0:
			return fmt.Errorf("%w: athenarun: step %q: %d of the batch's %d sources are in the output already (a partial INSERT); drop the output table and run again", ErrFailed, step, present, n)
		}
		ins := "INSERT INTO " + cfg.Output + "\n" + t.Query
		ex, err := run.r.run(ctx, step, ins, Token(run.id, step+"@"+run.res.Location, ins))
		if err != nil {
			return err
		}
		run.report(stepOf(step, cfg.Output, ex))
	}
	return nil
}

// cleanup drops every temporary table of the run (found by name, so those
// of earlier attempts too) and deletes the run's files except the
// output's.
func (run *resolveRun) cleanup(ctx context.Context) error {
	have, err := run.r.tables(ctx, run.prefix+".*")
	if err != nil {
		return err
	}
	names := make([]string, 0, len(have))
	for n := range have {
		names = append(names, n)
	}
	// The node table goes first: its absence tells a restart that the
	// output is complete.
	nodes := run.plan.Nodes().Name
	slices.SortFunc(names, func(a, b string) int {
		if (a == nodes) != (b == nodes) {
			if a == nodes {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, n := range names {
		stmt := run.plan.Drop(n)
		ex, err := run.r.run(ctx, "drop "+n, stmt, Token(run.id, "drop "+n+"@"+have[n], stmt))
		if err != nil {
			return err
		}
		run.report(stepOf("drop "+n, n, ex))
		delete(run.have, n)
	}
	// Every temporary table's files, including those of attempts whose
	// table never got registered.
	if err := run.r.deletePrefix(ctx, run.base+run.prefix); err != nil {
		return err
	}
	return nil
}
