package govern

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// resKind is the kind of a Lake Formation resource in canonical form.
type resKind uint8

const (
	kDatabase resKind = iota + 1
	kTable            // table "*" = all tables
	kColumns          // some columns (cols) or all but some (excl, wild)
	kFilter           // data cells filter
	kPolicy           // LF-tag policy; name = DATABASE|TABLE, cols = expression
	kLocation
	kOther // anything this package does not manage (catalog, LF-tag...)
)

// res is a resource in canonical form, comparable: names lower-cased,
// column lists and tag expressions sorted.
type res struct {
	kind    resKind
	catalog string
	db      string
	table   string
	name    string
	cols    string
	excl    string
	wild    bool
}

func lowerSorted(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, strings.ToLower(x))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func joinCols(xs []string) string { return strings.Join(lowerSorted(xs), ",") }

func splitCols(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// exprString is an LF-tag expression in canonical form:
// "k1=v1|v2;k2=v3", keys and values sorted and lower-cased.
func exprString(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, strings.ToLower(k))
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var vs []string
		for kk, v := range m {
			if strings.EqualFold(kk, k) {
				vs = append(vs, v...)
			}
		}
		parts = append(parts, k+"="+strings.Join(lowerSorted(vs), "|"))
	}
	return strings.Join(parts, ";")
}

func parseExprString(s string) map[string][]string {
	out := map[string][]string{}
	for _, p := range strings.Split(s, ";") {
		k, v, _ := strings.Cut(p, "=")
		out[k] = strings.Split(v, "|")
	}
	return out
}

// fromSDK converts an SDK resource (as ListPermissions returns it) to
// canonical form, normalizing what the service reports differently from
// what was granted: SELECT on all columns of a table is a grant on the
// table.
func fromSDK(r *types.Resource, def string) res {
	cat := func(id *string) string {
		if aws.ToString(id) == "" {
			return def
		}
		return *id
	}
	low := func(s *string) string { return strings.ToLower(aws.ToString(s)) }
	switch {
	case r == nil:
		return res{kind: kOther}
	case r.Database != nil:
		return res{kind: kDatabase, catalog: cat(r.Database.CatalogId), db: low(r.Database.Name)}
	case r.Table != nil:
		name := low(r.Table.Name)
		if r.Table.TableWildcard != nil {
			name = "*"
		}
		return res{kind: kTable, catalog: cat(r.Table.CatalogId), db: low(r.Table.DatabaseName), table: name}
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		k := res{kind: kColumns, catalog: cat(t.CatalogId), db: low(t.DatabaseName), table: low(t.Name)}
		if t.ColumnWildcard != nil {
			if len(t.ColumnWildcard.ExcludedColumnNames) == 0 {
				k.kind = kTable
				return k
			}
			k.wild = true
			k.excl = joinCols(t.ColumnWildcard.ExcludedColumnNames)
		} else {
			k.cols = joinCols(t.ColumnNames)
		}
		return k
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		return res{kind: kFilter, catalog: cat(f.TableCatalogId), db: low(f.DatabaseName), table: low(f.TableName), name: aws.ToString(f.Name)}
	case r.LFTagPolicy != nil:
		if r.LFTagPolicy.ExpressionName != nil {
			return res{kind: kOther}
		}
		m := map[string][]string{}
		for _, t := range r.LFTagPolicy.Expression {
			k := strings.ToLower(aws.ToString(t.TagKey))
			m[k] = append(m[k], t.TagValues...)
		}
		return res{kind: kPolicy, catalog: cat(r.LFTagPolicy.CatalogId), name: string(r.LFTagPolicy.ResourceType), cols: exprString(m)}
	case r.DataLocation != nil:
		return res{kind: kLocation, catalog: cat(r.DataLocation.CatalogId), name: aws.ToString(r.DataLocation.ResourceArn)}
	}
	return res{kind: kOther}
}

// sdk rebuilds the SDK resource of a canonical one.
func (k res) sdk() *types.Resource {
	s := aws.String
	switch k.kind {
	case kDatabase:
		return &types.Resource{Database: &types.DatabaseResource{CatalogId: s(k.catalog), Name: s(k.db)}}
	case kTable:
		t := &types.TableResource{CatalogId: s(k.catalog), DatabaseName: s(k.db)}
		if k.table == "*" {
			t.TableWildcard = &types.TableWildcard{}
		} else {
			t.Name = s(k.table)
		}
		return &types.Resource{Table: t}
	case kColumns:
		t := &types.TableWithColumnsResource{CatalogId: s(k.catalog), DatabaseName: s(k.db), Name: s(k.table)}
		if k.wild {
			t.ColumnWildcard = &types.ColumnWildcard{ExcludedColumnNames: splitCols(k.excl)}
		} else {
			t.ColumnNames = splitCols(k.cols)
		}
		return &types.Resource{TableWithColumns: t}
	case kFilter:
		return &types.Resource{DataCellsFilter: &types.DataCellsFilterResource{TableCatalogId: s(k.catalog), DatabaseName: s(k.db), TableName: s(k.table), Name: s(k.name)}}
	case kPolicy:
		m := parseExprString(k.cols)
		var expr []types.LFTag
		for _, key := range slices.Sorted(maps.Keys(m)) {
			expr = append(expr, types.LFTag{TagKey: s(key), TagValues: m[key]})
		}
		return &types.Resource{LFTagPolicy: &types.LFTagPolicyResource{CatalogId: s(k.catalog), ResourceType: types.ResourceType(k.name), Expression: expr}}
	case kLocation:
		return &types.Resource{DataLocation: &types.DataLocationResource{CatalogId: s(k.catalog), ResourceArn: s(k.name)}}
	}
	return nil
}

// String describes the resource for plans and errors.
func (k res) String() string {
	switch k.kind {
	case kDatabase:
		return "database " + k.db
	case kTable:
		if k.table == "*" {
			return "all tables of " + k.db
		}
		return "table " + k.db + "." + k.table
	case kColumns:
		if k.wild {
			return "table " + k.db + "." + k.table + " except columns " + k.excl
		}
		return "columns " + k.cols + " of " + k.db + "." + k.table
	case kFilter:
		return "filter " + k.name + " on " + k.db + "." + k.table
	case kPolicy:
		return strings.ToLower(k.name) + "s tagged " + k.cols
	case kLocation:
		return "location " + k.name
	}
	return "resource"
}

// permSet is a set of permissions, one bit per value of the SDK's
// Permission enum (16 today; a permission the SDK does not know is
// dropped).
type permSet uint64

// permOrder lists the enum's values sorted; a value's bit is its index.
var permOrder = func() []types.Permission {
	ps := types.Permission("").Values()
	slices.Sort(ps)
	return ps
}()

func permBit(p types.Permission) permSet {
	if i, ok := slices.BinarySearch(permOrder, p); ok {
		return 1 << i
	}
	return 0
}

// implied are the permissions ALL includes on a table.
var implied = permBit(types.PermissionSelect) | permBit(types.PermissionAlter) | permBit(types.PermissionDrop) |
	permBit(types.PermissionDelete) | permBit(types.PermissionInsert) | permBit(types.PermissionDescribe)

func newPermSet(ps []types.Permission) permSet {
	var s permSet
	for _, p := range ps {
		s |= permBit(p)
	}
	return s.canon()
}

// canon puts a set in canonical form: ALL absorbs the permissions it
// implies, so an explicit grant of ALL and the implicit SELECT the service
// lists beside it compare equal.
func (s permSet) canon() permSet {
	if s&permBit(types.PermissionAll) != 0 {
		return s &^ implied
	}
	return s
}

func (s permSet) has(p types.Permission) bool { return s&permBit(p) != 0 }

func (s permSet) list() []types.Permission {
	var out []types.Permission
	for i, p := range permOrder {
		if s&(1<<i) != 0 {
			out = append(out, p)
		}
	}
	return out
}

func (s permSet) minus(o permSet) permSet { return s &^ o }

func (s permSet) String() string {
	ps := s.list()
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return strings.Join(out, ",")
}

// grantKey identifies a grant: a principal on a canonical resource.
type grantKey struct {
	principal string
	res       res
}

func (g grantKey) String() string { return g.res.String() + " to " + g.principal }

// grantState is the permissions of a grant.
type grantState struct {
	perms, grantable permSet
}
