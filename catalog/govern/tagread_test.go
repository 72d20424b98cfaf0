package govern_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

// dump is the whole plan: every action (no-ops included) in order, then
// what String prints (orphans, kept, warnings).
func dump(p *govern.Plan) string {
	var b strings.Builder
	for _, a := range p.Actions {
		b.WriteString(string(a.Kind) + " " + a.Resource + ": " + a.Reason + "\n")
	}
	for _, o := range p.Orphans {
		for _, a := range append(o.Removals, o.DataRemovals...) {
			b.WriteString("orphan " + o.Resource + " " + string(a.Kind) + " " + a.Resource + ": " + a.Reason + "\n")
		}
	}
	return b.String() + "----\n" + p.String()
}

// denySearch makes SearchTablesByLFTags answer AccessDeniedException, so a
// plan reads every table with GetResourceLFTags (the behaviour before
// search).
func denySearch(ctx context.Context, c catalogtest.Call) error {
	if c.Op == "SearchTablesByLFTags" {
		return &types.AccessDeniedException{Message: aws.String("denied")}
	}
	return nil
}

// samePlans plans spec twice, with search and with search denied, and
// fails unless both plans are identical; it returns the plan and the
// GetResourceLFTags and SearchTablesByLFTags calls of each.
func samePlans(t *testing.T, w *world, g *govern.Governor, spec govern.Spec, optFns ...func(*govern.Options)) (p *govern.Plan, gets, searches, getsBefore int) {
	t.Helper()
	w.lf.ResetCalls()
	p, err := g.Plan(t.Context(), spec, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	gets, searches = w.lf.Count("GetResourceLFTags"), w.lf.Count("SearchTablesByLFTags")
	w.lf.ResetCalls()
	w.lf.Inject(denySearch)
	defer w.lf.ClearInjectors()
	before, err := g.Plan(t.Context(), spec, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	getsBefore = w.lf.Count("GetResourceLFTags")
	if a, b := dump(p), dump(before); a != b {
		t.Fatalf("plans differ\nwith search:\n%s\nper table:\n%s", a, b)
	}
	return p, gets, searches, getsBefore
}

func eventsSchema(i int) *catalog.Schema {
	return &catalog.Schema{
		Columns:  []catalog.Column{{Name: "id", Type: "string"}, {Name: "email", Type: "string"}, {Name: "amount", Type: "double"}, {Name: "region", Type: "string"}},
		Location: "s3://central-lake/events/t" + strconv.Itoa(i) + "/",
	}
}

// columnSpec is a product of n tables in an untagged database whose email
// columns are tagged pii, as PII tagging usually goes.
func columnSpec(n, grants int) govern.Spec {
	p := govern.Product{Name: "events", Database: "events"}
	for i := range n {
		name := "t" + strconv.Itoa(i)
		p.Tables = append(p.Tables, govern.Table{Name: name, Schema: eventsSchema(i), ColumnTags: map[string]map[string]string{"email": {"confidentiality": "pii"}}})
		for r := range grants {
			g := govern.Grant{Principal: "arn:aws:iam::222222222222:role/r" + strconv.Itoa(r), Table: name, Permissions: sel}
			if r%2 == 1 {
				g.ExcludedColumns = []string{"email"}
			}
			p.Grants = append(p.Grants, g)
		}
	}
	return govern.Spec{
		CatalogID: central,
		Settings:  govern.Settings{CrossAccountVersion: 3},
		Tags: []govern.TagDef{
			{Key: "confidentiality", Values: []string{"public", "pii"}},
			{Key: "domain", Values: []string{"sales", "events"}},
		},
		Products: []govern.Product{p},
	}
}

func assign(t *testing.T, w *world, r *types.Resource, k, v string) {
	t.Helper()
	out, err := w.lf.AddLFTagsToResource(t.Context(), &lakeformation.AddLFTagsToResourceInput{Resource: r, LFTags: []types.LFTagPair{{TagKey: aws.String(k), TagValues: []string{v}}}})
	if err != nil || len(out.Failures) > 0 {
		t.Fatalf("assign %s: %v %v", k, err, out)
	}
}

func tableR(db, name string) *types.Resource {
	return &types.Resource{Table: &types.TableResource{DatabaseName: aws.String(db), Name: aws.String(name)}}
}

func columnR(db, name, col string) *types.Resource {
	return &types.Resource{TableWithColumns: &types.TableWithColumnsResource{DatabaseName: aws.String(db), Name: aws.String(name), ColumnNames: []string{col}}}
}

// TestSearchPlansSameAsPerTable drifts a catalog in every way search can
// and cannot see (overrides, ties with the parent's value on keys the spec
// defines and on others, redundant direct assignments, column tags to
// remove, orphan tables, a dropped product) and checks each plan is the
// one GetResourceLFTags per table gives.
func TestSearchPlansSameAsPerTable(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	spec := columnSpec(8, 2)
	mustApply(t, g, spec)
	if _, err := w.lf.CreateLFTag(t.Context(), &lakeformation.CreateLFTagInput{TagKey: aws.String("owner"), TagValues: []string{"x", "y"}}); err != nil {
		t.Fatal(err)
	}
	// A key the spec does not define on the database: every table and
	// column inherits it (a tie that does not change the plan).
	assign(t, w, &types.Resource{Database: &types.DatabaseResource{Name: aws.String("events")}}, "owner", "x")
	assign(t, w, tableR("events", "t1"), "owner", "x")                          // redundant, unmanaged
	assign(t, w, tableR("events", "t2"), "owner", "y")                          // override, unmanaged
	assign(t, w, columnR("events", "t3", "amount"), "confidentiality", "pii")   // drift: to remove
	assign(t, w, tableR("events", "t4"), "domain", "sales")                     // managed on a table: its columns tie
	assign(t, w, columnR("events", "t4", "id"), "domain", "sales")              // redundant, managed
	assign(t, w, columnR("events", "t5", "email"), "confidentiality", "public") // drift: to set back
	assign(t, w, columnR("events", "t6", "region"), "owner", "x")               // redundant with the database's
	spec.Products[0].Tables[0].Tags = map[string]string{"domain": "events"}     // a table tag to add
	spec.Products[0].Tables[1].Tags = map[string]string{"domain": "events"}     // beside a redundant tag: an update
	spec.Products[0].Tables[7].ColumnTags = nil                                 // a column tag to remove

	p, gets, searches, before := samePlans(t, w, g, spec)
	if searches == 0 || gets >= before {
		t.Fatalf("search not used: %d searches, %d reads against %d", searches, gets, before)
	}
	for _, want := range []string{
		"create lf-tags on table events.t0: set domain=events",
		"update lf-tags on table events.t1: set domain=events",
		"lf-tags on column events.t3.amount: remove confidentiality",
		"lf-tags on table events.t4: remove domain",
		"lf-tags on column events.t4.id: remove domain",
		"lf-tags on column events.t5.email: set confidentiality=pii",
		"lf-tags on column events.t7.email: remove confidentiality",
	} {
		if !strings.Contains(p.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, p)
		}
	}

	// Dropped tables and a dropped product, with and without Prune.
	dropped := spec
	dropped.Products = []govern.Product{spec.Products[0]}
	dropped.Products[0].Tables = spec.Products[0].Tables[:3]
	samePlans(t, w, g, dropped)
	samePlans(t, w, g, dropped, func(o *govern.Options) { o.Prune = true })
	mustApply(t, g, centralSpec())
	none := spec
	none.Products = nil
	samePlans(t, w, g, none)
	if _, _, searches, _ := samePlans(t, w, g, none, func(o *govern.Options) { o.Prune = true }); searches == 0 {
		t.Fatal("pruning a dropped product made no search")
	}
	samePlans(t, w, g, none, func(o *govern.Options) { o.Prune, o.PruneData = true, true })
}

// TestSearchTaggedDatabaseReadsPerTable: a product database carrying a key
// the spec defines passes it to every table, which search cannot tell from
// a direct assignment: no search is made.
func TestSearchTaggedDatabaseReadsPerTable(t *testing.T) {
	if govern.ForceSearch() {
		t.Skip("CDPKIT_GOVERN_FORCE_SEARCH=1 searches regardless")
	}
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	spec := bigSpec(20, 1)
	mustApply(t, g, spec)
	assign(t, w, tableR("big", "t3"), "domain", "sales") // redundant: plans "remove domain"
	p, gets, searches, before := samePlans(t, w, g, spec)
	if searches != 0 || gets != before || gets != 21 {
		t.Fatalf("%d searches, %d reads (%d before)", searches, gets, before)
	}
	if !strings.Contains(p.String(), "lf-tags on table big.t3: remove domain") {
		t.Fatalf("plan:\n%s", p)
	}
}

// TestSearchCallsAtScale: 1,000 tables x 10 grants with PII columns
// tagged; a rerun reads tags in O(tag keys + pages) calls, not one per
// table.
func TestSearchCallsAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 tables x 10 grants")
	}
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	spec := columnSpec(1000, 10)
	mustApply(t, g, spec)
	p, gets, searches, before := samePlans(t, w, g, spec)
	if p.Changes() != 0 {
		t.Fatalf("%d changes", p.Changes())
	}
	// One database read; one search per key (2) of 10 pages of 100 for
	// confidentiality, one page for domain.
	if gets != 1 || searches != 11 || before != 1001 {
		t.Fatalf("tag reads: %d GetResourceLFTags + %d searches, before %d", gets, searches, before)
	}
	t.Logf("tag-read calls: %d before, %d after (%d GetResourceLFTags, %d SearchTablesByLFTags)", before, gets+searches, gets, searches)
}

// TestSearchOverTheWire: the same reading through a real
// *lakeformation.Client on the wire server (the TaggedTable shapes, paging
// tokens and the AccessDeniedException fallback over HTTP).
func TestSearchOverTheWire(t *testing.T) {
	w := newWorld(t)
	srv := catalogtest.NewLakeFormationServer(w.lf)
	t.Cleanup(srv.Close)
	g := govern.New(srv.Client(), w.glue, noWait)
	spec := columnSpec(120, 1)
	mustApply(t, g, spec)
	assign(t, w, columnR("events", "t7", "amount"), "confidentiality", "pii")
	assign(t, w, tableR("events", "t9"), "domain", "sales")
	p, gets, searches, before := samePlans(t, w, g, spec)
	// 2 pages for confidentiality, 1 for domain; t9's columns tie with
	// its table on a key the spec defines: read alone.
	if searches != 3 || gets != 2 || before != 121 {
		t.Fatalf("%d searches, %d reads (%d before)", searches, gets, before)
	}
	if !strings.Contains(p.String(), "lf-tags on column events.t7.amount: remove confidentiality") || !strings.Contains(p.String(), "lf-tags on table events.t9: remove domain") {
		t.Fatalf("plan:\n%s", p)
	}
}

// emptyPages answers each search first with an empty page that carries a
// token, as the service may.
type emptyPages struct {
	*catalogtest.LakeFormation
}

func (e emptyPages) SearchTablesByLFTags(ctx context.Context, in *lakeformation.SearchTablesByLFTagsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.SearchTablesByLFTagsOutput, error) {
	if in.NextToken == nil {
		return &lakeformation.SearchTablesByLFTagsOutput{NextToken: aws.String("empty-first")}, nil
	}
	if *in.NextToken == "empty-first" {
		cp := *in
		cp.NextToken = nil
		in = &cp
	}
	return e.LakeFormation.SearchTablesByLFTags(ctx, in, optFns...)
}

func TestSearchFollowsTokensOfEmptyPages(t *testing.T) {
	w := newWorld(t)
	spec := columnSpec(30, 1)
	mustApply(t, govern.New(w.lf, w.glue, noWait), spec)
	assign(t, w, columnR("events", "t7", "amount"), "confidentiality", "pii")
	p, _, searches, _ := samePlans(t, w, govern.New(emptyPages{w.lf}, w.glue, noWait), spec)
	if searches == 0 || !strings.Contains(p.String(), "lf-tags on column events.t7.amount: remove confidentiality") {
		t.Fatalf("%d searches; plan:\n%s", searches, p)
	}
}

// TestSearchIndexServesSmallProducts: once a plan has searched, a product
// with fewer tables than searches reads from the same results.
func TestSearchIndexServesSmallProducts(t *testing.T) {
	if govern.ForceSearch() {
		t.Skip("CDPKIT_GOVERN_FORCE_SEARCH=1 searches regardless")
	}
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	spec := columnSpec(10, 1)
	s := eventsSchema(99)
	s.Location = "s3://central-lake/small/"
	spec.Products = append(spec.Products, govern.Product{Name: "small", Database: "small", Tables: []govern.Table{{Name: "one", Schema: s, ColumnTags: map[string]map[string]string{"id": {"confidentiality": "public"}}}}})
	mustApply(t, g, spec)
	assign(t, w, columnR("small", "one", "region"), "confidentiality", "pii")
	p, gets, searches, before := samePlans(t, w, g, spec)
	if gets != 2 || searches != 2 || before != 13 {
		t.Fatalf("%d reads and %d searches (%d before)", gets, searches, before)
	}
	if !strings.Contains(p.String(), "lf-tags on column small.one.region: remove confidentiality") {
		t.Fatalf("plan:\n%s", p)
	}
}
