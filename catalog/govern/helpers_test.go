package govern_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

const (
	central  = "111111111111"
	consumer = "222222222222"
	analyst  = "arn:aws:iam::222222222222:role/analyst"
	lfAdmin  = "arn:aws:iam::111111111111:role/lf-admin"
)

var noWait = func(o *govern.Options) { o.Backoff = func(int) time.Duration { return 0 } }

// world is a central governance account and a consumer account in one
// Lake Formation fake, each with its own Glue catalog.
type world struct {
	lf       *catalogtest.LakeFormation // central
	cons     *catalogtest.LakeFormation // consumer
	glue     *catalogtest.Glue
	consGlue *catalogtest.Glue
}

func newWorld(t testing.TB) *world {
	t.Helper()
	g := catalogtest.NewGlue()
	lf := catalogtest.NewLakeFormation(func(o *catalogtest.LakeFormationOptions) {
		o.Account = central
		o.Glue = g
	})
	cg := catalogtest.NewGlue()
	return &world{lf: lf, cons: lf.AddAccount(consumer, cg), glue: g, consGlue: cg}
}

func (w *world) writes() int {
	return w.lf.Writes() + w.glue.Writes() + w.consGlue.Writes()
}

func ordersSchema() *catalog.Schema {
	return &catalog.Schema{
		Columns: []catalog.Column{
			{Name: "order_id", Type: "string"}, {Name: "customer_email", Type: "string"},
			{Name: "amount", Type: "decimal(12,2)"}, {Name: "country", Type: "string"},
		},
		Location: "s3://central-lake/sales/orders/",
	}
}

func campaignsSchema() *catalog.Schema {
	return &catalog.Schema{
		Columns: []catalog.Column{
			{Name: "campaign_id", Type: "string"}, {Name: "region", Type: "string"},
			{Name: "budget", Type: "double"}, {Name: "clicks", Type: "bigint"},
		},
		Location: "s3://central-lake/marketing/campaigns/",
	}
}

var (
	sel      = []types.Permission{types.PermissionSelect}
	selDesc  = []types.Permission{types.PermissionSelect, types.PermissionDescribe}
	describe = []types.Permission{types.PermissionDescribe}
)

// centralSpec publishes two products: sales (tag-based access for the
// analyst, PII column tagged away) and marketing (column-filtered access).
func centralSpec() govern.Spec {
	return govern.Spec{
		CatalogID: central,
		Settings:  govern.Settings{CrossAccountVersion: 3, Admins: []string{lfAdmin}},
		Tags: []govern.TagDef{
			{Key: "domain", Values: []string{"sales", "marketing"}},
			{Key: "confidentiality", Values: []string{"public", "pii"}},
		},
		Products: []govern.Product{
			{
				Name: "sales-orders", Domain: "sales", Database: "sales", Location: "s3://central-lake/sales/",
				Tags: map[string]string{"domain": "sales", "confidentiality": "public"},
				Tables: []govern.Table{{
					Name: "orders", Schema: ordersSchema(),
					ColumnTags: map[string]map[string]string{"customer_email": {"confidentiality": "pii"}},
				}},
				Grants: []govern.Grant{{Principal: analyst, Permissions: describe}},
			},
			{
				Name: "campaigns", Domain: "marketing", Database: "marketing",
				Tags:   map[string]string{"domain": "marketing"},
				Tables: []govern.Table{{Name: "campaigns", Schema: campaignsSchema()}},
				Grants: []govern.Grant{
					{Principal: analyst, Permissions: describe},
					{Principal: analyst, Table: "campaigns", ExcludedColumns: []string{"budget"}, RowFilter: &govern.RowFilter{Name: "emea_only", Expression: "region = 'emea'"}, Permissions: sel},
				},
			},
		},
		TagGrants: []govern.TagGrant{{
			Principal:   analyst,
			Expression:  map[string][]string{"domain": {"sales"}, "confidentiality": {"public"}},
			Permissions: selDesc,
		}},
	}
}

// consumerSpec accepts the shares, links the shared tables and lets the
// analyst describe the links.
func consumerSpec() govern.Spec {
	return govern.Spec{
		CatalogID:        consumer,
		AcceptSharesFrom: []string{central},
		Links: []govern.Link{
			{Database: "shared", Name: "sales_orders", Target: govern.TableRef{CatalogID: central, Database: "sales", Table: "orders"}, Readers: []string{analyst}},
			{Database: "shared", Name: "campaigns", Target: govern.TableRef{CatalogID: central, Database: "marketing", Table: "campaigns"}, Readers: []string{analyst}},
		},
	}
}

func mustApply(t testing.TB, g *govern.Governor, spec govern.Spec, optFns ...func(*govern.Options)) (*govern.Plan, govern.Result) {
	t.Helper()
	p, err := g.Plan(t.Context(), spec, optFns...)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	r, err := g.Apply(t.Context(), p)
	if err != nil {
		t.Fatalf("apply: %v\nplan:\n%s", err, p)
	}
	return p, r
}
