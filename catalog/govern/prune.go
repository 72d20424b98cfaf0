package govern

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// orphans finds the databases marked as the spec's products that no
// product of the spec names, and plans (or, without Options.Prune, lists)
// their removal: grants, filters, LF-tag assignments, then with
// Options.PruneData the tables marked as the spec's and the database.
func (p *planner) orphans(ctx context.Context) error {
	ignore := p.ignored()
	for _, db := range slices.Sorted(maps.Keys(p.dbList)) {
		m := markOf(p.dbList[db].Parameters)
		if m.owner != p.name || m.product == "" || p.claimed[db] {
			continue
		}
		o := Orphan{Resource: "database " + db, Product: m.product}
		reason := "product " + m.product + " is no longer in the spec"
		for _, prod := range p.spec.Products {
			if prod.Name == m.product {
				reason = "product " + m.product + " now uses database " + lower(prod.Database)
			}
		}
		tables, err := p.tablesOf(ctx, db)
		if err != nil {
			return err
		}
		// Only what is marked is pruned: the grants and filters on the
		// database and on its marked tables, not on tables of others.
		marked := map[string]bool{"*": true}
		for _, t := range tables {
			if markOf(t.Parameters).owner == p.name {
				marked[lower(aws.ToString(t.Name))] = true
			}
		}
		foreign := 0
		for _, k := range p.grantsOn(db) {
			if ignore[k.principal] {
				continue
			}
			if k.res.kind != kDatabase && !marked[k.res.table] {
				foreign++
				continue
			}
			if _, ok := p.desired[k]; ok {
				o.Kept = append(o.Kept, "grant "+k.String()+": the spec's Grants name it")
				continue
			}
			have := p.curGrants[k]
			o.Removals = append(o.Removals, Action{Kind: Delete, Resource: "grant " + k.String(), Reason: reason, revoke: &entry{key: k, perms: have.perms.list(), grantable: have.grantable.list()}})
		}
		for _, r := range slices.SortedFunc(maps.Keys(p.curFilters), func(a, b res) int { return strings.Compare(a.String(), b.String()) }) {
			if r.catalog != p.spec.CatalogID || r.db != db {
				continue
			}
			if !marked[r.table] {
				foreign++
				continue
			}
			what := r.String()
			o.Removals = append(o.Removals, Action{Kind: Delete, Resource: what, Reason: reason, run: func(ctx context.Context, a *applier) error { return a.deleteFilter(ctx, what, r) }})
		}
		cur, err := p.readTags(ctx, &types.Resource{Database: &types.DatabaseResource{CatalogId: p.cat, Name: aws.String(db)}}, "database "+db)
		if err != nil {
			return err
		}
		dbTags := pairMap(cur.LFTagOnDatabase)
		p.untag(&o, tagTarget{db: db}, dbTags, reason)
		if foreign > 0 {
			o.Kept = append(o.Kept, strconv.Itoa(foreign)+" grants and filters on tables not marked as the spec's")
		}
		toRead := 0
		for _, t := range tables {
			if t.TargetTable == nil && marked[lower(aws.ToString(t.Name))] {
				toRead++
			}
		}
		indexed, err := p.useIndex(ctx, toRead, dbTags)
		if err != nil {
			return err
		}
		var others int
		for _, t := range tables {
			name := lower(aws.ToString(t.Name))
			if t.TargetTable == nil && marked[name] {
				out, err := p.tableTags(ctx, indexed, db, name, "table "+db+"."+name, tableWant{prune: true})
				if err != nil {
					return err
				}
				p.untag(&o, tagTarget{db: db, table: name}, pairMap(out.LFTagsOnTable), reason)
				for _, c := range out.LFTagsOnColumns {
					p.untag(&o, tagTarget{db: db, table: name, col: lower(aws.ToString(c.Name))}, pairMap(c.LFTags), reason)
				}
			}
			if markOf(t.Parameters).owner != p.name {
				others++
				continue
			}
			what := "table " + db + "." + name
			o.DataRemovals = append(o.DataRemovals, Action{Kind: Delete, Resource: what, Reason: reason + " (PruneData)", run: func(ctx context.Context, a *applier) error {
				return a.deleteTable(ctx, what, db, name)
			}})
		}
		if others > 0 {
			o.Kept = append(o.Kept, "database "+db+": "+strconv.Itoa(others)+" of its tables are not marked as the spec's")
		} else {
			what := "database " + db
			o.DataRemovals = append(o.DataRemovals, Action{Kind: Delete, Resource: what, Reason: reason + " (PruneData)", run: func(ctx context.Context, a *applier) error {
				return a.deleteDatabase(ctx, what, db)
			}})
		}
		p.adopt(o)
	}
	return nil
}

// orphanTables finds the tables marked as a product's that the product no
// longer lists. Their grants are revoked and their filters deleted without
// an opt-in, as for any resource of the product's database the spec does
// not grant on; Prune removes their LF-tags and PruneData deletes them.
func (p *planner) orphanTables(ctx context.Context) error {
	for _, prod := range p.spec.Products {
		db := lower(prod.Database)
		if _, ok := p.dbList[db]; !ok || p.conflict[db] {
			continue
		}
		listed := map[string]bool{}
		for _, t := range prod.Tables {
			listed[lower(t.Name)] = true
		}
		tables, err := p.tablesOf(ctx, db)
		if err != nil {
			return err
		}
		orphan := func(t gluetypes.Table) bool {
			return !listed[lower(aws.ToString(t.Name))] && t.TargetTable == nil && markOf(t.Parameters).owner == p.name
		}
		toRead := 0
		for _, t := range tables {
			if orphan(t) {
				toRead++
			}
		}
		indexed, err := p.useIndex(ctx, toRead, p.dbTags[db])
		if err != nil {
			return err
		}
		for _, t := range tables {
			if !orphan(t) {
				continue
			}
			name := lower(aws.ToString(t.Name))
			what := "table " + db + "." + name
			o := Orphan{Resource: what, Product: prod.Name}
			reason := "no longer a table of product " + prod.Name
			out, err := p.tableTags(ctx, indexed, db, name, what, tableWant{prune: true})
			if err != nil {
				return err
			}
			p.untag(&o, tagTarget{db: db, table: name}, pairMap(out.LFTagsOnTable), reason)
			for _, c := range out.LFTagsOnColumns {
				p.untag(&o, tagTarget{db: db, table: name, col: lower(aws.ToString(c.Name))}, pairMap(c.LFTags), reason)
			}
			o.DataRemovals = append(o.DataRemovals, Action{Kind: Delete, Resource: what, Reason: reason + " (PruneData)", run: func(ctx context.Context, a *applier) error {
				return a.deleteTable(ctx, what, db, name)
			}})
			p.adopt(o)
		}
	}
	return nil
}

// tablesOf lists a database's tables once per plan.
func (p *planner) tablesOf(ctx context.Context, db string) ([]gluetypes.Table, error) {
	if ts, ok := p.tableCache[db]; ok {
		return ts, nil
	}
	ts, err := p.g.listTables(ctx, p.cat, db)
	if err != nil {
		return nil, newError("plan", "database "+db, err)
	}
	if p.tableCache == nil {
		p.tableCache = map[string][]gluetypes.Table{}
	}
	p.tableCache[db] = ts
	return ts, nil
}

// grantsOn returns the current grants on a database of the spec's catalog,
// its tables, columns and filters, sorted (indexed once per plan).
func (p *planner) grantsOn(db string) []grantKey {
	if p.grantIndex == nil {
		p.grantIndex = map[string][]grantKey{}
		for _, k := range sortKeys(p.curGrants) {
			switch k.res.kind {
			case kDatabase, kTable, kColumns, kFilter:
				if k.res.catalog == p.spec.CatalogID {
					p.grantIndex[k.res.db] = append(p.grantIndex[k.res.db], k)
				}
			}
		}
	}
	return p.grantIndex[db]
}

// untag plans removing the LF-tags of keys the spec defines from one
// resource of an orphan; tags of other keys are someone else's.
func (p *planner) untag(o *Orphan, t tagTarget, cur map[string]string, reason string) {
	var remove []types.LFTagPair
	var others int
	for _, k := range slices.Sorted(maps.Keys(cur)) {
		if !p.tagKeys[k] {
			others++
			continue
		}
		remove = append(remove, types.LFTagPair{CatalogId: p.cat, TagKey: aws.String(k), TagValues: []string{cur[k]}})
	}
	what := "lf-tags on " + t.String()
	if others > 0 {
		o.Kept = append(o.Kept, what+": "+strconv.Itoa(others)+" of keys the spec does not define")
	}
	if len(remove) == 0 {
		return
	}
	keys := make([]string, len(remove))
	for i, r := range remove {
		keys[i] = aws.ToString(r.TagKey)
	}
	o.Removals = append(o.Removals, Action{Kind: Delete, Resource: what, Reason: reason + ": remove " + strings.Join(keys, ", "), run: func(ctx context.Context, a *applier) error {
		return a.assignTags(ctx, what, t, nil, remove)
	}})
}

// adopt records an orphan and, with the opt-ins, plans its removals.
func (p *planner) adopt(o Orphan) {
	if p.g.opts.Prune {
		p.plan.Actions = append(p.plan.Actions, o.Removals...)
		if p.g.opts.PruneData {
			p.plan.Actions = append(p.plan.Actions, o.DataRemovals...)
		}
	}
	p.plan.Orphans = append(p.plan.Orphans, o)
}

// orphanLinks finds the resource links marked as the spec's that it no
// longer lists, in the databases that may hold its links: those it created
// for links (marked without a product), those its Links name, and its
// products' databases.
func (p *planner) orphanLinks(ctx context.Context) error {
	listed := map[string]bool{}
	scan := map[string]bool{}
	for _, l := range p.spec.Links {
		db := lower(l.Database)
		listed[db+"."+lower(l.Name)] = true
		scan[db] = true
	}
	for db, d := range p.dbList {
		if m := markOf(d.Parameters); m.owner == p.name && (m.product == "" || p.claimed[db] && !p.conflict[db]) {
			scan[db] = true
		}
	}
	ignore := p.ignored()
	for _, db := range slices.Sorted(maps.Keys(scan)) {
		if _, ok := p.dbList[db]; !ok {
			continue
		}
		tables, err := p.tablesOf(ctx, db)
		if err != nil {
			return err
		}
		for _, t := range tables {
			name := lower(aws.ToString(t.Name))
			if t.TargetTable == nil || listed[db+"."+name] || markOf(t.Parameters).owner != p.name {
				continue
			}
			what := "resource link " + db + "." + name
			o := Orphan{Resource: what}
			reason := "the link is no longer in the spec"
			link := res{kind: kTable, catalog: p.spec.CatalogID, db: db, table: name}
			for _, k := range p.grantsOn(db) {
				if k.res != link || ignore[k.principal] {
					continue
				}
				if _, ok := p.desired[k]; ok {
					continue
				}
				have := p.curGrants[k]
				o.Removals = append(o.Removals, Action{Kind: Delete, Resource: "grant " + k.String(), Reason: reason, revoke: &entry{key: k, perms: have.perms.list(), grantable: have.grantable.list()}})
			}
			o.Removals = append(o.Removals, Action{Kind: Delete, Resource: what, Reason: reason, run: func(ctx context.Context, a *applier) error {
				return a.deleteTable(ctx, what, db, name)
			}})
			p.adopt(o)
		}
	}
	return nil
}

// ---- apply ----

// ensureDatabase creates a database with the mark (want nil: a database
// holding resource links, marked with the owner only). One created
// meanwhile by someone else is a conflict for a product's database.
func (a *applier) ensureDatabase(ctx context.Context, db, desc string, want *mark) error {
	m := mark{owner: a.name}
	if want != nil {
		m = *want
	}
	created, err := a.g.reg.EnsureDatabase(ctx, catalogDatabase(db, desc, m), a.catalogOpt)
	if created {
		a.writes++
	}
	if err != nil || created || want == nil {
		return newError("apply", "database "+db, err)
	}
	d, err := a.getDatabase(ctx, db)
	if err != nil {
		return newError("apply", "database "+db, err)
	}
	if markOf(d.Parameters) != *want {
		return &Error{Op: "apply", Resource: "database " + db, Kind: ErrConflict, Err: errors.New("created meanwhile and " + markOf(d.Parameters).describe())}
	}
	return nil
}

func (a *applier) getDatabase(ctx context.Context, db string) (*gluetypes.Database, error) {
	var out *glue.GetDatabaseOutput
	err := a.g.retry(ctx, "GetDatabase", func() (err error) {
		out, err = a.g.glue.GetDatabase(ctx, &glue.GetDatabaseInput{CatalogId: a.cat, Name: aws.String(db)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out.Database, nil
}

// markDatabase writes the mark on an existing database: read, change the
// parameters, write back (UpdateDatabase replaces the definition). A mark
// changed since the plan is a conflict.
func (a *applier) markDatabase(ctx context.Context, db string, was, want mark) error {
	what := "database " + db
	d, err := a.getDatabase(ctx, db)
	if err != nil {
		return newError("apply", what, err)
	}
	switch markOf(d.Parameters) {
	case want:
		return nil
	case was:
	default:
		return &Error{Op: "apply", Resource: what, Kind: ErrConflict, Err: errors.New("its mark changed since the plan")}
	}
	in := &gluetypes.DatabaseInput{
		Name:                          d.Name,
		Description:                   d.Description,
		LocationUri:                   d.LocationUri,
		Parameters:                    want.params(d.Parameters),
		CreateTableDefaultPermissions: d.CreateTableDefaultPermissions,
		TargetDatabase:                d.TargetDatabase,
		FederatedDatabase:             d.FederatedDatabase,
	}
	err = a.call(ctx, "UpdateDatabase", func() error {
		_, err := a.g.glue.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{CatalogId: a.cat, Name: aws.String(db), DatabaseInput: in})
		return err
	})
	return newError("apply", what, err)
}

// deleteTable deletes a table or resource link after checking that it
// still carries the spec's mark; one already gone is done.
func (a *applier) deleteTable(ctx context.Context, what, db, name string) error {
	out, err := a.g.getTable(ctx, a.cat, db, name)
	if isCode(err, "EntityNotFoundException", "") {
		return nil
	}
	if err != nil {
		return newError("apply", what, err)
	}
	if markOf(out.Table.Parameters).owner != a.name {
		return &Error{Op: "apply", Resource: what, Kind: ErrConflict, Err: errors.New("no longer marked as the spec's; not deleted")}
	}
	err = a.call(ctx, "DeleteTable", func() error {
		_, err := a.g.glue.DeleteTable(ctx, &glue.DeleteTableInput{CatalogId: a.cat, DatabaseName: aws.String(db), Name: aws.String(name)})
		return err
	})
	if isCode(err, "EntityNotFoundException", "") {
		return nil
	}
	return newError("apply", what, err)
}

// deleteDatabase deletes a database after checking that it carries the
// spec's mark and holds no table (Glue's DeleteDatabase would take the
// tables with it, including ones created since the plan by others).
func (a *applier) deleteDatabase(ctx context.Context, what, db string) error {
	d, err := a.getDatabase(ctx, db)
	if isCode(err, "EntityNotFoundException", "") {
		return nil
	}
	if err != nil {
		return newError("apply", what, err)
	}
	if markOf(d.Parameters).owner != a.name {
		return &Error{Op: "apply", Resource: what, Kind: ErrConflict, Err: errors.New("no longer marked as the spec's; not deleted")}
	}
	tables, err := a.g.listTables(ctx, a.cat, db)
	if err != nil {
		return newError("apply", what, err)
	}
	if len(tables) > 0 {
		return &Error{Op: "apply", Resource: what, Kind: ErrConflict, Err: errors.New("holds " + strconv.Itoa(len(tables)) + " tables the plan did not delete; not deleted")}
	}
	err = a.call(ctx, "DeleteDatabase", func() error {
		_, err := a.g.glue.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{CatalogId: a.cat, Name: aws.String(db)})
		return err
	})
	if isCode(err, "EntityNotFoundException", "") {
		return nil
	}
	return newError("apply", what, err)
}
