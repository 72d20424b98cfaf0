package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

// LakeFormationEnv is what the Lake Formation conformance suite runs
// against: one account's Lake Formation and Glue, and a role of that account
// to grant to.
type LakeFormationEnv struct {
	// LakeFormation is a *lakeformation.Client, a *LakeFormation, or a
	// client on a LakeFormationServer. It must also implement DeleteLFTag
	// for cleanup (all three do).
	LakeFormation govern.LakeFormationAPI
	// Glue is the same account's catalog (it must implement
	// DatabaseDeleter for cleanup).
	Glue catalog.GlueAPI
	// CatalogID is the account id (the service requires it in data cells
	// filters; "" lets the fake use its own).
	CatalogID string
	// Principal is a role ARN of the account that the suite grants to and
	// revokes from.
	Principal string
	// Prefix names the throwaway databases and LF-tags (a lowercase name);
	// "" means "cdpkit_conformance".
	Prefix string
}

type tagDeleter interface {
	DeleteLFTag(ctx context.Context, params *lakeformation.DeleteLFTagInput, optFns ...func(*lakeformation.Options)) (*lakeformation.DeleteLFTagOutput, error)
}

type lfCheck struct {
	name string
	run  func(ctx context.Context, env LakeFormationEnv, db, tag string) error
}

// RunLakeFormation runs the Lake Formation conformance suite: the
// behaviours package govern relies on (partial-success answers, "already
// exists" and "no permissions revoked" shapes, lower-cased tags, the read
// back of SELECT grants, paging), one subtest per behaviour, each in its
// own database and LF-tag, removed at the end. Run it against the fake,
// against a *lakeformation.Client on NewLakeFormationServer, and against
// the real service (see the package doc, # Live runs).
func RunLakeFormation(t *testing.T, newEnv func(t *testing.T) LakeFormationEnv) {
	t.Helper()
	for _, c := range lfChecks() {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t)
			db, tag := lfNames(env, c.name)
			t.Cleanup(func() { lfCleanup(context.WithoutCancel(t.Context()), env, db, tag) })
			if err := c.run(t.Context(), env, db, tag); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLakeFormation runs every behaviour against env in sequence and
// returns the failures joined, for use outside go test.
func TestLakeFormation(ctx context.Context, env LakeFormationEnv) error {
	var errs []error
	for _, c := range lfChecks() {
		db, tag := lfNames(env, c.name)
		if err := c.run(ctx, env, db, tag); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
		lfCleanup(context.WithoutCancel(ctx), env, db, tag)
	}
	return errors.Join(errs...)
}

func lfNames(env LakeFormationEnv, check string) (db, tag string) {
	prefix := env.Prefix
	if prefix == "" {
		prefix = "cdpkit_conformance"
	}
	db = dbName(prefix, check)
	return db, db
}

// lfCleanup removes what a check created; errors are ignored (the thing may
// not exist).
func lfCleanup(ctx context.Context, env LakeFormationEnv, db, tag string) {
	lf := env.LakeFormation
	out, err := lf.ListPermissions(ctx, &lakeformation.ListPermissionsInput{})
	if err == nil {
		for _, p := range out.PrincipalResourcePermissions {
			r := p.Resource
			if r == nil || resourceDB(r) != db || aws.ToString(p.Principal.DataLakePrincipalIdentifier) != env.Principal {
				continue
			}
			_, _ = lf.BatchRevokePermissions(ctx, &lakeformation.BatchRevokePermissionsInput{Entries: []types.BatchPermissionsRequestEntry{{
				Id: aws.String("0"), Principal: p.Principal, Resource: r, Permissions: p.Permissions, PermissionsWithGrantOption: p.PermissionsWithGrantOption,
			}}})
		}
	}
	if fs, err := lf.ListDataCellsFilter(ctx, &lakeformation.ListDataCellsFilterInput{}); err == nil {
		for _, f := range fs.DataCellsFilters {
			if aws.ToString(f.DatabaseName) == db {
				_, _ = lf.DeleteDataCellsFilter(ctx, &lakeformation.DeleteDataCellsFilterInput{TableCatalogId: f.TableCatalogId, DatabaseName: f.DatabaseName, TableName: f.TableName, Name: f.Name})
			}
		}
	}
	if d, ok := lf.(tagDeleter); ok {
		_, _ = d.DeleteLFTag(ctx, &lakeformation.DeleteLFTagInput{TagKey: aws.String(tag)})
	}
	if d, ok := env.Glue.(DatabaseDeleter); ok {
		_, _ = d.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String(db)})
	}
}

func resourceDB(r *types.Resource) string {
	switch {
	case r.Database != nil:
		return aws.ToString(r.Database.Name)
	case r.Table != nil:
		return aws.ToString(r.Table.DatabaseName)
	case r.TableWithColumns != nil:
		return aws.ToString(r.TableWithColumns.DatabaseName)
	case r.DataCellsFilter != nil:
		return aws.ToString(r.DataCellsFilter.DatabaseName)
	}
	return ""
}

// lfTable creates database db with table t (columns a, b, c).
func lfTable(ctx context.Context, env LakeFormationEnv, db string) error {
	if _, err := env.Glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(db)}}); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	s := catalog.Schema{Columns: []catalog.Column{{Name: "a", Type: "string"}, {Name: "b", Type: "string"}, {Name: "c", Type: "bigint"}}, Location: "s3://cdpkit-conformance-bucket/" + db + "/t/"}
	if _, err := env.Glue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: s.TableInput("t")}); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	return nil
}

func apiCode(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

func tableRes(db string) *types.Resource {
	return &types.Resource{Table: &types.TableResource{DatabaseName: aws.String(db), Name: aws.String("t")}}
}

func principal(p string) *types.DataLakePrincipal {
	return &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(p)}
}

// lfGrant grants with a one-entry batch and turns a failed entry into an
// error.
func lfGrant(ctx context.Context, lf govern.LakeFormationAPI, p string, r *types.Resource, ps ...types.Permission) error {
	out, err := lf.BatchGrantPermissions(ctx, &lakeformation.BatchGrantPermissionsInput{Entries: []types.BatchPermissionsRequestEntry{{
		Id: aws.String("0"), Principal: principal(p), Resource: r, Permissions: ps,
	}}})
	if err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	if len(out.Failures) > 0 {
		return fmt.Errorf("grant: entry failed with %s", aws.ToString(out.Failures[0].Error.ErrorCode))
	}
	return nil
}

func lfChecks() []lfCheck {
	return []lfCheck{
		{"tags_lowercase_and_exists", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			lf := env.LakeFormation
			if _, err := lf.CreateLFTag(ctx, &lakeformation.CreateLFTagInput{TagKey: aws.String(strings.ToUpper(tag)), TagValues: []string{"Gold", "silver"}}); err != nil {
				return fmt.Errorf("create: %w", err)
			}
			out, err := lf.GetLFTag(ctx, &lakeformation.GetLFTagInput{TagKey: aws.String(tag)})
			if err != nil {
				return fmt.Errorf("get: %w", err)
			}
			vals := slices.Sorted(slices.Values(out.TagValues))
			if aws.ToString(out.TagKey) != tag || !slices.Equal(vals, []string{"gold", "silver"}) {
				return fmt.Errorf("key/values not stored lower-case: %v", vals)
			}
			_, err = lf.CreateLFTag(ctx, &lakeformation.CreateLFTagInput{TagKey: aws.String(tag), TagValues: []string{"gold"}})
			code, msg := apiCode(err)
			if !(code == "AlreadyExistsException" || code == "InvalidInputException" && strings.Contains(msg, "already exists")) {
				return fmt.Errorf("creating an existing key: got %v, want AlreadyExists or InvalidInput \"already exists\"", err)
			}
			return nil
		}},
		{"add_tags_partial_failure", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			lf := env.LakeFormation
			if err := lfTable(ctx, env, db); err != nil {
				return err
			}
			if _, err := lf.CreateLFTag(ctx, &lakeformation.CreateLFTagInput{TagKey: aws.String(tag), TagValues: []string{"gold"}}); err != nil {
				return err
			}
			out, err := lf.AddLFTagsToResource(ctx, &lakeformation.AddLFTagsToResourceInput{Resource: tableRes(db), LFTags: []types.LFTagPair{
				{TagKey: aws.String(tag), TagValues: []string{"gold"}},
				{TagKey: aws.String(tag + "_missing"), TagValues: []string{"x"}},
			}})
			if err != nil {
				return fmt.Errorf("a partly bad request failed as a whole: %w", err)
			}
			if len(out.Failures) != 1 || aws.ToString(out.Failures[0].LFTag.TagKey) != tag+"_missing" || out.Failures[0].Error == nil {
				return fmt.Errorf("want one failure naming the unknown key, got %d", len(out.Failures))
			}
			got, err := lf.GetResourceLFTags(ctx, &lakeformation.GetResourceLFTagsInput{Resource: tableRes(db), ShowAssignedLFTags: aws.Bool(true)})
			if err != nil {
				return err
			}
			if len(got.LFTagsOnTable) != 1 || aws.ToString(got.LFTagsOnTable[0].TagKey) != tag {
				return fmt.Errorf("the good pair was not assigned: %d tags", len(got.LFTagsOnTable))
			}
			return nil
		}},
		{"batch_grant_partial_failure", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			if err := lfTable(ctx, env, db); err != nil {
				return err
			}
			out, err := env.LakeFormation.BatchGrantPermissions(ctx, &lakeformation.BatchGrantPermissionsInput{Entries: []types.BatchPermissionsRequestEntry{
				{Id: aws.String("good"), Principal: principal(env.Principal), Resource: tableRes(db), Permissions: []types.Permission{types.PermissionDescribe}},
				{Id: aws.String("bad"), Principal: principal(env.Principal), Resource: &types.Resource{Table: &types.TableResource{DatabaseName: aws.String(db), Name: aws.String("missing")}}, Permissions: []types.Permission{types.PermissionDescribe}},
			}})
			if err != nil {
				return fmt.Errorf("a partly bad batch failed as a whole: %w", err)
			}
			if len(out.Failures) != 1 || aws.ToString(out.Failures[0].RequestEntry.Id) != "bad" || out.Failures[0].Error == nil || aws.ToString(out.Failures[0].Error.ErrorCode) == "" {
				return fmt.Errorf("want one failure for entry \"bad\" with a code, got %d", len(out.Failures))
			}
			return nil
		}},
		{"select_reads_back", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			lf := env.LakeFormation
			if err := lfTable(ctx, env, db); err != nil {
				return err
			}
			if err := lfGrant(ctx, lf, env.Principal, tableRes(db), types.PermissionSelect, types.PermissionDescribe); err != nil {
				return err
			}
			out, err := lf.ListPermissions(ctx, &lakeformation.ListPermissionsInput{Resource: tableRes(db)})
			if err != nil {
				return err
			}
			got := map[types.Permission]bool{}
			for _, p := range out.PrincipalResourcePermissions {
				if aws.ToString(p.Principal.DataLakePrincipalIdentifier) != env.Principal {
					continue
				}
				if r := p.Resource; r.Table == nil && (r.TableWithColumns == nil || r.TableWithColumns.ColumnWildcard == nil || len(r.TableWithColumns.ColumnWildcard.ExcludedColumnNames) > 0) {
					return errors.New("a table grant reads back on another resource than the table or all its columns")
				}
				for _, x := range p.Permissions {
					got[x] = true
				}
			}
			if len(got) != 2 || !got[types.PermissionSelect] || !got[types.PermissionDescribe] {
				return fmt.Errorf("read back %v, want SELECT and DESCRIBE", got)
			}
			return nil
		}},
		{"revoke_absent_grant", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			if err := lfTable(ctx, env, db); err != nil {
				return err
			}
			out, err := env.LakeFormation.BatchRevokePermissions(ctx, &lakeformation.BatchRevokePermissionsInput{Entries: []types.BatchPermissionsRequestEntry{{
				Id: aws.String("0"), Principal: principal(env.Principal), Resource: tableRes(db), Permissions: []types.Permission{types.PermissionAlter},
			}}})
			if err != nil {
				return fmt.Errorf("revoking nothing failed as a whole: %w", err)
			}
			if len(out.Failures) != 1 || out.Failures[0].Error == nil || aws.ToString(out.Failures[0].Error.ErrorCode) != "InvalidInputException" ||
				!strings.Contains(aws.ToString(out.Failures[0].Error.ErrorMessage), "No permissions revoked") {
				return errors.New("revoking nothing: want one failure InvalidInputException \"No permissions revoked\"")
			}
			return nil
		}},
		{"cells_filter_exists", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			if err := lfTable(ctx, env, db); err != nil {
				return err
			}
			in := &lakeformation.CreateDataCellsFilterInput{TableData: &types.DataCellsFilter{
				DatabaseName: aws.String(db), TableName: aws.String("t"), Name: aws.String("f"),
				ColumnWildcard: &types.ColumnWildcard{ExcludedColumnNames: []string{"b"}}, RowFilter: &types.RowFilter{FilterExpression: aws.String("c > 0")},
			}}
			if env.CatalogID != "" {
				in.TableData.TableCatalogId = aws.String(env.CatalogID)
			}
			if _, err := env.LakeFormation.CreateDataCellsFilter(ctx, in); err != nil {
				return fmt.Errorf("create: %w", err)
			}
			_, err := env.LakeFormation.CreateDataCellsFilter(ctx, in)
			var ae *types.AlreadyExistsException
			if !errors.As(err, &ae) {
				return fmt.Errorf("creating it again: got %v, want AlreadyExistsException", err)
			}
			return nil
		}},
		{"search_by_tags", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			// What govern's plans read instead of one GetResourceLFTags per
			// table: a search by one key over its values finds a table whose
			// database or column carries the key, with the database's tags
			// and each column's. (Whether a table and its columns also show
			// the tags they inherit is not checked: govern's reading holds
			// either way.)
			lf := env.LakeFormation
			if err := lfTable(ctx, env, db); err != nil {
				return err
			}
			if _, err := lf.CreateLFTag(ctx, &lakeformation.CreateLFTagInput{TagKey: aws.String(tag), TagValues: []string{"gold", "silver"}}); err != nil {
				return err
			}
			assign := func(r *types.Resource, v string) error {
				out, err := lf.AddLFTagsToResource(ctx, &lakeformation.AddLFTagsToResourceInput{Resource: r, LFTags: []types.LFTagPair{{TagKey: aws.String(tag), TagValues: []string{v}}}})
				if err != nil || len(out.Failures) > 0 {
					return fmt.Errorf("assign %s: %v", v, err)
				}
				return nil
			}
			if err := assign(&types.Resource{Database: &types.DatabaseResource{Name: aws.String(db)}}, "gold"); err != nil {
				return err
			}
			if err := assign(&types.Resource{TableWithColumns: &types.TableWithColumnsResource{DatabaseName: aws.String(db), Name: aws.String("t"), ColumnNames: []string{"b"}}}, "silver"); err != nil {
				return err
			}
			find := func(values ...string) (*types.TaggedTable, error) {
				var token *string
				for {
					out, err := lf.SearchTablesByLFTags(ctx, &lakeformation.SearchTablesByLFTagsInput{
						Expression: []types.LFTag{{TagKey: aws.String(tag), TagValues: values}}, MaxResults: aws.Int32(100), NextToken: token,
					})
					if err != nil {
						return nil, fmt.Errorf("search: %w", err)
					}
					for _, t := range out.TableList {
						if t.Table != nil && aws.ToString(t.Table.DatabaseName) == db && aws.ToString(t.Table.Name) == "t" {
							return &t, nil
						}
					}
					if next := out.NextToken; next == nil || *next == "" || (token != nil && *next == *token) {
						return nil, nil
					}
					token = out.NextToken
				}
			}
			value := func(ps []types.LFTagPair) string {
				for _, p := range ps {
					if aws.ToString(p.TagKey) == tag && len(p.TagValues) > 0 {
						return p.TagValues[0]
					}
				}
				return ""
			}
			for _, values := range [][]string{{"gold", "silver"}, {"silver"}} {
				t, err := find(values...)
				if err != nil {
					return err
				}
				if t == nil {
					return fmt.Errorf("a search for %v does not find the table", values)
				}
				if v := value(t.LFTagOnDatabase); v != "gold" {
					return fmt.Errorf("LFTagOnDatabase shows %q, want gold", v)
				}
				if v := value(t.LFTagsOnTable); v != "" && v != "gold" {
					return fmt.Errorf("LFTagsOnTable shows %q, want gold or nothing", v)
				}
				var b string
				for _, c := range t.LFTagsOnColumns {
					if aws.ToString(c.Name) == "b" {
						b = value(c.LFTags)
					}
				}
				if b != "silver" {
					return fmt.Errorf("column b shows %q, want silver", b)
				}
			}
			dbs, err := lf.SearchDatabasesByLFTags(ctx, &lakeformation.SearchDatabasesByLFTagsInput{Expression: []types.LFTag{{TagKey: aws.String(tag), TagValues: []string{"gold"}}}})
			if err != nil {
				return fmt.Errorf("search databases: %w", err)
			}
			for _, d := range dbs.DatabaseList {
				if d.Database != nil && aws.ToString(d.Database.Name) == db {
					if v := value(d.LFTags); v != "gold" {
						return fmt.Errorf("the database shows %q, want gold", v)
					}
					return nil
				}
			}
			return errors.New("a database search does not find the database")
		}},
		{"prune_filter_and_tags", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			// What pruning a dropped product relies on: a database's tag
			// assignment goes with RemoveLFTagsFromResource, and a filter
			// whose grant was revoked can be deleted and is listed no more.
			lf := env.LakeFormation
			if err := lfTable(ctx, env, db); err != nil {
				return err
			}
			if _, err := lf.CreateLFTag(ctx, &lakeformation.CreateLFTagInput{TagKey: aws.String(tag), TagValues: []string{"gold"}}); err != nil {
				return err
			}
			dbRes := &types.Resource{Database: &types.DatabaseResource{Name: aws.String(db)}}
			pair := []types.LFTagPair{{TagKey: aws.String(tag), TagValues: []string{"gold"}}}
			if out, err := lf.AddLFTagsToResource(ctx, &lakeformation.AddLFTagsToResourceInput{Resource: dbRes, LFTags: pair}); err != nil || len(out.Failures) > 0 {
				return fmt.Errorf("tag the database: %v", err)
			}
			rm, err := lf.RemoveLFTagsFromResource(ctx, &lakeformation.RemoveLFTagsFromResourceInput{Resource: dbRes, LFTags: pair})
			if err != nil || len(rm.Failures) > 0 {
				return fmt.Errorf("untag the database: %v", err)
			}
			got, err := lf.GetResourceLFTags(ctx, &lakeformation.GetResourceLFTagsInput{Resource: dbRes, ShowAssignedLFTags: aws.Bool(true)})
			if err != nil {
				return fmt.Errorf("read the database's tags: %w", err)
			}
			if len(got.LFTagOnDatabase) != 0 {
				return errors.New("a removed tag is still assigned to the database")
			}
			f := &types.DataCellsFilter{
				DatabaseName: aws.String(db), TableName: aws.String("t"), Name: aws.String("f"),
				ColumnNames: []string{"a"}, RowFilter: &types.RowFilter{AllRowsWildcard: &types.AllRowsWildcard{}},
			}
			if env.CatalogID != "" {
				f.TableCatalogId = aws.String(env.CatalogID)
			}
			if _, err := lf.CreateDataCellsFilter(ctx, &lakeformation.CreateDataCellsFilterInput{TableData: f}); err != nil {
				return fmt.Errorf("create filter: %w", err)
			}
			fres := &types.Resource{DataCellsFilter: &types.DataCellsFilterResource{TableCatalogId: f.TableCatalogId, DatabaseName: f.DatabaseName, TableName: f.TableName, Name: f.Name}}
			if err := lfGrant(ctx, lf, env.Principal, fres, types.PermissionSelect); err != nil {
				return err
			}
			rv, err := lf.BatchRevokePermissions(ctx, &lakeformation.BatchRevokePermissionsInput{Entries: []types.BatchPermissionsRequestEntry{{
				Id: aws.String("0"), Principal: principal(env.Principal), Resource: fres, Permissions: []types.Permission{types.PermissionSelect},
			}}})
			if err != nil || len(rv.Failures) > 0 {
				return fmt.Errorf("revoke the filter's grant: %v", err)
			}
			if _, err := lf.DeleteDataCellsFilter(ctx, &lakeformation.DeleteDataCellsFilterInput{TableCatalogId: f.TableCatalogId, DatabaseName: f.DatabaseName, TableName: f.TableName, Name: f.Name}); err != nil {
				return fmt.Errorf("delete filter: %w", err)
			}
			list, err := lf.ListDataCellsFilter(ctx, &lakeformation.ListDataCellsFilterInput{Table: &types.TableResource{CatalogId: f.TableCatalogId, DatabaseName: f.DatabaseName, Name: f.TableName}})
			if err != nil {
				return fmt.Errorf("list filters: %w", err)
			}
			for _, g := range list.DataCellsFilters {
				if aws.ToString(g.Name) == "f" {
					return errors.New("a deleted filter is still listed")
				}
			}
			return nil
		}},
		{"permissions_paginate_and_filter", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			lf := env.LakeFormation
			if err := lfTable(ctx, env, db); err != nil {
				return err
			}
			if err := lfGrant(ctx, lf, env.Principal, &types.Resource{Database: &types.DatabaseResource{Name: aws.String(db)}}, types.PermissionDescribe); err != nil {
				return err
			}
			if err := lfGrant(ctx, lf, env.Principal, tableRes(db), types.PermissionDescribe); err != nil {
				return err
			}
			var token *string
			seen := 0
			for pages := 0; ; pages++ {
				if pages > 50 {
					return errors.New("more than 50 pages of one entry")
				}
				out, err := lf.ListPermissions(ctx, &lakeformation.ListPermissionsInput{MaxResults: aws.Int32(1), NextToken: token})
				if err != nil {
					return err
				}
				if len(out.PrincipalResourcePermissions) > 1 {
					return errors.New("a page exceeds MaxResults")
				}
				for _, p := range out.PrincipalResourcePermissions {
					if resourceDB(p.Resource) == db && aws.ToString(p.Principal.DataLakePrincipalIdentifier) == env.Principal {
						seen++
					}
				}
				if token = out.NextToken; token == nil || *token == "" {
					break
				}
			}
			if seen < 2 {
				return fmt.Errorf("paging returned %d of the grants", seen)
			}
			_, err := lf.ListPermissions(ctx, &lakeformation.ListPermissionsInput{Principal: principal(env.Principal)})
			if code, _ := apiCode(err); code != "InvalidInputException" {
				return fmt.Errorf("listing by principal without a resource: got %v, want InvalidInputException", err)
			}
			return nil
		}},
		{"settings_round_trip", func(ctx context.Context, env LakeFormationEnv, db, tag string) error {
			lf := env.LakeFormation
			out, err := lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
			if err != nil || out.DataLakeSettings == nil {
				return fmt.Errorf("get: %v", err)
			}
			if _, err := lf.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: out.DataLakeSettings}); err != nil {
				return fmt.Errorf("writing back what was read: %w", err)
			}
			again, err := lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
			if err != nil {
				return err
			}
			if len(again.DataLakeSettings.DataLakeAdmins) != len(out.DataLakeSettings.DataLakeAdmins) ||
				again.DataLakeSettings.Parameters["CROSS_ACCOUNT_VERSION"] != out.DataLakeSettings.Parameters["CROSS_ACCOUNT_VERSION"] {
				return errors.New("settings changed by writing back what was read")
			}
			return nil
		}},
	}
}
