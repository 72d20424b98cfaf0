package cleanroomtest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// ---- protected queries ----

// Error codes of FAILED queries. The service's codes for these cases are
// not documented; the fake uses these.
const (
	// CodeRuleViolation: the query is not allowed by an analysis rule.
	CodeRuleViolation = "ANALYSIS_RULE_VIOLATION"
	// CodeInvalidQuery: the engine rejected or failed the SQL; the message
	// is the engine's.
	CodeInvalidQuery = "INVALID_QUERY"
	// CodeNoData: a referenced table has no data in the fake (SetTableData).
	CodeNoData = "TABLE_DATA_UNAVAILABLE"
	// CodeResultWrite: the result could not be written to its location.
	CodeResultWrite = "RESULT_WRITE_FAILED"
)

// maxOngoing is "Concurrent ongoing queries per membership".
const maxOngoing = 5

type queryRec struct {
	q        types.ProtectedQuery
	collab   string
	account  string // runner
	template *types.AnalysisTemplate
}

func (f *CleanRooms) queued() time.Duration {
	if f.opts.QueryQueued > 0 {
		return f.opts.QueryQueued
	}
	return time.Second
}

func (f *CleanRooms) runs() time.Duration {
	if f.opts.QueryRuns > 0 {
		return f.opts.QueryRuns
	}
	return 2 * time.Second
}

func terminal(s types.ProtectedQueryStatus) bool {
	switch s {
	case types.ProtectedQueryStatusSuccess, types.ProtectedQueryStatusFailed, types.ProtectedQueryStatusCancelled, types.ProtectedQueryStatusTimedOut:
		return true
	}
	return false
}

func invalid(path, msg string) error {
	return &types.ValidationException{Message: aws.String(msg), Reason: types.ValidationExceptionReasonFieldValidationFailed,
		FieldList: []types.ValidationExceptionField{{Name: aws.String(path), Message: aws.String(msg)}}}
}

// StartProtectedQuery implements the operation for SQL: a query string or
// an analysis template of the collaboration with parameter values, results
// to S3 (the request's or the membership's default) or to a member able to
// receive them. The membership must be able to query. Like the service it
// takes no client token: every call starts a new query. The query is
// SUBMITTED for Options.QueryQueued, STARTED for Options.QueryRuns, then
// runs on the next read and ends SUCCESS or FAILED.
func (f *CleanRooms) StartProtectedQuery(ctx context.Context, in *cleanrooms.StartProtectedQueryInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.StartProtectedQueryOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "StartProtectedQuery", true); err != nil {
		return nil, err
	}
	if in.Type != types.ProtectedQueryTypeSql {
		return nil, invalid("type", "type must be SQL")
	}
	sp := in.SqlParameters
	if sp == nil || (sp.QueryString == nil) == (sp.AnalysisTemplateArn == nil) {
		return nil, invalid("sqlParameters", "exactly one of queryString and analysisTemplateArn is required")
	}
	if sp.QueryString != nil && (len(*sp.QueryString) == 0 || len(*sp.QueryString) > 500000) {
		return nil, invalid("sqlParameters.queryString", "length must be 1-500000")
	}
	if sp.QueryString != nil && len(sp.Parameters) > 0 {
		return nil, invalid("sqlParameters.parameters", "parameters need an analysis template")
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	rec := f.collabs[aws.ToString(m.CollaborationId)]
	if !slices.Contains(m.MemberAbilities, types.MemberAbilityCanQuery) {
		return nil, &types.AccessDeniedException{Message: aws.String("the membership cannot run queries")}
	}
	qr := &queryRec{collab: *m.CollaborationId, account: f.account}
	if sp.AnalysisTemplateArn != nil {
		t := f.templateByARN(*m.CollaborationId, *sp.AnalysisTemplateArn)
		if t == nil {
			return nil, notFound(types.ResourceType("ANALYSIS_TEMPLATE"), *sp.AnalysisTemplateArn)
		}
		for name := range sp.Parameters {
			if !slices.ContainsFunc(t.AnalysisParameters, func(p types.AnalysisParameter) bool { return aws.ToString(p.Name) == name }) {
				return nil, invalid("sqlParameters.parameters", "parameter not declared by the template")
			}
		}
		for _, p := range t.AnalysisParameters {
			if _, ok := sp.Parameters[aws.ToString(p.Name)]; !ok && p.DefaultValue == nil {
				return nil, invalid("sqlParameters.parameters", "a parameter without default value has no value")
			}
		}
		qr.template = t
	}
	rc := in.ResultConfiguration
	if rc == nil {
		def := m.DefaultResultConfiguration
		if def == nil {
			return nil, invalid("resultConfiguration", "resultConfiguration is required when the membership has no default result configuration")
		}
		s3c, ok := def.OutputConfiguration.(*types.MembershipProtectedQueryOutputConfigurationMemberS3)
		if !ok {
			return nil, invalid("resultConfiguration", "unsupported default result configuration")
		}
		rc = &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{Value: s3c.Value}}
	}
	switch oc := rc.OutputConfiguration.(type) {
	case *types.ProtectedQueryOutputConfigurationMemberS3:
		if aws.ToString(oc.Value.Bucket) == "" {
			return nil, invalid("resultConfiguration.outputConfiguration.s3.bucket", "bucket is required")
		}
		if oc.Value.ResultFormat != types.ResultFormatCsv && oc.Value.ResultFormat != types.ResultFormatParquet {
			return nil, invalid("resultConfiguration.outputConfiguration.s3.resultFormat", "resultFormat must be CSV or PARQUET")
		}
		if !slices.Contains(m.MemberAbilities, types.MemberAbilityCanReceiveResults) {
			return nil, invalid("resultConfiguration.outputConfiguration.s3", "the member running the query cannot receive results: use member output")
		}
	case *types.ProtectedQueryOutputConfigurationMemberMember:
		i := rec.member(aws.ToString(oc.Value.AccountId))
		if i < 0 || !slices.Contains(rec.members[i].Abilities, types.MemberAbilityCanReceiveResults) {
			return nil, invalid("resultConfiguration.outputConfiguration.member.accountId", "the account is not a member able to receive results")
		}
		if rm := f.memberships[aws.ToString(rec.members[i].MembershipId)]; rm == nil || rm.DefaultResultConfiguration == nil {
			return nil, invalid("resultConfiguration.outputConfiguration.member.accountId", "the receiving member has no default result configuration")
		}
	default:
		return nil, invalid("resultConfiguration.outputConfiguration", "output must be s3 or member")
	}
	ongoing := 0
	for _, q := range f.queries {
		f.advance(ctx, q)
		if aws.ToString(q.q.MembershipId) == *m.Id && !terminal(q.q.Status) {
			ongoing++
		}
	}
	if ongoing >= maxOngoing {
		return nil, &types.ServiceQuotaExceededException{Message: aws.String("quota exceeded"),
			QuotaName: aws.String("Concurrent ongoing queries per membership"), QuotaValue: aws.Float64(maxOngoing)}
	}
	id := f.newID()
	qr.q = clone(types.ProtectedQuery{Id: aws.String(id), MembershipId: m.Id, MembershipArn: m.Arn, CreateTime: f.now(),
		Status: types.ProtectedQueryStatusSubmitted, SqlParameters: sp, ResultConfiguration: rc,
		ComputeConfiguration: in.ComputeConfiguration, QueryComputePayerAccountId: in.QueryComputePayerAccountId})
	f.queries[id] = qr
	return &cleanrooms.StartProtectedQueryOutput{ProtectedQuery: ptr(clone(qr.q))}, nil
}

func (f *CleanRooms) query(mid, qid *string) (*queryRec, error) {
	m, err := f.membership(mid)
	if err != nil {
		return nil, err
	}
	if !isUUID(qid) {
		return nil, badID("protectedQueryIdentifier")
	}
	q, ok := f.queries[*qid]
	if !ok || aws.ToString(q.q.MembershipId) != *m.Id {
		return nil, notFound(types.ResourceType("PROTECTED_QUERY"), *qid)
	}
	return q, nil
}

// GetProtectedQuery implements the operation; reading a query moves it
// along its states by the fake's clock.
func (f *CleanRooms) GetProtectedQuery(ctx context.Context, in *cleanrooms.GetProtectedQueryInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetProtectedQueryOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetProtectedQuery", false); err != nil {
		return nil, err
	}
	q, err := f.query(in.MembershipIdentifier, in.ProtectedQueryIdentifier)
	if err != nil {
		return nil, err
	}
	if err := f.advance(ctx, q); err != nil {
		return nil, err
	}
	return &cleanrooms.GetProtectedQueryOutput{ProtectedQuery: ptr(clone(q.q))}, nil
}

// UpdateProtectedQuery implements the operation: targetStatus CANCELLED
// moves a running query to CANCELLING, then CANCELLED on the next read;
// a query already ended is ConflictException.
func (f *CleanRooms) UpdateProtectedQuery(ctx context.Context, in *cleanrooms.UpdateProtectedQueryInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateProtectedQueryOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "UpdateProtectedQuery", true); err != nil {
		return nil, err
	}
	if in.TargetStatus != types.TargetProtectedQueryStatusCancelled {
		return nil, invalid("targetStatus", "targetStatus must be CANCELLED")
	}
	q, err := f.query(in.MembershipIdentifier, in.ProtectedQueryIdentifier)
	if err != nil {
		return nil, err
	}
	if err := f.advance(ctx, q); err != nil {
		return nil, err
	}
	if terminal(q.q.Status) {
		return nil, &types.ConflictException{Message: aws.String("the query has already ended"), Reason: types.ConflictExceptionReasonInvalidState}
	}
	q.q.Status = types.ProtectedQueryStatusCancelling
	return &cleanrooms.UpdateProtectedQueryOutput{ProtectedQuery: ptr(clone(q.q))}, nil
}

// ListProtectedQueries implements the operation: newest first, optionally
// filtered by status.
func (f *CleanRooms) ListProtectedQueries(ctx context.Context, in *cleanrooms.ListProtectedQueriesInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListProtectedQueriesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListProtectedQueries", false); err != nil {
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	var recs []*queryRec
	for _, q := range f.queries {
		if aws.ToString(q.q.MembershipId) == *m.Id {
			if err := f.advance(ctx, q); err != nil {
				return nil, err
			}
			if in.Status == "" || in.Status == q.q.Status {
				recs = append(recs, q)
			}
		}
	}
	slices.SortFunc(recs, func(a, b *queryRec) int {
		if c := b.q.CreateTime.Compare(*a.q.CreateTime); c != 0 {
			return c
		}
		return strings.Compare(*b.q.Id, *a.q.Id)
	})
	all := make([]types.ProtectedQuerySummary, len(recs))
	for i, q := range recs {
		all[i] = types.ProtectedQuerySummary{Id: q.q.Id, MembershipId: q.q.MembershipId, MembershipArn: q.q.MembershipArn,
			CreateTime: q.q.CreateTime, Status: q.q.Status, ReceiverConfigurations: []types.ReceiverConfiguration{}}
	}
	page, next, err := paginate(f, clone(all), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListProtectedQueriesOutput{ProtectedQueries: page, NextToken: next}, nil
}

// advance moves q along its states by the clock, running it when it is due.
func (f *CleanRooms) advance(ctx context.Context, q *queryRec) error {
	if terminal(q.q.Status) {
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
	if elapsed < f.queued()+f.runs() {
		q.q.Status = types.ProtectedQueryStatusStarted
		return nil
	}
	code, msg, out, err := f.execute(ctx, q)
	if err != nil {
		return err // the context ended: the query runs on a later read
	}
	q.q.Statistics = &types.ProtectedQueryStatistics{TotalDurationInMillis: aws.Int64(f.runs().Milliseconds()),
		BilledResourceUtilization: &types.BilledResourceUtilization{Units: aws.Float64(f.runs().Hours() * 16)}}
	if code != "" {
		q.q.Status = types.ProtectedQueryStatusFailed
		q.q.Error = &types.ProtectedQueryError{Code: aws.String(code), Message: aws.String(msg)}
		return nil
	}
	q.q.Status = types.ProtectedQueryStatusSuccess
	q.q.Result = &types.ProtectedQueryResult{Output: out}
	return nil
}

// execute checks the query against the collaboration's analysis rules (a
// minimal subset, see the package documentation), runs it on the SQL
// engine and writes the result. A non-empty code is a FAILED query.
func (f *CleanRooms) execute(ctx context.Context, q *queryRec) (code, msg string, out types.ProtectedQueryOutput, err error) {
	sqlText, params := aws.ToString(q.q.SqlParameters.QueryString), map[string]any{}
	if q.template != nil {
		src, _ := q.template.Source.(*types.AnalysisSourceMemberText)
		if src == nil {
			return CodeInvalidQuery, "the template has no SQL text", nil, nil
		}
		sqlText = src.Value
		for _, p := range q.template.AnalysisParameters {
			v, ok := q.q.SqlParameters.Parameters[aws.ToString(p.Name)]
			if !ok {
				v = aws.ToString(p.DefaultValue)
			}
			pv, perr := paramValue(p.Type, v)
			if perr != nil {
				return CodeInvalidQuery, "parameter " + strconv.Quote(aws.ToString(p.Name)) + ": " + perr.Error(), nil, nil
			}
			params[aws.ToString(p.Name)] = pv
		}
	}
	used := words(sqlText)
	receiver := q.account
	if mo, ok := q.q.ResultConfiguration.OutputConfiguration.(*types.ProtectedQueryOutputConfigurationMemberMember); ok {
		receiver = aws.ToString(mo.Value.AccountId)
	}
	var tables []sqlcheck.Table
	for _, a := range f.collabAssociations(q.collab) {
		alias := strings.ToLower(aws.ToString(a.a.Name))
		t := f.tables[aws.ToString(a.a.ConfiguredTableId)]
		if t == nil {
			continue
		}
		owner := arnAccount(aws.ToString(t.t.Arn))
		ct := sqlcheck.Table{Name: alias, Member: owner}
		for _, r := range t.rules {
			ct.Rule = sqlcheck.RuleFromPolicy(r.Policy)
			if r.Type != types.ConfiguredTableAnalysisRuleTypeCustom && q.template != nil && used[alias] {
				return CodeRuleViolation, "analysis templates can only query tables under a custom rule; table " + strconv.Quote(alias) + " has a " + strings.ToLower(string(r.Type)) + " rule", nil, nil
			}
		}
		for _, ar := range a.rules {
			if rs := assocReceivers(ar); used[alias] && len(rs) > 0 && !slices.Contains(rs, receiver) {
				return CodeRuleViolation, "the result receiver is not allowed by the collaboration analysis rule of table " + strconv.Quote(alias), nil, nil
			}
		}
		ref, _ := t.t.TableReference.(*types.TableReferenceMemberGlue)
		var d TableData
		ok := false
		if ref != nil {
			d, ok = f.data[dataKey{owner, strings.ToLower(aws.ToString(ref.Value.DatabaseName)), strings.ToLower(aws.ToString(ref.Value.TableName))}]
		}
		if !ok {
			if used[alias] {
				return CodeNoData, "table " + strconv.Quote(alias) + " has no data in the fake", nil, nil
			}
			for _, c := range t.t.AllowedColumns {
				ct.Columns = append(ct.Columns, sqlcheck.Column{Name: c})
			}
			ct.Rows = sqlcheck.RowsOf(nil)
			tables = append(tables, ct)
			continue
		}
		et, terr := engineTable(ctx, alias, d, t.t.AllowedColumns)
		if terr != nil {
			return CodeNoData, "table " + strconv.Quote(alias) + ": " + terr.Error(), nil, nil
		}
		for _, c := range et.Columns {
			ct.Columns = append(ct.Columns, sqlcheck.Column{Name: c.Name, Type: c.Type})
		}
		ct.Rows = et.Rows
		tables = append(tables, ct)
	}
	sim, serr := sqlcheck.Simulate(ctx, sqlText, tables, func(o *sqlcheck.Options) {
		o.Runner = q.account
		o.Params = params
		if q.template != nil {
			o.AnalysisTemplate = aws.ToString(q.template.Arn)
		}
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
	res := &sqlengine.Result{Columns: cols, Rows: sim.Rows}
	return f.writeResult(ctx, q, res)
}

// arnAccount is the account field of an ARN ("" when it has none).
func arnAccount(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		return parts[4]
	}
	return ""
}

func assocReceivers(r types.ConfiguredTableAssociationAnalysisRule) []string {
	v1, _ := r.Policy.(*types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1)
	if v1 == nil {
		return nil
	}
	switch p := v1.Value.(type) {
	case *types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation:
		return p.Value.AllowedResultReceivers
	case *types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList:
		return p.Value.AllowedResultReceivers
	case *types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom:
		return p.Value.AllowedResultReceivers
	}
	return nil
}

// collabAssociations lists every member's associations in a collaboration.
func (f *CleanRooms) collabAssociations(collab string) []*assocRec {
	var out []*assocRec
	for _, a := range f.assocs {
		if m := f.memberships[aws.ToString(a.a.MembershipId)]; m != nil && aws.ToString(m.CollaborationId) == collab {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y *assocRec) int { return strings.Compare(*x.a.Id, *y.a.Id) })
	return out
}

// paramValue converts a parameter's text to its type. The error never
// quotes the value (strconv's errors do).
func paramValue(t types.ParameterType, v string) (any, error) {
	var (
		out any
		err error
	)
	switch t {
	case types.ParameterTypeSmallint, types.ParameterTypeInteger, types.ParameterTypeBigint, types.ParameterTypeTinyint:
		out, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	case types.ParameterTypeDecimal, types.ParameterTypeReal, types.ParameterTypeDoublePrecision, types.ParameterTypeFloat, types.ParameterTypeDouble:
		out, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
	case types.ParameterTypeBoolean:
		out, err = strconv.ParseBool(strings.TrimSpace(v))
	default:
		return v, nil
	}
	if err != nil {
		return nil, errors.New("the value is not a valid " + strings.ToLower(string(t)))
	}
	return out, nil
}

// writeResult writes res where the query's result configuration says, in
// files of Options.ResultFileRows rows (one file when zero).
func (f *CleanRooms) writeResult(ctx context.Context, q *queryRec, res *sqlengine.Result) (string, string, types.ProtectedQueryOutput, error) {
	var s3c types.ProtectedQueryS3OutputConfiguration
	var out types.ProtectedQueryOutput
	switch oc := q.q.ResultConfiguration.OutputConfiguration.(type) {
	case *types.ProtectedQueryOutputConfigurationMemberS3:
		s3c = oc.Value
	case *types.ProtectedQueryOutputConfigurationMemberMember:
		rec := f.collabs[q.collab]
		i := rec.member(aws.ToString(oc.Value.AccountId))
		rm := f.memberships[aws.ToString(rec.members[i].MembershipId)]
		def, _ := rm.DefaultResultConfiguration.OutputConfiguration.(*types.MembershipProtectedQueryOutputConfigurationMemberS3)
		if def == nil {
			return CodeResultWrite, "the receiving member has no S3 default result configuration", nil, nil
		}
		s3c = def.Value
		out = &types.ProtectedQueryOutputMemberMemberList{Value: []types.ProtectedQuerySingleMemberOutput{{AccountId: oc.Value.AccountId}}}
	}
	prefix := strings.Trim(aws.ToString(s3c.KeyPrefix), "/")
	dir := *q.q.Id + "/result/"
	if prefix != "" {
		dir = prefix + "/" + dir
	}
	ext, write := ".csv", sqlengine.WriteCSV
	if s3c.ResultFormat == types.ResultFormatParquet {
		ext, write = ".parquet", sqlengine.WriteParquet
	}
	per := f.opts.ResultFileRows
	if per <= 0 || len(res.Rows) == 0 {
		per = max(len(res.Rows), 1)
	}
	for part, start := 0, 0; start < len(res.Rows) || part == 0; part, start = part+1, start+per {
		chunk := res.Rows[start:min(start+per, len(res.Rows))]
		var buf bytes.Buffer
		if err := write(&buf, res.Columns, sqlengine.RowsOf(chunk)); err != nil {
			return CodeResultWrite, err.Error(), nil, nil
		}
		key := dir + "part-" + pad5(part) + "-" + *q.q.Id + ext
		if _, err := f.sink().PutObject(ctx, &s3.PutObjectInput{Bucket: s3c.Bucket, Key: aws.String(key), Body: bytes.NewReader(buf.Bytes())}); err != nil {
			if ctx.Err() != nil {
				return "", "", nil, ctx.Err()
			}
			return CodeResultWrite, "the result could not be written", nil, nil
		}
	}
	if out == nil {
		out = &types.ProtectedQueryOutputMemberS3{Value: types.ProtectedQueryS3Output{Location: aws.String("s3://" + aws.ToString(s3c.Bucket) + "/" + dir)}}
	}
	return "", "", out, nil
}

func pad5(i int) string {
	s := strconv.Itoa(i)
	return strings.Repeat("0", max(0, 5-len(s))) + s
}

// S3 is the in-memory S3 the fake writes results to when
// CleanRoomsOptions.Results is nil (nil otherwise).
func (f *CleanRooms) S3() *S3 {
	s, _ := f.sink().(*S3)
	return s
}

func (f *CleanRooms) sink() ResultSink { return f.opts.Results }
