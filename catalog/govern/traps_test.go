package govern_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

// failEntries wraps the fake so that the first `times` BatchGrantPermissions
// calls report the entries matching match as failed with code, while
// applying the others: the service's HTTP 200 partial failure.
type failEntries struct {
	*catalogtest.LakeFormation
	match func(types.BatchPermissionsRequestEntry) bool
	code  string
	msg   string
	times int
	calls int
}

func (f *failEntries) BatchGrantPermissions(ctx context.Context, in *lakeformation.BatchGrantPermissionsInput, opts ...func(*lakeformation.Options)) (*lakeformation.BatchGrantPermissionsOutput, error) {
	f.calls++
	if f.calls > f.times {
		return f.LakeFormation.BatchGrantPermissions(ctx, in, opts...)
	}
	var keep, failed []types.BatchPermissionsRequestEntry
	for _, e := range in.Entries {
		if f.match(e) {
			failed = append(failed, e)
		} else {
			keep = append(keep, e)
		}
	}
	out := &lakeformation.BatchGrantPermissionsOutput{}
	if len(keep) > 0 {
		cp := *in
		cp.Entries = keep
		var err error
		if out, err = f.LakeFormation.BatchGrantPermissions(ctx, &cp, opts...); err != nil {
			return nil, err
		}
	}
	for _, e := range failed {
		out.Failures = append(out.Failures, types.BatchPermissionsFailureEntry{RequestEntry: &e, Error: &types.ErrorDetail{ErrorCode: aws.String(f.code), ErrorMessage: aws.String(f.msg)}})
	}
	return out, nil
}

func isFilterGrant(e types.BatchPermissionsRequestEntry) bool {
	return e.Resource.DataCellsFilter != nil
}

// A batch grant answering 200 with a failed entry is an error naming the
// entry; the other entries were applied.
func TestBatchFailuresAreErrorsNamingTheEntry(t *testing.T) {
	w := newWorld(t)
	lf := &failEntries{LakeFormation: w.lf, match: isFilterGrant, code: "AccessDeniedException", msg: "Insufficient Lake Formation permission(s)", times: 1}
	g := govern.New(lf, w.glue, noWait)
	p, err := g.Plan(t.Context(), centralSpec())
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Apply(t.Context(), p)
	var be *govern.BatchError
	if !errors.As(err, &be) || !errors.Is(err, govern.ErrPartialFailure) || !errors.Is(err, cdpkit.ErrFailed) || !errors.Is(err, cdpkit.ErrAccessDenied) {
		t.Fatalf("got %v", err)
	}
	if len(be.Failures) != 1 || !strings.Contains(be.Failures[0].Entry, "filter emea_only on marketing.campaigns") || be.Failures[0].Code != "AccessDeniedException" {
		t.Fatalf("failures %+v", be.Failures)
	}
	// The rest of the batch was applied: the next plan only has that grant.
	p, err = g.Plan(t.Context(), centralSpec())
	if err != nil {
		t.Fatal(err)
	}
	if p.Changes() != 1 || p.Count(govern.Create) != 1 {
		t.Fatalf("after partial failure:\n%s", p)
	}
}

// Tag assignments answering 200 with Failures are errors too.
func TestTagAssignmentFailuresAreErrors(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	s := centralSpec()
	s.Products[1].Tables[0].Tags = map[string]string{"confidentiality": "public"}
	p, err := g.Plan(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	// Between plan and apply, another administrator deletes the value.
	if _, err := w.lf.UpdateLFTag(t.Context(), &lakeformation.UpdateLFTagInput{TagKey: aws.String("confidentiality"), TagValuesToDelete: []string{"public"}}); err == nil {
		t.Fatal("deleting an assigned value succeeded")
	}
	if _, err := w.lf.RemoveLFTagsFromResource(t.Context(), &lakeformation.RemoveLFTagsFromResourceInput{
		Resource: &types.Resource{Database: &types.DatabaseResource{Name: aws.String("sales")}},
		LFTags:   []types.LFTagPair{{TagKey: aws.String("confidentiality"), TagValues: []string{"public"}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lf.UpdateLFTag(t.Context(), &lakeformation.UpdateLFTagInput{TagKey: aws.String("confidentiality"), TagValuesToDelete: []string{"public"}}); err != nil {
		t.Fatal(err)
	}
	_, err = g.Apply(t.Context(), p)
	var be *govern.BatchError
	if !errors.As(err, &be) || !strings.Contains(be.Failures[0].Entry, "table marketing.campaigns confidentiality") {
		t.Fatalf("got %v", err)
	}
}

// Things created or revoked by someone else between plan and apply are
// done, not errors: an LF-tag (InvalidInputException "Tag key already
// exists", then extended), a location (AlreadyExistsException), a filter
// (AlreadyExistsException, then compared and updated), a revoked grant
// ("No permissions revoked").
func TestAlreadyDoneIsDone(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	ctx := t.Context()
	p, err := g.Plan(ctx, centralSpec())
	if err != nil {
		t.Fatal(err)
	}
	other := w.lf
	if _, err := other.CreateLFTag(ctx, &lakeformation.CreateLFTagInput{TagKey: aws.String("domain"), TagValues: []string{"sales"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.RegisterResource(ctx, &lakeformation.RegisterResourceInput{ResourceArn: aws.String("arn:aws:s3:::central-lake/sales"), UseServiceLinkedRole: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	// The filter is created meanwhile, with another row condition.
	w.lf.Inject(catalogtest.Before("CreateDataCellsFilter", 1, func(ctx context.Context) {
		if _, err := other.CreateDataCellsFilter(ctx, &lakeformation.CreateDataCellsFilterInput{TableData: &types.DataCellsFilter{
			TableCatalogId: aws.String(central), DatabaseName: aws.String("marketing"), TableName: aws.String("campaigns"), Name: aws.String("emea_only"),
			ColumnWildcard: &types.ColumnWildcard{}, RowFilter: &types.RowFilter{FilterExpression: aws.String("true")},
		}}); err != nil {
			t.Error(err)
		}
	}))
	if _, err := g.Apply(ctx, p); err != nil {
		t.Fatalf("apply: %v", err)
	}
	tag, err := w.lf.GetLFTag(ctx, &lakeformation.GetLFTagInput{TagKey: aws.String("domain")})
	if err != nil || !slices.Equal(tag.TagValues, []string{"marketing", "sales"}) {
		t.Fatalf("tag %v %v", tag, err)
	}
	f, err := w.lf.GetDataCellsFilter(ctx, &lakeformation.GetDataCellsFilterInput{TableCatalogId: aws.String(central), DatabaseName: aws.String("marketing"), TableName: aws.String("campaigns"), Name: aws.String("emea_only")})
	if err != nil || aws.ToString(f.DataCellsFilter.RowFilter.FilterExpression) != "region = 'emea'" {
		t.Fatalf("filter not updated to the spec: %v", err)
	}
	w.lf.ClearInjectors()

	// A grant the spec dropped is revoked by someone else before apply.
	s := centralSpec()
	s.TagGrants = nil
	p, err = g.Plan(ctx, s)
	if err != nil || p.Count(govern.Delete) != 1 {
		t.Fatalf("plan %v:\n%s", err, p)
	}
	if _, err := other.RevokePermissions(ctx, &lakeformation.RevokePermissionsInput{
		Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(analyst)},
		Resource: &types.Resource{LFTagPolicy: &types.LFTagPolicyResource{ResourceType: types.ResourceTypeTable, Expression: []types.LFTag{
			{TagKey: aws.String("domain"), TagValues: []string{"sales"}}, {TagKey: aws.String("confidentiality"), TagValues: []string{"public"}},
		}}},
		Permissions: selDesc,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Apply(ctx, p); err != nil {
		t.Fatalf("revoking a revoked grant: %v", err)
	}
}

// ConcurrentModificationException, a principal IAM has not propagated yet
// ("Invalid principal"), and entries failing with either inside a 200
// batch answer are retried with backoff.
func TestTransientFailuresAreRetriedWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.lf.Inject(
			catalogtest.FailTimes("PutDataLakeSettings", 2, &types.InvalidInputException{Message: aws.String("Invalid principal arn:aws:iam::111111111111:role/lf-admin")}),
			catalogtest.FailTimes("CreateLFTag", 1, &types.ConcurrentModificationException{Message: aws.String("Please retry in a short while")}),
		)
		lf := &failEntries{LakeFormation: w.lf, match: isFilterGrant, code: "ConcurrentModificationException", msg: "retry", times: 2}
		var waits []time.Duration
		g := govern.New(lf, w.glue, func(o *govern.Options) {
			o.Backoff = func(n int) time.Duration {
				d := time.Duration(n) * time.Second
				waits = append(waits, d)
				return d
			}
		})
		start := time.Now()
		mustApply(t, g, centralSpec())
		// settings: 1s + 2s; tag: 1s; batch entries: 1s + 2s.
		if got, want := time.Since(start), 7*time.Second; got != want {
			t.Fatalf("waited %v (%v), want %v", got, waits, want)
		}
		if n := w.lf.Count("PutDataLakeSettings"); n != 3 {
			t.Fatalf("PutDataLakeSettings calls: %d", n)
		}
		if _, err := w.cons.Select(t.Context(), analyst, "x", "y"); err == nil {
			t.Fatal("select on a missing table")
		}
	})
}

// Retries stop at MaxAttempts with the cause kept.
func TestRetriesAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.lf.Inject(catalogtest.FailTimes("CreateLFTag", 100, &types.ConcurrentModificationException{Message: aws.String("busy")}))
		g := govern.New(w.lf, w.glue, func(o *govern.Options) { o.MaxAttempts = 3 })
		p, err := g.Plan(t.Context(), centralSpec())
		if err != nil {
			t.Fatal(err)
		}
		_, err = g.Apply(t.Context(), p)
		var cme *types.ConcurrentModificationException
		if !errors.Is(err, govern.ErrConflict) || !errors.As(err, &cme) || w.lf.Count("CreateLFTag") != 3 {
			t.Fatalf("got %v after %d calls", err, w.lf.Count("CreateLFTag"))
		}
	})
}

// Settings are read, changed and written back whole: fields the spec does
// not mention, and an administrator added after the plan, survive.
func TestSettingsAreReadModifyWritten(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	cur, _ := w.lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
	s := *cur.DataLakeSettings
	s.ReadOnlyAdmins = []types.DataLakePrincipal{{DataLakePrincipalIdentifier: aws.String("arn:aws:iam::111111111111:role/auditor")}}
	s.TrustedResourceOwners = []string{"333333333333"}
	s.AllowExternalDataFiltering = aws.Bool(true)
	s.Parameters["TEAM"] = "governance"
	if _, err := w.lf.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: &s}); err != nil {
		t.Fatal(err)
	}
	g := govern.New(w.lf, w.glue, noWait)
	spec := centralSpec()
	spec.Settings.LakeFormationDefaults = true
	p, err := g.Plan(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	// Another administrator is added between plan and apply.
	s.DataLakeAdmins = append(s.DataLakeAdmins, types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String("arn:aws:iam::111111111111:role/other-admin")})
	if _, err := w.lf.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: &s}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, _ := w.lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
	gs := got.DataLakeSettings
	var admins []string
	for _, a := range gs.DataLakeAdmins {
		admins = append(admins, aws.ToString(a.DataLakePrincipalIdentifier))
	}
	slices.Sort(admins)
	if !slices.Equal(admins, []string{lfAdmin, "arn:aws:iam::111111111111:role/other-admin"}) ||
		len(gs.ReadOnlyAdmins) != 1 || !slices.Equal(gs.TrustedResourceOwners, []string{"333333333333"}) ||
		!aws.ToBool(gs.AllowExternalDataFiltering) || gs.Parameters["TEAM"] != "governance" || gs.Parameters["CROSS_ACCOUNT_VERSION"] != "3" ||
		len(gs.CreateTableDefaultPermissions) != 0 || len(gs.CreateDatabaseDefaultPermissions) != 0 {
		t.Fatalf("settings lost fields: %+v", gs)
	}
}

// The service lists SELECT on a table as SELECT on all its columns, next
// to the table's other permissions; LF-tag keys and values come back
// lower-cased. The plan reads them back as what was granted.
func TestReadBackIsNormalized(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	s := centralSpec()
	s.Tags[0] = govern.TagDef{Key: "Domain", Values: []string{"Sales", "Marketing"}}
	s.Products[0].Tags = map[string]string{"Domain": "Sales", "confidentiality": "public"}
	s.Products[1].Tags = map[string]string{"Domain": "Marketing"}
	s.TagGrants[0].Expression = map[string][]string{"Domain": {"Sales"}, "confidentiality": {"public"}}
	s.Products[0].Grants = append(s.Products[0].Grants,
		govern.Grant{Principal: analyst, Table: "orders", Permissions: selDesc},
		govern.Grant{Principal: "arn:aws:iam::111111111111:role/etl", Table: "orders", Permissions: []types.Permission{types.PermissionAll}},
	)
	mustApply(t, g, s)
	out, err := w.lf.ListPermissions(t.Context(), &lakeformation.ListPermissionsInput{Resource: &types.Resource{Table: &types.TableResource{DatabaseName: aws.String("sales"), Name: aws.String("orders")}}})
	if err != nil {
		t.Fatal(err)
	}
	split := false
	for _, e := range out.PrincipalResourcePermissions {
		split = split || e.Resource.TableWithColumns != nil
	}
	if !split {
		t.Fatal("the fake no longer lists SELECT on columns; this test needs that quirk")
	}
	p, err := g.Plan(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if p.Changes() != 0 {
		t.Fatalf("applied spec shows a diff:\n%s", p)
	}
}
