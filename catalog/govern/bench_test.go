package govern_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

// bigSpec is one product of n tables with grants per table: a mix of
// table, column, all-but-column and row-filter grants to 10 roles of a
// consumer account.
func bigSpec(n, grants int) govern.Spec {
	schema := &catalog.Schema{Columns: []catalog.Column{{Name: "id", Type: "string"}, {Name: "email", Type: "string"}, {Name: "amount", Type: "double"}, {Name: "region", Type: "string"}}}
	p := govern.Product{Name: "big", Database: "big", Tags: map[string]string{"domain": "sales"}}
	for i := range n {
		s := *schema
		s.Location = "s3://central-lake/big/t" + strconv.Itoa(i) + "/"
		name := "t" + strconv.Itoa(i)
		p.Tables = append(p.Tables, govern.Table{Name: name, Schema: &s})
		for r := range grants {
			g := govern.Grant{Principal: "arn:aws:iam::222222222222:role/r" + strconv.Itoa(r), Table: name, Permissions: []types.Permission{types.PermissionSelect}}
			switch r % 4 {
			case 1:
				g.Columns = []string{"id", "amount"}
			case 2:
				g.ExcludedColumns = []string{"email"}
			case 3:
				g.ExcludedColumns = []string{"email"}
				g.RowFilter = &govern.RowFilter{Name: "f" + strconv.Itoa(r), Expression: "region = 'r" + strconv.Itoa(r) + "'"}
			default:
				g.Permissions = []types.Permission{types.PermissionSelect, types.PermissionDescribe}
			}
			p.Grants = append(p.Grants, g)
		}
	}
	return govern.Spec{
		CatalogID: central,
		Settings:  govern.Settings{CrossAccountVersion: 3},
		Tags:      []govern.TagDef{{Key: "domain", Values: []string{"sales"}}},
		Products:  []govern.Product{p},
	}
}

// BenchmarkPlan1000x10 plans 1,000 tables with 10 grants each against the
// in-memory fake after they were applied (the target: < 1 s), and
// checks that re-applying makes zero writes.
func BenchmarkPlan1000x10(b *testing.B) {
	w := newWorld(b)
	g := govern.New(w.lf, w.glue, noWait)
	spec := bigSpec(1000, 10)
	start := time.Now()
	_, r := mustApply(b, g, spec)
	b.Logf("first apply: %d writes in %v", r.Writes, time.Since(start))
	var p *govern.Plan
	cpu := cpuSeconds()
	for b.Loop() {
		var err error
		if p, err = g.Plan(b.Context(), spec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
	if p.Changes() != 0 {
		b.Fatalf("%d changes after apply", p.Changes())
	}
	before := w.writes()
	if r, err := g.Apply(b.Context(), p); err != nil || r.Writes != 0 || w.writes() != before {
		b.Fatalf("re-apply: %d writes, %v", r.Writes, err)
	}
	b.ReportMetric(float64(len(p.Actions)), "actions")
}

// The benchmark's scale, as a test: skipped with -short.
func TestPlanAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 tables x 10 grants")
	}
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	spec := bigSpec(1000, 10)
	mustApply(t, g, spec)
	start := time.Now()
	p, err := g.Plan(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if p.Changes() != 0 {
		t.Fatalf("%d changes", p.Changes())
	}
	before := w.writes()
	if r, err := g.Apply(t.Context(), p); err != nil || r.Writes != 0 || w.writes() != before {
		t.Fatalf("re-apply wrote %d: %v", r.Writes, err)
	}
	t.Logf("plan of %d actions: %v", len(p.Actions), d)
}

// BenchmarkPlanPrune1000x10 plans the removal of a dropped product of
// 1,000 tables with 10 grants each (Prune and PruneData), then applies it
// once and checks that a rerun writes nothing.
func BenchmarkPlanPrune1000x10(b *testing.B) {
	w := newWorld(b)
	g := govern.New(w.lf, w.glue, noWait)
	spec := bigSpec(1000, 10)
	mustApply(b, g, spec)
	dropped := spec
	dropped.Products = nil
	opts := func(o *govern.Options) { o.Prune, o.PruneData = true, true }
	var p *govern.Plan
	cpu := cpuSeconds()
	for b.Loop() {
		var err error
		if p, err = g.Plan(b.Context(), dropped, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(p.Actions)), "actions")
	if len(p.Orphans) != 1 || p.Count(govern.Delete) < 1000*10 {
		b.Fatalf("%d orphans, %d deletions", len(p.Orphans), p.Count(govern.Delete))
	}
	start := time.Now()
	r, err := g.Apply(b.Context(), p)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("prune apply: %d writes in %v", r.Writes, time.Since(start))
	before := w.writes()
	if p, _ := mustApply(b, g, dropped, opts); p.Changes() != 0 || len(p.Orphans) != 0 || w.writes() != before {
		b.Fatalf("rerun after prune:\n%s", p)
	}
}

// BenchmarkPlanColumnTags1000x10 plans 1,000 tables with 10 grants each
// whose email columns are tagged, after they were applied: "search" reads
// the tables' LF-tags with SearchTablesByLFTags per tag key, "per-table"
// with one GetResourceLFTags per table (search denied), as before; the
// -wire modes go through a real SDK client on the loopback wire server.
func BenchmarkPlanColumnTags1000x10(b *testing.B) {
	for _, mode := range []string{"search", "per-table", "search-wire", "per-table-wire"} {
		b.Run(mode, func(b *testing.B) {
			w := newWorld(b)
			var lf govern.LakeFormationAPI = w.lf
			if strings.HasSuffix(mode, "-wire") {
				srv := catalogtest.NewLakeFormationServer(w.lf)
				b.Cleanup(srv.Close)
				lf = srv.Client()
			}
			g := govern.New(lf, w.glue, noWait)
			spec := columnSpec(1000, 10)
			mustApply(b, g, spec)
			if strings.HasPrefix(mode, "per-table") {
				w.lf.Inject(denySearch)
			}
			w.lf.ResetCalls()
			cpu := cpuSeconds()
			for b.Loop() {
				p, err := g.Plan(b.Context(), spec)
				if err != nil {
					b.Fatal(err)
				}
				if p.Changes() != 0 {
					b.Fatalf("%d changes", p.Changes())
				}
			}
			b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(w.lf.Count("GetResourceLFTags")+w.lf.Count("SearchTablesByLFTags"))/float64(b.N), "tag-reads/op")
		})
	}
}
