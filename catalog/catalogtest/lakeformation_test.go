package catalogtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ram"
	ramtypes "github.com/aws/aws-sdk-go-v2/service/ram/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

const (
	producerAcct = "111111111111"
	consumerAcct = "222222222222"
	otherAcct    = "333333333333"
	orgARN       = "arn:aws:organizations::999999999999:organization/o-abc123"
	consumerRole = "arn:aws:iam::222222222222:role/analyst"
)

// lfWorld is a producer with table sales.orders (id, email) at
// cross-account version 3, and a consumer account.
func lfWorld(t *testing.T, optFns ...func(*catalogtest.LakeFormationOptions)) (*catalogtest.LakeFormation, *catalogtest.LakeFormation) {
	t.Helper()
	ctx := t.Context()
	p := catalogtest.NewLakeFormation(append([]func(*catalogtest.LakeFormationOptions){func(o *catalogtest.LakeFormationOptions) { o.Account = producerAcct }}, optFns...)...)
	c := p.AddAccount(consumerAcct, nil)
	s := catalog.Schema{Columns: []catalog.Column{{Name: "id", Type: "string"}, {Name: "email", Type: "string"}}, Location: "s3://lake/orders/"}
	if _, err := p.Glue().CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("sales")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Glue().CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: s.TableInput("orders")}); err != nil {
		t.Fatal(err)
	}
	setVersion(t, p, "3")
	return p, c
}

func setVersion(t *testing.T, f *catalogtest.LakeFormation, v string) {
	t.Helper()
	out, err := f.GetDataLakeSettings(t.Context(), &lakeformation.GetDataLakeSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	out.DataLakeSettings.Parameters["CROSS_ACCOUNT_VERSION"] = v
	if _, err := f.PutDataLakeSettings(t.Context(), &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: out.DataLakeSettings}); err != nil {
		t.Fatal(err)
	}
}

func grant(ctx context.Context, f *catalogtest.LakeFormation, p string, r *types.Resource, ps, gs []types.Permission) error {
	_, err := f.GrantPermissions(ctx, &lakeformation.GrantPermissionsInput{Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(p)}, Resource: r, Permissions: ps, PermissionsWithGrantOption: gs})
	return err
}

func orders(catalogID string) *types.Resource {
	return &types.Resource{Table: &types.TableResource{CatalogId: aws.String(catalogID), DatabaseName: aws.String("sales"), Name: aws.String("orders")}}
}

func link(t *testing.T, c *catalogtest.LakeFormation, reader string) {
	t.Helper()
	ctx := t.Context()
	_, _ = c.Glue().CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("shared")}})
	if _, err := c.Glue().CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("shared"), TableInput: &gluetypes.TableInput{
		Name: aws.String("orders"), TargetTable: &gluetypes.TableIdentifier{CatalogId: aws.String(producerAcct), DatabaseName: aws.String("sales"), Name: aws.String("orders")},
	}}); err != nil {
		t.Fatal(err)
	}
	if reader != "" {
		if err := grant(ctx, c, reader, &types.Resource{Table: &types.TableResource{DatabaseName: aws.String("shared"), Name: aws.String("orders")}}, []types.Permission{types.PermissionDescribe}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func acceptAll(t *testing.T, c *catalogtest.LakeFormation) {
	t.Helper()
	out, err := c.RAM().GetResourceShareInvitations(t.Context(), &ram.GetResourceShareInvitationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range out.ResourceShareInvitations {
		if _, err := c.RAM().AcceptResourceShareInvitation(t.Context(), &ram.AcceptResourceShareInvitationInput{ResourceShareInvitationArn: inv.ResourceShareInvitationArn}); err != nil {
			t.Fatal(err)
		}
	}
}

// A role of another account reads only after the invitation is accepted,
// through a link it may describe; a role of the same account as a grant
// to the account reads nothing.
func TestCrossAccountReadNeedsAcceptanceAndLink(t *testing.T) {
	p, c := lfWorld(t)
	ctx := t.Context()
	if err := grant(ctx, p, consumerRole, orders(""), []types.Permission{types.PermissionSelect}, nil); err != nil {
		t.Fatal(err)
	}
	link(t, c, "")
	if _, err := c.Select(ctx, consumerRole, "shared", "orders", "id"); code(err) != "AccessDeniedException" {
		t.Fatalf("reads without DESCRIBE on the link: %v", err)
	}
	if err := grant(ctx, c, consumerRole, &types.Resource{Table: &types.TableResource{DatabaseName: aws.String("shared"), Name: aws.String("orders")}}, []types.Permission{types.PermissionDescribe}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(ctx, consumerRole, "shared", "orders", "id"); code(err) != "AccessDeniedException" {
		t.Fatalf("reads before accepting the share: %v", err)
	}
	acceptAll(t, c)
	if sel, err := c.Select(ctx, consumerRole, "shared", "orders"); err != nil || len(sel.Columns) != 2 {
		t.Fatalf("after acceptance: %+v %v", sel, err)
	}
	// An account grant gives the account's other roles nothing.
	if err := grant(ctx, p, consumerAcct, orders(""), []types.Permission{types.PermissionSelect}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(ctx, "arn:aws:iam::222222222222:role/other", "shared", "orders", "id"); code(err) != "AccessDeniedException" {
		t.Fatalf("account grant reaches a role: %v", err)
	}
}

func TestGrantToAnotherAccountsRoleNeedsVersion3(t *testing.T) {
	p, _ := lfWorld(t)
	setVersion(t, p, "2")
	err := grant(t.Context(), p, consumerRole, orders(""), []types.Permission{types.PermissionSelect}, nil)
	var iie *types.InvalidInputException
	if !errors.As(err, &iie) {
		t.Fatalf("got %v", err)
	}
	if err := grant(t.Context(), p, consumerAcct, orders(""), []types.Permission{types.PermissionSelect}, nil); err != nil {
		t.Fatalf("account grant at version 2: %v", err)
	}
}

// An organization grant sends no invitation; a member account's
// administrator re-grants to its role with the grant option, an account
// outside the organization cannot, and nobody re-shares to a third
// account.
func TestOrganizationGrantAndReGrant(t *testing.T) {
	p, c := lfWorld(t, func(o *catalogtest.LakeFormationOptions) {
		o.Organizations = map[string][]string{orgARN: {consumerAcct}}
	})
	o := p.AddAccount(otherAcct, nil)
	ctx := t.Context()
	sel := []types.Permission{types.PermissionSelect}
	if err := grant(ctx, p, orgARN, orders(""), sel, sel); err != nil {
		t.Fatal(err)
	}
	if out, _ := c.RAM().GetResourceShareInvitations(ctx, &ram.GetResourceShareInvitationsInput{}); len(out.ResourceShareInvitations) != 0 {
		t.Fatal("an organization grant sent an invitation")
	}
	if err := grant(ctx, c, consumerRole, orders(producerAcct), sel, nil); err != nil {
		t.Fatalf("member re-grant: %v", err)
	}
	link(t, c, consumerRole)
	if _, err := c.Select(ctx, consumerRole, "shared", "orders", "email"); err != nil {
		t.Fatalf("role after re-grant: %v", err)
	}
	if err := grant(ctx, o, "arn:aws:iam::333333333333:role/x", orders(producerAcct), sel, nil); code(err) != "AccessDeniedException" {
		t.Fatalf("outsider re-grant: %v", err)
	}
	if err := grant(ctx, c, "arn:aws:iam::333333333333:role/x", orders(producerAcct), sel, nil); code(err) != "InvalidInputException" {
		t.Fatalf("transitive re-share: %v", err)
	}
}

// Invitations expire after InvitationTTL on the fake's clock; accepting
// twice or late gives RAM's typed exceptions, over the wire too.
func TestInvitationExpiryAndAcceptanceErrors(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p, _ := lfWorld(t, func(o *catalogtest.LakeFormationOptions) { o.Now = func() time.Time { return now } })
	o := p.AddAccount(otherAcct, nil)
	ctx := t.Context()
	sel := []types.Permission{types.PermissionSelect}
	if err := grant(ctx, p, consumerRole, orders(""), sel, nil); err != nil {
		t.Fatal(err)
	}
	srv := catalogtest.NewLakeFormationServer(p)
	defer srv.Close()
	rc := srv.RAMClient(consumerAcct)
	invs, err := rc.GetResourceShareInvitations(ctx, &ram.GetResourceShareInvitationsInput{})
	if err != nil || len(invs.ResourceShareInvitations) != 1 {
		t.Fatalf("%v %v", invs, err)
	}
	arn := invs.ResourceShareInvitations[0].ResourceShareInvitationArn
	if _, err := rc.AcceptResourceShareInvitation(ctx, &ram.AcceptResourceShareInvitationInput{ResourceShareInvitationArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = rc.AcceptResourceShareInvitation(ctx, &ram.AcceptResourceShareInvitationInput{ResourceShareInvitationArn: arn})
	var already *ramtypes.ResourceShareInvitationAlreadyAcceptedException
	if !errors.As(err, &already) {
		t.Fatalf("second accept: %v", err)
	}
	// Another account's invitation is not the consumer's to accept.
	if err := grant(ctx, p, "arn:aws:iam::333333333333:role/x", orders(""), sel, nil); err != nil {
		t.Fatal(err)
	}
	oi, _ := o.RAM().GetResourceShareInvitations(ctx, &ram.GetResourceShareInvitationsInput{})
	_, err = rc.AcceptResourceShareInvitation(ctx, &ram.AcceptResourceShareInvitationInput{ResourceShareInvitationArn: oi.ResourceShareInvitations[0].ResourceShareInvitationArn})
	var notFound *ramtypes.ResourceShareInvitationArnNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("foreign invitation: %v", err)
	}
	now = now.Add(13 * time.Hour)
	oi, _ = o.RAM().GetResourceShareInvitations(ctx, &ram.GetResourceShareInvitationsInput{})
	if oi.ResourceShareInvitations[0].Status != ramtypes.ResourceShareInvitationStatusExpired {
		t.Fatalf("status after 13h: %v", oi.ResourceShareInvitations[0].Status)
	}
	_, err = srv.RAMClient(otherAcct).AcceptResourceShareInvitation(ctx, &ram.AcceptResourceShareInvitationInput{ResourceShareInvitationArn: oi.ResourceShareInvitations[0].ResourceShareInvitationArn})
	var expired *ramtypes.ResourceShareInvitationExpiredException
	if !errors.As(err, &expired) {
		t.Fatalf("late accept: %v", err)
	}
}

func TestSettingsRules(t *testing.T) {
	f := catalogtest.NewLakeFormation()
	ctx := t.Context()
	for name, s := range map[string]types.DataLakeSettings{
		"default permissions for a role": {CreateTableDefaultPermissions: []types.PrincipalPermissions{{Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String("arn:aws:iam::123456789012:role/x")}, Permissions: []types.Permission{types.PermissionAll}}}},
		"admin not a role":               {DataLakeAdmins: []types.DataLakePrincipal{{DataLakePrincipalIdentifier: aws.String("someone")}}},
		"version 9":                      {Parameters: map[string]string{"CROSS_ACCOUNT_VERSION": "9"}},
	} {
		if _, err := f.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: &s}); code(err) != "InvalidInputException" {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// A put replaces the whole structure.
	if _, err := f.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: &types.DataLakeSettings{}}); err != nil {
		t.Fatal(err)
	}
	out, _ := f.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
	if len(out.DataLakeSettings.CreateTableDefaultPermissions) != 0 || out.DataLakeSettings.Parameters["CROSS_ACCOUNT_VERSION"] != "" {
		t.Fatalf("fields survived a whole put: %+v", out.DataLakeSettings)
	}
}

func TestLakeFormationHonoursCancellation(t *testing.T) {
	f := catalogtest.NewLakeFormation()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.ListPermissions(ctx, &lakeformation.ListPermissionsInput{})
	var ce *smithy.CanceledError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
}

// Injected faults reach a client over the wire with the service's error
// shape; a non-API failure drops the connection.
func TestLakeFormationServerFaults(t *testing.T) {
	f := catalogtest.NewLakeFormation()
	f.Inject(catalogtest.FailTimes("GrantPermissions", 1, &types.ConcurrentModificationException{Message: aws.String("retry")}), catalogtest.FailTimes("GetLFTag", 1, nil))
	srv := catalogtest.NewLakeFormationServer(f)
	defer srv.Close()
	c := srv.Client()
	_, err := c.GrantPermissions(t.Context(), &lakeformation.GrantPermissionsInput{Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(consumerRole)}, Resource: orders(""), Permissions: []types.Permission{types.PermissionSelect}})
	var cme *types.ConcurrentModificationException
	if !errors.As(err, &cme) {
		t.Fatalf("got %v", err)
	}
	if _, err := c.GetLFTag(t.Context(), &lakeformation.GetLFTagInput{TagKey: aws.String("k")}); err == nil || code(err) != "" {
		t.Fatalf("dropped connection: %v", err)
	}
	if len(srv.Requests()) != 2 || srv.Requests()[0].Op != "GrantPermissions" {
		t.Fatalf("requests %v", srv.Requests())
	}
	// An access key naming no account of the world is refused.
	bad := srv.ConfigFor("999999999999")
	if _, err := lakeformation.NewFromConfig(bad).ListLFTags(t.Context(), &lakeformation.ListLFTagsInput{}); code(err) != "UnrecognizedClientException" {
		t.Fatalf("unknown account: %v", err)
	}
}
