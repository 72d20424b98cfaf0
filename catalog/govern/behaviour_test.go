package govern_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/ram"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

// A grant the spec no longer names is revoked, and the consumer loses the
// access it gave.
func TestDroppedGrantsAreRevoked(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	mustApply(t, govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() }), consumerSpec())
	if _, err := w.cons.Select(t.Context(), analyst, "shared", "campaigns", "clicks"); err != nil {
		t.Fatal(err)
	}
	s := centralSpec()
	s.Products[1].Grants = s.Products[1].Grants[:1]
	p, _ := mustApply(t, g, s)
	if p.Count(govern.Delete) != 2 || !strings.Contains(p.String(), "delete grant filter emea_only on marketing.campaigns to "+analyst) || !strings.Contains(p.String(), "delete filter emea_only") {
		t.Fatalf("plan:\n%s", p)
	}
	if _, err := w.cons.Select(t.Context(), analyst, "shared", "campaigns", "clicks"); !isAccessDenied(err) {
		t.Fatalf("revoked access still reads: %v", err)
	}
	// Administrators' and ignored principals' grants are never revoked.
	if p, _ := mustApply(t, g, s); p.Changes() != 0 {
		t.Fatalf("rerun after revoke:\n%s", p)
	}
}

// Granting to a role of another account needs cross-account version 3.
func TestCrossAccountRoleNeedsVersion3(t *testing.T) {
	w := newWorld(t)
	s := centralSpec()
	s.Settings.CrossAccountVersion = 0
	_, err := govern.New(w.lf, w.glue, noWait).Plan(t.Context(), s)
	var se *govern.SpecError
	if !errors.As(err, &se) || se.Field != "Settings.CrossAccountVersion" {
		t.Fatalf("got %v", err)
	}
}

// A grant to the consumer account (not its role) is warned about: the
// role can read nothing until the consumer's administrator grants again.
func TestAccountGrantWarnsAndRoleCannotRead(t *testing.T) {
	w := newWorld(t)
	s := centralSpec()
	s.TagGrants = nil
	s.Products[1].Grants = []govern.Grant{{Principal: consumer, Table: "campaigns", Permissions: selDesc, Grantable: selDesc}}
	g := govern.New(w.lf, w.glue, noWait)
	p, _ := mustApply(t, g, s)
	if !slices.ContainsFunc(p.Warnings, func(x govern.Warning) bool { return strings.Contains(x.Message, "gives its roles nothing") }) {
		t.Fatalf("no warning:\n%s", p)
	}
	cs := consumerSpec()
	cons := govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() })
	mustApply(t, cons, cs)
	if _, err := w.cons.Select(t.Context(), analyst, "shared", "campaigns", "clicks"); !isAccessDenied(err) {
		t.Fatalf("role reads through an account grant: %v", err)
	}
	// The consumer's administrator passes it on to the role.
	cs.Grants = []govern.Grant{{Principal: analyst, CatalogID: central, Database: "marketing", Table: "campaigns", ExcludedColumns: []string{"budget"}, Permissions: sel}}
	mustApply(t, cons, cs)
	if _, err := w.cons.Select(t.Context(), analyst, "shared", "campaigns", "clicks"); err != nil {
		t.Fatalf("after the re-grant: %v", err)
	}
	if _, err := w.cons.Select(t.Context(), analyst, "shared", "campaigns", "budget"); !isAccessDenied(err) {
		t.Fatalf("excluded column: %v", err)
	}
	if p, r := mustApply(t, cons, cs); p.Changes() != 0 || r.Writes != 0 {
		t.Fatalf("consumer rerun:\n%s", p)
	}
	// The consumer's view of its re-grant: the shared table's columns are
	// not in its catalog, so the access is "all but budget".
	a, err := cons.Effective(t.Context(), consumer, analyst)
	if err != nil {
		t.Fatal(err)
	}
	var shared *govern.TableAccess
	for i, ta := range a.Tables {
		if ta.CatalogID == central {
			shared = &a.Tables[i]
		}
	}
	if shared == nil || !shared.AllColumns || !slices.Equal(shared.ExcludedColumns, []string{"budget"}) || shared.Readable("budget") || !shared.Readable("clicks") {
		t.Fatalf("consumer's effective access %+v", a.Tables)
	}
}

// A registered location and a table meant for Clean Rooms are warned about.
func TestCleanRoomsOnRegisteredLocationWarns(t *testing.T) {
	w := newWorld(t)
	s := centralSpec()
	s.Products[0].Tables[0].CleanRooms = true
	p, err := govern.New(w.lf, w.glue, noWait).Plan(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(p.Warnings, func(x govern.Warning) bool {
		return x.Resource == "table sales.orders" && strings.Contains(x.Message, "Clean Rooms")
	}) {
		t.Fatalf("warnings %+v", p.Warnings)
	}
	outside := *s.Products[0].Tables[0].Schema
	outside.Location = "s3://clean-rooms-sources/orders/"
	s.Products[0].Tables[0].Schema = &outside
	if p, _ = govern.New(w.lf, w.glue, noWait).Plan(t.Context(), s); len(p.Warnings) != 0 {
		t.Fatalf("a table stored outside the registered location warned: %+v", p.Warnings)
	}
	s.Products[0].Tables[0].Schema = ordersSchema()
	s.Products[0].Location = ""
	if p, _ = govern.New(w.lf, w.glue, noWait).Plan(t.Context(), s); len(p.Warnings) != 0 {
		t.Fatalf("unregistered location warned: %+v", p.Warnings)
	}
}

// A resource link pointing elsewhere is replaced, and the plan says so; a
// table that is not a link is never deleted.
func TestLinkPointingElsewhereIsReplaced(t *testing.T) {
	w := newWorld(t)
	mustApply(t, govern.New(w.lf, w.glue, noWait), centralSpec())
	ctx := t.Context()
	if _, err := w.consGlue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("shared")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.consGlue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("shared"), TableInput: &gluetypes.TableInput{
		Name: aws.String("sales_orders"), TargetTable: &gluetypes.TableIdentifier{CatalogId: aws.String(central), DatabaseName: aws.String("marketing"), Name: aws.String("campaigns")},
	}}); err != nil {
		t.Fatal(err)
	}
	cons := govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() })
	// The link is not marked as the spec's: a conflict, not a silent
	// replacement, until the spec adopts it.
	p, err := cons.Plan(ctx, consumerSpec())
	if err != nil {
		t.Fatal(err)
	}
	if p.Count(govern.Conflict) != 1 || !strings.Contains(p.String(), "conflict resource link shared.sales_orders: points at another table") {
		t.Fatalf("plan:\n%s", p)
	}
	before := w.writes()
	if _, err := cons.Apply(ctx, p); !errors.Is(err, govern.ErrConflict) || w.writes() != before {
		t.Fatalf("apply of a plan with a conflict: %v, %d writes", err, w.writes()-before)
	}
	cs := consumerSpec()
	cs.Links[0].Adopt = true
	p, _ = mustApply(t, cons, cs)
	if p.Count(govern.Replace) != 1 || !strings.Contains(p.String(), "replace resource link shared.sales_orders: adopt") {
		t.Fatalf("plan:\n%s", p)
	}
	if tt := w.consGlue.Table("shared", "sales_orders"); aws.ToString(tt.TargetTable.Name) != "orders" {
		t.Fatal("link not replaced")
	}
	if _, err := w.consGlue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("shared"), TableInput: &gluetypes.TableInput{Name: aws.String("local")}}); err != nil {
		t.Fatal(err)
	}
	cs.Links[0].Name = "local"
	p, err = cons.Plan(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	if p.Count(govern.Conflict) != 1 || !strings.Contains(p.String(), "conflict resource link shared.local: a table of that name exists and is not a resource link") {
		t.Fatalf("a data table in the link's place:\n%s", p)
	}
	if _, err := cons.Apply(ctx, p); !errors.Is(err, govern.ErrConflict) {
		t.Fatalf("apply: %v", err)
	}
}

// pagedRAM forces one invitation per page.
type pagedRAM struct{ *catalogtest.RAM }

func (p pagedRAM) GetResourceShareInvitations(ctx context.Context, in *ram.GetResourceShareInvitationsInput, opts ...func(*ram.Options)) (*ram.GetResourceShareInvitationsOutput, error) {
	cp := *in
	cp.MaxResults = aws.Int32(1)
	return p.RAM.GetResourceShareInvitations(ctx, &cp, opts...)
}

// Invitations from several producers over several pages are all accepted.
func TestInvitationsArePaginated(t *testing.T) {
	w := newWorld(t)
	producers := []string{central, "333333333333", "444444444444"}
	for _, acct := range producers[1:] {
		w.lf.AddAccount(acct, nil)
	}
	for _, acct := range producers {
		f := w.lf.As(acct)
		s := govern.Spec{CatalogID: acct, Settings: govern.Settings{CrossAccountVersion: 3}, Products: []govern.Product{{
			Name: "p", Database: "p" + acct[:3], Tables: []govern.Table{{Name: "t", Schema: ordersSchema()}},
			Grants: []govern.Grant{{Principal: analyst, Table: "t", Permissions: sel}},
		}}}
		mustApply(t, govern.New(f, f.Glue(), noWait), s)
	}
	cons := govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = pagedRAM{w.cons.RAM()} })
	p, _ := mustApply(t, cons, govern.Spec{CatalogID: consumer, AcceptSharesFrom: producers})
	if p.Count(govern.Create) != 3 {
		t.Fatalf("plan:\n%s", p)
	}
	if p, _ := mustApply(t, cons, govern.Spec{CatalogID: consumer, AcceptSharesFrom: producers}); p.Changes() != 0 {
		t.Fatalf("rerun:\n%s", p)
	}
}

// The effective permissions agree with what the fake lets the role read,
// column by column, and name the grants.
func TestEffectiveMatchesWhatCanBeRead(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	mustApply(t, govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() }), consumerSpec())
	a, err := g.Effective(t.Context(), central, analyst)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Databases) != 2 || len(a.Tables) != 2 {
		t.Fatalf("access %+v", a)
	}
	links := map[string]string{"orders": "sales_orders", "campaigns": "campaigns"}
	for _, ta := range a.Tables {
		cols := w.glue.Table(ta.Database, ta.Table).StorageDescriptor.Columns
		for _, c := range cols {
			name := aws.ToString(c.Name)
			_, err := w.cons.Select(t.Context(), analyst, "shared", links[ta.Table], name)
			if ta.Readable(name) != (err == nil) {
				t.Errorf("%s.%s: effective says %v, select says %v", ta.Table, name, ta.Readable(name), err)
			}
		}
		if len(ta.Via) == 0 {
			t.Errorf("%s: no grant named", ta.Table)
		}
	}
	camp := a.Tables[0]
	if camp.Table != "campaigns" || !slices.Equal(camp.RowFilters, []string{"region = 'emea'"}) || camp.Via[0].Grant != "filter emea_only on marketing.campaigns" {
		t.Fatalf("campaigns %+v", camp)
	}
	if orders := a.Tables[1]; !slices.Equal(orders.Columns, []string{"amount", "country", "order_id"}) || orders.RowFilters != nil {
		t.Fatalf("orders %+v", orders)
	}
}

// A schema change is planned as an update and applied by the Registrar
// (new columns appended); a removed column is the Registrar's typed
// refusal, not a silent drop.
func TestSchemaChangesGoThroughTheRegistrar(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	s := centralSpec()
	s.Products[0].Tables[0].Schema.Columns = append(s.Products[0].Tables[0].Schema.Columns, catalog.Column{Name: "channel", Type: "string"})
	p, _ := mustApply(t, g, s)
	if p.Changes() != 1 || !strings.Contains(p.String(), "update table sales.orders: columns differ") {
		t.Fatalf("plan:\n%s", p)
	}
	if n := len(w.glue.Table("sales", "orders").StorageDescriptor.Columns); n != 5 {
		t.Fatalf("%d columns", n)
	}
	if p, r := mustApply(t, g, s); p.Changes() != 0 || r.Writes != 0 {
		t.Fatalf("rerun:\n%s", p)
	}
	s = centralSpec()
	s.Products[0].Tables[0].Schema.Columns = s.Products[0].Tables[0].Schema.Columns[:3]
	p, err := g.Plan(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Apply(t.Context(), p)
	if !errors.Is(err, catalog.ErrIncompatibleSchema) {
		t.Fatalf("dropping columns: %v", err)
	}
}
