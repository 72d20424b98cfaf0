package govern_test

import (
	"testing"

	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

// A product granted to an organization: no invitation to accept; a member
// account's administrator passes it on to its role, which then reads the
// granted columns only.
func TestOrganizationConsumer(t *testing.T) {
	const org = "arn:aws:organizations::999999999999:organization/o-abc123"
	g := catalogtest.NewGlue()
	lf := catalogtest.NewLakeFormation(func(o *catalogtest.LakeFormationOptions) {
		o.Account = central
		o.Glue = g
		o.Organizations = map[string][]string{org: {consumer}}
	})
	cons := lf.AddAccount(consumer, nil)
	s := centralSpec()
	s.TagGrants = nil
	s.Products[0].Grants = []govern.Grant{{Principal: org, Table: "orders", ExcludedColumns: []string{"customer_email"}, Permissions: sel, Grantable: sel}}
	s.Products[1].Grants = nil
	p, _ := mustApply(t, govern.New(lf, g, noWait), s)
	if len(p.Warnings) != 0 {
		t.Fatalf("warnings %+v", p.Warnings)
	}
	cs := govern.Spec{
		CatalogID:        consumer,
		AcceptSharesFrom: []string{central},
		Links:            []govern.Link{{Database: "shared", Name: "sales_orders", Target: govern.TableRef{CatalogID: central, Database: "sales", Table: "orders"}, Readers: []string{analyst}}},
		Grants:           []govern.Grant{{Principal: analyst, CatalogID: central, Database: "sales", Table: "orders", ExcludedColumns: []string{"customer_email"}, Permissions: sel}},
	}
	cg := govern.New(cons, cons.Glue(), noWait, func(o *govern.Options) { o.RAM = cons.RAM() })
	p, _ = mustApply(t, cg, cs)
	if p.Count(govern.Create) != 4 { // database, link, DESCRIBE on the link, the re-grant; no invitation
		t.Fatalf("plan:\n%s", p)
	}
	if _, err := cons.Select(t.Context(), analyst, "shared", "sales_orders", "order_id", "amount"); err != nil {
		t.Fatal(err)
	}
	if _, err := cons.Select(t.Context(), analyst, "shared", "sales_orders", "customer_email"); !isAccessDenied(err) {
		t.Fatalf("excluded column: %v", err)
	}
	if p, r := mustApply(t, cg, cs); p.Changes() != 0 || r.Writes != 0 {
		t.Fatalf("rerun:\n%s", p)
	}
}
