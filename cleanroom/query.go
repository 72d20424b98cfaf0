package cleanroom

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"maps"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// S3Output is an S3 result location for a query.
type S3Output struct {
	Bucket    string
	KeyPrefix string
	// Format is CSV (default) or PARQUET.
	Format types.ResultFormat
}

// QueryInput starts a protected query: SQL text, or an analysis template
// with parameter values; results to S3 (Output), to a member's default
// result location (MemberOutput, an account id), or, with neither, to the
// running membership's default result configuration.
type QueryInput struct {
	MembershipID string
	// SQL is the query text; or TemplateARN with Parameters (values as
	// text, by parameter name).
	SQL          string
	TemplateARN  string
	Parameters   map[string]string
	Output       *S3Output
	MemberOutput string
	// PayerAccountID optionally names the member paying for the query.
	PayerAccountID string
}

func (q QueryInput) sdk() *cleanrooms.StartProtectedQueryInput {
	in := &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(q.MembershipID), Type: types.ProtectedQueryTypeSql,
		SqlParameters: &types.ProtectedQuerySQLParameters{}}
	if q.TemplateARN != "" {
		in.SqlParameters.AnalysisTemplateArn = aws.String(q.TemplateARN)
		in.SqlParameters.Parameters = maps.Clone(q.Parameters)
	} else {
		in.SqlParameters.QueryString = aws.String(q.SQL)
	}
	switch {
	case q.Output != nil:
		f := q.Output.Format
		if f == "" {
			f = types.ResultFormatCsv
		}
		s3 := types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String(q.Output.Bucket), ResultFormat: f}
		if q.Output.KeyPrefix != "" {
			s3.KeyPrefix = aws.String(q.Output.KeyPrefix)
		}
		in.ResultConfiguration = &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{Value: s3}}
	case q.MemberOutput != "":
		in.ResultConfiguration = &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberMember{
			Value: types.ProtectedQueryMemberOutputConfiguration{AccountId: aws.String(q.MemberOutput)}}}
	}
	if q.PayerAccountID != "" {
		in.QueryComputePayerAccountId = aws.String(q.PayerAccountID)
	}
	return in
}

func (q QueryInput) validate() Problems {
	var c collector
	if q.MembershipID == "" {
		c.err("membershipId", ReasonRequired)
	} else if !uuidPattern.MatchString(q.MembershipID) {
		c.err("membershipId", ReasonPattern)
	}
	switch {
	case (q.SQL == "") == (q.TemplateARN == ""):
		c.err("sql", ReasonRequired) // exactly one of SQL and TemplateARN
	case len(q.SQL) > maxTemplateSQL:
		c.err("sql", ReasonTooLong)
	case q.SQL != "" && len(q.Parameters) > 0:
		c.err("parameters", ReasonTooMany)
	}
	for k, v := range q.Parameters {
		if runeLen(v) > maxParamDefault {
			c.err("parameters."+k, ReasonTooLong)
		}
	}
	if q.Output != nil && q.MemberOutput != "" {
		c.err("output", ReasonTooMany)
	}
	if q.Output != nil {
		if q.Output.Bucket == "" {
			c.err("output.bucket", ReasonRequired)
		}
		checkEnum(&c, "output.format", q.Output.Format, false)
	}
	if q.MemberOutput != "" {
		accountID(&c, "memberOutput", q.MemberOutput)
	}
	return c.ps
}

// Query is a protected query as the service reports it.
type Query struct {
	ID, MembershipID string
	Status           types.ProtectedQueryStatus
	CreateTime       time.Time
	// ResultLocation is the S3 URI of the results (S3 output), "" otherwise.
	ResultLocation string
	// Receivers are the accounts results were delivered to (member output).
	Receivers []string
	// Duration and BilledUnits (CRPU-hours) are the statistics the service
	// returns once the query ended.
	Duration    time.Duration
	BilledUnits float64
	// ErrorCode and ErrorMessage explain a FAILED query.
	ErrorCode, ErrorMessage string
}

func queryOf(p *types.ProtectedQuery) *Query {
	q := &Query{ID: deref(p.Id), MembershipID: deref(p.MembershipId), Status: p.Status}
	if p.CreateTime != nil {
		q.CreateTime = *p.CreateTime
	}
	if p.Result != nil {
		switch o := p.Result.Output.(type) {
		case *types.ProtectedQueryOutputMemberS3:
			q.ResultLocation = deref(o.Value.Location)
		case *types.ProtectedQueryOutputMemberMemberList:
			for _, m := range o.Value {
				q.Receivers = append(q.Receivers, deref(m.AccountId))
			}
		}
	}
	if s := p.Statistics; s != nil {
		q.Duration = time.Duration(deref(s.TotalDurationInMillis)) * time.Millisecond
		if s.BilledResourceUtilization != nil {
			q.BilledUnits = deref(s.BilledResourceUtilization.Units)
		}
	}
	if e := p.Error; e != nil {
		q.ErrorCode, q.ErrorMessage = deref(e.Code), deref(e.Message)
	}
	return q
}

// Terminal reports whether the query has ended.
func (q *Query) Terminal() bool {
	switch q.Status {
	case types.ProtectedQueryStatusSuccess, types.ProtectedQueryStatusFailed, types.ProtectedQueryStatusCancelled, types.ProtectedQueryStatusTimedOut:
		return true
	}
	return false
}

// err is nil for SUCCESS and a typed error for the other ends.
func (q *Query) err(op string) error {
	e := &Error{Op: op, QueryID: q.ID, Status: q.Status}
	switch q.Status {
	case types.ProtectedQueryStatusFailed:
		e.Kind, e.Reason, e.Message = ErrQueryFailed, q.ErrorCode, q.ErrorMessage
	case types.ProtectedQueryStatusCancelled:
		e.Kind = ErrQueryCanceled
	case types.ProtectedQueryStatusTimedOut:
		e.Kind = ErrQueryTimedOut
	default:
		return nil
	}
	return e
}

// Polling defaults (Options.PollInterval, MaxPollInterval, StartRetries,
// AdoptWindow).
const (
	DefaultPollInterval    = time.Second
	DefaultMaxPollInterval = 30 * time.Second
	DefaultStartRetries    = 3
	DefaultAdoptWindow     = 2 * time.Minute
)

func (o Options) poll() (time.Duration, time.Duration) {
	first, maxd := o.PollInterval, o.MaxPollInterval
	if first <= 0 {
		first = DefaultPollInterval
	}
	if maxd <= 0 {
		maxd = DefaultMaxPollInterval
	}
	return first, max(first, maxd)
}

// StartQuery starts a protected query and returns it as the service
// reported it (normally SUBMITTED).
//
// StartProtectedQuery has no client token, so a retry after a lost
// response (a timeout, a dropped connection, a 5xx) could start the query
// twice. StartQuery turns off the SDK's own retries for that call and
// retries itself (Options.StartRetries, default 3, with backoff), and
// before each retry looks for the query the lost attempt may have
// started: the membership's queries created since just before the first
// attempt (Options.AdoptWindow of clock skew, default 2 minutes), newest
// first, whose SQL or template, parameters and result configuration are
// the ones asked for. It adopts the first it finds instead of starting
// another.
//
// What the guard cannot cover: an identical query started in the same
// window by someone else in the membership is adopted as if it were ours
// (both callers then share one query); a query the service created but
// does not list yet (list lag) is started again; and when ctx ends after
// a request was sent, StartQuery returns ctx's error without knowing
// whether the query started — Queries lists it.
func (c *Client) StartQuery(ctx context.Context, in QueryInput, optFns ...func(*Options)) (*Query, error) {
	o := c.opts
	for _, f := range optFns {
		f(&o)
	}
	const op = "start query"
	if ps := in.validate(); len(ps.Errors()) > 0 {
		return nil, &Error{Op: op, Kind: ErrInvalidInput, Problems: ps}
	}
	req := in.sdk()
	retries := o.StartRetries
	if retries == 0 {
		retries = DefaultStartRetries
	}
	window := o.AdoptWindow
	if window <= 0 {
		window = DefaultAdoptWindow
	}
	since := time.Now().Add(-window)
	delay, maxDelay := o.poll()
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if q, err := c.adopt(ctx, req, since); err != nil || q != nil {
				return q, err
			}
		}
		out, err := c.api.StartProtectedQuery(ctx, req, func(co *cleanrooms.Options) { co.RetryMaxAttempts = 1 })
		if err == nil {
			if out == nil || out.ProtectedQuery == nil || out.ProtectedQuery.Id == nil {
				return nil, emptyResponse(op, "")
			}
			return queryOf(out.ProtectedQuery), nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !maybeStarted(err) || retries < 0 || attempt >= retries {
			return nil, fromAPI(op, "", err)
		}
		if o.Logger != nil {
			o.Logger.LogAttrs(ctx, slog.LevelDebug, "cleanroom: start query failed, checking for the query before retrying", slog.Int("attempt", attempt+1))
		}
		if err := sleep(ctx, jitter(delay)); err != nil {
			return nil, err
		}
		delay = min(2*delay, maxDelay)
	}
}

// maybeStarted reports whether a failed StartProtectedQuery may have
// started the query anyway: anything but a definite client error.
func maybeStarted(err error) bool {
	var (
		ve *types.ValidationException
		cf *types.ConflictException
		qe *types.ServiceQuotaExceededException
		nf *types.ResourceNotFoundException
		ad *types.AccessDeniedException
	)
	return !errors.As(err, &ve) && !errors.As(err, &cf) && !errors.As(err, &qe) && !errors.As(err, &nf) && !errors.As(err, &ad)
}

// adopt finds a query matching req created since since.
func (c *Client) adopt(ctx context.Context, req *cleanrooms.StartProtectedQueryInput, since time.Time) (*Query, error) {
	var token *string
	for {
		page, err := c.api.ListProtectedQueries(ctx, &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: req.MembershipIdentifier, NextToken: token})
		if err != nil {
			return nil, fromAPI("start query: list queries", "", err)
		}
		if page == nil {
			return nil, emptyResponse("start query: list queries", "")
		}
		for _, s := range page.ProtectedQueries {
			if s.CreateTime != nil && s.CreateTime.Before(since) {
				return nil, nil // newest first: the rest are older
			}
			out, err := c.api.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: req.MembershipIdentifier, ProtectedQueryIdentifier: s.Id})
			if err != nil {
				return nil, fromAPI("start query: get query", "", err)
			}
			if out == nil || out.ProtectedQuery == nil {
				return nil, emptyResponse("start query: get query", "")
			}
			if sameRequest(out.ProtectedQuery, req) {
				return queryOf(out.ProtectedQuery), nil
			}
		}
		if token = page.NextToken; token == nil || *token == "" {
			return nil, nil
		}
	}
}

func sameRequest(p *types.ProtectedQuery, req *cleanrooms.StartProtectedQueryInput) bool {
	a, b := p.SqlParameters, req.SqlParameters
	if a == nil || deref(a.QueryString) != deref(b.QueryString) || deref(a.AnalysisTemplateArn) != deref(b.AnalysisTemplateArn) || !maps.Equal(a.Parameters, b.Parameters) {
		return false
	}
	if req.ResultConfiguration == nil {
		return true // the membership default, whatever the service recorded
	}
	return samePolicy(p.ResultConfiguration, req.ResultConfiguration)
}

// GetQuery returns the query's current state.
func (c *Client) GetQuery(ctx context.Context, membershipID, queryID string) (*Query, error) {
	out, err := c.api.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(membershipID), ProtectedQueryIdentifier: aws.String(queryID)})
	if err != nil {
		return nil, fromAPI("get query", "", err)
	}
	if out == nil || out.ProtectedQuery == nil {
		return nil, emptyResponse("get query", "")
	}
	return queryOf(out.ProtectedQuery), nil
}

// WaitQuery polls the query until it ends, with capped exponential
// backoff and jitter (Options.PollInterval doubling up to
// MaxPollInterval). It returns the query on SUCCESS; otherwise an *Error
// with the query (ErrQueryFailed carrying the service's error code in
// Reason and message in Message, ErrQueryCanceled, ErrQueryTimedOut), or
// ctx's error when ctx ends first (the query keeps running: CancelQuery
// stops it).
func (c *Client) WaitQuery(ctx context.Context, membershipID, queryID string, optFns ...func(*Options)) (*Query, error) {
	o := c.opts
	for _, f := range optFns {
		f(&o)
	}
	delay, maxDelay := o.poll()
	for {
		q, err := c.GetQuery(ctx, membershipID, queryID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if q.Terminal() {
			if err := q.err("wait query"); err != nil {
				return q, err
			}
			return q, nil
		}
		if err := sleep(ctx, jitter(delay)); err != nil {
			return q, err
		}
		delay = min(2*delay, maxDelay)
	}
}

// RunQuery starts a query and waits for it to end.
func (c *Client) RunQuery(ctx context.Context, in QueryInput, optFns ...func(*Options)) (*Query, error) {
	q, err := c.StartQuery(ctx, in, optFns...)
	if err != nil {
		return nil, err
	}
	return c.WaitQuery(ctx, q.MembershipID, q.ID, optFns...)
}

// CancelQuery asks the service to cancel a running query (it goes through
// CANCELLING to CANCELLED; WaitQuery then returns ErrQueryCanceled). A
// query that already ended is ErrConflict.
func (c *Client) CancelQuery(ctx context.Context, membershipID, queryID string) error {
	_, err := c.api.UpdateProtectedQuery(ctx, &cleanrooms.UpdateProtectedQueryInput{MembershipIdentifier: aws.String(membershipID),
		ProtectedQueryIdentifier: aws.String(queryID), TargetStatus: types.TargetProtectedQueryStatusCancelled})
	return fromAPI("cancel query", "", err)
}

// QueryPage is one page of ListQueries.
type QueryPage struct {
	Queries   []Query
	NextToken string
}

// ListQueries returns one page of the membership's queries, newest first
// (status "" for all), for callers that checkpoint the page token.
func (c *Client) ListQueries(ctx context.Context, membershipID string, status types.ProtectedQueryStatus, pageToken string) (*QueryPage, error) {
	in := &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(membershipID), Status: status}
	if pageToken != "" {
		in.NextToken = aws.String(pageToken)
	}
	out, err := c.api.ListProtectedQueries(ctx, in)
	if err != nil {
		return nil, fromAPI("list queries", "", err)
	}
	if out == nil {
		return nil, emptyResponse("list queries", "")
	}
	page := &QueryPage{NextToken: deref(out.NextToken)}
	for _, s := range out.ProtectedQueries {
		q := Query{ID: deref(s.Id), MembershipID: deref(s.MembershipId), Status: s.Status}
		if s.CreateTime != nil {
			q.CreateTime = *s.CreateTime
		}
		page.Queries = append(page.Queries, q)
	}
	return page, nil
}

// Queries yields the membership's queries, newest first, as summaries
// (ID, status, create time; GetQuery has the rest).
func (c *Client) Queries(ctx context.Context, membershipID string, status types.ProtectedQueryStatus) iter.Seq2[Query, error] {
	return func(yield func(Query, error) bool) {
		token := ""
		for {
			page, err := c.ListQueries(ctx, membershipID, status, token)
			if err != nil {
				yield(Query{}, err)
				return
			}
			for _, q := range page.Queries {
				if !yield(q, nil) {
					return
				}
			}
			if token = page.NextToken; token == "" {
				return
			}
		}
	}
}

// jitter spreads a delay over [d/2, d] so pollers do not synchronise.
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

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
