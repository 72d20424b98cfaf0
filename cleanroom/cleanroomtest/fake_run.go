package cleanroomtest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// A protected query runs in three steps so that a slow query never holds
// the fake's lock: under f.mu, advance claims the due query (it shows
// STARTED) and prepare copies everything the run reads from the fake's
// state into a job; without the lock, job.run loads the tables, checks and
// runs the SQL and writes the result; under f.mu again, publish moves the
// query to its terminal state. Other calls, including reads of the same
// query, go on meanwhile: they see it STARTED (or CANCELLING).

// job is one claimed run of a protected query.
type job struct {
	q      *queryRec
	ctx    context.Context // the claiming caller's, cancelled by a cancel request
	cancel context.CancelFunc

	// code and msg, when set, fail the query without running it (decided
	// from the fake's state under the lock).
	code, msg string

	id          string
	sql         string
	params      map[string]any
	runner      string
	templateARN string
	tables      []jobTable
	s3c         types.ProtectedQueryS3OutputConfiguration
	out         types.ProtectedQueryOutput // member output; nil for S3
	sink        ResultSink
	fileRows    int
}

// jobTable is a table of the collaboration as the run sees it: name,
// owner and rule from the fake's state, data loaded by the run.
type jobTable struct {
	ct      sqlcheck.Table
	data    TableData
	hasData bool
	allowed []string
}

// advance moves q along its states by the clock. When q is due to run and
// no caller runs it yet, it is claimed for this caller: it shows STARTED
// and the returned job runs it (runJobs, without f.mu). A query another
// caller runs is left alone. Called with f.mu held.
func (f *CleanRooms) advance(ctx context.Context, q *queryRec) *job {
	if terminal(q.q.Status) || q.run != nil {
		return nil
	}
	if q.q.Status == types.ProtectedQueryStatusCancelling {
		q.q.Status = types.ProtectedQueryStatusCancelled
		return nil
	}
	elapsed := f.opts.Now().Sub(*q.q.CreateTime)
	if elapsed < f.queued() {
		return nil
	}
	q.q.Status = types.ProtectedQueryStatusStarted
	if elapsed < f.queued()+f.runs() {
		return nil
	}
	j := f.prepare(q)
	j.ctx, j.cancel = context.WithCancel(ctx)
	q.run = j
	return j
}

// ongoing reports whether q counts against the membership's concurrent
// query quota: not ended, and either run by a caller now or not yet due
// by the clock (a due query has ended by the time anyone reads it).
// Called with f.mu held.
func (f *CleanRooms) ongoing(q *queryRec) bool {
	switch {
	case terminal(q.q.Status):
		return false
	case q.run != nil:
		return true
	case q.q.Status == types.ProtectedQueryStatusCancelling:
		return false // CANCELLED on its next read
	}
	return f.opts.Now().Sub(*q.q.CreateTime) < f.queued()+f.runs()
}

// runJobs runs the claimed jobs one after the other without f.mu and
// publishes each result under it. When ctx ends, the query being run and
// those not yet run go back to STARTED unclaimed (they run on a later
// read) and the context's error is returned.
func (f *CleanRooms) runJobs(ctx context.Context, jobs []*job) error {
	for i, j := range jobs {
		code, msg, out, err := j.run()
		j.cancel()
		f.mu.Lock()
		f.publish(j, code, msg, out, err)
		f.mu.Unlock()
		if ctx.Err() != nil {
			f.mu.Lock()
			for _, rest := range jobs[i+1:] {
				rest.q.run = nil
				rest.cancel()
			}
			f.mu.Unlock()
			return ctx.Err()
		}
	}
	return nil
}

// publish ends j's query with the run's outcome. Called with f.mu held.
func (f *CleanRooms) publish(j *job, code, msg string, out types.ProtectedQueryOutput, err error) {
	q := j.q
	q.run = nil
	switch {
	case q.q.Status == types.ProtectedQueryStatusCancelling:
		// Cancelled while it ran: whatever the run came to, the query
		// ends CANCELLED (files it wrote before stopping stay).
		q.q.Status = types.ProtectedQueryStatusCancelled
		return
	case err != nil:
		// The claiming caller's context ended: the query stays STARTED.
		return
	}
	q.q.Statistics = &types.ProtectedQueryStatistics{TotalDurationInMillis: aws.Int64(f.runs().Milliseconds()),
		BilledResourceUtilization: &types.BilledResourceUtilization{Units: aws.Float64(f.runs().Hours() * 16)}}
	if code != "" {
		q.q.Status = types.ProtectedQueryStatusFailed
		q.q.Error = &types.ProtectedQueryError{Code: aws.String(code), Message: aws.String(msg)}
		return
	}
	q.q.Status = types.ProtectedQueryStatusSuccess
	q.q.Result = &types.ProtectedQueryResult{Output: out}
}

// prepare copies what the run of q reads from the fake's state: the SQL
// and its parameters, the collaboration's tables (rules, owners, data
// sources) and where the result goes. The analysis rules of the
// associations and a template's custom-rule requirement are decided here.
// Called with f.mu held.
func (f *CleanRooms) prepare(q *queryRec) *job {
	j := &job{q: q, id: *q.q.Id, runner: q.account, params: map[string]any{}, sink: f.sink(), fileRows: f.opts.ResultFileRows}
	fail := func(code, msg string) *job {
		j.code, j.msg = code, msg
		return j
	}
	j.sql = aws.ToString(q.q.SqlParameters.QueryString)
	if t := q.template; t != nil {
		src, _ := t.Source.(*types.AnalysisSourceMemberText)
		if src == nil {
			return fail(CodeInvalidQuery, "the template has no SQL text")
		}
		j.sql, j.templateARN = src.Value, aws.ToString(t.Arn)
		for _, p := range t.AnalysisParameters {
			v, ok := q.q.SqlParameters.Parameters[aws.ToString(p.Name)]
			if !ok {
				v = aws.ToString(p.DefaultValue)
			}
			pv, perr := paramValue(p.Type, v)
			if perr != nil {
				return fail(CodeInvalidQuery, "parameter "+strconv.Quote(aws.ToString(p.Name))+": "+perr.Error())
			}
			j.params[aws.ToString(p.Name)] = pv
		}
	}
	used := words(j.sql)
	receiver := q.account
	if mo, ok := q.q.ResultConfiguration.OutputConfiguration.(*types.ProtectedQueryOutputConfigurationMemberMember); ok {
		receiver = aws.ToString(mo.Value.AccountId)
	}
	for _, a := range f.collabAssociations(q.collab) {
		alias := strings.ToLower(aws.ToString(a.a.Name))
		t := f.tables[aws.ToString(a.a.ConfiguredTableId)]
		if t == nil {
			continue
		}
		owner := arnAccount(aws.ToString(t.t.Arn))
		jt := jobTable{ct: sqlcheck.Table{Name: alias, Member: owner}, allowed: slices.Clone(t.t.AllowedColumns)}
		for _, r := range t.rules {
			jt.ct.Rule = sqlcheck.RuleFromPolicy(r.Policy)
			if r.Type != types.ConfiguredTableAnalysisRuleTypeCustom && q.template != nil && used[alias] {
				return fail(CodeRuleViolation, "analysis templates can only query tables under a custom rule; table "+strconv.Quote(alias)+" has a "+strings.ToLower(string(r.Type))+" rule")
			}
		}
		for _, ar := range a.rules {
			if rs := assocReceivers(ar); used[alias] && len(rs) > 0 && !slices.Contains(rs, receiver) {
				return fail(CodeRuleViolation, "the result receiver is not allowed by the collaboration analysis rule of table "+strconv.Quote(alias))
			}
		}
		if ref, _ := t.t.TableReference.(*types.TableReferenceMemberGlue); ref != nil {
			jt.data, jt.hasData = f.data[dataKey{owner, strings.ToLower(aws.ToString(ref.Value.DatabaseName)), strings.ToLower(aws.ToString(ref.Value.TableName))}]
		}
		if !jt.hasData && used[alias] {
			return fail(CodeNoData, "table "+strconv.Quote(alias)+" has no data in the fake")
		}
		j.tables = append(j.tables, jt)
	}
	// ID mapping tables: checked under their ID_MAPPING_TABLE rule
	// (sqlcheck's Table.IDMapping), run on their rows.
	for _, m := range f.collabIDMappingTables(q.collab) {
		rule := copyRule(m.rule)
		jt := jobTable{ct: sqlcheck.Table{Name: strings.ToLower(aws.ToString(m.t.Name)), Member: m.account, IDMapping: &rule},
			allowed: slices.Clone(m.columns), hasData: true}
		jt.data.Columns = make([]Column, len(m.columns))
		for i, c := range m.columns {
			jt.data.Columns[i] = Column{Name: c, Type: "string"}
		}
		jt.data.Rows = m.rows // never changed once added
		j.tables = append(j.tables, jt)
	}
	switch oc := q.q.ResultConfiguration.OutputConfiguration.(type) {
	case *types.ProtectedQueryOutputConfigurationMemberS3:
		j.s3c = oc.Value
	case *types.ProtectedQueryOutputConfigurationMemberMember:
		rec := f.collabs[q.collab]
		var def *types.MembershipProtectedQueryOutputConfigurationMemberS3
		if i := rec.member(aws.ToString(oc.Value.AccountId)); i >= 0 {
			if rm := f.memberships[aws.ToString(rec.members[i].MembershipId)]; rm != nil && rm.DefaultResultConfiguration != nil {
				def, _ = rm.DefaultResultConfiguration.OutputConfiguration.(*types.MembershipProtectedQueryOutputConfigurationMemberS3)
			}
		}
		if def == nil {
			return fail(CodeResultWrite, "the receiving member has no S3 default result configuration")
		}
		j.s3c = def.Value
		j.out = &types.ProtectedQueryOutputMemberMemberList{Value: []types.ProtectedQuerySingleMemberOutput{{AccountId: oc.Value.AccountId}}}
	}
	return j
}

// run checks the query against the analysis rules, runs it on the SQL
// engine and writes the result. A non-empty code is a FAILED query; an
// error is the job's context ending.
func (j *job) run() (code, msg string, out types.ProtectedQueryOutput, err error) {
	if j.code != "" {
		return j.code, j.msg, nil, nil
	}
	ctx := j.ctx
	tables := make([]sqlcheck.Table, 0, len(j.tables))
	for _, jt := range j.tables {
		ct := jt.ct
		if !jt.hasData {
			for _, c := range jt.allowed {
				ct.Columns = append(ct.Columns, sqlcheck.Column{Name: c})
			}
			ct.Rows = sqlcheck.RowsOf(nil)
			tables = append(tables, ct)
			continue
		}
		et, terr := engineTable(ctx, ct.Name, jt.data, jt.allowed)
		if terr != nil {
			if ctx.Err() != nil {
				return "", "", nil, ctx.Err()
			}
			return CodeNoData, "table " + strconv.Quote(ct.Name) + ": " + terr.Error(), nil, nil
		}
		for _, c := range et.Columns {
			ct.Columns = append(ct.Columns, sqlcheck.Column{Name: c.Name, Type: c.Type})
		}
		ct.Rows = et.Rows
		tables = append(tables, ct)
	}
	sim, serr := sqlcheck.Simulate(ctx, j.sql, tables, func(o *sqlcheck.Options) {
		o.Runner = j.runner
		o.Params = j.params
		o.AnalysisTemplate = j.templateARN
	})
	if serr != nil {
		if ctx.Err() != nil {
			return "", "", nil, ctx.Err()
		}
		var e *sqlcheck.Error
		switch {
		case errors.As(serr, &e) && errors.Is(serr, sqlcheck.ErrRejected):
			return CodeRuleViolation, e.Problems.Errors().String(), nil, nil
		case errors.As(serr, &e) && e.Message != "":
			return CodeInvalidQuery, e.Message, nil, nil
		}
		return CodeInvalidQuery, serr.Error(), nil, nil
	}
	cols := make([]sqlengine.Column, len(sim.Columns))
	for i, c := range sim.Columns {
		cols[i] = sqlengine.Column{Name: c.Name, Type: c.Type}
		if c.Type == "" {
			cols[i].Type = "string"
		}
	}
	return j.write(ctx, &sqlengine.Result{Columns: cols, Rows: sim.Rows})
}

// write writes res where the query's result configuration says, in files
// of Options.ResultFileRows rows (one file when zero).
func (j *job) write(ctx context.Context, res *sqlengine.Result) (string, string, types.ProtectedQueryOutput, error) {
	prefix := strings.Trim(aws.ToString(j.s3c.KeyPrefix), "/")
	dir := j.id + "/result/"
	if prefix != "" {
		dir = prefix + "/" + dir
	}
	ext, write := ".csv", sqlengine.WriteCSV
	if j.s3c.ResultFormat == types.ResultFormatParquet {
		ext, write = ".parquet", sqlengine.WriteParquet
	}
	per := j.fileRows
	if per <= 0 || len(res.Rows) == 0 {
		per = max(len(res.Rows), 1)
	}
	for part, start := 0, 0; start < len(res.Rows) || part == 0; part, start = part+1, start+per {
		chunk := res.Rows[start:min(start+per, len(res.Rows))]
		var buf bytes.Buffer
		if err := write(&buf, res.Columns, sqlengine.RowsOf(chunk)); err != nil {
			return CodeResultWrite, err.Error(), nil, nil
		}
		key := dir + "part-" + pad5(part) + "-" + j.id + ext
		if _, err := j.sink.PutObject(ctx, &s3.PutObjectInput{Bucket: j.s3c.Bucket, Key: aws.String(key), Body: bytes.NewReader(buf.Bytes())}); err != nil {
			if ctx.Err() != nil {
				return "", "", nil, ctx.Err()
			}
			return CodeResultWrite, "the result could not be written", nil, nil
		}
	}
	out := j.out
	if out == nil {
		out = &types.ProtectedQueryOutputMemberS3{Value: types.ProtectedQueryS3Output{Location: aws.String("s3://" + aws.ToString(j.s3c.Bucket) + "/" + dir)}}
	}
	return "", "", out, nil
}
