package cleanroom_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

const (
	cdpAccount = "111122223333"
	pubAccount = "444455556666"
)

// insights is a two-party setup: the CDP creates the collaboration (can
// query, receives results) and shares its customers under an aggregation
// rule; the publisher joins and shares its readers.
type insights struct {
	cdp, pub     *cleanroomtest.CleanRooms
	cdpC, pubC   *cleanroom.Client
	cdpM, pubM   string
	collab       cleanroom.CollaborationSpec
	cdpT, pubT   cleanroom.TableSpec
	collabResult *cleanroom.CollaborationResult
}

func collabSpec() cleanroom.CollaborationSpec {
	return cleanroom.CollaborationSpec{
		Key: "insights", Name: "CDP x Publisher", Description: "audience overlap",
		CreatorDisplayName: "cdp", CreatorAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:    []cleanroom.MemberSpec{{AccountID: pubAccount, DisplayName: "publisher", Abilities: []types.MemberAbility{}}},
		Membership: &cleanroom.MembershipSpec{Results: &cleanroom.ResultConfiguration{Bucket: "cdp-results", KeyPrefix: "insights"}},
		Templates: []cleanroom.TemplateSpec{{Key: "by-segment", Name: "overlap_by_segment", SQL: "SELECT segment, COUNT(DISTINCT c.hashed_email) AS n FROM customers c WHERE c.segment <> :skip GROUP BY segment",
			Parameters: []cleanroom.TemplateParameter{{Name: "skip", Type: types.ParameterTypeVarchar, Default: aws.String("none")}}}},
	}
}

func newInsights(t *testing.T, api func(*cleanroomtest.CleanRooms) cleanroom.CleanRoomsAPI) *insights {
	t.Helper()
	ctx := t.Context()
	x := &insights{cdp: cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.AccountID = cdpAccount })}
	x.pub = x.cdp.As(pubAccount)
	if api == nil {
		api = func(f *cleanroomtest.CleanRooms) cleanroom.CleanRoomsAPI { return f }
	}
	x.cdpC, x.pubC = cleanroom.New(api(x.cdp)), cleanroom.New(api(x.pub))
	x.collab = collabSpec()
	res, err := x.cdpC.EnsureCollaboration(ctx, x.collab)
	if err != nil {
		t.Fatal(err)
	}
	x.collabResult, x.cdpM = res, res.MembershipID
	jr, err := x.pubC.EnsureMembership(ctx, cleanroom.JoinSpec{Key: "insights-pub", CollaborationID: res.CollaborationID,
		Membership: cleanroom.MembershipSpec{Results: &cleanroom.ResultConfiguration{Bucket: "pub-results"}}})
	if err != nil {
		t.Fatal(err)
	}
	x.pubM = jr.MembershipID
	x.cdpT = cleanroom.TableSpec{Key: "customers", Table: cleanroom.Table{Name: "customers", Database: "cdp", Table: "customers",
		AllowedColumns: []string{"hashed_email", "segment"}},
		Rule: cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
			JoinColumns:       []string{"hashed_email"},
			DimensionColumns:  []string{"segment"},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 2}},
		},
		Association: &cleanroom.Association{MembershipID: x.cdpM, Name: "customers", RoleARN: roleARN}}
	x.pubT = cleanroom.TableSpec{Key: "readers", Table: cleanroom.Table{Name: "readers", Database: "pub", Table: "readers",
		AllowedColumns: []string{"hashed_email", "section"}},
		Rule: cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
			JoinColumns:       []string{"hashed_email"},
			DimensionColumns:  []string{"section"},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 2}},
		},
		Association: &cleanroom.Association{MembershipID: x.pubM, Name: "readers", RoleARN: "arn:aws:iam::444455556666:role/cleanrooms-read-readers"}}
	if _, err := x.cdpC.Ensure(ctx, x.cdpT); err != nil {
		t.Fatal(err)
	}
	if _, err := x.pubC.Ensure(ctx, x.pubT); err != nil {
		t.Fatal(err)
	}
	x.cdp.SetTableData("cdp", "customers", cleanroomtest.TableData{
		Columns: []cleanroomtest.Column{{Name: "hashed_email", Type: "string"}, {Name: "segment", Type: "string"}, {Name: "spend", Type: "double"}},
		Rows:    [][]any{{"e1", "sports", 1.0}, {"e2", "sports", 2.0}, {"e3", "sports", 3.0}, {"e4", "news", 4.0}, {"e5", "news", 5.0}, {"e6", "travel", 6.0}},
	})
	x.pub.SetTableData("pub", "readers", cleanroomtest.TableData{
		Columns: []cleanroomtest.Column{{Name: "hashed_email", Type: "string"}, {Name: "section", Type: "string"}},
		Rows:    [][]any{{"e1", "a"}, {"e2", "a"}, {"e3", "b"}, {"e4", "a"}, {"e5", "b"}, {"e6", "a"}, {"e9", "a"}},
	})
	return x
}

const overlapSQL = `SELECT c.segment, COUNT(DISTINCT c.hashed_email) AS overlap
FROM customers c JOIN readers r ON c.hashed_email = r.hashed_email
GROUP BY c.segment ORDER BY c.segment`

func TestCollaborationQueryEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format types.ResultFormat
	}{{"csv", types.ResultFormatCsv}, {"parquet", types.ResultFormatParquet}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				x := newInsights(t, nil)
				ctx := t.Context()
				q, err := x.cdpC.StartQuery(ctx, cleanroom.QueryInput{MembershipID: x.cdpM, SQL: overlapSQL,
					Output: &cleanroom.S3Output{Bucket: "cdp-results", KeyPrefix: "adhoc", Format: tc.format}})
				if err != nil {
					t.Fatal(err)
				}
				if q.Status != types.ProtectedQueryStatusSubmitted {
					t.Errorf("status after start = %s", q.Status)
				}
				q, err = x.cdpC.WaitQuery(ctx, x.cdpM, q.ID)
				if err != nil {
					t.Fatal(err)
				}
				if q.ResultLocation == "" || q.Duration == 0 {
					t.Fatalf("query = %+v", q)
				}
				var got []string
				for row, err := range cleanroom.ResultRows(ctx, x.cdp.S3(), q.ResultLocation, func(o *cleanroom.ResultOptions) {
					o.Types = map[string]string{"overlap": "bigint"}
				}) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, fmt.Sprint(row.Get("segment"), "=", row.Get("overlap")))
				}
				// travel has one overlapping person: removed by the output constraint.
				if d := cmp.Diff([]string{"news=2", "sports=3"}, got); d != "" {
					t.Errorf("rows (-want +got):\n%s", d)
				}
			})
		})
	}
}

func TestQueryResultsManyParquetFilesAndRecords(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		x := newInsights(t, nil)
		ctx := t.Context()
		q, err := x.cdpC.RunQuery(ctx, cleanroom.QueryInput{MembershipID: x.cdpM, SQL: overlapSQL,
			Output: &cleanroom.S3Output{Bucket: "cdp-results", Format: types.ResultFormatParquet}})
		if err != nil {
			t.Fatal(err)
		}
		var rows, batches int
		for rec, err := range cleanroom.ResultRecords(ctx, x.cdp.S3(), q.ResultLocation, func(o *cleanroom.ResultOptions) { o.BatchRows = 1 }) {
			if err != nil {
				t.Fatal(err)
			}
			batches++
			rows += int(rec.NumRows())
			if rec.Schema().Field(1).Type.ID().String() != "INT64" {
				t.Errorf("overlap column type %s", rec.Schema().Field(1).Type)
			}
			rec.Release()
		}
		if rows != 2 || batches != 2 {
			t.Errorf("rows %d batches %d, want 2 and 2", rows, batches)
		}
	})
}

func TestResultsInManyFiles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.ResultFileRows = 1 })
		m, err := cleanroomtest.NewMembership(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		c := cleanroom.New(f)
		spec := cleanroom.TableSpec{Key: "t", Table: cleanroom.Table{Name: "t", Database: "d", Table: "t", AllowedColumns: []string{"k", "v"}},
			Rule:        cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{f.AccountID()}},
			Association: &cleanroom.Association{MembershipID: m, Name: "t", RoleARN: roleARN}}
		if _, err := c.Ensure(ctx, spec); err != nil {
			t.Fatal(err)
		}
		f.SetTableData("d", "t", cleanroomtest.TableData{Columns: []cleanroomtest.Column{{Name: "k", Type: "string"}, {Name: "v", Type: "bigint"}, {Name: "secret", Type: "string"}},
			Rows: [][]any{{"a", 1, "x"}, {"b", 2, "y"}, {"c", 3, "z"}}})
		for _, format := range []types.ResultFormat{types.ResultFormatCsv, types.ResultFormatParquet} {
			q, err := c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT k, v FROM t ORDER BY k",
				Output: &cleanroom.S3Output{Bucket: "out", KeyPrefix: string(format), Format: format}})
			if err != nil {
				t.Fatal(err)
			}
			var got []any
			for row, err := range cleanroom.ResultRows(ctx, f.S3(), q.ResultLocation, func(o *cleanroom.ResultOptions) { o.Types = map[string]string{"v": "bigint"} }) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, row.Values...)
			}
			if d := cmp.Diff([]any{"a", int64(1), "b", int64(2), "c", int64(3)}, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", format, d)
			}
			if n := len(f.S3().Keys("out")); n%3 != 0 || n == 0 {
				t.Errorf("%d result objects, want 3 per query", n)
			}
		}
		// A column outside the allowed columns does not exist for a query.
		_, err = c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT secret FROM t", Output: &cleanroom.S3Output{Bucket: "out"}})
		var ce *cleanroom.Error
		if !errors.Is(err, cleanroom.ErrQueryFailed) || !errors.Is(err, cdpkit.ErrFailed) || !errors.As(err, &ce) {
			t.Fatalf("err = %v, want ErrQueryFailed", err)
		}
		if ce.Reason != cleanroomtest.CodeRuleViolation || !strings.Contains(ce.Message, "unknown_column") || ce.QueryID == "" {
			t.Errorf("reason %q message %q", ce.Reason, ce.Message)
		}
		// A table not associated is refused.
		_, err = c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT * FROM other", Output: &cleanroom.S3Output{Bucket: "out"}})
		if !errors.As(err, &ce) || ce.Reason != cleanroomtest.CodeRuleViolation || !strings.Contains(ce.Message, "unknown_table") {
			t.Errorf("unassociated table: %v", err)
		}
		// A query the rules allow but the engine cannot run fails with the
		// engine's message.
		_, err = c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT k, nosuchfn(v) AS x FROM t", Output: &cleanroom.S3Output{Bucket: "out"}})
		if !errors.As(err, &ce) || ce.Reason != cleanroomtest.CodeInvalidQuery || ce.Message != "no such function: nosuchfn" {
			t.Errorf("engine error: %v", err)
		}
	})
}

func TestRuleViolationsFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		x := newInsights(t, nil)
		ctx := t.Context()
		// The aggregation rule's table cannot be run through a template.
		_, err := x.cdpC.RunQuery(ctx, cleanroom.QueryInput{MembershipID: x.cdpM, TemplateARN: x.collabResult.Templates["by-segment"]})
		var ce *cleanroom.Error
		if !errors.As(err, &ce) || ce.Reason != cleanroomtest.CodeRuleViolation {
			t.Fatalf("template on aggregation table: %v", err)
		}
		// The publisher cannot query: StartQuery fails before anything runs.
		_, err = x.pubC.StartQuery(ctx, cleanroom.QueryInput{MembershipID: x.pubM, SQL: overlapSQL})
		if !errors.Is(err, cleanroom.ErrAccessDenied) {
			t.Errorf("publisher query: %v", err)
		}
	})
}

func TestTemplateQueryWithParameters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		x := newInsights(t, nil)
		ctx := t.Context()
		arn := x.collabResult.Templates["by-segment"]
		x.cdpT.Rule = cleanroom.Custom{AllowedAnalyses: x.collabResult.TemplateARNs("by-segment", "not-created")}
		if _, err := x.cdpC.Ensure(ctx, x.cdpT, func(o *cleanroom.Options) { o.AllowReplace = true }); err != nil {
			t.Fatal(err)
		}
		q, err := x.cdpC.RunQuery(ctx, cleanroom.QueryInput{MembershipID: x.cdpM, TemplateARN: arn, Parameters: map[string]string{"skip": "travel"}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for row, err := range cleanroom.ResultRows(ctx, x.cdp.S3(), q.ResultLocation) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprint(row.Values[0], " ", row.Values[1]))
		}
		slices.Sort(got)
		if d := cmp.Diff([]string{"news 2", "sports 3"}, got); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
		if !strings.HasPrefix(q.ResultLocation, "s3://cdp-results/insights/") {
			t.Errorf("default result configuration not used: %s", q.ResultLocation)
		}
	})
}

func TestWaitQueryBacksOffAndEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, m := world(t, func(o *cleanroomtest.CleanRoomsOptions) { o.QueryQueued, o.QueryRuns = time.Minute, 10*time.Minute })
		c := cleanroom.New(f)
		ctx := t.Context()
		q, err := c.StartQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT 1", Output: &cleanroom.S3Output{Bucket: "b"}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		before := f.Calls("GetProtectedQuery")
		q, err = c.WaitQuery(ctx, m, q.ID, func(o *cleanroom.Options) { o.PollInterval, o.MaxPollInterval = time.Second, 20*time.Second })
		if err != nil {
			t.Fatal(err)
		}
		elapsed, polls := time.Since(start), f.Calls("GetProtectedQuery")-before
		// 11 minutes at most 20 s (jittered 10–20 s) apart once capped: 33–80 polls.
		if elapsed < 11*time.Minute || elapsed > 11*time.Minute+20*time.Second || polls < 33 || polls > 80 {
			t.Errorf("waited %v with %d polls", elapsed, polls)
		}
		if q.Status != types.ProtectedQueryStatusSuccess {
			t.Errorf("status %s", q.Status)
		}

		// Cancelled: typed, matches cdpkit.ErrCanceled.
		q, _ = c.StartQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT 1", Output: &cleanroom.S3Output{Bucket: "b"}})
		if err := c.CancelQuery(ctx, m, q.ID); err != nil {
			t.Fatal(err)
		}
		_, err = c.WaitQuery(ctx, m, q.ID)
		if !errors.Is(err, cleanroom.ErrQueryCanceled) || !errors.Is(err, cdpkit.ErrCanceled) {
			t.Errorf("cancelled: %v", err)
		}
		if err := c.CancelQuery(ctx, m, q.ID); !errors.Is(err, cleanroom.ErrConflict) {
			t.Errorf("cancel an ended query: %v", err)
		}

		// The caller's deadline: ctx's error, the query keeps running.
		q, _ = c.StartQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT 1", Output: &cleanroom.S3Output{Bucket: "b"}})
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := c.WaitQuery(dctx, m, q.ID); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("deadline: %v", err)
		}
		var n int
		for s, err := range c.Queries(ctx, m, "") {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if n == 1 && s.ID != q.ID {
				t.Errorf("newest first: got %s", s.ID)
			}
		}
		if n != 3 {
			t.Errorf("%d queries listed", n)
		}
	})
}

func TestQueryErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		status types.ProtectedQueryStatus
		kind   error
		cat    error
	}{
		{types.ProtectedQueryStatusFailed, cleanroom.ErrQueryFailed, cdpkit.ErrFailed},
		{types.ProtectedQueryStatusCancelled, cleanroom.ErrQueryCanceled, cdpkit.ErrCanceled},
		{types.ProtectedQueryStatusTimedOut, cleanroom.ErrQueryTimedOut, cdpkit.ErrFailed},
	} {
		api := &scripted{CleanRooms: cleanroomtest.NewCleanRooms(), status: tc.status}
		_, err := cleanroom.New(api).WaitQuery(t.Context(), "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002")
		if !errors.Is(err, tc.kind) || !errors.Is(err, tc.cat) {
			t.Errorf("%s: %v", tc.status, err)
		}
	}
}

// scripted answers GetProtectedQuery with a fixed terminal status.
type scripted struct {
	*cleanroomtest.CleanRooms
	status types.ProtectedQueryStatus
}

func (s *scripted) GetProtectedQuery(_ context.Context, in *cleanrooms.GetProtectedQueryInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetProtectedQueryOutput, error) {
	return &cleanrooms.GetProtectedQueryOutput{ProtectedQuery: &types.ProtectedQuery{Id: in.ProtectedQueryIdentifier, MembershipId: in.MembershipIdentifier,
		Status: s.status, Error: &types.ProtectedQueryError{Code: aws.String("X"), Message: aws.String("m")}}}, nil
}

// lossy starts the query on the fake but loses the first response(s).
type lossy struct {
	*cleanroomtest.CleanRooms
	lose int
}

func (l *lossy) StartProtectedQuery(ctx context.Context, in *cleanrooms.StartProtectedQueryInput, optFns ...func(*cleanrooms.Options)) (*cleanrooms.StartProtectedQueryOutput, error) {
	out, err := l.CleanRooms.StartProtectedQuery(ctx, in, optFns...)
	if err == nil && l.lose > 0 {
		l.lose--
		return nil, &types.InternalServerException{Message: aws.String("connection reset")}
	}
	return out, err
}

func TestStartQueryAdoptsAfterLostResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, m := world(t)
		ctx := t.Context()
		api := &lossy{CleanRooms: f, lose: 1}
		c := cleanroom.New(api)
		in := cleanroom.QueryInput{MembershipID: m, SQL: "SELECT 1 AS one", Output: &cleanroom.S3Output{Bucket: "b"}}
		q, err := c.StartQuery(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if n := f.Calls("StartProtectedQuery"); n != 1 {
			t.Errorf("%d starts, want 1 (the lost one adopted)", n)
		}
		if q.ID == "" {
			t.Error("no query id")
		}
		// A different query in the window is not adopted.
		api.lose = 1
		in.SQL = "SELECT 2 AS two"
		q2, err := c.StartQuery(ctx, in)
		if err != nil || q2.ID == q.ID {
			t.Fatalf("q2 = %v, %v", q2, err)
		}
		if n := f.Calls("StartProtectedQuery"); n != 2 {
			t.Errorf("%d starts, want 2", n)
		}
		// Client errors are not retried.
		_, err = c.StartQuery(ctx, cleanroom.QueryInput{MembershipID: m, SQL: "SELECT 1", Output: &cleanroom.S3Output{Bucket: "b", Format: "XML"}})
		if !errors.Is(err, cleanroom.ErrInvalidInput) {
			t.Errorf("bad format: %v", err)
		}
	})
}

// TestMemberOutput: results for another member land in that member's
// default result location; the runner sees only the receivers.
func TestMemberOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.AccountID = cdpAccount })
		pub := f.As(pubAccount)
		spec := collabSpec()
		spec.Templates = nil
		spec.Members[0].Abilities = []types.MemberAbility{types.MemberAbilityCanReceiveResults}
		col, err := cleanroom.New(f).EnsureCollaboration(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cleanroom.New(pub).EnsureMembership(ctx, cleanroom.JoinSpec{Key: "pub", CollaborationID: col.CollaborationID,
			Membership: cleanroom.MembershipSpec{Results: &cleanroom.ResultConfiguration{Bucket: "pub-results", KeyPrefix: "from-cdp"}}}); err != nil {
			t.Fatal(err)
		}
		c := cleanroom.New(f)
		if _, err := c.Ensure(ctx, cleanroom.TableSpec{Key: "t", Table: cleanroom.Table{Name: "t", Database: "d", Table: "t", AllowedColumns: []string{"k"}},
			Rule:            cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{cdpAccount}},
			Association:     &cleanroom.Association{MembershipID: col.MembershipID, Name: "t", RoleARN: roleARN},
			AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{pubAccount}}}); err != nil {
			t.Fatal(err)
		}
		f.SetTableData("d", "t", cleanroomtest.TableData{Columns: []cleanroomtest.Column{{Name: "k", Type: "string"}}, Rows: [][]any{{"a"}, {"b"}}})
		q, err := c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: col.MembershipID, SQL: "SELECT k FROM t", MemberOutput: pubAccount})
		if err != nil {
			t.Fatal(err)
		}
		if q.ResultLocation != "" || len(q.Receivers) != 1 || q.Receivers[0] != pubAccount {
			t.Errorf("query %+v", q)
		}
		keys := f.S3().Keys("pub-results")
		if len(keys) != 1 || !strings.HasPrefix(keys[0], "from-cdp/"+q.ID+"/") {
			t.Errorf("receiver's bucket holds %v", keys)
		}
		// The association rule lets only the publisher receive results.
		_, err = c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: col.MembershipID, SQL: "SELECT k FROM t", Output: &cleanroom.S3Output{Bucket: "cdp-results"}})
		var ce *cleanroom.Error
		if !errors.As(err, &ce) || ce.Reason != cleanroomtest.CodeRuleViolation {
			t.Errorf("results to a member the rule does not list: %v", err)
		}
	})
}
