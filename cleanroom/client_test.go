package cleanroom_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

var _ cleanroom.CleanRoomsAPI = (*cleanrooms.Client)(nil)

const (
	partner = "444455556666"
	roleARN = "arn:aws:iam::111122223333:role/cleanrooms-read-customers"
)

// world is a fake with a collaboration (creator: the fake's account, CAN_QUERY
// and CAN_RECEIVE_RESULTS; partner: CAN_QUERY only) and the creator's
// membership.
func world(t *testing.T, optFns ...func(*cleanroomtest.CleanRoomsOptions)) (*cleanroomtest.CleanRooms, string) {
	t.Helper()
	f := cleanroomtest.NewCleanRooms(optFns...)
	m, err := cleanroomtest.NewMembership(t.Context(), f, types.MemberSpecification{
		AccountId: aws.String(partner), DisplayName: aws.String("publisher"),
		MemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery}})
	if err != nil {
		t.Fatal(err)
	}
	return f, m
}

func spec(f *cleanroomtest.CleanRooms, membership string) cleanroom.TableSpec {
	return cleanroom.TableSpec{
		Key: "customers",
		Table: cleanroom.Table{
			Name: "Customers (hashed)", Database: "cdp_curated", Table: "customers",
			AllowedColumns: []string{"hashed_email", "segment"},
		},
		Rule: cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
			JoinColumns:       []string{"hashed_email"},
			DimensionColumns:  []string{"segment"},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
		},
		Association:     &cleanroom.Association{MembershipID: membership, Name: "customers", RoleARN: roleARN},
		AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{f.AccountID()}},
		GlueColumns:     []string{"hashed_email", "segment", "spend"},
	}
}

func changes(cs []cleanroom.Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.String())
	}
	return out
}

// backends runs fn against the fake directly and through the REST test
// server with a real SDK client; writes are counted by the fake in both.
func backends(t *testing.T, fn func(t *testing.T, f *cleanroomtest.CleanRooms, api cleanroom.CleanRoomsAPI, membership string), optFns ...func(*cleanroomtest.CleanRoomsOptions)) {
	t.Run("fake", func(t *testing.T) {
		f, m := world(t, optFns...)
		fn(t, f, f, m)
	})
	t.Run("sdk over server", func(t *testing.T) {
		f, m := world(t, optFns...)
		srv := cleanroomtest.NewCleanRoomsServer(f)
		defer srv.Close()
		c := cleanrooms.New(cleanrooms.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
			Credentials: staticCreds{}, HTTPClient: srv.Config().HTTPClient})
		fn(t, f, c, m)
	})
}

type staticCreds struct{}

func (staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "SECRETTEST", Source: "test"}, nil
}

func TestEnsureCreatesThenRerunMakesZeroWrites(t *testing.T) {
	backends(t, func(t *testing.T, f *cleanroomtest.CleanRooms, api cleanroom.CleanRoomsAPI, m string) {
		c := cleanroom.New(api)
		s := spec(f, m)
		base := f.Writes() // the collaboration and membership
		res, err := c.Ensure(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"create configured table", "create analysis rule", "create association", "create association analysis rule"}
		if diff := cmp.Diff(want, changes(res.Changes)); diff != "" {
			t.Errorf("first run changes (-want +got):\n%s", diff)
		}
		if got := f.Writes() - base; got != 4 {
			t.Errorf("first run writes = %d, want 4", got)
		}
		if res.ConfiguredTableID == "" || res.AssociationID == "" {
			t.Errorf("result lacks ids: table %t, association %t", res.ConfiguredTableID != "", res.AssociationID != "")
		}
		again, err := c.Ensure(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Changes) != 0 {
			t.Errorf("rerun changes = %v, want none", changes(again.Changes))
		}
		if got := f.Writes() - base - 4; got != 0 {
			t.Errorf("rerun made %d write calls, want 0", got)
		}
		if again.ConfiguredTableID != res.ConfiguredTableID || again.AssociationID != res.AssociationID {
			t.Error("rerun found different resources")
		}
	})
}

func TestEnsureUpdatesInPlace(t *testing.T) {
	backends(t, func(t *testing.T, f *cleanroomtest.CleanRooms, api cleanroom.CleanRoomsAPI, m string) {
		c := cleanroom.New(api)
		s := spec(f, m)
		if _, err := c.Ensure(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		before := f.Writes()
		s.Table.Name = "Customers v2"
		s.Table.Description = "hashed emails by segment"
		s.Table.AllowedColumns = append(s.Table.AllowedColumns, "spend")
		agg := s.Rule.(cleanroom.Aggregation)
		agg.OutputConstraints[0].Minimum = 150
		s.Rule = agg
		s.Association.RoleARN = roleARN + "-v2"
		s.AssociationRule.ResultReceivers = []string{}
		res, err := c.Ensure(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"update configured table (name, description, allowedColumns)",
			"update analysis rule (analysisRulePolicy)",
			"update association (roleArn)",
			"update association analysis rule (analysisRulePolicy)",
		}
		if diff := cmp.Diff(want, changes(res.Changes)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		if got := f.Writes() - before; got != 4 {
			t.Errorf("writes = %d, want 4", got)
		}
		got, err := f.GetConfiguredTableAnalysisRule(t.Context(), &cleanrooms.GetConfiguredTableAnalysisRuleInput{
			ConfiguredTableIdentifier: aws.String(res.ConfiguredTableID), AnalysisRuleType: "AGGREGATION"})
		if err != nil {
			t.Fatal(err)
		}
		min := got.AnalysisRule.Policy.(*types.ConfiguredTableAnalysisRulePolicyMemberV1).Value.(*types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation).Value.OutputConstraints[0].Minimum
		if aws.ToInt32(min) != 150 {
			t.Errorf("stored minimum = %d, want 150", aws.ToInt32(min))
		}
		before = f.Writes()
		if res, err := c.Ensure(t.Context(), s); err != nil || len(res.Changes) != 0 || f.Writes() != before {
			t.Errorf("rerun after update: err %v, changes %v, writes %d", err, res, f.Writes()-before)
		}
	})
}

func TestEnsureNeverReplacesSilently(t *testing.T) {
	f, m := world(t)
	c := cleanroom.New(f)
	s := spec(f, m)
	first, err := c.Ensure(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	before := f.Writes()
	s.Rule = cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"segment"}}
	s.Association.Name = "customers_v2"
	_, err = c.Ensure(t.Context(), s)
	if !errors.Is(err, cleanroom.ErrReplacementRequired) {
		t.Fatalf("err = %v, want ErrReplacementRequired", err)
	}
	var ce *cleanroom.Error
	if !errors.As(err, &ce) {
		t.Fatal("not a *cleanroom.Error")
	}
	want := []string{"replace analysis rule (analysisRuleType)", "replace association (name)"}
	if diff := cmp.Diff(want, changes(ce.Changes)); diff != "" {
		t.Errorf("replacements (-want +got):\n%s", diff)
	}
	if f.Writes() != before {
		t.Errorf("a refused replacement made %d writes", f.Writes()-before)
	}

	// Dry run reports the plan without writing.
	plan, err := c.Ensure(t.Context(), s, func(o *cleanroom.Options) { o.AllowReplace, o.DryRun = true, true })
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"replace analysis rule (analysisRuleType)", "replace association (name)", "create association analysis rule"}
	if diff := cmp.Diff(want, changes(plan.Changes)); diff != "" {
		t.Errorf("dry-run plan (-want +got):\n%s", diff)
	}
	if f.Writes() != before {
		t.Errorf("dry run made %d writes", f.Writes()-before)
	}

	res, err := c.Ensure(t.Context(), s, func(o *cleanroom.Options) { o.AllowReplace = true })
	if err != nil {
		t.Fatal(err)
	}
	if res.ConfiguredTableID != first.ConfiguredTableID {
		t.Error("the configured table itself was replaced")
	}
	if res.AssociationID == first.AssociationID {
		t.Error("association was not replaced")
	}
	tbl, err := f.GetConfiguredTable(t.Context(), &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String(res.ConfiguredTableID)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]types.ConfiguredTableAnalysisRuleType{"LIST"}, tbl.ConfiguredTable.AnalysisRuleTypes); diff != "" {
		t.Errorf("rule types after replace (-want +got):\n%s", diff)
	}
	_, err = f.GetConfiguredTableAssociation(t.Context(), &cleanrooms.GetConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(m), ConfiguredTableAssociationIdentifier: aws.String(first.AssociationID)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("old association still there: %v", err)
	}
	before = f.Writes()
	if res, err := c.Ensure(t.Context(), s); err != nil || len(res.Changes) != 0 || f.Writes() != before {
		t.Errorf("rerun after replace: err %v, writes %d", err, f.Writes()-before)
	}
}

func TestEnsureValidatesBeforeAnyCall(t *testing.T) {
	f, m := world(t)
	s := spec(f, m)
	s.Table.AllowedColumns = []string{"hashed_email", "Segment"}
	s.Rule = cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"hashed_email"}}
	s.Association.RoleARN = "arn:aws:iam::1:role/x"
	calls, members, writes := f.Calls("ListConfiguredTables"), f.Calls("GetMembership")+f.Calls("ListMembers"), f.Writes()
	_, err := cleanroom.New(f).Ensure(t.Context(), s)
	if !errors.Is(err, cleanroom.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	var ce *cleanroom.Error
	errors.As(err, &ce)
	want := []string{
		"error table.allowedColumns[1]: pattern",
		"warning table.allowedColumns[1]: column_not_in_schema (§2.7)",
		"error rule.analysisRulePolicy.v1.list.listColumns[0]: column_placement (L1)",
		"error association.roleArn: too_short",
	}
	if diff := cmp.Diff(want, strs(ce.Problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if f.Calls("ListConfiguredTables") != calls || f.Writes() != writes {
		t.Error("Ensure called the service with an invalid spec")
	}
	if f.Calls("GetMembership")+f.Calls("ListMembers") != members {
		t.Error("Ensure read the members (for the receivers check) before rejecting an invalid spec")
	}
}

func TestEnsureStrictAndReceivers(t *testing.T) {
	f, m := world(t)
	s := spec(f, m)
	s.AssociationRule.ResultReceivers = []string{partner, "999988887777"}
	c := cleanroom.New(f)
	res, err := c.Ensure(t.Context(), s, func(o *cleanroom.Options) { o.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"warning associationRule.analysisRulePolicy.v1.aggregation.allowedResultReceivers[0]: receiver_cannot_receive_results (§1.6)",
		"warning associationRule.analysisRulePolicy.v1.aggregation.allowedResultReceivers[1]: receiver_not_member (§1.6)",
	}
	if diff := cmp.Diff(want, strs(res.Warnings)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	_, err = c.Ensure(t.Context(), s, func(o *cleanroom.Options) { o.Strict = true })
	if !errors.Is(err, cleanroom.ErrInvalidInput) {
		t.Errorf("strict: err = %v, want ErrInvalidInput", err)
	}
}

func TestEnsureDoesNotAdoptUnmanagedAssociation(t *testing.T) {
	f, m := world(t)
	s := spec(f, m)
	tbl, err := f.CreateConfiguredTable(t.Context(), s.Table.CreateInput(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.CreateConfiguredTableAssociation(t.Context(), s.Association.CreateInput(*tbl.ConfiguredTable.Id, nil)); err != nil {
		t.Fatal(err)
	}
	_, err = cleanroom.New(f).Ensure(t.Context(), s)
	if !errors.Is(err, cleanroom.ErrAlreadyExists) || !errors.Is(err, cleanroom.ErrConflict) {
		t.Fatalf("err = %v, want ErrAlreadyExists (and ErrConflict)", err)
	}
}

func TestEnsureQuotaAndNotFound(t *testing.T) {
	f, m := world(t, func(o *cleanroomtest.CleanRoomsOptions) { o.MaxConfiguredTables = 1 })
	c := cleanroom.New(f)
	s := spec(f, m)
	s.Association, s.AssociationRule = nil, nil
	if _, err := c.Ensure(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	s.Key = "orders"
	_, err := c.Ensure(t.Context(), s)
	var ce *cleanroom.Error
	if !errors.Is(err, cleanroom.ErrQuota) || !errors.As(err, &ce) || ce.QuotaName != "Configured tables per account" || ce.QuotaValue != 1 {
		t.Fatalf("err = %v, want ErrQuota with the quota name and value", err)
	}
	var qe *types.ServiceQuotaExceededException
	if !errors.As(err, &qe) {
		t.Error("SDK cause not kept in the chain")
	}

	s = spec(f, "0a1b2c3d-0000-4000-8000-00000000abcd")
	_, err = c.Ensure(t.Context(), s)
	if !errors.Is(err, cleanroom.ErrNotFound) {
		t.Fatalf("unknown membership: err = %v, want ErrNotFound", err)
	}
}

func TestEnsureRetriesIAMSynchronizationDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, m := world(t)
		f.FailNext("CreateConfiguredTableAssociation", cleanroomtest.IAMDelay(), cleanroomtest.IAMDelay(), cleanroomtest.IAMDelay())
		start := time.Now()
		res, err := cleanroom.New(f).Ensure(t.Context(), spec(f, m))
		if err != nil {
			t.Fatal(err)
		}
		if res.AssociationID == "" {
			t.Error("no association")
		}
		if got := f.Calls("CreateConfiguredTableAssociation"); got != 4 {
			t.Errorf("create association calls = %d, want 4", got)
		}
		// Backoff 1s, 2s, 4s.
		if got := time.Since(start); got != 7*time.Second {
			t.Errorf("waited %v, want 7s", got)
		}
	})
}

func TestEnsureIAMRetriesExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, m := world(t)
		f.FailNext("CreateConfiguredTableAssociation", cleanroomtest.IAMDelay(), cleanroomtest.IAMDelay(), cleanroomtest.IAMDelay())
		start := time.Now()
		_, err := cleanroom.New(f, func(o *cleanroom.Options) {
			o.IAMRetries, o.IAMBackoff, o.IAMMaxBackoff = 2, 5*time.Second, 6*time.Second
		}).Ensure(t.Context(), spec(f, m))
		var ce *cleanroom.Error
		if !errors.Is(err, cleanroom.ErrInvalidInput) || !errors.As(err, &ce) || ce.Reason != "IAM_SYNCHRONIZATION_DELAY" || !cleanroom.IsRetryableIAMDelay(err) {
			t.Fatalf("err = %v, want invalid input with reason IAM_SYNCHRONIZATION_DELAY", err)
		}
		if got := time.Since(start); got != 11*time.Second { // 5s, then capped at 6s
			t.Errorf("waited %v, want 11s", got)
		}
	})
}

func TestEnsureCancelledDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, m := world(t)
		f.FailNext("CreateConfiguredTableAssociation", cleanroomtest.IAMDelay())
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(500*time.Millisecond, cancel)
		_, err := cleanroom.New(f).Ensure(ctx, spec(f, m))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

// statusErr is the SDK's error for an answer the model has no shape for.
func statusErr(code int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}},
		Err:      errors.New("unknown error"),
	}}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		kind   error
		reason string
		fields []cleanroom.Field
	}{
		{"validation", &types.ValidationException{Message: aws.String("bad"), Reason: "FIELD_VALIDATION_FAILED",
			FieldList: []types.ValidationExceptionField{{Name: aws.String("allowedColumns[0]"), Message: aws.String("pattern")}}},
			cleanroom.ErrInvalidInput, "FIELD_VALIDATION_FAILED", []cleanroom.Field{{Name: "allowedColumns[0]", Message: "pattern"}}},
		{"conflict", &types.ConflictException{Reason: "SUBRESOURCES_EXIST"}, cleanroom.ErrConflict, "SUBRESOURCES_EXIST", nil},
		{"already exists", &types.ConflictException{Reason: "ALREADY_EXISTS"}, cleanroom.ErrAlreadyExists, "ALREADY_EXISTS", nil},
		{"quota", &types.ServiceQuotaExceededException{QuotaName: aws.String("q"), QuotaValue: aws.Float64(5)}, cleanroom.ErrQuota, "", nil},
		{"not found", &types.ResourceNotFoundException{}, cleanroom.ErrNotFound, "", nil},
		{"access denied", &types.AccessDeniedException{Reason: "INSUFFICIENT_PERMISSIONS"}, cleanroom.ErrAccessDenied, "INSUFFICIENT_PERMISSIONS", nil},
		{"throttled", &types.ThrottlingException{}, cleanroom.ErrThrottled, "", nil},
		{"internal", &types.InternalServerException{}, cleanroom.ErrInternal, "", nil},
		// Answers the model does not define get a category by HTTP status.
		{"413 unmodelled", statusErr(413), cleanroom.ErrInvalidInput, "", nil},
		{"429 unmodelled", statusErr(429), cleanroom.ErrThrottled, "", nil},
		{"503 unmodelled", statusErr(503), cleanroom.ErrInternal, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := cleanroom.Classify("create configured table", "customers", tt.err)
			if !errors.Is(err, tt.kind) {
				t.Errorf("not %v: %v", tt.kind, err)
			}
			var ce *cleanroom.Error
			if !errors.As(err, &ce) {
				t.Fatal("not a *cleanroom.Error")
			}
			if ce.Reason != tt.reason || !cmp.Equal(ce.Fields, tt.fields) {
				t.Errorf("reason %q fields %v, want %q %v", ce.Reason, ce.Fields, tt.reason, tt.fields)
			}
			if !errors.Is(err, tt.err) {
				t.Error("SDK cause not in the chain")
			}
		})
	}
	if cleanroom.Classify("x", "", nil) != nil {
		t.Error("Classify(nil) != nil")
	}
}

func TestEnsureFindsAcrossPagesAndAfterRename(t *testing.T) {
	f, m := world(t)
	for i := range 150 {
		in := cleanroom.Table{Name: "other", Database: "cdp", Table: "t", AllowedColumns: []string{"a"}}.CreateInput(
			map[string]string{cleanroom.DefaultTagKey: "other-" + itoa(i)})
		if _, err := f.CreateConfiguredTable(t.Context(), in); err != nil {
			t.Fatal(err)
		}
	}
	c := cleanroom.New(f)
	s := spec(f, m)
	s.Table.Name = "other" // same name as 150 unrelated tables
	first, err := c.Ensure(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	s.Table.Name = "Customers renamed"
	res, err := c.Ensure(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if res.ConfiguredTableID != first.ConfiguredTableID {
		t.Fatal("a rename created a second table")
	}
	if diff := cmp.Diff([]string{"update configured table (name)"}, changes(res.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	before := f.Writes()
	if _, err := c.Ensure(t.Context(), s); err != nil || f.Writes() != before {
		t.Errorf("rerun: err %v, writes %d", err, f.Writes()-before)
	}
}

func TestEnsureReportsDuplicateManagedTables(t *testing.T) {
	f, m := world(t)
	s := spec(f, m)
	for range 2 {
		if _, err := f.CreateConfiguredTable(t.Context(), s.Table.CreateInput(map[string]string{cleanroom.DefaultTagKey: s.Key})); err != nil {
			t.Fatal(err)
		}
	}
	before := f.Writes()
	_, err := cleanroom.New(f).Ensure(t.Context(), s)
	var ce *cleanroom.Error
	if !errors.Is(err, cleanroom.ErrConflict) || !errors.As(err, &ce) || ce.Reason != "DUPLICATE_MANAGED_RESOURCES" {
		t.Fatalf("err = %v, want ErrConflict DUPLICATE_MANAGED_RESOURCES", err)
	}
	if f.Writes() != before {
		t.Error("wrote despite duplicates")
	}
	// Renamed in the spec since: the duplicates are found among the
	// differently named tables, and still reported, not one picked.
	s.Table.Name = "Customers renamed"
	_, err = cleanroom.New(f).Ensure(t.Context(), s)
	if !errors.Is(err, cleanroom.ErrConflict) || !errors.As(err, &ce) || ce.Reason != "DUPLICATE_MANAGED_RESOURCES" {
		t.Fatalf("after rename: err = %v, want ErrConflict DUPLICATE_MANAGED_RESOURCES", err)
	}
	if f.Writes() != before {
		t.Error("wrote despite duplicates")
	}
}

func TestEnsureAll(t *testing.T) {
	f, m := world(t)
	a := spec(f, m)
	b := spec(f, m)
	b.Key, b.Table.Name, b.Association.Name = "orders", "Orders", "orders"
	c := cleanroom.New(f)
	res, err := c.EnsureAll(t.Context(), cleanroom.Setup{Tables: []cleanroom.TableSpec{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables) != 2 || res.Tables[0].ConfiguredTableID == res.Tables[1].ConfiguredTableID {
		t.Fatalf("results: %d", len(res.Tables))
	}
	// Duplicate association names across tables: refused before any write.
	b.Association.Name = "customers"
	before := f.Writes()
	_, err = c.EnsureAll(t.Context(), cleanroom.Setup{Tables: []cleanroom.TableSpec{a, b}})
	if !errors.Is(err, cleanroom.ErrInvalidInput) || f.Writes() != before {
		t.Fatalf("err = %v, writes %d; want ErrInvalidInput and no writes", err, f.Writes()-before)
	}
}

func TestEnsureCancelledContext(t *testing.T) {
	f, m := world(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	before := f.Writes()
	_, err := cleanroom.New(f).Ensure(ctx, spec(f, m))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if f.Writes() != before {
		t.Error("wrote with a cancelled context")
	}
}

func TestEnsureConcurrentKeys(t *testing.T) {
	f, m := world(t)
	c := cleanroom.New(f)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			s := spec(f, m)
			s.Key, s.Table.Name, s.Association.Name = "t"+itoa(i), "Table "+itoa(i), "t"+itoa(i)
			_, err := c.Ensure(t.Context(), s)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	out, err := f.ListConfiguredTables(t.Context(), &cleanrooms.ListConfiguredTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConfiguredTableSummaries) != 8 {
		t.Errorf("%d tables, want 8", len(out.ConfiguredTableSummaries))
	}
}

func TestEnsureLogsOnlyWithLogger(t *testing.T) {
	f, m := world(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.FailNext("CreateConfiguredTableAssociation", cleanroomtest.IAMDelay())
	synctest.Test(t, func(t *testing.T) {
		if _, err := cleanroom.New(f, func(o *cleanroom.Options) { o.Logger = log }).Ensure(t.Context(), spec(f, m)); err != nil {
			t.Fatal(err)
		}
	})
	out := buf.String()
	for _, want := range []string{"create configured table", "create association analysis rule", "IAM synchronization delay", "key=customers"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(out, f.AccountID()) || strings.Contains(out, m) {
		t.Error("log contains account or membership ids")
	}
}

// TestEnsureFindsAcrossShortPages makes the fake return one item per page
// whatever maxResults says (the service may return a nextToken before
// maxResults is met), so every list Ensure reads (configured tables,
// associations, members) spans several pages, on both backends.
func TestEnsureFindsAcrossShortPages(t *testing.T) {
	backends(t, func(t *testing.T, f *cleanroomtest.CleanRooms, api cleanroom.CleanRoomsAPI, m string) {
		ctx := t.Context()
		s := spec(f, m)
		for i := range 3 {
			// Unrelated tables with the same display name, each associated.
			tbl, err := f.CreateConfiguredTable(ctx, s.Table.CreateInput(map[string]string{cleanroom.DefaultTagKey: "other-" + itoa(i)}))
			if err != nil {
				t.Fatal(err)
			}
			a := cleanroom.Association{MembershipID: m, Name: "other_" + itoa(i), RoleARN: roleARN}
			if _, err := f.CreateConfiguredTableAssociation(ctx, a.CreateInput(*tbl.ConfiguredTable.Id, map[string]string{cleanroom.DefaultTagKey: "other-" + itoa(i)})); err != nil {
				t.Fatal(err)
			}
		}
		// The partner is the second member, so on the second page: found,
		// it is a member that cannot receive results (not "not a member").
		s.AssociationRule.ResultReceivers = []string{partner}
		c := cleanroom.New(api)
		first, err := c.Ensure(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Changes) != 4 {
			t.Errorf("first run changes = %v, want 4 creates", changes(first.Changes))
		}
		wantWarn := []string{"warning associationRule.analysisRulePolicy.v1.aggregation.allowedResultReceivers[0]: receiver_cannot_receive_results (§1.6)"}
		if diff := cmp.Diff(wantWarn, strs(first.Warnings)); diff != "" {
			t.Errorf("warnings (-want +got):\n%s", diff)
		}
		lists := map[string]int{}
		for _, op := range []string{"ListConfiguredTables", "ListConfiguredTableAssociations", "ListMembers"} {
			lists[op] = f.Calls(op)
		}
		before := f.Writes()
		again, err := c.Ensure(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Changes) != 0 || f.Writes() != before {
			t.Errorf("rerun: changes %v, writes %d; want none", changes(again.Changes), f.Writes()-before)
		}
		if again.ConfiguredTableID != first.ConfiguredTableID || again.AssociationID != first.AssociationID {
			t.Error("rerun found different resources")
		}
		// 4 tables, 4 associations, 2 members, one per page.
		for op, want := range map[string]int{"ListConfiguredTables": 4, "ListConfiguredTableAssociations": 4, "ListMembers": 2} {
			if got := f.Calls(op) - lists[op]; got != want {
				t.Errorf("rerun: %d %s pages, want %d", got, op, want)
			}
		}
	}, func(o *cleanroomtest.CleanRoomsOptions) { o.PageSize = 1 })
}

// TestEnsureValidatesTagBeforeAnyCall: the key is sent as a tag value and
// Options.TagKey as a tag key; both are checked locally, so a spec the
// service would reject at the first create makes no call at all.
func TestEnsureValidatesTagBeforeAnyCall(t *testing.T) {
	f, m := world(t)
	tests := []struct {
		name string
		key  string
		opt  func(*cleanroom.Options)
		want []string
	}{
		{"key over 256", strings.Repeat("k", 257), func(*cleanroom.Options) {}, []string{"error key: too_long"}},
		{"tag key over 128", "customers", func(o *cleanroom.Options) { o.TagKey = strings.Repeat("t", 129) }, []string{"error options.tagKey: too_long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec(f, m)
			s.Key = tt.key
			calls, writes := f.Calls("ListConfiguredTables"), f.Writes()
			for _, run := range []func() error{
				func() error { _, err := cleanroom.New(f, tt.opt).Ensure(t.Context(), s); return err },
				func() error {
					_, err := cleanroom.New(f, tt.opt).EnsureAll(t.Context(), cleanroom.Setup{Tables: []cleanroom.TableSpec{s}})
					return err
				},
			} {
				err := run()
				var ce *cleanroom.Error
				if !errors.Is(err, cleanroom.ErrInvalidInput) || !errors.As(err, &ce) {
					t.Fatalf("err = %v, want ErrInvalidInput", err)
				}
				got := strs(ce.Problems.Errors())
				for i := range got { // EnsureAll paths start with the table index
					got[i] = strings.Replace(got[i], "tables[0].", "", 1)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("problems (-want +got):\n%s", diff)
				}
			}
			if f.Calls("ListConfiguredTables") != calls || f.Writes() != writes {
				t.Error("called the service")
			}
		})
	}
}

// TestStrictErrorNamesTheWarnings: with Strict, warnings alone fail Ensure;
// the error message must say which.
func TestStrictErrorNamesTheWarnings(t *testing.T) {
	f, m := world(t)
	s := spec(f, m)
	s.GlueColumns = []string{"hashed_email"}
	_, err := cleanroom.New(f, func(o *cleanroom.Options) { o.Strict = true }).Ensure(t.Context(), s)
	if !errors.Is(err, cleanroom.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	if want := "warning table.allowedColumns[1]: column_not_in_schema"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
}

// TestEnsureIgnoresListOrder: the lists of a rule policy are sets; a
// service that returns them in another order must not make every rerun
// write.
func TestEnsureIgnoresListOrder(t *testing.T) {
	f, m := world(t)
	s := spec(f, m)
	s.Rule = cleanroom.Aggregation{
		Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email", "segment"}}},
		JoinColumns:       []string{"hashed_email", "segment"},
		JoinOperators:     []types.JoinOperator{types.JoinOperatorOr, types.JoinOperatorAnd},
		ScalarFunctions:   []types.ScalarFunctions{types.ScalarFunctionsUpper, types.ScalarFunctionsLower},
		OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
	}
	s.AssociationRule.ResultReceivers = []string{f.AccountID(), partner}
	c := cleanroom.New(f)
	res, err := c.Ensure(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	// The service hands the lists back reordered.
	reordered := cleanroom.Aggregation{
		Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"segment", "hashed_email"}}},
		JoinColumns:       []string{"segment", "hashed_email"},
		JoinOperators:     []types.JoinOperator{types.JoinOperatorAnd, types.JoinOperatorOr},
		ScalarFunctions:   []types.ScalarFunctions{types.ScalarFunctionsLower, types.ScalarFunctionsUpper},
		OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
	}
	if _, err := f.UpdateConfiguredTableAnalysisRule(t.Context(), &cleanrooms.UpdateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: aws.String(res.ConfiguredTableID), AnalysisRuleType: reordered.Type(), AnalysisRulePolicy: reordered.Policy()}); err != nil {
		t.Fatal(err)
	}
	ar := cleanroom.AssociationRule{Type: "AGGREGATION", ResultReceivers: []string{partner, f.AccountID()}}
	if _, err := f.UpdateConfiguredTableAssociationAnalysisRule(t.Context(), &cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: aws.String(m), ConfiguredTableAssociationIdentifier: aws.String(res.AssociationID),
		AnalysisRuleType: ar.Type, AnalysisRulePolicy: ar.Policy()}); err != nil {
		t.Fatal(err)
	}
	before := f.Writes()
	again, err := c.Ensure(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changes) != 0 || f.Writes() != before {
		t.Errorf("rerun: changes %v, writes %d; want none", changes(again.Changes), f.Writes()-before)
	}
	// A real difference inside a list is still an update.
	s.AssociationRule.ResultReceivers = []string{f.AccountID()}
	if res, err := c.Ensure(t.Context(), s, func(o *cleanroom.Options) { o.DryRun = true }); err != nil ||
		!cmp.Equal([]string{"update association analysis rule (analysisRulePolicy)"}, changes(res.Changes)) {
		t.Errorf("removed receiver: err %v, changes %v", err, res)
	}
}

// a6Checker is the fake, checking after every write that the table's
// analysis rule names only allowed columns (A6), as the service very
// likely enforces.
type a6Checker struct {
	*cleanroomtest.CleanRooms
	t       *testing.T
	tableID string
}

func (a *a6Checker) check(op string) {
	a.t.Helper()
	ctx := a.t.Context()
	tbl, err := a.CleanRooms.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String(a.tableID)})
	if err != nil || len(tbl.ConfiguredTable.AnalysisRuleTypes) == 0 {
		return
	}
	r, err := a.CleanRooms.GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: aws.String(a.tableID), AnalysisRuleType: tbl.ConfiguredTable.AnalysisRuleTypes[0]})
	if err != nil {
		a.t.Fatal(err)
	}
	agg := r.AnalysisRule.Policy.(*types.ConfiguredTableAnalysisRulePolicyMemberV1).Value.(*types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation).Value
	for _, col := range append(slices.Clone(agg.JoinColumns), agg.DimensionColumns...) {
		if !slices.Contains(tbl.ConfiguredTable.AllowedColumns, col) {
			a.t.Errorf("after %s the rule names a column the table no longer allows", op)
		}
	}
}

func (a *a6Checker) UpdateConfiguredTable(ctx context.Context, in *cleanrooms.UpdateConfiguredTableInput, o ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableOutput, error) {
	out, err := a.CleanRooms.UpdateConfiguredTable(ctx, in, o...)
	a.check("UpdateConfiguredTable")
	return out, err
}

func (a *a6Checker) UpdateConfiguredTableAnalysisRule(ctx context.Context, in *cleanrooms.UpdateConfiguredTableAnalysisRuleInput, o ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableAnalysisRuleOutput, error) {
	out, err := a.CleanRooms.UpdateConfiguredTableAnalysisRule(ctx, in, o...)
	a.check("UpdateConfiguredTableAnalysisRule")
	return out, err
}

// TestEnsureSwapsAnAllowedColumnSafely replaces an allowed column that the
// rule uses by another: at no point may the rule name a column the table
// does not allow, so the removed column goes only after the rule changed.
func TestEnsureSwapsAnAllowedColumnSafely(t *testing.T) {
	f, m := world(t)
	s := spec(f, m)
	s.GlueColumns = nil
	res, err := cleanroom.New(f).Ensure(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	api := &a6Checker{CleanRooms: f, t: t, tableID: res.ConfiguredTableID}
	c := cleanroom.New(api)
	s.Table.AllowedColumns = []string{"hashed_email", "region"}
	agg := s.Rule.(cleanroom.Aggregation)
	agg.DimensionColumns = []string{"region"}
	s.Rule = agg
	before := f.Writes()
	res, err = c.Ensure(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"update configured table (allowedColumns)", "update analysis rule (analysisRulePolicy)"}, changes(res.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if got := f.Writes() - before; got != 3 { // widen, rule, narrow
		t.Errorf("writes = %d, want 3", got)
	}
	tbl, err := f.GetConfiguredTable(t.Context(), &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String(res.ConfiguredTableID)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"hashed_email", "region"}, tbl.ConfiguredTable.AllowedColumns); diff != "" {
		t.Errorf("final allowed columns (-want +got):\n%s", diff)
	}
	before = f.Writes()
	if res, err := c.Ensure(t.Context(), s); err != nil || len(res.Changes) != 0 || f.Writes() != before {
		t.Errorf("rerun: err %v, writes %d", err, f.Writes()-before)
	}
	// Dropping an allowed column the rule does not use is one write.
	s.Table.AllowedColumns = []string{"hashed_email", "region", "spend"}
	if _, err := c.Ensure(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	s.Table.AllowedColumns = []string{"hashed_email", "region"}
	before = f.Writes()
	if _, err := c.Ensure(t.Context(), s); err != nil || f.Writes()-before != 1 {
		t.Errorf("drop unused column: err %v, writes %d, want 1", err, f.Writes()-before)
	}
}
