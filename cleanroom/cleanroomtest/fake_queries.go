package cleanroomtest

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
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
	// run is the job of the caller running the query now (nil otherwise).
	run *job
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
		if aws.ToString(q.q.MembershipId) == *m.Id && f.ongoing(q) {
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
	q, err := f.readQuery(ctx, "GetProtectedQuery", false, in.MembershipIdentifier, in.ProtectedQueryIdentifier)
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	return &cleanrooms.GetProtectedQueryOutput{ProtectedQuery: ptr(clone(q.q))}, nil
}

// readQuery looks the query up and moves it along its states, running it
// (without f.mu) when this call claims it. It returns with f.mu held when
// the error is nil.
func (f *CleanRooms) readQuery(ctx context.Context, op string, write bool, mid, qid *string) (*queryRec, error) {
	f.mu.Lock()
	if err := f.enter(ctx, op, write); err != nil {
		f.mu.Unlock()
		return nil, err
	}
	q, err := f.query(mid, qid)
	if err != nil {
		f.mu.Unlock()
		return nil, err
	}
	if j := f.advance(ctx, q); j != nil {
		f.mu.Unlock()
		if err := f.runJobs(ctx, []*job{j}); err != nil {
			return nil, err
		}
		f.mu.Lock()
	}
	return q, nil
}

// UpdateProtectedQuery implements the operation: targetStatus CANCELLED
// moves a running query to CANCELLING, then CANCELLED on the next read;
// a query already ended is ConflictException.
func (f *CleanRooms) UpdateProtectedQuery(ctx context.Context, in *cleanrooms.UpdateProtectedQueryInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateProtectedQueryOutput, error) {
	if in.TargetStatus != types.TargetProtectedQueryStatusCancelled {
		f.mu.Lock()
		defer f.mu.Unlock()
		if err := f.enter(ctx, "UpdateProtectedQuery", true); err != nil {
			return nil, err
		}
		return nil, invalid("targetStatus", "targetStatus must be CANCELLED")
	}
	q, err := f.readQuery(ctx, "UpdateProtectedQuery", true, in.MembershipIdentifier, in.ProtectedQueryIdentifier)
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	if terminal(q.q.Status) {
		return nil, &types.ConflictException{Message: aws.String("the query has already ended"), Reason: types.ConflictExceptionReasonInvalidState}
	}
	q.q.Status = types.ProtectedQueryStatusCancelling
	if q.run != nil {
		q.run.cancel() // another caller runs it: stop the engine; it ends CANCELLED
	}
	return &cleanrooms.UpdateProtectedQueryOutput{ProtectedQuery: ptr(clone(q.q))}, nil
}

// ListProtectedQueries implements the operation: newest first, optionally
// filtered by status.
func (f *CleanRooms) ListProtectedQueries(ctx context.Context, in *cleanrooms.ListProtectedQueriesInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListProtectedQueriesOutput, error) {
	f.mu.Lock()
	if err := f.enter(ctx, "ListProtectedQueries", false); err != nil {
		f.mu.Unlock()
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		f.mu.Unlock()
		return nil, err
	}
	var mine []*queryRec
	var jobs []*job
	for _, q := range f.queries {
		if aws.ToString(q.q.MembershipId) == *m.Id {
			mine = append(mine, q)
			if j := f.advance(ctx, q); j != nil {
				jobs = append(jobs, j)
			}
		}
	}
	if len(jobs) > 0 {
		f.mu.Unlock()
		// One order for the runs, whatever the map's.
		slices.SortFunc(jobs, func(a, b *job) int { return strings.Compare(a.id, b.id) })
		if err := f.runJobs(ctx, jobs); err != nil {
			return nil, err
		}
		f.mu.Lock()
	}
	defer f.mu.Unlock()
	var recs []*queryRec
	for _, q := range mine {
		if in.Status == "" || in.Status == q.q.Status {
			recs = append(recs, q)
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
