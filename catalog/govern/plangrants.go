package govern

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// ---- the desired grants ----

func (p *planner) grantRes(g Grant, db string) (res, error) {
	cat := g.CatalogID
	if cat == "" {
		cat = p.spec.CatalogID
	}
	if g.Database != "" {
		db = g.Database
	}
	db = strings.ToLower(db)
	table := strings.ToLower(g.Table)
	switch {
	case g.RowFilter != nil:
		if cat != p.spec.CatalogID {
			return res{}, &SpecError{Field: "Grants.RowFilter", Reason: "filters are defined in the table's own catalog"}
		}
		r := res{kind: kFilter, catalog: cat, db: db, table: table, name: g.RowFilter.Name}
		w := filterWant{cols: lowerSorted(g.Columns), excl: lowerSorted(g.ExcludedColumns), expr: g.RowFilter.Expression}
		w.wild = len(w.cols) == 0
		if old, ok := p.filters[r]; ok && !sameFilter(old, w) {
			return res{}, &SpecError{Field: "Grants.RowFilter", Reason: "one filter name is defined twice, differently"}
		}
		p.filters[r] = w
		return r, nil
	case len(g.Columns) > 0:
		return res{kind: kColumns, catalog: cat, db: db, table: table, cols: joinCols(g.Columns)}, nil
	case len(g.ExcludedColumns) > 0:
		return res{kind: kColumns, catalog: cat, db: db, table: table, wild: true, excl: joinCols(g.ExcludedColumns)}, nil
	case table == "":
		return res{kind: kDatabase, catalog: cat, db: db}, nil
	}
	return res{kind: kTable, catalog: cat, db: db, table: table}, nil
}

func sameFilter(a, b filterWant) bool {
	return slices.Equal(a.cols, b.cols) && slices.Equal(a.excl, b.excl) && a.wild == b.wild && a.expr == b.expr
}

func (p *planner) want(principal string, r res, ps, gs []types.Permission) {
	k := grantKey{principal: principal, res: r}
	cur, ok := p.desired[k]
	if !ok {
		cur = grantState{}
	}
	cur.perms = (cur.perms | newPermSet(ps)).canon()
	cur.grantable = (cur.grantable | newPermSet(gs)).canon()
	p.desired[k] = cur
	if acct, _ := principalAccount(principal); acct != "" && acct != p.spec.CatalogID && r.catalog == p.spec.CatalogID && !isRole(principal) && slices.ContainsFunc(ps, func(x types.Permission) bool {
		return x == types.PermissionSelect || x == types.PermissionAll
	}) {
		p.warn(k.String(), "a grant to an account gives its roles nothing until its data lake administrator grants again: grant to the consumer's role, or add the re-grant to the consumer's spec")
	}
}

func (p *planner) compile(context.Context) error {
	for _, prod := range p.spec.Products {
		if p.conflict[strings.ToLower(prod.Database)] {
			continue
		}
		for i, g := range prod.Grants {
			r, err := p.grantRes(g, prod.Database)
			if err != nil {
				return newError("plan", "product "+prod.Name+" grant "+strconv.Itoa(i), err)
			}
			p.want(g.Principal, r, g.Permissions, g.Grantable)
		}
	}
	for i, g := range p.spec.Grants {
		r, err := p.grantRes(g, "")
		if err != nil {
			return newError("plan", "grant "+strconv.Itoa(i), err)
		}
		p.named[r] = true
		if r.kind == kColumns || r.kind == kFilter {
			p.named[res{kind: kTable, catalog: r.catalog, db: r.db, table: r.table}] = true
		}
		p.want(g.Principal, r, g.Permissions, g.Grantable)
	}
	for _, l := range p.spec.Links {
		r := res{kind: kTable, catalog: p.spec.CatalogID, db: strings.ToLower(l.Database), table: strings.ToLower(l.Name)}
		p.links[r] = true
		for _, reader := range l.Readers {
			p.want(reader, r, []types.Permission{types.PermissionDescribe}, nil)
		}
	}
	for _, g := range p.spec.TagGrants {
		rt := g.ResourceType
		if rt == "" {
			rt = types.ResourceTypeTable
		}
		p.want(g.Principal, res{kind: kPolicy, catalog: p.spec.CatalogID, name: string(rt), cols: exprString(g.Expression)}, g.Permissions, g.Grantable)
	}
	for k := range p.desired {
		if acct, _ := principalAccount(k.principal); acct != "" && acct != p.spec.CatalogID && k.res.catalog == p.spec.CatalogID && p.version < 3 {
			if isRole(k.principal) || k.res.kind == kPolicy {
				return newError("plan", k.String(), &SpecError{Field: "Settings.CrossAccountVersion", Reason: "must be 3 or more to grant to a role of another account, or by LF-tags to another account"})
			}
		}
	}
	return nil
}

// managed says whether the spec owns the grants on r: the products'
// databases, tables and filters, the resources its Grants name, its links,
// and tag policies over keys it defines only.
func (p *planner) managed(r res) bool {
	switch r.kind {
	case kDatabase, kTable, kColumns, kFilter:
		if r.catalog == p.spec.CatalogID && p.dbs[r.db] {
			return true
		}
		if r.kind != kDatabase && p.links[res{kind: kTable, catalog: r.catalog, db: r.db, table: r.table}] {
			return true
		}
		return p.named[r] || p.named[res{kind: kTable, catalog: r.catalog, db: r.db, table: r.table}]
	case kPolicy:
		if r.catalog != p.spec.CatalogID {
			return false
		}
		for k := range parseExprString(r.cols) {
			if !p.tagKeys[k] {
				return false
			}
		}
		return true
	}
	return false
}

// ---- grants ----

// readGrants lists the grants this account made and normalizes them: one
// entry per principal and canonical resource, with the permissions the
// service split over several entries merged.
func (p *planner) readGrants(ctx context.Context) (map[grantKey]grantState, error) {
	out := map[grantKey]grantState{}
	var token *string
	for {
		var page *lakeformation.ListPermissionsOutput
		err := p.g.retry(ctx, "ListPermissions", func() (err error) {
			page, err = p.g.lf.ListPermissions(ctx, &lakeformation.ListPermissionsInput{CatalogId: p.cat, NextToken: token, MaxResults: aws.Int32(1000)})
			return err
		})
		if err != nil {
			return nil, newError("plan", "permissions", err)
		}
		for _, e := range page.PrincipalResourcePermissions {
			k := grantKey{principal: principalOf(e.Principal), res: fromSDK(e.Resource, p.spec.CatalogID)}
			cur, ok := out[k]
			if !ok {
				cur = grantState{}
			}
			cur.perms = (cur.perms | newPermSet(e.Permissions)).canon()
			cur.grantable = (cur.grantable | newPermSet(e.PermissionsWithGrantOption)).canon()
			out[k] = cur
		}
		if token = page.NextToken; token == nil || *token == "" {
			return out, nil
		}
	}
}

func principalOf(p *types.DataLakePrincipal) string {
	if p == nil {
		return ""
	}
	return aws.ToString(p.DataLakePrincipalIdentifier)
}

func (p *planner) grants(ctx context.Context) error {
	cur, err := p.readGrants(ctx)
	if err != nil {
		return err
	}
	p.curGrants = cur
	p.plan.Actions = slices.Grow(p.plan.Actions, len(p.desired))
	for _, k := range sortKeys(p.desired) {
		want := p.desired[k]
		what := "grant " + k.String()
		have, ok := cur[k]
		if !ok {
			p.add(Action{Kind: Create, Resource: what, Reason: want.perms.String(), grant: &entry{key: k, perms: want.perms.list(), grantable: want.grantable.list()}})
			continue
		}
		add, addG := want.perms.minus(have.perms), want.grantable.minus(have.grantable)
		remove := have.perms.minus(want.perms)
		removeG := have.grantable.minus(want.grantable).minus(remove)
		if add|addG|remove|removeG == 0 {
			p.add(Action{Kind: NoOp, Resource: what, Reason: "granted"})
			continue
		}
		if add|addG != 0 {
			ps := add | addG
			gs := ps & want.grantable
			p.add(Action{Kind: Update, Resource: what, Reason: "add " + ps.String(), grant: &entry{key: k, perms: ps.list(), grantable: gs.list()}})
		}
		if remove|removeG != 0 {
			p.add(Action{Kind: Update, Resource: what, Reason: "remove " + remove.String() + grantOption(removeG), revoke: &entry{key: k, perms: remove.list(), grantable: removeG.list()}})
		}
	}
	ignore := p.ignored()
	for _, k := range sortKeys(cur) {
		if _, ok := p.desired[k]; ok || ignore[k.principal] || !p.managed(k.res) {
			continue
		}
		have := cur[k]
		p.add(Action{Kind: Delete, Resource: "grant " + k.String(), Reason: "no longer in the spec", revoke: &entry{key: k, perms: have.perms.list(), grantable: have.grantable.list()}})
	}
	return nil
}

// sortKeys orders grants by principal, then resource.
func sortKeys(m map[grantKey]grantState) []grantKey {
	type keyed struct {
		k grantKey
		s string
	}
	ks := make([]keyed, 0, len(m))
	for k := range m {
		ks = append(ks, keyed{k, k.principal + "\x00" + k.res.String()})
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.s, b.s) })
	out := make([]grantKey, len(ks))
	for i, k := range ks {
		out[i] = k.k
	}
	return out
}

// ignored are the principals whose grants are never revoked.
func (p *planner) ignored() map[string]bool {
	ignore := maps.Clone(p.admins)
	for _, x := range p.g.opts.IgnorePrincipals {
		ignore[x] = true
	}
	return ignore
}

func grantOption(s permSet) string {
	if s == 0 {
		return ""
	}
	return " (grant option of " + s.String() + ")"
}
