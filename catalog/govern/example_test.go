package govern_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

// A producer publishes a product with a PII column tagged away from a
// tag-based grant, and a column-filtered grant with a row filter; the plan
// is printed, applied, and planned again (nothing left to do).
func ExampleGovernor_Plan() {
	ctx := context.Background()
	lf := catalogtest.NewLakeFormation(func(o *catalogtest.LakeFormationOptions) { o.Account = "111111111111" })
	g := govern.New(lf, lf.Glue())
	spec := govern.Spec{
		CatalogID: "111111111111",
		Tags:      []govern.TagDef{{Key: "confidentiality", Values: []string{"public", "pii"}}},
		Products: []govern.Product{{
			Name: "orders", Database: "sales",
			Tags: map[string]string{"confidentiality": "public"},
			Tables: []govern.Table{{
				Name: "orders",
				Schema: &catalog.Schema{
					Columns:  []catalog.Column{{Name: "order_id", Type: "string"}, {Name: "email", Type: "string"}, {Name: "region", Type: "string"}},
					Location: "s3://lake/sales/orders/",
				},
				ColumnTags: map[string]map[string]string{"email": {"confidentiality": "pii"}},
			}},
			Grants: []govern.Grant{{
				Principal: "arn:aws:iam::111111111111:role/eu-analyst", Table: "orders",
				ExcludedColumns: []string{"email"},
				RowFilter:       &govern.RowFilter{Name: "eu", Expression: "region = 'eu'"},
				Permissions:     []types.Permission{types.PermissionSelect},
			}},
		}},
		TagGrants: []govern.TagGrant{{
			Principal:   "arn:aws:iam::111111111111:role/analyst",
			Expression:  map[string][]string{"confidentiality": {"public"}},
			Permissions: []types.Permission{types.PermissionSelect},
		}},
	}
	plan, err := g.Plan(ctx, spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(plan)
	res, err := g.Apply(ctx, plan)
	fmt.Println("writes:", res.Writes, err)
	plan, _ = g.Plan(ctx, spec)
	fmt.Println("changes on rerun:", plan.Changes())
	// Output:
	// create lf-tag confidentiality: 2 values
	// create database sales: product orders
	// create table sales.orders: 3 columns
	// create lf-tags on database sales: set confidentiality=public
	// create lf-tags on column sales.orders.email: set confidentiality=pii
	// create filter eu on sales.orders: row filter of a grant
	// create grant tables tagged confidentiality=public to arn:aws:iam::111111111111:role/analyst: SELECT
	// create grant filter eu on sales.orders to arn:aws:iam::111111111111:role/eu-analyst: SELECT
	// writes: 7 <nil>
	// changes on rerun: 0
}

// Who can read what: the analyst's effective permissions, with the grants
// they come from.
func ExampleGovernor_Effective() {
	ctx := context.Background()
	lf := catalogtest.NewLakeFormation(func(o *catalogtest.LakeFormationOptions) { o.Account = "111111111111" })
	g := govern.New(lf, lf.Glue())
	schema := &catalog.Schema{Columns: []catalog.Column{{Name: "id", Type: "string"}, {Name: "email", Type: "string"}, {Name: "spend", Type: "double"}}, Location: "s3://lake/crm/customers/"}
	role := "arn:aws:iam::111111111111:role/analyst"
	spec := govern.Spec{
		CatalogID: "111111111111",
		Products: []govern.Product{{
			Name: "crm", Database: "crm",
			Tables: []govern.Table{{Name: "customers", Schema: schema}},
			Grants: []govern.Grant{
				{Principal: role, Permissions: []types.Permission{types.PermissionDescribe}},
				{Principal: role, Table: "customers", ExcludedColumns: []string{"email"}, Permissions: []types.Permission{types.PermissionSelect}},
			},
		}},
	}
	plan, err := g.Plan(ctx, spec)
	if err == nil {
		_, err = g.Apply(ctx, plan)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := g.Effective(ctx, "111111111111", role)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range a.Databases {
		fmt.Println("database", d.Database, d.Permissions)
	}
	for _, t := range a.Tables {
		fmt.Println("table", t.Database+"."+t.Table, t.Columns, "email readable:", t.Readable("email"), "via", t.Via[0].Grant)
	}
	// Output:
	// database crm [DESCRIBE]
	// table crm.customers [id spend] email readable: false via table crm.customers except columns email
}

// A product dropped from the spec is found by its ownership mark: listed as
// an orphan with what pruning would remove, and removed only on request.
func ExampleGovernor_Plan_prune() {
	ctx := context.Background()
	lf := catalogtest.NewLakeFormation(func(o *catalogtest.LakeFormationOptions) { o.Account = "111111111111" })
	g := govern.New(lf, lf.Glue())
	role := "arn:aws:iam::111111111111:role/analyst"
	spec := govern.Spec{
		Name:      "crm-governance",
		CatalogID: "111111111111",
		Products: []govern.Product{{
			Name: "crm", Database: "crm",
			Tables: []govern.Table{{Name: "customers", Schema: &catalog.Schema{Columns: []catalog.Column{{Name: "id", Type: "string"}}, Location: "s3://lake/crm/customers/"}}},
			Grants: []govern.Grant{{Principal: role, Table: "customers", Permissions: []types.Permission{types.PermissionSelect}}},
		}},
	}
	plan, err := g.Plan(ctx, spec)
	if err == nil {
		_, err = g.Apply(ctx, plan)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	spec.Products = nil // the product is retired
	plan, _ = g.Plan(ctx, spec)
	fmt.Print(plan)
	fmt.Println("changes without Prune:", plan.Changes())

	plan, _ = g.Plan(ctx, spec, func(o *govern.Options) { o.Prune, o.PruneData = true, true })
	fmt.Print(plan)
	res, err := g.Apply(ctx, plan)
	fmt.Println("writes:", res.Writes, err)
	plan, _ = g.Plan(ctx, spec, func(o *govern.Options) { o.Prune, o.PruneData = true, true })
	fmt.Println("changes on rerun:", plan.Changes(), "orphans:", len(plan.Orphans))
	// Output:
	// orphan database crm (product crm): no longer in the spec
	//   with Options.Prune: delete grant table crm.customers to arn:aws:iam::111111111111:role/analyst
	//   with Options.PruneData: delete table crm.customers
	//   with Options.PruneData: delete database crm
	// changes without Prune: 0
	// delete grant table crm.customers to arn:aws:iam::111111111111:role/analyst: product crm is no longer in the spec
	// delete table crm.customers: product crm is no longer in the spec (PruneData)
	// delete database crm: product crm is no longer in the spec (PruneData)
	// orphan database crm (product crm): no longer in the spec; removed by this plan
	// writes: 3 <nil>
	// changes on rerun: 0 orphans: 0
}
