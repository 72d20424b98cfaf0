package catalogtest

import (
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// rkind is the kind of a Lake Formation resource.
type rkind int

const (
	rCatalog rkind = iota
	rDatabase
	rTable    // table (or all tables, table == "*")
	rColumns  // TableWithColumns
	rLocation // DataLocation
	rFilter   // DataCellsFilter
	rTag      // LFTag
	rPolicy   // LFTagPolicy
)

// rkey is a resource in canonical form: names lower-cased, column and tag
// value lists sorted, so two spellings of one resource compare equal.
type rkey struct {
	kind    rkind
	catalog string
	db      string
	table   string // "*" for TableWildcard
	name    string // filter name, location ARN, tag key, policy resource type
	cols    string // sorted column names or tag values, joined by \x00
	excl    string // sorted excluded column names
	wild    bool   // ColumnWildcard
}

func join(xs []string, lower bool) string {
	ys := make([]string, 0, len(xs))
	for _, x := range xs {
		if lower {
			x = strings.ToLower(x)
		}
		ys = append(ys, x)
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	return strings.Join(ys, "\x00")
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// canonExpr is an LF-tag expression in canonical form: keys sorted, each
// key's values sorted, lower-cased.
func canonExpr(expr []types.LFTag) string {
	parts := make([]string, 0, len(expr))
	for _, t := range expr {
		parts = append(parts, strings.ToLower(aws.ToString(t.TagKey))+"="+strings.ReplaceAll(join(t.TagValues, true), "\x00", ","))
	}
	slices.Sort(parts)
	return strings.Join(parts, "\x00")
}

func parseExpr(s string) map[string][]string {
	out := map[string][]string{}
	for _, p := range split(s) {
		k, v, _ := strings.Cut(p, "=")
		out[k] = strings.Split(v, ",")
	}
	return out
}

// resourceKey validates r (exactly one member set, required names present)
// and returns its canonical form. def is the catalog of a member without
// CatalogId.
func resourceKey(r *types.Resource, def string) (rkey, error) {
	if r == nil {
		return rkey{}, invalidLF("Resource is required")
	}
	n := 0
	for _, set := range []bool{r.Catalog != nil, r.Database != nil, r.Table != nil, r.TableWithColumns != nil, r.DataLocation != nil, r.DataCellsFilter != nil, r.LFTag != nil, r.LFTagPolicy != nil, r.LFTagExpression != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return rkey{}, invalidLF("Resource must specify exactly one resource type")
	}
	cat := func(id *string) string {
		if id == nil || *id == "" {
			return def
		}
		return *id
	}
	lower := func(s *string) string { return strings.ToLower(aws.ToString(s)) }
	switch {
	case r.Catalog != nil:
		return rkey{kind: rCatalog, catalog: def}, nil
	case r.Database != nil:
		if aws.ToString(r.Database.Name) == "" {
			return rkey{}, invalidLF("Database name is required")
		}
		return rkey{kind: rDatabase, catalog: cat(r.Database.CatalogId), db: lower(r.Database.Name)}, nil
	case r.Table != nil:
		t := r.Table
		if aws.ToString(t.DatabaseName) == "" {
			return rkey{}, invalidLF("Table database name is required")
		}
		if (t.Name == nil) == (t.TableWildcard == nil) {
			return rkey{}, invalidLF("Table must specify either Name or TableWildcard")
		}
		name := lower(t.Name)
		if t.TableWildcard != nil {
			name = "*"
		}
		return rkey{kind: rTable, catalog: cat(t.CatalogId), db: lower(t.DatabaseName), table: name}, nil
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		if aws.ToString(t.DatabaseName) == "" || aws.ToString(t.Name) == "" {
			return rkey{}, invalidLF("TableWithColumns database and table names are required")
		}
		if (len(t.ColumnNames) == 0) == (t.ColumnWildcard == nil) {
			return rkey{}, invalidLF("TableWithColumns must specify either ColumnNames or ColumnWildcard")
		}
		k := rkey{kind: rColumns, catalog: cat(t.CatalogId), db: lower(t.DatabaseName), table: lower(t.Name)}
		if t.ColumnWildcard != nil {
			k.wild = true
			k.excl = join(t.ColumnWildcard.ExcludedColumnNames, true)
		} else {
			k.cols = join(t.ColumnNames, true)
		}
		return k, nil
	case r.DataLocation != nil:
		if aws.ToString(r.DataLocation.ResourceArn) == "" {
			return rkey{}, invalidLF("DataLocation ResourceArn is required")
		}
		return rkey{kind: rLocation, catalog: cat(r.DataLocation.CatalogId), name: aws.ToString(r.DataLocation.ResourceArn)}, nil
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		if aws.ToString(f.DatabaseName) == "" || aws.ToString(f.TableName) == "" || aws.ToString(f.Name) == "" {
			return rkey{}, invalidLF("DataCellsFilter database, table and name are required")
		}
		return rkey{kind: rFilter, catalog: cat(f.TableCatalogId), db: lower(f.DatabaseName), table: lower(f.TableName), name: aws.ToString(f.Name)}, nil
	case r.LFTag != nil:
		if aws.ToString(r.LFTag.TagKey) == "" || len(r.LFTag.TagValues) == 0 {
			return rkey{}, invalidLF("LFTag key and values are required")
		}
		return rkey{kind: rTag, catalog: cat(r.LFTag.CatalogId), name: lower(r.LFTag.TagKey), cols: join(r.LFTag.TagValues, true)}, nil
	case r.LFTagPolicy != nil:
		p := r.LFTagPolicy
		if p.ResourceType != types.ResourceTypeDatabase && p.ResourceType != types.ResourceTypeTable {
			return rkey{}, invalidLF("LFTagPolicy ResourceType must be DATABASE or TABLE")
		}
		if len(p.Expression) == 0 {
			return rkey{}, invalidLF("LFTagPolicy Expression is required (named expressions are not supported by catalogtest)")
		}
		seen := map[string]bool{}
		for _, t := range p.Expression {
			k := strings.ToLower(aws.ToString(t.TagKey))
			if k == "" || len(t.TagValues) == 0 || seen[k] {
				return rkey{}, invalidLF("LFTagPolicy Expression needs distinct keys, each with values")
			}
			seen[k] = true
		}
		return rkey{kind: rPolicy, catalog: cat(p.CatalogId), name: string(p.ResourceType), cols: canonExpr(p.Expression)}, nil
	}
	return rkey{}, invalidLF("LFTagExpression resources are not supported by catalogtest")
}

// resource rebuilds the SDK shape of k.
func (k rkey) resource() *types.Resource {
	s := aws.String
	switch k.kind {
	case rCatalog:
		return &types.Resource{Catalog: &types.CatalogResource{}}
	case rDatabase:
		return &types.Resource{Database: &types.DatabaseResource{CatalogId: s(k.catalog), Name: s(k.db)}}
	case rTable:
		t := &types.TableResource{CatalogId: s(k.catalog), DatabaseName: s(k.db)}
		if k.table == "*" {
			t.TableWildcard = &types.TableWildcard{}
		} else {
			t.Name = s(k.table)
		}
		return &types.Resource{Table: t}
	case rColumns:
		t := &types.TableWithColumnsResource{CatalogId: s(k.catalog), DatabaseName: s(k.db), Name: s(k.table)}
		if k.wild {
			t.ColumnWildcard = &types.ColumnWildcard{ExcludedColumnNames: split(k.excl)}
		} else {
			t.ColumnNames = split(k.cols)
		}
		return &types.Resource{TableWithColumns: t}
	case rLocation:
		return &types.Resource{DataLocation: &types.DataLocationResource{CatalogId: s(k.catalog), ResourceArn: s(k.name)}}
	case rFilter:
		return &types.Resource{DataCellsFilter: &types.DataCellsFilterResource{TableCatalogId: s(k.catalog), DatabaseName: s(k.db), TableName: s(k.table), Name: s(k.name)}}
	case rTag:
		return &types.Resource{LFTag: &types.LFTagKeyResource{CatalogId: s(k.catalog), TagKey: s(k.name), TagValues: split(k.cols)}}
	case rPolicy:
		var expr []types.LFTag
		for _, p := range split(k.cols) {
			key, vals, _ := strings.Cut(p, "=")
			expr = append(expr, types.LFTag{TagKey: s(key), TagValues: strings.Split(vals, ",")})
		}
		return &types.Resource{LFTagPolicy: &types.LFTagPolicyResource{CatalogId: s(k.catalog), ResourceType: types.ResourceType(k.name), Expression: expr}}
	}
	return nil
}

// sortKey orders grants deterministically in listings.
func (k rkey) sortKey() string {
	return strings.Join([]string{string(rune('a' + k.kind)), k.catalog, k.db, k.table, k.name, k.cols, k.excl}, "\x01")
}

// Principal forms Lake Formation accepts (after Terraform's validPrincipal).
var (
	principalAccount = regexp.MustCompile(`^\d{12}$`)
	principalIAM     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):(role|user|federated-user|group)/.+$`)
	principalOrg     = regexp.MustCompile(`^arn:aws[a-z-]*:organizations::(\d{12}):(organization/o-[a-z0-9]+|ou/o-[a-z0-9]+/ou-[a-z0-9-]+)$`)
	principalIAMAll  = regexp.MustCompile(`^(IAM_ALLOWED_PRINCIPALS|\d{12}:IAMPrincipals)$`)
)

// principalKind returns "account", "iam", "org" or "iam-allowed" and the
// account of an account or IAM principal; ok is false for a malformed one.
func principalKind(p string) (kind, account string, ok bool) {
	switch {
	case principalAccount.MatchString(p):
		return "account", p, true
	case principalIAM.MatchString(p):
		return "iam", principalIAM.FindStringSubmatch(p)[1], true
	case principalOrg.MatchString(p):
		return "org", "", true
	case principalIAMAll.MatchString(p):
		return "iam-allowed", "", true
	}
	return "", "", false
}

// perms is a set of permissions.
type perms map[types.Permission]bool

func permSet(ps []types.Permission) perms {
	s := perms{}
	for _, p := range ps {
		s[p] = true
	}
	return s
}

func (s perms) list() []types.Permission {
	out := make([]types.Permission, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
