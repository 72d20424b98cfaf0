package cleanroomtest_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

type both interface {
	cleanroomtest.API
	CreateCollaboration(context.Context, *cleanrooms.CreateCollaborationInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateCollaborationOutput, error)
	CreateMembership(context.Context, *cleanrooms.CreateMembershipInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateMembershipOutput, error)
}

// each runs fn against the fake and against a real SDK client talking to
// the fake through the REST server: both must surface the same errors.
func each(t *testing.T, fn func(t *testing.T, f *cleanroomtest.CleanRooms, api both)) {
	t.Run("fake", func(t *testing.T) {
		f := cleanroomtest.NewCleanRooms()
		fn(t, f, f)
	})
	t.Run("server", func(t *testing.T) {
		f := cleanroomtest.NewCleanRooms()
		srv := cleanroomtest.NewCleanRoomsServer(f)
		defer srv.Close()
		fn(t, f, sdkClient(t, srv.URL()))
	})
}

func table(t *testing.T, api both) *types.ConfiguredTable {
	t.Helper()
	out, err := api.CreateConfiguredTable(t.Context(), cleanroom.Table{Name: "T", Database: "cdp", Table: "t", AllowedColumns: []string{"hashed_email", "segment"}}.CreateInput(nil))
	if err != nil {
		t.Fatal(err)
	}
	return out.ConfiguredTable
}

func TestValidationExceptionFieldList(t *testing.T) {
	each(t, func(t *testing.T, f *cleanroomtest.CleanRooms, api both) {
		tbl := table(t, api)
		r := cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: "COUNT_DISTINCT", Columns: []string{"hashed_email"}}},
			JoinColumns:       []string{"hashed_email"},
			DimensionColumns:  []string{"hashed_email"},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 1}},
		}
		_, err := api.CreateConfiguredTableAnalysisRule(t.Context(), &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
			ConfiguredTableIdentifier: tbl.Id, AnalysisRuleType: r.Type(), AnalysisRulePolicy: r.Policy()})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v, want ValidationException", err)
		}
		got := []string{}
		for _, fl := range ve.FieldList {
			got = append(got, aws.ToString(fl.Name)+" "+aws.ToString(fl.Message))
		}
		want := []string{
			"analysisRulePolicy.v1.aggregation.outputConstraints[0].minimum out_of_range",
			"analysisRulePolicy.v1.aggregation.dimensionColumns[0] column_placement",
		}
		if ve.Reason != types.ValidationExceptionReasonFieldValidationFailed {
			t.Errorf("reason %q", ve.Reason)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("fieldList (-want +got):\n%s", diff)
		}
		ce := cleanroom.Classify("create analysis rule", "", err)
		var e *cleanroom.Error
		if !errors.As(ce, &e) || len(e.Fields) != 2 || !errors.Is(ce, cleanroom.ErrInvalidInput) {
			t.Errorf("classified as %v", ce)
		}
	})
}

func TestConflictsNotFoundAccessDenied(t *testing.T) {
	each(t, func(t *testing.T, f *cleanroomtest.CleanRooms, api both) {
		ctx := t.Context()
		m, err := cleanroomtest.NewMembership(ctx, api)
		if err != nil {
			t.Fatal(err)
		}
		tbl := table(t, api)
		a, err := api.CreateConfiguredTableAssociation(ctx, cleanroom.Association{MembershipID: m, Name: "t",
			RoleARN: "arn:aws:iam::111122223333:role/cleanrooms-read"}.CreateInput(*tbl.Id, nil))
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.DeleteConfiguredTable(ctx, &cleanrooms.DeleteConfiguredTableInput{ConfiguredTableIdentifier: tbl.Id})
		var ce *types.ConflictException
		if !errors.As(err, &ce) || ce.Reason != types.ConflictExceptionReasonSubresourcesExist || ce.ResourceType != types.ResourceTypeConfiguredTable {
			t.Errorf("delete table with association: %v", err)
		}
		ar := cleanroom.AssociationRule{Type: "AGGREGATION"}
		in := &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{MembershipIdentifier: aws.String(m),
			ConfiguredTableAssociationIdentifier: a.ConfiguredTableAssociation.Id, AnalysisRuleType: ar.Type, AnalysisRulePolicy: ar.Policy()}
		if _, err := api.CreateConfiguredTableAssociationAnalysisRule(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := api.CreateConfiguredTableAssociationAnalysisRule(ctx, in); !errors.As(err, &ce) || ce.Reason != types.ConflictExceptionReasonAlreadyExists {
			t.Errorf("second association rule: %v", err)
		}
		_, err = api.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{
			MembershipIdentifier: aws.String(m), ConfiguredTableAssociationIdentifier: a.ConfiguredTableAssociation.Id})
		if !errors.As(err, &ce) || ce.Reason != types.ConflictExceptionReasonSubresourcesExist {
			t.Errorf("delete association with rule: %v", err)
		}
		_, err = api.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: aws.String("0a1b2c3d-0000-4000-8000-00000000abcd"), QueryLogStatus: "DISABLED"})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("membership of unknown collaboration: %v", err)
		}
		_, err = api.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String("NOT-A-UUID")})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("malformed id: %v", err)
		}
		_, err = api.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:cleanrooms:us-east-1:111122223333:configuredtable/nope")})
		if !errors.As(err, &nf) {
			t.Errorf("tags of unknown ARN: %v", err)
		}
	})
}

func TestQuotaAndInjectedFaults(t *testing.T) {
	each(t, func(t *testing.T, f *cleanroomtest.CleanRooms, api both) {
		f.FailNext("CreateConfiguredTable", cleanroomtest.IAMDelay(), &types.ThrottlingException{Message: aws.String("slow down")})
		_, err := api.CreateConfiguredTable(t.Context(), cleanroom.Table{Name: "T", Database: "d", Table: "t", AllowedColumns: []string{"a"}}.CreateInput(nil),
			func(o *cleanrooms.Options) { o.RetryMaxAttempts = 1 })
		if !cleanroom.IsRetryableIAMDelay(err) {
			t.Errorf("first injected fault: %v", err)
		}
		_, err = api.CreateConfiguredTable(t.Context(), cleanroom.Table{Name: "T", Database: "d", Table: "t", AllowedColumns: []string{"a"}}.CreateInput(nil),
			func(o *cleanrooms.Options) { o.RetryMaxAttempts = 1 })
		if !errors.Is(cleanroom.Classify("x", "", err), cleanroom.ErrThrottled) {
			t.Errorf("second injected fault: %v", err)
		}
		if got := f.Calls("CreateConfiguredTable"); got != 2 {
			t.Errorf("calls = %d", got)
		}
	})
	f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.MaxConfiguredTables = 1 })
	srv := cleanroomtest.NewCleanRoomsServer(f)
	defer srv.Close()
	api := sdkClient(t, srv.URL())
	in := cleanroom.Table{Name: "T", Database: "d", Table: "t", AllowedColumns: []string{"a"}}.CreateInput(nil)
	if _, err := api.CreateConfiguredTable(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	_, err := api.CreateConfiguredTable(t.Context(), in)
	var qe *types.ServiceQuotaExceededException
	if !errors.As(err, &qe) || aws.ToFloat64(qe.QuotaValue) != 1 {
		t.Errorf("quota: %v", err)
	}
}

func TestPaginationAndCancellation(t *testing.T) {
	each(t, func(t *testing.T, f *cleanroomtest.CleanRooms, api both) {
		for range 5 {
			table(t, api)
		}
		var ids []string
		var token *string
		pages := 0
		for {
			out, err := api.ListConfiguredTables(t.Context(), &cleanrooms.ListConfiguredTablesInput{MaxResults: aws.Int32(2), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, s := range out.ConfiguredTableSummaries {
				ids = append(ids, aws.ToString(s.Id))
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		if pages != 3 || len(ids) != 5 {
			t.Errorf("pages %d ids %d, want 3 and 5", pages, len(ids))
		}
		_, err := api.ListConfiguredTables(t.Context(), &cleanrooms.ListConfiguredTablesInput{MaxResults: aws.Int32(101)})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("maxResults 101: %v", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := api.ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{}); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	})
}

func TestCollaborationValidation(t *testing.T) {
	f := cleanroomtest.NewCleanRooms()
	_, err := f.CreateCollaboration(t.Context(), &cleanrooms.CreateCollaborationInput{
		Name: aws.String(" "), Description: aws.String("d"), CreatorDisplayName: aws.String("me"),
		CreatorMemberAbilities: []types.MemberAbility{}, QueryLogStatus: "DISABLED",
		Members: []types.MemberSpecification{{AccountId: aws.String("1"), DisplayName: aws.String("p"),
			MemberAbilities: []types.MemberAbility{"CAN_QUERY", "CAN_QUERY"}}},
	})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	got := []string{}
	for _, fl := range ve.FieldList {
		got = append(got, aws.ToString(fl.Name))
	}
	if diff := cmp.Diff([]string{"name", "members[0].accountId", "members[0].memberAbilities[1]"}, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

// TestPageSizeShortPages: with Options.PageSize the fake returns a
// nextToken before maxResults is met, as the service may.
func TestPageSizeShortPages(t *testing.T) {
	f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.PageSize = 2 })
	srv := cleanroomtest.NewCleanRoomsServer(f)
	defer srv.Close()
	api := sdkClient(t, srv.URL())
	for range 3 {
		table(t, api)
	}
	var sizes []int
	var token *string
	for {
		out, err := api.ListConfiguredTables(t.Context(), &cleanrooms.ListConfiguredTablesInput{MaxResults: aws.Int32(100), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.ConfiguredTableSummaries))
		if token = out.NextToken; token == nil {
			break
		}
	}
	if diff := cmp.Diff([]int{2, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
}

// TestServerErrorsEqualFakeErrors: for each error the fake returns, a real
// SDK client talking to the REST server surfaces the same exception type
// with the same members (message, reason, field list, resource, quota).
func TestServerErrorsEqualFakeErrors(t *testing.T) {
	type call func(ctx context.Context, api both) error
	missing := aws.String("0a1b2c3d-0000-4000-8000-00000000dead")
	calls := []struct {
		name string
		fn   call
	}{
		{"validation", func(ctx context.Context, api both) error {
			tbl := table(t, api)
			r := cleanroom.List{JoinColumns: []string{"a-b"}, ListColumns: []string{"a-b"}}
			_, err := api.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
				ConfiguredTableIdentifier: tbl.Id, AnalysisRuleType: r.Type(), AnalysisRulePolicy: r.Policy()})
			return err
		}},
		{"conflict", func(ctx context.Context, api both) error {
			tbl := table(t, api)
			r := cleanroom.Custom{}
			in := &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: tbl.Id, AnalysisRuleType: r.Type(), AnalysisRulePolicy: r.Policy()}
			if _, err := api.CreateConfiguredTableAnalysisRule(ctx, in); err != nil {
				return err
			}
			_, err := api.CreateConfiguredTableAnalysisRule(ctx, in)
			return err
		}},
		{"not found", func(ctx context.Context, api both) error {
			_, err := api.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: missing})
			return err
		}},
		{"access denied", func(ctx context.Context, api both) error {
			_, err := api.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: missing})
			return err
		}},
		{"quota", func(ctx context.Context, api both) error {
			table(t, api)
			_, err := api.CreateConfiguredTable(ctx, cleanroom.Table{Name: "T", Database: "cdp", Table: "t", AllowedColumns: []string{"a"}}.CreateInput(nil))
			return err
		}},
	}
	// exception extracts the SDK exception, whatever wraps it.
	exception := func(err error) any {
		var (
			ve *types.ValidationException
			ce *types.ConflictException
			nf *types.ResourceNotFoundException
			ad *types.AccessDeniedException
			qe *types.ServiceQuotaExceededException
		)
		switch {
		case errors.As(err, &ve):
			return ve
		case errors.As(err, &ce):
			return ce
		case errors.As(err, &nf):
			return nf
		case errors.As(err, &ad):
			return ad
		case errors.As(err, &qe):
			return qe
		}
		return err
	}
	opts := func(o *cleanroomtest.CleanRoomsOptions) { o.MaxConfiguredTables = 1 }
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			f := cleanroomtest.NewCleanRooms(opts)
			direct := exception(c.fn(t.Context(), f))
			srv := cleanroomtest.NewCleanRoomsServer(cleanroomtest.NewCleanRooms(opts))
			defer srv.Close()
			viaSDK := exception(c.fn(t.Context(), sdkClient(t, srv.URL())))
			if _, ok := direct.(error); !ok || direct == nil {
				t.Fatalf("fake returned %v, want an SDK exception", direct)
			}
			if diff := cmp.Diff(direct, viaSDK, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
				t.Errorf("fake (-) vs SDK over the server (+):\n%s", diff)
			}
		})
	}
}
