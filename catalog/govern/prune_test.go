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
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

var (
	prune     = func(o *govern.Options) { o.Prune = true }
	pruneData = func(o *govern.Options) { o.Prune, o.PruneData = true, true }
)

// withoutMarketing is centralSpec with the marketing product dropped.
func withoutMarketing() govern.Spec {
	s := centralSpec()
	s.Products = s.Products[:1]
	return s
}

func mustPlan(t *testing.T, g *govern.Governor, s govern.Spec, optFns ...func(*govern.Options)) *govern.Plan {
	t.Helper()
	p, err := g.Plan(t.Context(), s, optFns...)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func mustApplyPlan(t *testing.T, g *govern.Governor, p *govern.Plan) govern.Result {
	t.Helper()
	r, err := g.Apply(t.Context(), p)
	if err != nil {
		t.Fatalf("apply: %v\nplan:\n%s", err, p)
	}
	return r
}

func hasLine(p *govern.Plan, line string) bool {
	return slices.Contains(strings.Split(p.String(), "\n"), line)
}

// The resources a spec creates carry its mark.
func TestResourcesCarryTheMark(t *testing.T) {
	w := newWorld(t)
	s := centralSpec()
	s.Name = "central"
	mustApply(t, govern.New(w.lf, w.glue, noWait), s)
	db := w.glue.Database("marketing")
	if db.Parameters[govern.MarkOwner] != "central" || db.Parameters[govern.MarkProduct] != "campaigns" {
		t.Fatalf("database parameters %v", db.Parameters)
	}
	tb := w.glue.Table("marketing", "campaigns")
	if tb.Parameters[govern.MarkOwner] != "central" || tb.Parameters[govern.MarkProduct] != "campaigns" || tb.Parameters["classification"] != "parquet" {
		t.Fatalf("table parameters %v", tb.Parameters)
	}
	cons := govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() })
	mustApply(t, cons, consumerSpec())
	if m := w.consGlue.Database("shared").Parameters; m[govern.MarkOwner] != govern.DefaultSpecName || m[govern.MarkProduct] != "" {
		t.Fatalf("link database parameters %v", m)
	}
	if m := w.consGlue.Table("shared", "campaigns").Parameters; m[govern.MarkOwner] != govern.DefaultSpecName {
		t.Fatalf("link parameters %v", m)
	}
}

// A database of the product's name that is not the spec's is a conflict:
// nothing on it is planned and Apply refuses the plan. With Adopt it is
// marked (and its tables with it), and a rerun writes nothing.
func TestForeignDatabaseIsAConflictUntilAdopted(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	if _, err := w.glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("marketing"), Description: aws.String("someone else's"), Parameters: map[string]string{"team": "growth"}}}); err != nil {
		t.Fatal(err)
	}
	g := govern.New(w.lf, w.glue, noWait)
	p := mustPlan(t, g, centralSpec())
	if !hasLine(p, "conflict database marketing: exists and is not marked as any spec's: set Adopt on product campaigns to take it over, or choose another database") {
		t.Fatalf("plan:\n%s", p)
	}
	if strings.Contains(p.String(), "marketing.campaigns") || strings.Contains(p.String(), "emea_only") {
		t.Fatalf("planned actions on a database that is not the spec's:\n%s", p)
	}
	before := w.writes()
	_, err := g.Apply(ctx, p)
	var ge *govern.Error
	if !errors.Is(err, govern.ErrConflict) || !errors.Is(err, cdpkit.ErrConflict) || !errors.As(err, &ge) || ge.Resource != "database marketing" {
		t.Fatalf("apply: %v", err)
	}
	if w.writes() != before {
		t.Fatal("a plan with a conflict wrote")
	}

	// Marked by another spec: still a conflict, naming it.
	s := centralSpec()
	s.Name = "central"
	other := centralSpec()
	other.Name = "other"
	other.Products = other.Products[1:]
	other.Products[0].Adopt = true
	mustApply(t, g, other)
	p = mustPlan(t, g, s)
	if !hasLine(p, "conflict database marketing: exists and is marked as spec other's: set Adopt on product campaigns to take it over, or choose another database") {
		t.Fatalf("plan:\n%s", p)
	}

	s.Products[1].Adopt = true
	p, _ = mustApply(t, g, s)
	if !hasLine(p, "update database marketing: adopt (exists, marked as spec other's): mark as product campaigns") ||
		!strings.Contains(p.String(), "update table marketing.campaigns: adopt (exists, marked as spec other's)") {
		t.Fatalf("plan:\n%s", p)
	}
	d := w.glue.Database("marketing")
	if d.Parameters[govern.MarkOwner] != "central" || d.Parameters["team"] != "growth" || aws.ToString(d.Description) != "someone else's" {
		t.Fatalf("adopted database %+v", d)
	}
	if p, r := mustApply(t, g, s); p.Changes() != 0 || r.Writes != 0 {
		t.Fatalf("rerun after adopting:\n%s", p)
	}
	// The former owner now sees it as not its own: no orphan to prune.
	if p := mustPlan(t, g, govern.Spec{Name: "other", CatalogID: central}, prune); len(p.Orphans) != 0 || p.Changes() != 0 {
		t.Fatalf("the former owner's plan:\n%s", p)
	}
}

// A table the spec lists in its own database but that is not marked is a
// conflict too, unless the product adopts it.
func TestForeignTableIsAConflict(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	s := centralSpec()
	s.Products[1].Tables = nil
	s.Products[1].Grants = s.Products[1].Grants[:1]
	mustApply(t, g, s)
	if _, err := w.glue.CreateTable(t.Context(), &glue.CreateTableInput{DatabaseName: aws.String("marketing"), TableInput: &gluetypes.TableInput{Name: aws.String("campaigns"), StorageDescriptor: &gluetypes.StorageDescriptor{Location: aws.String("s3://elsewhere/")}}}); err != nil {
		t.Fatal(err)
	}
	p := mustPlan(t, g, centralSpec())
	if p.Count(govern.Conflict) != 1 || !hasLine(p, "conflict table marketing.campaigns: exists and is not marked as any spec's: set Adopt on product campaigns to take it over") {
		t.Fatalf("plan:\n%s", p)
	}
	if _, err := g.Apply(t.Context(), p); !errors.Is(err, govern.ErrConflict) {
		t.Fatalf("apply: %v", err)
	}
}

// Renaming a product re-marks its database and tables; nothing is
// orphaned.
func TestRenamedProductIsRemarked(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	s := centralSpec()
	s.Products[1].Name = "campaigns-v2"
	p, _ := mustApply(t, g, s, prune)
	if p.Changes() != 2 || len(p.Orphans) != 0 || !hasLine(p, "update database marketing: marked as product campaigns: mark as product campaigns-v2") ||
		!hasLine(p, "update table marketing.campaigns: mark as product campaigns-v2") {
		t.Fatalf("plan:\n%s", p)
	}
	if w.glue.Table("marketing", "campaigns").Parameters[govern.MarkProduct] != "campaigns-v2" {
		t.Fatal("table not re-marked")
	}
	if p, r := mustApply(t, g, s, prune); p.Changes() != 0 || r.Writes != 0 {
		t.Fatalf("rerun:\n%s", p)
	}
}

// A dropped product is listed as an orphan with what pruning would remove,
// and nothing is written; with Prune its grants, filters and tag
// assignments go (the consumer loses access) but tables and database stay;
// with PruneData those go too. A rerun after each step writes nothing.
func TestDroppedProductIsOrphanedThenPruned(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	cons := govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() })
	mustApply(t, cons, consumerSpec())
	if _, err := w.cons.Select(ctx, analyst, "shared", "campaigns", "clicks"); err != nil {
		t.Fatal(err)
	}

	// Default: reported, not removed.
	p := mustPlan(t, g, withoutMarketing())
	if p.Changes() != 0 || len(p.Orphans) != 1 {
		t.Fatalf("plan:\n%s", p)
	}
	o := p.Orphans[0]
	if o.Resource != "database marketing" || o.Product != "campaigns" {
		t.Fatalf("orphan %+v", o)
	}
	for _, line := range []string{
		"orphan database marketing (product campaigns): no longer in the spec",
		"  with Options.Prune: delete grant database marketing to " + analyst,
		"  with Options.Prune: delete grant filter emea_only on marketing.campaigns to " + analyst,
		"  with Options.Prune: delete filter emea_only on marketing.campaigns",
		"  with Options.Prune: delete lf-tags on database marketing",
		"  with Options.PruneData: delete table marketing.campaigns",
		"  with Options.PruneData: delete database marketing",
	} {
		if !hasLine(p, line) {
			t.Errorf("plan lacks %q:\n%s", line, p)
		}
	}
	before := w.writes()
	if r := mustApplyPlan(t, g, p); r.Writes != 0 || w.writes() != before {
		t.Fatalf("orphans without Prune wrote %d", r.Writes)
	}
	if _, err := w.cons.Select(ctx, analyst, "shared", "campaigns", "clicks"); err != nil {
		t.Fatalf("access removed without Prune: %v", err)
	}

	// Prune: access and tags go, metadata stays.
	p = mustPlan(t, g, withoutMarketing(), prune)
	if p.Count(govern.Delete) != 4 || !hasLine(p, "delete lf-tags on database marketing: product campaigns is no longer in the spec: remove domain") {
		t.Fatalf("plan:\n%s", p)
	}
	mustApplyPlan(t, g, p)
	if _, err := w.cons.Select(ctx, analyst, "shared", "campaigns", "clicks"); !isAccessDenied(err) {
		t.Fatalf("pruned access still reads: %v", err)
	}
	tags, err := w.lf.GetResourceLFTags(ctx, &lakeformation.GetResourceLFTagsInput{Resource: &lftypes.Resource{Database: &lftypes.DatabaseResource{Name: aws.String("marketing")}}})
	if err != nil || len(tags.LFTagOnDatabase) != 0 {
		t.Fatalf("tags after prune: %+v %v", tags, err)
	}
	if w.glue.Table("marketing", "campaigns") == nil || w.glue.Database("marketing") == nil {
		t.Fatal("Prune without PruneData deleted metadata")
	}
	before = w.writes()
	p, r := mustApply(t, g, withoutMarketing(), prune)
	if p.Changes() != 0 || r.Writes != 0 || w.writes() != before {
		t.Fatalf("rerun after prune:\n%s", p)
	}
	if len(p.Orphans) != 1 || len(p.Orphans[0].Removals) != 0 || len(p.Orphans[0].DataRemovals) != 2 {
		t.Fatalf("orphan after prune %+v", p.Orphans)
	}

	// PruneData: the table and the database go; the other product stays.
	p, _ = mustApply(t, g, withoutMarketing(), pruneData)
	if p.Count(govern.Delete) != 2 || !hasLine(p, "delete database marketing: product campaigns is no longer in the spec (PruneData)") {
		t.Fatalf("plan:\n%s", p)
	}
	if w.glue.Database("marketing") != nil || w.glue.Database("sales") == nil {
		t.Fatal("PruneData deleted the wrong databases")
	}
	before = w.writes()
	p, r = mustApply(t, g, withoutMarketing(), pruneData)
	if p.Changes() != 0 || r.Writes != 0 || len(p.Orphans) != 0 || w.writes() != before {
		t.Fatalf("rerun after PruneData:\n%s", p)
	}
	if _, err := w.cons.Select(ctx, analyst, "shared", "sales_orders", "amount"); err != nil {
		t.Fatalf("the kept product: %v", err)
	}
}

// Pruning never deletes what is not marked: a table someone else created in
// the dropped product's database keeps the database, and a database of
// the same spec's catalog without the mark is no orphan at all.
func TestPruneNeverDeletesUnmarked(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	for _, in := range []*glue.CreateTableInput{
		{DatabaseName: aws.String("marketing"), TableInput: &gluetypes.TableInput{Name: aws.String("theirs")}},
	} {
		if _, err := w.glue.CreateTable(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("scratch")}}); err != nil {
		t.Fatal(err)
	}
	// Their table has a grant and an LF-tag of a key the spec defines.
	theirs := &lftypes.Resource{Table: &lftypes.TableResource{DatabaseName: aws.String("marketing"), Name: aws.String("theirs")}}
	if out, err := w.lf.BatchGrantPermissions(ctx, &lakeformation.BatchGrantPermissionsInput{Entries: []lftypes.BatchPermissionsRequestEntry{{
		Id: aws.String("0"), Principal: &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(analyst)}, Resource: theirs, Permissions: describe,
	}}}); err != nil || len(out.Failures) > 0 {
		t.Fatalf("grant: %v", err)
	}
	if out, err := w.lf.AddLFTagsToResource(ctx, &lakeformation.AddLFTagsToResourceInput{Resource: theirs, LFTags: []lftypes.LFTagPair{{TagKey: aws.String("confidentiality"), TagValues: []string{"public"}}}}); err != nil || len(out.Failures) > 0 {
		t.Fatalf("tag: %v", err)
	}
	p, _ := mustApply(t, g, withoutMarketing(), pruneData)
	if len(p.Orphans) != 1 || !hasLine(p, "  kept: database marketing: 1 of its tables are not marked as the spec's") || strings.Contains(p.String(), "delete database") ||
		!hasLine(p, "  kept: 1 grants and filters on tables not marked as the spec's") || strings.Contains(p.String(), "marketing.theirs") {
		t.Fatalf("plan:\n%s", p)
	}
	perms, err := w.lf.ListPermissions(ctx, &lakeformation.ListPermissionsInput{Resource: theirs})
	if err != nil || len(perms.PrincipalResourcePermissions) == 0 {
		t.Fatalf("their grant was revoked: %v", err)
	}
	tags, err := w.lf.GetResourceLFTags(ctx, &lakeformation.GetResourceLFTagsInput{Resource: theirs})
	if err != nil || len(tags.LFTagsOnTable) == 0 {
		t.Fatalf("their tag was removed: %+v %v", tags, err)
	}
	if w.glue.Table("marketing", "theirs") == nil || w.glue.Database("marketing") == nil || w.glue.Database("scratch") == nil {
		t.Fatal("deleted what is not the spec's")
	}
	if w.glue.Table("marketing", "campaigns") != nil {
		t.Fatal("the spec's table was kept")
	}
	if p, r := mustApply(t, g, withoutMarketing(), pruneData); p.Changes() != 0 || r.Writes != 0 {
		t.Fatalf("rerun:\n%s", p)
	}
}

// A table whose mark is removed between plan and apply is not deleted.
func TestPruneRechecksTheMark(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	p := mustPlan(t, g, withoutMarketing(), pruneData)
	tb := w.glue.Table("marketing", "campaigns")
	delete(tb.Parameters, govern.MarkOwner)
	if _, err := w.glue.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("marketing"), TableInput: &gluetypes.TableInput{Name: tb.Name, StorageDescriptor: tb.StorageDescriptor, Parameters: tb.Parameters}}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Apply(ctx, p); !errors.Is(err, govern.ErrConflict) {
		t.Fatalf("apply: %v", err)
	}
	if w.glue.Table("marketing", "campaigns") == nil || w.glue.Database("marketing") == nil {
		t.Fatal("deleted a table that is no longer marked")
	}
}

// A product moved to another database leaves its old database orphaned.
func TestMovedProductOrphansItsOldDatabase(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	s := centralSpec()
	s.Products[1].Database = "marketing_v2"
	p := mustPlan(t, g, s)
	if !hasLine(p, "create database marketing_v2: product campaigns") || len(p.Orphans) != 1 || p.Orphans[0].Resource != "database marketing" {
		t.Fatalf("plan:\n%s", p)
	}
	p = mustPlan(t, g, s, pruneData)
	if !hasLine(p, "delete database marketing: product campaigns now uses database marketing_v2 (PruneData)") {
		t.Fatalf("plan:\n%s", p)
	}
}

// A resource link dropped from the consumer's spec is an orphan; Prune
// revokes its grants and deletes it. A link the spec did not create is
// never touched.
func TestDroppedLinkIsPruned(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	mustApply(t, govern.New(w.lf, w.glue, noWait), centralSpec())
	cons := govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() })
	mustApply(t, cons, consumerSpec())
	if _, err := w.consGlue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("shared"), TableInput: &gluetypes.TableInput{
		Name: aws.String("manual"), TargetTable: &gluetypes.TableIdentifier{CatalogId: aws.String(central), DatabaseName: aws.String("sales"), Name: aws.String("orders")},
	}}); err != nil {
		t.Fatal(err)
	}
	cs := consumerSpec()
	cs.Links = cs.Links[:1]
	p := mustPlan(t, cons, cs)
	if p.Changes() != 0 || len(p.Orphans) != 1 || !hasLine(p, "  with Options.Prune: delete resource link shared.campaigns") ||
		!hasLine(p, "  with Options.Prune: delete grant table shared.campaigns to "+analyst) {
		t.Fatalf("plan:\n%s", p)
	}
	p, _ = mustApply(t, cons, cs, prune)
	if p.Count(govern.Delete) != 2 {
		t.Fatalf("plan:\n%s", p)
	}
	if w.consGlue.Table("shared", "campaigns") != nil || w.consGlue.Table("shared", "manual") == nil || w.consGlue.Table("shared", "sales_orders") == nil {
		t.Fatal("pruned the wrong links")
	}
	if _, err := w.cons.Select(ctx, analyst, "shared", "sales_orders", "amount"); err != nil {
		t.Fatal(err)
	}
	if p, r := mustApply(t, cons, cs, prune); p.Changes() != 0 || r.Writes != 0 || len(p.Orphans) != 0 {
		t.Fatalf("rerun:\n%s", p)
	}
}

func TestPruneDataNeedsPrune(t *testing.T) {
	w := newWorld(t)
	_, err := govern.New(w.lf, w.glue, noWait).Plan(t.Context(), centralSpec(), func(o *govern.Options) { o.PruneData = true })
	var se *govern.SpecError
	if !errors.As(err, &se) || !errors.Is(err, govern.ErrInvalid) || se.Field != "Options.PruneData" {
		t.Fatalf("got %v", err)
	}
}

// A table dropped from a product that stays is an orphan too: its grants
// go as before (the product's database is the spec's), Prune removes its
// LF-tags, PruneData deletes it.
func TestDroppedTableIsOrphaned(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	s := centralSpec()
	s.Products[0].Tables = nil
	p := mustPlan(t, g, s)
	if p.Changes() != 0 || len(p.Orphans) != 1 || !hasLine(p, "orphan table sales.orders (product sales-orders): no longer in the spec") ||
		!hasLine(p, "  with Options.Prune: delete lf-tags on column sales.orders.customer_email") ||
		!hasLine(p, "  with Options.PruneData: delete table sales.orders") {
		t.Fatalf("plan:\n%s", p)
	}
	p, _ = mustApply(t, g, s, pruneData)
	if p.Count(govern.Delete) != 2 || w.glue.Table("sales", "orders") != nil || w.glue.Database("sales") == nil {
		t.Fatalf("plan:\n%s", p)
	}
	if p, r := mustApply(t, g, s, pruneData); p.Changes() != 0 || r.Writes != 0 || len(p.Orphans) != 0 {
		t.Fatalf("rerun:\n%s", p)
	}
}

// A link the spec kept in one of its products' databases is found there
// when dropped.
func TestDroppedLinkInProductDatabase(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	s := centralSpec()
	s.Links = []govern.Link{{Database: "sales", Name: "campaigns_link", Target: govern.TableRef{CatalogID: central, Database: "marketing", Table: "campaigns"}}}
	mustApply(t, g, s)
	if w.glue.Table("sales", "campaigns_link") == nil {
		t.Fatal("link not created")
	}
	s.Links = nil
	p, _ := mustApply(t, g, s, prune)
	if len(p.Orphans) != 1 || !hasLine(p, "delete resource link sales.campaigns_link: the link is no longer in the spec") {
		t.Fatalf("plan:\n%s", p)
	}
	if w.glue.Table("sales", "campaigns_link") != nil || w.glue.Table("sales", "orders") == nil {
		t.Fatal("pruned the wrong table")
	}
	if p, r := mustApply(t, g, s, prune); p.Changes() != 0 || r.Writes != 0 {
		t.Fatalf("rerun:\n%s", p)
	}
}

// A prune that fails half-way is resumed by planning again; a table that
// someone else creates in the database while the prune runs keeps the
// database (and nothing of theirs is deleted).
func TestPruneResumesAndRacesSafely(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	g := govern.New(w.lf, w.glue, noWait)
	mustApply(t, g, centralSpec())
	w.glue.Inject(catalogtest.FailTimes("DeleteTable", 1, &gluetypes.AccessDeniedException{Message: aws.String("denied")}))
	p := mustPlan(t, g, withoutMarketing(), pruneData)
	r, err := g.Apply(ctx, p)
	if !errors.Is(err, govern.ErrAccessDenied) || r.Applied == 0 {
		t.Fatalf("apply: %+v %v", r, err)
	}
	w.glue.ClearInjectors()
	p = mustPlan(t, g, withoutMarketing(), pruneData)
	if p.Changes() != 2 || !hasLine(p, "delete table marketing.campaigns: product campaigns is no longer in the spec (PruneData)") {
		t.Fatalf("resumed plan:\n%s", p)
	}
	// Someone adds a table just before the database would go.
	w.glue.Inject(catalogtest.Before("GetDatabase", 1, func(ctx context.Context) {
		if _, err := w.glue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("marketing"), TableInput: &gluetypes.TableInput{Name: aws.String("late")}}); err != nil {
			t.Error(err)
		}
	}))
	if _, err := g.Apply(ctx, p); !errors.Is(err, govern.ErrConflict) {
		t.Fatalf("apply: %v", err)
	}
	if w.glue.Table("marketing", "late") == nil || w.glue.Table("marketing", "campaigns") != nil {
		t.Fatal("wrong tables deleted")
	}
	w.glue.ClearInjectors()
	p, r = mustApply(t, g, withoutMarketing(), pruneData)
	if r.Writes != 0 || !hasLine(p, "  kept: database marketing: 1 of its tables are not marked as the spec's") {
		t.Fatalf("after the race:\n%s", p)
	}
}
