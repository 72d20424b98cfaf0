package catalogtest

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

// ---- data cells filters ----

func filterKey(db, table, name string) string {
	return strings.ToLower(db) + "\x00" + strings.ToLower(table) + "\x00" + name
}

func (f *LakeFormation) checkFilter(a *lfAccount, d *types.DataCellsFilter) (string, error) {
	if d == nil || aws.ToString(d.DatabaseName) == "" || aws.ToString(d.TableName) == "" || aws.ToString(d.Name) == "" {
		return "", invalidLF("TableData database, table and name are required")
	}
	if catalogOf(d.TableCatalogId, a.id) != a.id {
		return "", deniedLF("data cells filters are created in the table's catalog")
	}
	if len(d.ColumnNames) > 0 && d.ColumnWildcard != nil {
		return "", invalidLF("either ColumnNames or ColumnWildcard")
	}
	if d.RowFilter == nil || (d.RowFilter.FilterExpression == nil) == (d.RowFilter.AllRowsWildcard == nil) {
		return "", invalidLF("RowFilter needs either FilterExpression or AllRowsWildcard")
	}
	if len(aws.ToString(d.RowFilter.FilterExpression)) > MaxRowFilterLength {
		return "", invalidLF("FilterExpression exceeds 2048 characters")
	}
	cols, _, ok := a.glue.tableColumns(*d.DatabaseName, *d.TableName)
	if !ok {
		return "", notFoundLF("Table not found")
	}
	named := slices.Clone(d.ColumnNames)
	if d.ColumnWildcard != nil {
		named = append(named, d.ColumnWildcard.ExcludedColumnNames...)
	}
	for _, c := range named {
		if !slices.Contains(cols, strings.ToLower(c)) {
			return "", invalidLF("Column not found in table")
		}
	}
	return filterKey(*d.DatabaseName, *d.TableName, *d.Name), nil
}

func cloneFilter(d types.DataCellsFilter) types.DataCellsFilter {
	c := d
	c.ColumnNames = slices.Clone(d.ColumnNames)
	if d.ColumnWildcard != nil {
		c.ColumnWildcard = &types.ColumnWildcard{ExcludedColumnNames: slices.Clone(d.ColumnWildcard.ExcludedColumnNames)}
	}
	if d.RowFilter != nil {
		r := *d.RowFilter
		c.RowFilter = &r
	}
	return c
}

// CreateDataCellsFilter creates a filter; an existing name is an
// AlreadyExistsException.
func (f *LakeFormation) CreateDataCellsFilter(ctx context.Context, in *lakeformation.CreateDataCellsFilterInput, _ ...func(*lakeformation.Options)) (*lakeformation.CreateDataCellsFilterOutput, error) {
	const op = "CreateDataCellsFilter"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &lakeformation.CreateDataCellsFilterInput{}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	k, err := f.checkFilter(a, in.TableData)
	if err != nil {
		return nil, lfError(op, err)
	}
	if _, ok := a.filters[k]; ok {
		return nil, lfError(op, existsLF("A data cells filter with this name already exists"))
	}
	d := cloneFilter(*in.TableData)
	d.TableCatalogId = aws.String(a.id)
	d.DatabaseName = aws.String(strings.ToLower(*d.DatabaseName))
	d.TableName = aws.String(strings.ToLower(*d.TableName))
	f.w.seq++
	d.VersionId = aws.String(strconv.Itoa(f.w.seq))
	a.filters[k] = d
	a.changed()
	return &lakeformation.CreateDataCellsFilterOutput{}, nil
}

// GetDataCellsFilter returns a filter.
func (f *LakeFormation) GetDataCellsFilter(ctx context.Context, in *lakeformation.GetDataCellsFilterInput, _ ...func(*lakeformation.Options)) (*lakeformation.GetDataCellsFilterOutput, error) {
	const op = "GetDataCellsFilter"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &lakeformation.GetDataCellsFilterInput{}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	cat := f.w.accounts[aws.ToString(in.TableCatalogId)]
	if aws.ToString(in.TableCatalogId) == "" {
		cat = a
	}
	if cat == nil {
		return nil, lfError(op, notFoundLF("Catalog not found"))
	}
	d, ok := cat.filters[filterKey(aws.ToString(in.DatabaseName), aws.ToString(in.TableName), aws.ToString(in.Name))]
	if !ok {
		return nil, lfError(op, notFoundLF("Data cells filter not found"))
	}
	c := cloneFilter(d)
	return &lakeformation.GetDataCellsFilterOutput{DataCellsFilter: &c}, nil
}

// UpdateDataCellsFilter replaces a filter's columns and row filter.
func (f *LakeFormation) UpdateDataCellsFilter(ctx context.Context, in *lakeformation.UpdateDataCellsFilterInput, _ ...func(*lakeformation.Options)) (*lakeformation.UpdateDataCellsFilterOutput, error) {
	const op = "UpdateDataCellsFilter"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &lakeformation.UpdateDataCellsFilterInput{}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	k, err := f.checkFilter(a, in.TableData)
	if err != nil {
		return nil, lfError(op, err)
	}
	old, ok := a.filters[k]
	if !ok {
		return nil, lfError(op, notFoundLF("Data cells filter not found"))
	}
	if v := in.TableData.VersionId; v != nil && *v != aws.ToString(old.VersionId) {
		return nil, lfError(op, &types.ConcurrentModificationException{Message: aws.String("the filter was changed by another request")})
	}
	d := cloneFilter(*in.TableData)
	d.TableCatalogId, d.DatabaseName, d.TableName = old.TableCatalogId, old.DatabaseName, old.TableName
	f.w.seq++
	d.VersionId = aws.String(strconv.Itoa(f.w.seq))
	a.filters[k] = d
	return &lakeformation.UpdateDataCellsFilterOutput{}, nil
}

// DeleteDataCellsFilter deletes a filter and the grants on it.
func (f *LakeFormation) DeleteDataCellsFilter(ctx context.Context, in *lakeformation.DeleteDataCellsFilterInput, _ ...func(*lakeformation.Options)) (*lakeformation.DeleteDataCellsFilterOutput, error) {
	const op = "DeleteDataCellsFilter"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &lakeformation.DeleteDataCellsFilterInput{}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	k := filterKey(aws.ToString(in.DatabaseName), aws.ToString(in.TableName), aws.ToString(in.Name))
	if _, ok := a.filters[k]; !ok {
		return nil, lfError(op, notFoundLF("Data cells filter not found"))
	}
	delete(a.filters, k)
	a.changed()
	for id, g := range a.grants {
		if g.key.kind == rFilter && filterKey(g.key.db, g.key.table, g.key.name) == k {
			delete(a.grants, id)
		}
	}
	return &lakeformation.DeleteDataCellsFilterOutput{}, nil
}

// ListDataCellsFilter lists the filters of a table (or of the catalog).
func (f *LakeFormation) ListDataCellsFilter(ctx context.Context, in *lakeformation.ListDataCellsFilterInput, _ ...func(*lakeformation.Options)) (*lakeformation.ListDataCellsFilterOutput, error) {
	const op = "ListDataCellsFilter"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &lakeformation.ListDataCellsFilterInput{}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	cat := a
	prefix := ""
	if t := in.Table; t != nil {
		if cat = f.w.accounts[catalogOf(t.CatalogId, a.id)]; cat == nil {
			return nil, lfError(op, notFoundLF("Catalog not found"))
		}
		prefix = filterKey(aws.ToString(t.DatabaseName), aws.ToString(t.Name), "")
	}
	keys := cat.filterKeys()
	if prefix != "" {
		keys = slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return !strings.HasPrefix(k, prefix) })
	}
	keys, next, err := lfPage(keys, in.NextToken, in.MaxResults, 100, 100)
	if err != nil {
		return nil, lfError(op, err)
	}
	items := make([]types.DataCellsFilter, 0, len(keys))
	for _, k := range keys {
		items = append(items, cloneFilter(cat.filters[k]))
	}
	return &lakeformation.ListDataCellsFilterOutput{DataCellsFilters: items, NextToken: next}, nil
}

// ---- what a query engine is allowed to read ----

// Selection is what a query engine integrated with Lake Formation (Athena,
// Redshift Spectrum, EMR) may read of one table for one principal.
type Selection struct {
	// CatalogID, Database and Table name the table read (the target of a
	// resource link).
	CatalogID, Database, Table string
	// Columns are the requested columns, all readable.
	Columns []string
	// RowFilters are the row filter expressions that apply (OR-ed); empty
	// when every row is readable.
	RowFilters []string
}

// columnsFor returns the columns of table (in its catalog o) that a grant
// covers for reading, and the row filter that applies ("" for all rows).
func (w *lfWorld) columnsFor(o *lfAccount, g *grantRec, db, table string, cols []string) ([]string, string, bool) {
	if !g.perms[types.PermissionSelect] && !g.perms[types.PermissionAll] {
		return nil, "", false
	}
	k := g.key
	if k.kind != rPolicy && (k.catalog != o.id || k.db != db) {
		return nil, "", false
	}
	switch k.kind {
	case rTable:
		if k.table == "*" || k.table == table {
			return cols, "", true
		}
	case rColumns:
		if k.table != table {
			return nil, "", false
		}
		if k.wild {
			excl := split(k.excl)
			return slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return slices.Contains(excl, c) }), "", true
		}
		return split(k.cols), "", true
	case rFilter:
		d, ok := o.filters[filterKey(db, table, k.name)]
		if !ok || k.table != table {
			return nil, "", false
		}
		var out []string
		switch {
		case d.ColumnWildcard != nil:
			out = slices.DeleteFunc(slices.Clone(cols), func(c string) bool {
				return slices.ContainsFunc(d.ColumnWildcard.ExcludedColumnNames, func(x string) bool { return strings.EqualFold(x, c) })
			})
		case len(d.ColumnNames) > 0:
			for _, c := range d.ColumnNames {
				out = append(out, strings.ToLower(c))
			}
		default:
			out = cols
		}
		return out, aws.ToString(d.RowFilter.FilterExpression), true
	case rPolicy:
		if k.catalog != o.id || k.name != string(types.ResourceTypeTable) {
			return nil, "", false
		}
		expr := parseExpr(k.cols)
		var out []string
		for _, c := range cols {
			if matches(o.effectiveTags(db, table, c), expr) {
				out = append(out, c)
			}
		}
		return out, "", len(out) > 0
	}
	return nil, "", false
}

// Select answers what a query engine would: may principal, querying in f's
// account, read columns of database.table there? The table may be a
// resource link, which is followed to the shared table; the principal then
// needs a permission on the link in f's account. The shared table's
// columns are readable through grants to the principal: made by the owner
// (cross-account, over an accepted RAM share) or re-granted by the
// principal's account. Grants to the principal's account alone give its
// roles nothing, as in the service. A column no grant covers is an
// AccessDeniedException; the row filters of the grants used come back in
// the Selection.
func (f *LakeFormation) Select(ctx context.Context, principal, database, table string, columns ...string) (Selection, error) {
	const op = "Select"
	if err := ctx.Err(); err != nil {
		return Selection{}, err
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	database, table = strings.ToLower(database), strings.ToLower(table)
	_, pacct, ok := principalKind(principal)
	if !ok || pacct != a.id {
		return Selection{}, lfError(op, invalidLF("the principal must be an IAM principal of the querying account"))
	}
	cols, target, ok := a.glue.tableColumns(database, table)
	if !ok {
		return Selection{}, lfError(op, notFoundLF("Table not found"))
	}
	o := a
	if target != nil {
		// A resource link: the principal needs a permission on the link.
		link := rkey{kind: rTable, catalog: a.id, db: database, table: table}
		if !slices.ContainsFunc(slices.Collect(maps.Values(a.grants)), func(g *grantRec) bool {
			return g.principal == principal && covers(g.key, link)
		}) {
			return Selection{}, lfError(op, deniedLF("Insufficient Lake Formation permission(s) on the resource link"))
		}
		o = f.w.accounts[aws.ToString(target.CatalogId)]
		database, table = strings.ToLower(aws.ToString(target.DatabaseName)), strings.ToLower(aws.ToString(target.Name))
		if o == nil {
			return Selection{}, lfError(op, notFoundLF("Target catalog not found"))
		}
		if cols, _, ok = o.glue.tableColumns(database, table); !ok {
			return Selection{}, lfError(op, notFoundLF("Target table not found"))
		}
	}
	readable := map[string][]string{} // column -> row filters ("" = all rows)
	for _, acct := range []*lfAccount{o, a} {
		if acct == a && o == a {
			continue
		}
		for _, g := range acct.grants {
			if g.principal != principal {
				continue
			}
			// An owner's grant to another account's principal travels in a
			// RAM share that must be accepted; a re-grant needs the share
			// to the re-granting account.
			if !f.w.accepted(o.id, pacct) {
				continue
			}
			got, filter, ok := f.w.columnsFor(o, g, database, table, cols)
			if !ok {
				continue
			}
			for _, c := range got {
				readable[c] = append(readable[c], filter)
			}
		}
	}
	if len(columns) == 0 {
		columns = cols
	}
	sel := Selection{CatalogID: o.id, Database: database, Table: table}
	allRows := true
	var filters []string
	for _, c := range columns {
		c = strings.ToLower(c)
		fs, ok := readable[c]
		if !ok {
			return Selection{}, lfError(op, deniedLF("Insufficient Lake Formation permission(s) on a requested column"))
		}
		sel.Columns = append(sel.Columns, c)
		if !slices.Contains(fs, "") {
			allRows = false
			filters = append(filters, fs...)
		}
	}
	if !allRows {
		slices.Sort(filters)
		sel.RowFilters = slices.Compact(filters)
	}
	return sel, nil
}
