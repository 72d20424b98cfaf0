package govern

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/cdpkit/cdpkit/catalog"
)

// Spec is the governed state of one Data Catalog (one account): the LF-tags
// it defines, the data products it publishes, the grants on them, and, on a
// consumer's side, the shares it accepts, the resource links it keeps and
// the grants it passes on to its own roles.
type Spec struct {
	// Name identifies the spec in the ownership mark (MarkOwner) on the
	// databases, tables and resource links it creates: what carries it is
	// the spec's, to update and, on request, to prune; what does not is
	// never changed without Adopt and never deleted. Specs governing the
	// same catalog need different names. "" means DefaultSpecName.
	// Changing it makes what the spec created another spec's: the products
	// then need Adopt once.
	Name string
	// CatalogID is the account whose catalog this spec governs (12 digits).
	// Principals of other accounts make grants cross-account.
	CatalogID string
	// Settings are merged into the Data Lake settings (read, changed, written
	// back whole: other fields are kept).
	Settings Settings
	// Tags are the LF-tags the spec owns: created, or extended with missing
	// values. Grants by tag expressions over only these keys are the spec's
	// (a tag grant no longer in the spec is revoked).
	Tags []TagDef
	// Products are the data products published from this catalog.
	Products []Product
	// TagGrants grant by LF-tag expression.
	TagGrants []TagGrant
	// Grants are named grants outside the products: on shared tables of
	// another catalog (a consumer passing them on to its roles), on resource
	// links, or on any database or table of this catalog the spec owns the
	// grants of.
	Grants []Grant
	// Links are resource links (Glue tables pointing at a shared table)
	// created in this catalog.
	Links []Link
	// AcceptSharesFrom lists producer accounts whose pending Lake Formation
	// RAM invitations to this account are accepted.
	AcceptSharesFrom []string
}

// Settings is what a spec sets in the Data Lake settings. Zero fields leave
// the current values alone.
type Settings struct {
	// Admins are data lake administrators to add (role or user ARNs);
	// existing administrators are kept.
	Admins []string
	// CrossAccountVersion is the minimum cross-account sharing version
	// (1-5); 3 or more is needed to grant to roles of other accounts.
	CrossAccountVersion int
	// LakeFormationDefaults, when true, stops granting ALL to
	// IAM_ALLOWED_PRINCIPALS on new databases and tables (the defaults
	// become empty), so access is governed by Lake Formation alone.
	LakeFormationDefaults bool
}

// TagDef is an LF-tag and the values it must allow.
type TagDef struct {
	Key    string
	Values []string
}

// Product is a data product: a Glue database and tables owned by a domain,
// its S3 location, its LF-tags and its consumers' grants.
type Product struct {
	// Name names the product in plans and errors.
	Name string
	// Domain is the owning domain (informational; tag it with Tags).
	Domain string
	// Database is the Glue database; created if missing.
	Database string
	// Description of the database (used when creating it).
	Description string
	// Location is an S3 URI (s3://bucket/prefix) registered with Lake
	// Formation as a data location; "" registers nothing.
	Location string
	// RoleARN registers Location with this role; "" uses the Lake
	// Formation service-linked role.
	RoleARN string
	// Tags are LF-tags (key: value) on the database, inherited by its
	// tables and columns.
	Tags map[string]string
	// Tables of the product.
	Tables []Table
	// Grants to consumers. Database defaults to the product's.
	Grants []Grant
	// Adopt takes over a database (and tables of the product) of the same
	// name that exist without the spec's mark, by marking them: without
	// it the plan reports a conflict and Apply refuses it.
	Adopt bool
}

// Table is a table of a product.
type Table struct {
	Name string
	// Schema, when set, is registered and kept current with a
	// catalog.Registrar (no crawler); nil leaves the table's metadata alone
	// (it must exist).
	Schema *catalog.Schema
	// Tags are LF-tags on the table (overriding the database's).
	Tags map[string]string
	// ColumnTags are LF-tags on columns (overriding the table's).
	ColumnTags map[string]map[string]string
	// CleanRooms says the table is also to be associated with AWS Clean
	// Rooms; the plan warns when its location is registered with Lake
	// Formation, which Clean Rooms does not read from.
	CleanRooms bool
}

// Grant is a named grant: on a database, a table (or all tables), some
// columns of a table, or the rows and columns a filter selects.
type Grant struct {
	// Principal is a role or user ARN, an account id, an organization or
	// OU ARN, or IAM_ALLOWED_PRINCIPALS. Grant to the consumer's role: an
	// account grant gives the account's roles nothing until its
	// administrator grants again.
	Principal string
	// CatalogID of the resource; "" is the spec's catalog.
	CatalogID string
	// Database of the resource; "" in a product is the product's.
	Database string
	// Table: "" grants on the database, "*" on all its tables.
	Table string
	// Columns limits a SELECT grant to these columns.
	Columns []string
	// ExcludedColumns limits a SELECT grant to all but these columns.
	ExcludedColumns []string
	// RowFilter limits the grant to rows (and the columns above) through a
	// data cells filter of this name.
	RowFilter *RowFilter
	// Permissions such as SELECT, DESCRIBE, ALL.
	Permissions []types.Permission
	// Grantable are the permissions the principal may grant on
	// (a subset of Permissions).
	Grantable []types.Permission
}

// RowFilter is a data cells filter: a PartiQL row condition. An empty
// Expression keeps all rows (column filtering only).
type RowFilter struct {
	Name       string
	Expression string
}

// TagGrant grants on every database or table whose LF-tags match an
// expression: keys AND-ed, the values of one key OR-ed.
type TagGrant struct {
	Principal string
	// ResourceType is TABLE (the default) or DATABASE.
	ResourceType types.ResourceType
	Expression   map[string][]string
	Permissions  []types.Permission
	Grantable    []types.Permission
}

// Link is a resource link: a Glue table in this catalog pointing at a table
// shared from another account, which query engines such as Athena need.
type Link struct {
	// Database holds the link (created if missing).
	Database string
	// Name of the link table.
	Name string
	// Target is the shared table.
	Target TableRef
	// Readers are principals of this account granted DESCRIBE on the link,
	// which engines need besides SELECT on the target.
	Readers []string
	// Adopt replaces a link of the same name that points elsewhere and is
	// not marked as the spec's; without it the plan reports a conflict.
	Adopt bool
}

// TableRef names a table in a catalog.
type TableRef struct {
	CatalogID, Database, Table string
}

var (
	accountRE   = regexp.MustCompile(`^\d{12}$`)
	iamRE       = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):(role|user|federated-user|group)/.+$`)
	orgRE       = regexp.MustCompile(`^arn:aws[a-z-]*:organizations::\d{12}:(organization/o-[a-z0-9]+|ou/o-[a-z0-9]+/ou-[a-z0-9-]+)$`)
	tagKeyRE    = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@%]*)$`)
	tagValueRE  = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:*/=+\-@%]*)$`)
	locationRE  = regexp.MustCompile(`^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$`)
	permissions = []types.Permission{
		types.PermissionAll, types.PermissionSelect, types.PermissionAlter, types.PermissionDrop, types.PermissionDelete,
		types.PermissionInsert, types.PermissionDescribe, types.PermissionCreateDatabase, types.PermissionCreateTable,
		types.PermissionDataLocationAccess, types.PermissionAssociate,
	}
)

// principalAccount returns the account of an account or IAM principal ("" for
// organizations and IAM_ALLOWED_PRINCIPALS) and whether p is well formed.
func principalAccount(p string) (string, bool) {
	switch {
	case accountRE.MatchString(p):
		return p, true
	case iamRE.MatchString(p):
		return iamRE.FindStringSubmatch(p)[1], true
	case orgRE.MatchString(p), p == "IAM_ALLOWED_PRINCIPALS":
		return "", true
	}
	return "", false
}

func isRole(p string) bool { return iamRE.MatchString(p) }

// Validate checks a spec without calling any service: names, principals,
// permissions (Grantable within Permissions, columns only with SELECT),
// tags (patterns, defined keys and values, at most 50 per resource), row
// filters (2,048 characters). Every problem is a *SpecError (ErrInvalid).
func (s *Spec) Validate() error {
	bad := func(field, reason string) error { return &SpecError{Field: field, Reason: reason} }
	if len(s.Name) > 255 || strings.ContainsFunc(s.Name, unicode.IsControl) {
		return bad("Name", "must be at most 255 characters, without control characters")
	}
	if !accountRE.MatchString(s.CatalogID) {
		return bad("CatalogID", "must be a 12-digit account id")
	}
	if v := s.Settings.CrossAccountVersion; v < 0 || v > 5 {
		return bad("Settings.CrossAccountVersion", "must be 0 (unchanged) or 1 to 5")
	}
	for i, a := range s.Settings.Admins {
		if !iamRE.MatchString(a) {
			return bad("Settings.Admins["+strconv.Itoa(i)+"]", "must be a role or user ARN")
		}
	}
	defs := map[string]map[string]bool{}
	for i, t := range s.Tags {
		f := "Tags[" + strconv.Itoa(i) + "]"
		k := strings.ToLower(t.Key)
		if k == "" || len(k) > 128 || !tagKeyRE.MatchString(k) {
			return bad(f+".Key", "must be 1-128 letters, digits, spaces or _.:/=+-@%")
		}
		if defs[k] != nil {
			return bad(f+".Key", "defined twice (keys are case-insensitive)")
		}
		if len(t.Values) == 0 || len(t.Values) > 1000 {
			return bad(f+".Values", "must have 1 to 1000 values")
		}
		defs[k] = map[string]bool{}
		for _, v := range t.Values {
			if len(v) > 256 || !tagValueRE.MatchString(v) {
				return bad(f+".Values", "values must be at most 256 letters, digits, spaces or _.:*/=+-@%")
			}
			defs[k][strings.ToLower(v)] = true
		}
	}
	checkTags := func(field string, m map[string]string) error {
		if len(m) > 50 {
			return bad(field, "at most 50 LF-tags per resource")
		}
		for k, v := range m {
			vals := defs[strings.ToLower(k)]
			if vals == nil {
				return bad(field, "uses a tag key the spec does not define")
			}
			if !vals[strings.ToLower(v)] {
				return bad(field, "uses a tag value the spec does not define")
			}
		}
		return nil
	}
	dbs, names := map[string]bool{}, map[string]bool{}
	for i, p := range s.Products {
		f := "Products[" + strconv.Itoa(i) + "]"
		if p.Name == "" || len(p.Name) > 255 || strings.ContainsFunc(p.Name, unicode.IsControl) {
			return bad(f+".Name", "is required: at most 255 characters, without control characters")
		}
		if names[p.Name] {
			return bad(f+".Name", "names two products")
		}
		names[p.Name] = true
		if err := catalog.ValidateName("database", p.Database); err != nil {
			return bad(f+".Database", "is not a valid Glue database name")
		}
		if dbs[p.Database] {
			return bad(f+".Database", "belongs to two products")
		}
		dbs[p.Database] = true
		if p.Location != "" && !locationRE.MatchString(p.Location) {
			return bad(f+".Location", "must be an s3://bucket/prefix URI")
		}
		if p.RoleARN != "" && !strings.Contains(p.RoleARN, ":role/") {
			return bad(f+".RoleARN", "must be a role ARN")
		}
		if err := checkTags(f+".Tags", p.Tags); err != nil {
			return err
		}
		tables := map[string]bool{}
		for j, t := range p.Tables {
			tf := f + ".Tables[" + strconv.Itoa(j) + "]"
			if err := catalog.ValidateName("table", t.Name); err != nil {
				return bad(tf+".Name", "is not a valid Glue table name")
			}
			if tables[t.Name] {
				return bad(tf+".Name", "listed twice")
			}
			tables[t.Name] = true
			if err := checkTags(tf+".Tags", t.Tags); err != nil {
				return err
			}
			for c, m := range t.ColumnTags {
				if t.Schema != nil && !hasColumn(t.Schema, c) {
					return bad(tf+".ColumnTags", "names a column the schema does not have")
				}
				if err := checkTags(tf+".ColumnTags", m); err != nil {
					return err
				}
			}
		}
		for j, g := range p.Grants {
			if err := g.validate(f+".Grants["+strconv.Itoa(j)+"]", true); err != nil {
				return err
			}
		}
	}
	for i, g := range s.TagGrants {
		f := "TagGrants[" + strconv.Itoa(i) + "]"
		if _, ok := principalAccount(g.Principal); !ok {
			return bad(f+".Principal", "must be a role/user ARN, an account id, an organization/OU ARN or IAM_ALLOWED_PRINCIPALS")
		}
		if g.ResourceType != "" && g.ResourceType != types.ResourceTypeTable && g.ResourceType != types.ResourceTypeDatabase {
			return bad(f+".ResourceType", "must be TABLE or DATABASE")
		}
		if len(g.Expression) == 0 {
			return bad(f+".Expression", "is required")
		}
		for k, vs := range g.Expression {
			vals := defs[strings.ToLower(k)]
			if vals == nil {
				return bad(f+".Expression", "uses a tag key the spec does not define")
			}
			if len(vs) == 0 {
				return bad(f+".Expression", "a key needs at least one value")
			}
			for _, v := range vs {
				if v != "*" && !vals[strings.ToLower(v)] {
					return bad(f+".Expression", "uses a tag value the spec does not define")
				}
			}
		}
		if err := checkPerms(f, g.Permissions, g.Grantable); err != nil {
			return err
		}
	}
	for i, g := range s.Grants {
		if err := g.validate("Grants["+strconv.Itoa(i)+"]", false); err != nil {
			return err
		}
	}
	for i, l := range s.Links {
		f := "Links[" + strconv.Itoa(i) + "]"
		if catalog.ValidateName("database", l.Database) != nil || catalog.ValidateName("table", l.Name) != nil {
			return bad(f, "Database and Name must be valid Glue names")
		}
		if !accountRE.MatchString(l.Target.CatalogID) || l.Target.Database == "" || l.Target.Table == "" {
			return bad(f+".Target", "needs a 12-digit CatalogID, a Database and a Table")
		}
		for _, r := range l.Readers {
			if _, ok := principalAccount(r); !ok {
				return bad(f+".Readers", "must be role/user ARNs or account ids")
			}
		}
	}
	for i, a := range s.AcceptSharesFrom {
		if !accountRE.MatchString(a) {
			return bad("AcceptSharesFrom["+strconv.Itoa(i)+"]", "must be a 12-digit account id")
		}
	}
	return nil
}

func hasColumn(s *catalog.Schema, c string) bool {
	for _, col := range s.Columns {
		if strings.EqualFold(col.Name, c) {
			return true
		}
	}
	for _, col := range s.PartitionKeys {
		if strings.EqualFold(col.Name, c) {
			return true
		}
	}
	return false
}

func checkPerms(f string, ps, gs []types.Permission) error {
	if len(ps) == 0 {
		return &SpecError{Field: f + ".Permissions", Reason: "is required"}
	}
	for _, p := range ps {
		if !slices.Contains(permissions, p) {
			return &SpecError{Field: f + ".Permissions", Reason: "unknown permission"}
		}
	}
	for _, g := range gs {
		if !slices.Contains(ps, g) {
			return &SpecError{Field: f + ".Grantable", Reason: "must be a subset of Permissions"}
		}
	}
	return nil
}

func (g *Grant) validate(f string, inProduct bool) error {
	bad := func(field, reason string) error { return &SpecError{Field: f + field, Reason: reason} }
	if _, ok := principalAccount(g.Principal); !ok {
		return bad(".Principal", "must be a role/user ARN, an account id, an organization/OU ARN or IAM_ALLOWED_PRINCIPALS")
	}
	if g.CatalogID != "" && !accountRE.MatchString(g.CatalogID) {
		return bad(".CatalogID", "must be a 12-digit account id")
	}
	if g.Database == "" && !inProduct {
		return bad(".Database", "is required")
	}
	if err := checkPerms(f, g.Permissions, g.Grantable); err != nil {
		return err
	}
	cols := len(g.Columns) > 0 || len(g.ExcludedColumns) > 0
	if len(g.Columns) > 0 && len(g.ExcludedColumns) > 0 {
		return bad(".Columns", "set Columns or ExcludedColumns, not both")
	}
	if (cols || g.RowFilter != nil) && (g.Table == "" || g.Table == "*") {
		return bad(".Table", "column and row filters need a named table")
	}
	if cols || g.RowFilter != nil {
		for _, p := range g.Permissions {
			if p != types.PermissionSelect {
				return bad(".Permissions", "column and row filters grant SELECT only")
			}
		}
	}
	if r := g.RowFilter; r != nil {
		if r.Name == "" || len(r.Name) > 255 {
			return bad(".RowFilter.Name", "must be 1 to 255 characters")
		}
		if len(r.Expression) > 2048 {
			return bad(".RowFilter.Expression", "exceeds 2,048 characters")
		}
	}
	return nil
}
