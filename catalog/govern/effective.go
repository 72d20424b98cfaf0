package govern

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// Access is what one principal can do in a catalog, and through which
// grants: the answer to "who can read what" for audits and tests.
type Access struct {
	Principal string
	Databases []DatabaseAccess
	Tables    []TableAccess
}

// DatabaseAccess is a principal's permissions on a database.
type DatabaseAccess struct {
	CatalogID, Database string
	Permissions         []types.Permission
	Via                 []Via
}

// TableAccess is what a principal can do with one table.
type TableAccess struct {
	CatalogID, Database, Table string
	// Permissions on the table (SELECT may be limited to Columns).
	Permissions []types.Permission
	// Columns the principal can read, sorted. For a table of another
	// catalog whose columns this catalog cannot see, AllColumns is set
	// instead when a grant covers all of them.
	Columns    []string
	AllColumns bool
	// ExcludedColumns limit AllColumns: the columns of a table of another
	// catalog that an all-but-these-columns grant leaves out.
	ExcludedColumns []string
	// RowFilters are the row conditions that limit reading (OR-ed); nil
	// when some grant reads every row.
	RowFilters []string
	Via        []Via
}

// Readable says whether the principal can read column c of the table.
func (t *TableAccess) Readable(c string) bool {
	c = strings.ToLower(c)
	return t.AllColumns && !slices.Contains(t.ExcludedColumns, c) || slices.Contains(t.Columns, c)
}

// Via is one grant behind an access.
type Via struct {
	// Grant describes the grant's resource: "table sales.orders", "columns
	// a,b of sales.orders", "filter eu on sales.orders", "tables tagged
	// domain=sales".
	Grant       string
	Permissions []types.Permission
	// RowFilter is the filter's row condition ("" for all rows).
	RowFilter string
}

type tableKey struct{ catalog, db, table string }

type tableAcc struct {
	perms      permSet
	cols       map[string]bool
	all        bool
	excl       map[string]bool // with all: columns left out by every all-but grant
	allRows    bool
	rowFilters []string
	via        []Via
}

// Effective returns what principal can do in the Governor's catalog: its
// grants (named, by columns, by data cells filter and by LF-tag
// expression) resolved against the tables they cover and merged per table.
// Grants made in other catalogs (a producer's grant to a consumer's role)
// are read with a Governor on that catalog.
func (g *Governor) Effective(ctx context.Context, catalogID, principal string) (*Access, error) {
	cat := aws.String(catalogID)
	var grants []types.PrincipalResourcePermissions
	var token *string
	for {
		var out *lakeformation.ListPermissionsOutput
		err := g.retry(ctx, "ListPermissions", func() (err error) {
			// The service refuses a Principal filter without a Resource:
			// list the catalog's grants and keep the principal's.
			out, err = g.lf.ListPermissions(ctx, &lakeformation.ListPermissionsInput{CatalogId: cat, NextToken: token, MaxResults: aws.Int32(1000)})
			return err
		})
		if err != nil {
			return nil, newError("effective permissions", principal, err)
		}
		for _, e := range out.PrincipalResourcePermissions {
			if principalOf(e.Principal) == principal {
				grants = append(grants, e)
			}
		}
		if token = out.NextToken; token == nil || *token == "" {
			break
		}
	}
	dbs := map[[2]string]*DatabaseAccess{}
	tables := map[tableKey]*tableAcc{}
	columns := map[tableKey][]string{}
	colsOf := func(k tableKey) ([]string, error) {
		if c, ok := columns[k]; ok {
			return c, nil
		}
		if k.catalog != catalogID {
			columns[k] = nil
			return nil, nil
		}
		out, err := g.getTable(ctx, cat, k.db, k.table)
		if isCode(err, "EntityNotFoundException", "") {
			columns[k] = nil
			return nil, nil
		}
		if err != nil {
			return nil, newError("effective permissions", "table "+k.db+"."+k.table, err)
		}
		var cs []string
		if sd := out.Table.StorageDescriptor; sd != nil {
			for _, c := range sd.Columns {
				cs = append(cs, strings.ToLower(aws.ToString(c.Name)))
			}
		}
		for _, c := range out.Table.PartitionKeys {
			cs = append(cs, strings.ToLower(aws.ToString(c.Name)))
		}
		columns[k] = cs
		return cs, nil
	}
	acc := func(k tableKey) *tableAcc {
		t := tables[k]
		if t == nil {
			t = &tableAcc{cols: map[string]bool{}}
			tables[k] = t
		}
		return t
	}
	// add records a grant on a table: all means every column but excl
	// (the table's columns are unknown), otherwise cols.
	add := func(k tableKey, ps []types.Permission, cols []string, all bool, excl []string, rowFilter string, via string) {
		t := acc(k)
		t.perms |= newPermSet(ps)
		t.via = append(t.via, Via{Grant: via, Permissions: slices.Clone(ps), RowFilter: rowFilter})
		reads := slices.Contains(ps, types.PermissionSelect) || slices.Contains(ps, types.PermissionAll)
		if !reads {
			return
		}
		if all {
			ex := map[string]bool{}
			for _, c := range excl {
				if !t.all || t.excl[c] {
					ex[c] = true
				}
			}
			t.all, t.excl = true, ex
		}
		for _, c := range cols {
			t.cols[c] = true
		}
		if rowFilter == "" {
			t.allRows = true
		} else {
			t.rowFilters = append(t.rowFilters, rowFilter)
		}
	}
	for _, e := range grants {
		r := fromSDK(e.Resource, catalogID)
		ps := e.Permissions
		switch r.kind {
		case kDatabase:
			d := dbs[[2]string{r.catalog, r.db}]
			if d == nil {
				d = &DatabaseAccess{CatalogID: r.catalog, Database: r.db}
				dbs[[2]string{r.catalog, r.db}] = d
			}
			d.Permissions = append(d.Permissions, ps...)
			d.Via = append(d.Via, Via{Grant: r.String(), Permissions: slices.Clone(ps)})
		case kTable:
			names := []string{r.table}
			if r.table == "*" {
				var err error
				if names, err = g.tableNames(ctx, r.catalog, catalogID, r.db); err != nil {
					return nil, err
				}
			}
			for _, t := range names {
				k := tableKey{r.catalog, r.db, t}
				cs, err := colsOf(k)
				if err != nil {
					return nil, err
				}
				add(k, ps, cs, cs == nil, nil, "", r.String())
			}
		case kColumns:
			k := tableKey{r.catalog, r.db, r.table}
			if !r.wild {
				add(k, ps, splitCols(r.cols), false, nil, "", r.String())
				continue
			}
			all, err := colsOf(k)
			if err != nil {
				return nil, err
			}
			excl := splitCols(r.excl)
			if all == nil {
				add(k, ps, nil, true, excl, "", r.String())
				continue
			}
			add(k, ps, slices.DeleteFunc(all, func(c string) bool { return slices.Contains(excl, c) }), false, nil, "", r.String())
		case kFilter:
			var out *lakeformation.GetDataCellsFilterOutput
			err := g.retry(ctx, "GetDataCellsFilter", func() (err error) {
				out, err = g.lf.GetDataCellsFilter(ctx, &lakeformation.GetDataCellsFilterInput{TableCatalogId: aws.String(r.catalog), DatabaseName: aws.String(r.db), TableName: aws.String(r.table), Name: aws.String(r.name)})
				return err
			})
			if err != nil {
				return nil, newError("effective permissions", r.String(), err)
			}
			f := out.DataCellsFilter
			k := tableKey{r.catalog, r.db, r.table}
			all, err := colsOf(k)
			if err != nil {
				return nil, err
			}
			var cs []string
			switch {
			case len(f.ColumnNames) > 0:
				cs = lowerSorted(f.ColumnNames)
			case f.ColumnWildcard != nil:
				excl := lowerSorted(f.ColumnWildcard.ExcludedColumnNames)
				cs = slices.DeleteFunc(slices.Clone(all), func(c string) bool { return slices.Contains(excl, c) })
			default:
				cs = all
			}
			expr := ""
			if f.RowFilter != nil {
				expr = aws.ToString(f.RowFilter.FilterExpression)
			}
			add(k, ps, cs, false, nil, expr, r.String())
		case kPolicy:
			if r.name == string(types.ResourceTypeDatabase) {
				names, err := g.taggedDatabases(ctx, r)
				if err != nil {
					return nil, err
				}
				for _, db := range names {
					d := dbs[[2]string{r.catalog, db}]
					if d == nil {
						d = &DatabaseAccess{CatalogID: r.catalog, Database: db}
						dbs[[2]string{r.catalog, db}] = d
					}
					d.Permissions = append(d.Permissions, ps...)
					d.Via = append(d.Via, Via{Grant: r.String(), Permissions: slices.Clone(ps)})
				}
				continue
			}
			if err := g.tagged(ctx, r, func(k tableKey, cols []string, all bool) {
				add(k, ps, cols, false, nil, "", r.String())
			}); err != nil {
				return nil, err
			}
		}
	}
	a := &Access{Principal: principal}
	for _, k := range slices.SortedFunc(maps.Keys(dbs), func(x, y [2]string) int { return strings.Compare(x[0]+"."+x[1], y[0]+"."+y[1]) }) {
		d := dbs[k]
		d.Permissions = newPermSet(d.Permissions).list()
		a.Databases = append(a.Databases, *d)
	}
	for _, k := range slices.SortedFunc(maps.Keys(tables), func(x, y tableKey) int {
		return strings.Compare(x.catalog+"."+x.db+"."+x.table, y.catalog+"."+y.db+"."+y.table)
	}) {
		t := tables[k]
		ta := TableAccess{CatalogID: k.catalog, Database: k.db, Table: k.table, Permissions: t.perms.canon().list(), AllColumns: t.all, Via: t.via}
		if t.all {
			ta.ExcludedColumns = slices.Sorted(maps.Keys(t.excl))
			for c := range t.cols {
				if t.excl[c] {
					ta.Columns = append(ta.Columns, c)
				}
			}
			slices.Sort(ta.Columns)
		} else {
			ta.Columns = slices.Sorted(maps.Keys(t.cols))
		}
		if !t.allRows && len(t.rowFilters) > 0 {
			slices.Sort(t.rowFilters)
			ta.RowFilters = slices.Compact(t.rowFilters)
		}
		a.Tables = append(a.Tables, ta)
	}
	return a, nil
}

// tableNames lists a database's tables (in this catalog only).
func (g *Governor) tableNames(ctx context.Context, catalogID, own, db string) ([]string, error) {
	if catalogID != own {
		return nil, nil
	}
	var names []string
	var token *string
	for {
		out, err := g.glue.GetTables(ctx, &glue.GetTablesInput{CatalogId: aws.String(catalogID), DatabaseName: aws.String(db), NextToken: token})
		if err != nil {
			return nil, newError("effective permissions", "database "+db, err)
		}
		for _, t := range out.TableList {
			names = append(names, strings.ToLower(aws.ToString(t.Name)))
		}
		if token = out.NextToken; token == nil || *token == "" {
			return names, nil
		}
	}
}

// tagged resolves a TABLE tag policy: the tables (and columns) whose
// effective LF-tags match, through SearchTablesByLFTags.
func (g *Governor) tagged(ctx context.Context, r res, fn func(k tableKey, cols []string, all bool)) error {
	expr := parseExprString(r.cols)
	var lf []types.LFTag
	for _, k := range slices.Sorted(maps.Keys(expr)) {
		lf = append(lf, types.LFTag{TagKey: aws.String(k), TagValues: expr[k]})
	}
	match := func(ps []types.LFTagPair) bool {
		m := pairMap(ps)
		for k, vs := range expr {
			if v, ok := m[k]; !ok || !(slices.Contains(vs, v) || slices.Contains(vs, "*")) {
				return false
			}
		}
		return true
	}
	var token *string
	for {
		var out *lakeformation.SearchTablesByLFTagsOutput
		err := g.retry(ctx, "SearchTablesByLFTags", func() (err error) {
			out, err = g.lf.SearchTablesByLFTags(ctx, &lakeformation.SearchTablesByLFTagsInput{CatalogId: aws.String(r.catalog), Expression: lf, NextToken: token, MaxResults: aws.Int32(100)})
			return err
		})
		if err != nil {
			return newError("effective permissions", r.String(), err)
		}
		for _, t := range out.TableList {
			if t.Table == nil {
				continue
			}
			k := tableKey{catalog: aws.ToString(t.Table.CatalogId), db: strings.ToLower(aws.ToString(t.Table.DatabaseName)), table: strings.ToLower(aws.ToString(t.Table.Name))}
			if k.catalog == "" {
				k.catalog = r.catalog
			}
			var cols []string
			for _, c := range t.LFTagsOnColumns {
				if match(c.LFTags) {
					cols = append(cols, strings.ToLower(aws.ToString(c.Name)))
				}
			}
			fn(k, cols, false)
		}
		if token = out.NextToken; token == nil || *token == "" {
			return nil
		}
	}
}

// taggedDatabases resolves a DATABASE tag policy through
// SearchDatabasesByLFTags.
func (g *Governor) taggedDatabases(ctx context.Context, r res) ([]string, error) {
	expr := parseExprString(r.cols)
	var lf []types.LFTag
	for _, k := range slices.Sorted(maps.Keys(expr)) {
		lf = append(lf, types.LFTag{TagKey: aws.String(k), TagValues: expr[k]})
	}
	var names []string
	var token *string
	for {
		var out *lakeformation.SearchDatabasesByLFTagsOutput
		err := g.retry(ctx, "SearchDatabasesByLFTags", func() (err error) {
			out, err = g.lf.SearchDatabasesByLFTags(ctx, &lakeformation.SearchDatabasesByLFTagsInput{CatalogId: aws.String(r.catalog), Expression: lf, NextToken: token, MaxResults: aws.Int32(100)})
			return err
		})
		if err != nil {
			return nil, newError("effective permissions", r.String(), err)
		}
		for _, d := range out.DatabaseList {
			if d.Database != nil {
				names = append(names, strings.ToLower(aws.ToString(d.Database.Name)))
			}
		}
		if token = out.NextToken; token == nil || *token == "" {
			return names, nil
		}
	}
}
