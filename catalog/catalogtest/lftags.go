package catalogtest

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// ---- Glue lookups (the LF fake reads the catalogs it governs) ----

func (g *Glue) hasDatabase(db string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.dbs[key(db)] != nil
}

// tableColumns returns the columns (data then partition keys, lower-case)
// of a table, and its resource-link target if it is a link.
func (g *Glue) tableColumns(db, name string) (cols []string, target *types.TableIdentifier, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dbs[key(db)]
	if d == nil {
		return nil, nil, false
	}
	t := d.tables[key(name)]
	if t == nil {
		return nil, nil, false
	}
	if t.t.StorageDescriptor != nil {
		for _, c := range t.t.StorageDescriptor.Columns {
			cols = append(cols, strings.ToLower(aws.ToString(c.Name)))
		}
	}
	for _, c := range t.t.PartitionKeys {
		cols = append(cols, strings.ToLower(aws.ToString(c.Name)))
	}
	if t.t.TargetTable != nil {
		tt := *t.t.TargetTable
		target = &tt
	}
	return cols, target, true
}

func (g *Glue) tableNames(db string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dbs[key(db)]
	if d == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(d.tables))
}

func (g *Glue) databaseNames() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Sorted(maps.Keys(g.dbs))
}

// ---- LF-tags ----

var tagKeyPattern = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@%]*)$`)
var tagValuePattern = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:*/=+\-@%]*)$`)

func checkTagKey(k string) error {
	if len(k) < 1 || len(k) > 128 || !tagKeyPattern.MatchString(k) {
		return invalidLF("TagKey does not satisfy the constraints")
	}
	return nil
}

func checkTagValues(vs []string) error {
	if len(vs) > MaxTagValuesPerCall {
		return invalidLF("at most 50 tag values per call")
	}
	for _, v := range vs {
		if len(v) > 256 || !tagValuePattern.MatchString(v) {
			return invalidLF("TagValues does not satisfy the constraints")
		}
	}
	return nil
}

// CreateLFTag defines an LF-tag. Keys and values are stored lower-case. An
// existing key is an InvalidInputException "Tag key already exists", as the
// service answers.
func (f *LakeFormation) CreateLFTag(ctx context.Context, in *lakeformation.CreateLFTagInput, _ ...func(*lakeformation.Options)) (*lakeformation.CreateLFTagOutput, error) {
	const op = "CreateLFTag"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, lfError(op, invalidLF("TagKey is required"))
	}
	k := aws.ToString(in.TagKey)
	if err := checkTagKey(k); err != nil {
		return nil, lfError(op, err)
	}
	if len(in.TagValues) == 0 {
		return nil, lfError(op, invalidLF("TagValues is required"))
	}
	if err := checkTagValues(in.TagValues); err != nil {
		return nil, lfError(op, err)
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	if c := catalogOf(in.CatalogId, a.id); c != a.id {
		return nil, lfError(op, deniedLF("LF-tags are created in the caller's catalog"))
	}
	k = strings.ToLower(k)
	if a.tags[k] != nil {
		return nil, lfError(op, invalidLF("Tag key already exists"))
	}
	if len(a.tags) >= 1000 {
		return nil, lfError(op, &lftypes.ResourceNumberLimitExceededException{Message: aws.String("LF-tag limit reached")})
	}
	vals := map[string]bool{}
	for _, v := range in.TagValues {
		vals[strings.ToLower(v)] = true
	}
	a.tags[k] = vals
	return &lakeformation.CreateLFTagOutput{}, nil
}

// GetLFTag returns a tag's values (sorted).
func (f *LakeFormation) GetLFTag(ctx context.Context, in *lakeformation.GetLFTagInput, _ ...func(*lakeformation.Options)) (*lakeformation.GetLFTagOutput, error) {
	const op = "GetLFTag"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil || aws.ToString(in.TagKey) == "" {
		return nil, lfError(op, invalidLF("TagKey is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	cat := f.w.accounts[catalogOf(in.CatalogId, a.id)]
	k := strings.ToLower(*in.TagKey)
	if cat == nil || cat.tags[k] == nil {
		return nil, lfError(op, notFoundLF("Tag key does not exist"))
	}
	return &lakeformation.GetLFTagOutput{CatalogId: aws.String(cat.id), TagKey: aws.String(k), TagValues: slices.Sorted(maps.Keys(cat.tags[k]))}, nil
}

// UpdateLFTag adds and deletes values of a tag. Deleting a value that is
// still assigned to a resource fails.
func (f *LakeFormation) UpdateLFTag(ctx context.Context, in *lakeformation.UpdateLFTagInput, _ ...func(*lakeformation.Options)) (*lakeformation.UpdateLFTagOutput, error) {
	const op = "UpdateLFTag"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil || aws.ToString(in.TagKey) == "" {
		return nil, lfError(op, invalidLF("TagKey is required"))
	}
	if err := checkTagValues(in.TagValuesToAdd); err != nil {
		return nil, lfError(op, err)
	}
	if err := checkTagValues(in.TagValuesToDelete); err != nil {
		return nil, lfError(op, err)
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	k := strings.ToLower(*in.TagKey)
	vals := a.tags[k]
	if vals == nil {
		return nil, lfError(op, notFoundLF("Tag key does not exist"))
	}
	for _, v := range in.TagValuesToDelete {
		v = strings.ToLower(v)
		for _, kv := range a.assigned {
			if kv[k] == v {
				return nil, lfError(op, invalidLF("Tag value is still assigned to a resource"))
			}
		}
	}
	for _, v := range in.TagValuesToDelete {
		delete(vals, strings.ToLower(v))
	}
	for _, v := range in.TagValuesToAdd {
		vals[strings.ToLower(v)] = true
	}
	return &lakeformation.UpdateLFTagOutput{}, nil
}

// ListLFTags lists the caller's tags, sorted by key.
func (f *LakeFormation) ListLFTags(ctx context.Context, in *lakeformation.ListLFTagsInput, _ ...func(*lakeformation.Options)) (*lakeformation.ListLFTagsOutput, error) {
	const op = "ListLFTags"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &lakeformation.ListLFTagsInput{}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	var all []lftypes.LFTagPair
	for _, k := range slices.Sorted(maps.Keys(a.tags)) {
		all = append(all, lftypes.LFTagPair{CatalogId: aws.String(a.id), TagKey: aws.String(k), TagValues: slices.Sorted(maps.Keys(a.tags[k]))})
	}
	items, next, err := lfPage(all, in.NextToken, in.MaxResults, 1000, 1000)
	if err != nil {
		return nil, lfError(op, err)
	}
	return &lakeformation.ListLFTagsOutput{LFTags: items, NextToken: next}, nil
}

// taggable resolves a resource LF-tags can be assigned to: a database, a
// table, or columns of a table. It returns the assignment keys.
func (f *LakeFormation) taggable(a *lfAccount, r *lftypes.Resource) ([]string, error) {
	k, err := resourceKey(r, a.id)
	if err != nil {
		return nil, err
	}
	if k.catalog != a.id {
		return nil, deniedLF("LF-tags can only be assigned in the caller's catalog")
	}
	switch k.kind {
	case rDatabase:
		if !a.glue.hasDatabase(k.db) {
			return nil, notFoundLF("Database not found")
		}
		return []string{k.db + "\x00\x00"}, nil
	case rTable:
		if k.table == "*" {
			return nil, invalidLF("LF-tags cannot be assigned to a table wildcard")
		}
		if _, _, ok := a.glue.tableColumns(k.db, k.table); !ok {
			return nil, notFoundLF("Table not found")
		}
		return []string{k.db + "\x00" + k.table + "\x00"}, nil
	case rColumns:
		cols, _, ok := a.glue.tableColumns(k.db, k.table)
		if !ok {
			return nil, notFoundLF("Table not found")
		}
		if k.wild {
			return nil, invalidLF("LF-tags are assigned to named columns")
		}
		var out []string
		for _, c := range split(k.cols) {
			if !slices.Contains(cols, c) {
				return nil, invalidLF("Column not found in table")
			}
			out = append(out, k.db+"\x00"+k.table+"\x00"+c)
		}
		return out, nil
	}
	return nil, invalidLF("LF-tags can be assigned to databases, tables and columns only")
}

// beginTagging is the start both tag assignment calls share: the call is
// recorded, the pair count checked, the world locked and the resource's
// taggable keys found. On success the caller holds f.w.mu and must unlock
// it.
func (f *LakeFormation) beginTagging(ctx context.Context, op string, res *lftypes.Resource, pairs int) (*lfAccount, []string, error) {
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true, Items: pairs}); err != nil {
		return nil, nil, err
	}
	if pairs == 0 || pairs > MaxTagsPerCall {
		return nil, nil, lfError(op, invalidLF("LFTags must have 1 to 50 items"))
	}
	a := f.lock()
	keys, err := f.taggable(a, res)
	if err != nil {
		f.w.mu.Unlock()
		return nil, nil, lfError(op, err)
	}
	return a, keys, nil
}

// tagFailure is one entry of a tag call's Failures list.
func tagFailure(catalogID string, p lftypes.LFTagPair, code, msg string) lftypes.LFTagError {
	return lftypes.LFTagError{
		LFTag: &lftypes.LFTagPair{CatalogId: aws.String(catalogID), TagKey: p.TagKey, TagValues: slices.Clone(p.TagValues)},
		Error: &lftypes.ErrorDetail{ErrorCode: aws.String(code), ErrorMessage: aws.String(msg)},
	}
}

// AddLFTagsToResource assigns tags. A pair whose key or value does not exist
// is reported in Failures with HTTP 200, the others are assigned: a partial
// success, as the service answers. Assigning another value of a key
// replaces the resource's value (one value per key per resource).
func (f *LakeFormation) AddLFTagsToResource(ctx context.Context, in *lakeformation.AddLFTagsToResourceInput, _ ...func(*lakeformation.Options)) (*lakeformation.AddLFTagsToResourceOutput, error) {
	const op = "AddLFTagsToResource"
	if in == nil {
		in = &lakeformation.AddLFTagsToResourceInput{}
	}
	a, keys, err := f.beginTagging(ctx, op, in.Resource, len(in.LFTags))
	if err != nil {
		return nil, err
	}
	defer f.w.mu.Unlock()
	out := &lakeformation.AddLFTagsToResourceOutput{Failures: []lftypes.LFTagError{}}
	for _, p := range in.LFTags {
		tk := strings.ToLower(aws.ToString(p.TagKey))
		fail := func(code, msg string) {
			out.Failures = append(out.Failures, tagFailure(a.id, p, code, msg))
		}
		if len(p.TagValues) != 1 {
			fail("InvalidInputException", "exactly one tag value per key can be assigned to a resource")
			continue
		}
		v := strings.ToLower(p.TagValues[0])
		if a.tags[tk] == nil {
			fail("EntityNotFoundException", "Tag key does not exist")
			continue
		}
		if !a.tags[tk][v] {
			fail("InvalidInputException", "Tag value does not exist")
			continue
		}
		for _, rk := range keys {
			m := a.assigned[rk]
			if m == nil {
				m = map[string]string{}
				a.assigned[rk] = m
			}
			if _, had := m[tk]; !had && len(m) >= MaxTagsPerResource {
				fail("ResourceNumberLimitExceededException", "too many LF-tags on the resource")
				break
			}
			m[tk] = v
		}
	}
	return out, nil
}

// RemoveLFTagsFromResource removes assigned tags; a pair not assigned is
// reported in Failures.
func (f *LakeFormation) RemoveLFTagsFromResource(ctx context.Context, in *lakeformation.RemoveLFTagsFromResourceInput, _ ...func(*lakeformation.Options)) (*lakeformation.RemoveLFTagsFromResourceOutput, error) {
	const op = "RemoveLFTagsFromResource"
	if in == nil {
		in = &lakeformation.RemoveLFTagsFromResourceInput{}
	}
	a, keys, err := f.beginTagging(ctx, op, in.Resource, len(in.LFTags))
	if err != nil {
		return nil, err
	}
	defer f.w.mu.Unlock()
	out := &lakeformation.RemoveLFTagsFromResourceOutput{Failures: []lftypes.LFTagError{}}
	for _, p := range in.LFTags {
		tk := strings.ToLower(aws.ToString(p.TagKey))
		for _, rk := range keys {
			if _, ok := a.assigned[rk][tk]; !ok {
				out.Failures = append(out.Failures, tagFailure(a.id, p, "EntityNotFoundException", "Tag is not assigned to the resource"))
				break
			}
			delete(a.assigned[rk], tk)
		}
	}
	return out, nil
}

func pairs(catalog string, m map[string]string) []lftypes.LFTagPair {
	out := []lftypes.LFTagPair{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, lftypes.LFTagPair{CatalogId: aws.String(catalog), TagKey: aws.String(k), TagValues: []string{m[k]}})
	}
	return out
}

// effectiveTags returns the tags of a database, table or column: assigned
// ones override inherited ones (column < table < database).
func (a *lfAccount) effectiveTags(db, table, col string) map[string]string {
	out := maps.Clone(a.assigned[db+"\x00\x00"])
	if out == nil {
		out = map[string]string{}
	}
	if table != "" {
		maps.Copy(out, a.assigned[db+"\x00"+table+"\x00"])
	}
	if col != "" {
		maps.Copy(out, a.assigned[db+"\x00"+table+"\x00"+col])
	}
	return out
}

// GetResourceLFTags returns the tags of a database or table (and its
// columns): with ShowAssignedLFTags only the assigned ones, otherwise the
// effective ones including inherited tags.
func (f *LakeFormation) GetResourceLFTags(ctx context.Context, in *lakeformation.GetResourceLFTagsInput, _ ...func(*lakeformation.Options)) (*lakeformation.GetResourceLFTagsOutput, error) {
	const op = "GetResourceLFTags"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, lfError(op, invalidLF("Resource is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	k, err := resourceKey(in.Resource, a.id)
	if err != nil {
		return nil, lfError(op, err)
	}
	cat := f.w.accounts[k.catalog]
	if cat == nil {
		return nil, lfError(op, notFoundLF("Catalog not found"))
	}
	assigned := aws.ToBool(in.ShowAssignedLFTags)
	get := func(db, table, col string) map[string]string {
		if assigned {
			return maps.Clone(cat.assigned[db+"\x00"+table+"\x00"+col])
		}
		return cat.effectiveTags(db, table, col)
	}
	out := &lakeformation.GetResourceLFTagsOutput{}
	switch k.kind {
	case rDatabase:
		if !cat.glue.hasDatabase(k.db) {
			return nil, lfError(op, notFoundLF("Database not found"))
		}
		out.LFTagOnDatabase = pairs(cat.id, get(k.db, "", ""))
	case rTable, rColumns:
		cols, _, ok := cat.glue.tableColumns(k.db, k.table)
		if !ok || k.table == "*" {
			return nil, lfError(op, notFoundLF("Table not found"))
		}
		out.LFTagOnDatabase = pairs(cat.id, get(k.db, "", ""))
		out.LFTagsOnTable = pairs(cat.id, get(k.db, k.table, ""))
		for _, c := range cols {
			out.LFTagsOnColumns = append(out.LFTagsOnColumns, lftypes.ColumnLFTag{Name: aws.String(c), LFTags: pairs(cat.id, get(k.db, k.table, c))})
		}
	default:
		return nil, lfError(op, invalidLF("LF-tags are read from databases and tables"))
	}
	return out, nil
}

// matches says whether tags satisfy a canonical expression: every key
// present with one of its values.
func matches(tags map[string]string, expr map[string][]string) bool {
	for k, vs := range expr {
		v, ok := tags[k]
		if !ok || !slices.Contains(vs, v) {
			return false
		}
	}
	return true
}

// SearchTablesByLFTags returns the tables whose table-level tags, or the
// tags of some of whose columns, match the expression.
func (f *LakeFormation) SearchTablesByLFTags(ctx context.Context, in *lakeformation.SearchTablesByLFTagsInput, _ ...func(*lakeformation.Options)) (*lakeformation.SearchTablesByLFTagsOutput, error) {
	const op = "SearchTablesByLFTags"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil || len(in.Expression) == 0 {
		return nil, lfError(op, invalidLF("Expression is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	cat := f.w.accounts[catalogOf(in.CatalogId, a.id)]
	if cat == nil {
		return nil, lfError(op, notFoundLF("Catalog not found"))
	}
	expr := parseExpr(canonExpr(in.Expression))
	var all []lftypes.TaggedTable
	for _, db := range cat.glue.databaseNames() {
		for _, t := range cat.glue.tableNames(db) {
			cols, _, _ := cat.glue.tableColumns(db, t)
			hit := matches(cat.effectiveTags(db, t, ""), expr)
			tt := lftypes.TaggedTable{
				Table:           &lftypes.TableResource{CatalogId: aws.String(cat.id), DatabaseName: aws.String(db), Name: aws.String(t)},
				LFTagOnDatabase: pairs(cat.id, cat.effectiveTags(db, "", "")),
				LFTagsOnTable:   pairs(cat.id, cat.effectiveTags(db, t, "")),
			}
			for _, c := range cols {
				ct := cat.effectiveTags(db, t, c)
				hit = hit || matches(ct, expr)
				tt.LFTagsOnColumns = append(tt.LFTagsOnColumns, lftypes.ColumnLFTag{Name: aws.String(c), LFTags: pairs(cat.id, ct)})
			}
			if hit {
				all = append(all, tt)
			}
		}
	}
	items, next, err := lfPage(all, in.NextToken, in.MaxResults, 100, 100)
	if err != nil {
		return nil, lfError(op, err)
	}
	return &lakeformation.SearchTablesByLFTagsOutput{TableList: items, NextToken: next}, nil
}

// DeleteLFTag deletes a tag: its assignments go, and so do the grants on
// policies using the key, which the service invalidates.
func (f *LakeFormation) DeleteLFTag(ctx context.Context, in *lakeformation.DeleteLFTagInput, _ ...func(*lakeformation.Options)) (*lakeformation.DeleteLFTagOutput, error) {
	const op = "DeleteLFTag"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil || aws.ToString(in.TagKey) == "" {
		return nil, lfError(op, invalidLF("TagKey is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	k := strings.ToLower(*in.TagKey)
	if a.tags[k] == nil {
		return nil, lfError(op, notFoundLF("Tag key does not exist"))
	}
	delete(a.tags, k)
	for _, acct := range f.w.accounts {
		acct.changed()
	}
	for _, m := range a.assigned {
		delete(m, k)
	}
	for _, acct := range f.w.accounts {
		for id, g := range acct.grants {
			if (g.key.kind == rPolicy || g.key.kind == rTag) && g.key.catalog == a.id {
				if _, uses := parseExpr(g.key.cols)[k]; uses || g.key.name == k {
					delete(acct.grants, id)
				}
			}
		}
	}
	return &lakeformation.DeleteLFTagOutput{}, nil
}

// SearchDatabasesByLFTags returns the databases whose tags match the
// expression.
func (f *LakeFormation) SearchDatabasesByLFTags(ctx context.Context, in *lakeformation.SearchDatabasesByLFTagsInput, _ ...func(*lakeformation.Options)) (*lakeformation.SearchDatabasesByLFTagsOutput, error) {
	const op = "SearchDatabasesByLFTags"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil || len(in.Expression) == 0 {
		return nil, lfError(op, invalidLF("Expression is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	cat := f.w.accounts[catalogOf(in.CatalogId, a.id)]
	if cat == nil {
		return nil, lfError(op, notFoundLF("Catalog not found"))
	}
	expr := parseExpr(canonExpr(in.Expression))
	var all []lftypes.TaggedDatabase
	for _, db := range cat.glue.databaseNames() {
		tags := cat.effectiveTags(db, "", "")
		if matches(tags, expr) {
			all = append(all, lftypes.TaggedDatabase{Database: &lftypes.DatabaseResource{CatalogId: aws.String(cat.id), Name: aws.String(db)}, LFTags: pairs(cat.id, tags)})
		}
	}
	items, next, err := lfPage(all, in.NextToken, in.MaxResults, 100, 100)
	if err != nil {
		return nil, lfError(op, err)
	}
	return &lakeformation.SearchDatabasesByLFTagsOutput{DatabaseList: items, NextToken: next}, nil
}
