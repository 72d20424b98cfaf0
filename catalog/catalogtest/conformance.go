package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/catalog"
)

// DatabaseDeleter is implemented by *glue.Client and *Glue; RunGlue uses it
// to remove the databases it creates.
type DatabaseDeleter interface {
	DeleteDatabase(ctx context.Context, params *glue.DeleteDatabaseInput, optFns ...func(*glue.Options)) (*glue.DeleteDatabaseOutput, error)
}

// check is one conformance behaviour. It works in database db, which it
// must create itself (so that cleanup removes everything).
type check struct {
	name string
	run  func(ctx context.Context, api catalog.GlueAPI, db string) error
}

// RunGlue runs the Glue conformance suite, one subtest per behaviour, each
// with a fresh API from newAPI and its own database named
// "cdpkit_conformance_<behaviour>_<random>". Databases are deleted at the
// end of each subtest when the API implements DatabaseDeleter. Run it
// against the fake, against a *glue.Client on NewGlueServer, and against real
// Glue (see the package doc).
func RunGlue(t *testing.T, newAPI func(t *testing.T) catalog.GlueAPI) {
	t.Helper()
	RunGlueWithPrefix(t, "cdpkit_conformance", newAPI)
}

// RunGlueWithPrefix is RunGlue with another database name prefix (a valid
// lowercase name).
func RunGlueWithPrefix(t *testing.T, prefix string, newAPI func(t *testing.T) catalog.GlueAPI) {
	t.Helper()
	for _, c := range checks() {
		t.Run(c.name, func(t *testing.T) {
			api := newAPI(t)
			db := dbName(prefix, c.name)
			if d, ok := api.(DatabaseDeleter); ok {
				t.Cleanup(func() {
					_, _ = d.DeleteDatabase(context.WithoutCancel(t.Context()), &glue.DeleteDatabaseInput{Name: aws.String(db)})
				})
			}
			if err := c.run(t.Context(), api, db); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestGlue runs every behaviour against api in sequence and returns the
// failures joined, for use outside go test. It deletes its databases when
// api implements DatabaseDeleter.
func TestGlue(ctx context.Context, api catalog.GlueAPI, prefix string) error {
	var errs []error
	for _, c := range checks() {
		db := dbName(prefix, c.name)
		if err := c.run(ctx, api, db); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
		if d, ok := api.(DatabaseDeleter); ok {
			_, _ = d.DeleteDatabase(context.WithoutCancel(ctx), &glue.DeleteDatabaseInput{Name: aws.String(db)})
		}
	}
	return errors.Join(errs...)
}

func dbName(prefix, check string) string {
	return fmt.Sprintf("%s_%s_%08x", prefix, check, rand.Uint32())
}

// wantAPIError checks that err is an SDK-shaped error: a
// *smithy.OperationError wrapping a *E.
func wantAPIError[E interface {
	*T
	error
}, T any](what string, err error) error {
	if err == nil {
		return fmt.Errorf("%s: no error, want %T", what, E(nil))
	}
	var oe *smithy.OperationError
	if !errors.As(err, &oe) {
		return fmt.Errorf("%s: error %T is not a *smithy.OperationError", what, err)
	}
	var e E
	if !errors.As(err, &e) {
		var ae smithy.APIError
		code := "none"
		if errors.As(err, &ae) {
			code = ae.ErrorCode()
		}
		return fmt.Errorf("%s: error code %s, want %T", what, code, E(nil))
	}
	return nil
}

func createDB(ctx context.Context, api catalog.GlueAPI, db string) error {
	_, err := api.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(db)}})
	if err != nil {
		return fmt.Errorf("CreateDatabase: %w", err)
	}
	return nil
}

func testSchema() catalog.Schema {
	return catalog.Schema{
		Columns: []catalog.Column{
			{Name: "id", Type: "string", Comment: "key"},
			{Name: "amount", Type: "decimal(12,2)"},
			{Name: "tags", Type: "array<string>"},
		},
		PartitionKeys: []catalog.Column{{Name: "dt", Type: "string"}},
		Location:      "s3://cdpkit-conformance/none/",
		Description:   "conformance",
	}
}

func createTable(ctx context.Context, api catalog.GlueAPI, db, name string) error {
	s := testSchema()
	_, err := api.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: s.TableInput(name)})
	if err != nil {
		return fmt.Errorf("CreateTable: %w", err)
	}
	return nil
}

func getTable(ctx context.Context, api catalog.GlueAPI, db, name string) (*types.Table, error) {
	out, err := api.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(db), Name: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("GetTable: %w", err)
	}
	if out.Table == nil {
		return nil, errors.New("GetTable: no table")
	}
	return out.Table, nil
}

func partitionInput(db string, vals ...string) []types.PartitionInput {
	out := make([]types.PartitionInput, 0, len(vals))
	for _, v := range vals {
		out = append(out, types.PartitionInput{
			Values: []string{v},
			StorageDescriptor: &types.StorageDescriptor{
				Location: aws.String("s3://cdpkit-conformance/none/dt=" + v + "/"),
				Columns:  []types.Column{{Name: aws.String("id"), Type: aws.String("string")}},
			},
		})
	}
	return out
}

func errorCodes(errs []types.PartitionError) []string {
	var out []string
	for _, e := range errs {
		if e.ErrorDetail != nil {
			out = append(out, aws.ToString(e.ErrorDetail.ErrorCode))
		}
	}
	slices.Sort(out)
	return out
}

func checks() []check {
	return []check{
		{"create_database_twice", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			_, err := api.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(db)}})
			return wantAPIError[*types.AlreadyExistsException]("second CreateDatabase", err)
		}},
		{"missing_database", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			_, err := api.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(db)})
			if err := wantAPIError[*types.EntityNotFoundException]("GetDatabase", err); err != nil {
				return err
			}
			err = createTable(ctx, api, db, "t")
			return wantAPIError[*types.EntityNotFoundException]("CreateTable in a missing database", err)
		}},
		{"ownership_marks", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			// What govern's ownership marks rely on: database parameters
			// rewritten by UpdateDatabase (read, change, write back) come
			// back whole; a resource link keeps its parameters and target;
			// a database emptied of its tables can be deleted.
			m, ok := api.(interface {
				DatabaseDeleter
				UpdateDatabase(ctx context.Context, params *glue.UpdateDatabaseInput, optFns ...func(*glue.Options)) (*glue.UpdateDatabaseOutput, error)
			})
			if !ok {
				return errors.New("the API implements neither UpdateDatabase nor DeleteDatabase")
			}
			if _, err := api.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{
				Name: aws.String(db), Description: aws.String("theirs"), Parameters: map[string]string{"team": "growth"},
			}}); err != nil {
				return err
			}
			_, err := m.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{Name: aws.String(db), DatabaseInput: &types.DatabaseInput{
				Name: aws.String(db), Description: aws.String("theirs"), Parameters: map[string]string{"team": "growth", "cdpkit.govern.owner": "conformance"},
			}})
			if err != nil {
				return fmt.Errorf("UpdateDatabase: %w", err)
			}
			out, err := api.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(db)})
			if err != nil {
				return err
			}
			if d := out.Database; aws.ToString(d.Description) != "theirs" || d.Parameters["team"] != "growth" || d.Parameters["cdpkit.govern.owner"] != "conformance" {
				return errors.New("GetDatabase does not return what UpdateDatabase stored")
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			target := &types.TableIdentifier{DatabaseName: aws.String(db), Name: aws.String("t")}
			if _, err := api.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: &types.TableInput{
				Name: aws.String("link"), TargetTable: target, Parameters: map[string]string{"cdpkit.govern.owner": "conformance"},
			}}); err != nil {
				return fmt.Errorf("create a resource link: %w", err)
			}
			tables, err := api.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String(db)})
			if err != nil {
				return err
			}
			found := false
			for _, t := range tables.TableList {
				if aws.ToString(t.Name) == "link" {
					found = true
					if t.TargetTable == nil || aws.ToString(t.TargetTable.Name) != "t" || t.Parameters["cdpkit.govern.owner"] != "conformance" {
						return errors.New("GetTables does not return a resource link's target and parameters")
					}
				}
			}
			if !found {
				return errors.New("GetTables does not list the resource link")
			}
			for _, name := range []string{"link", "t"} {
				if _, err := api.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String(db), Name: aws.String(name)}); err != nil {
					return fmt.Errorf("DeleteTable: %w", err)
				}
			}
			if _, err := m.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String(db)}); err != nil {
				return fmt.Errorf("DeleteDatabase: %w", err)
			}
			_, err = api.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(db)})
			return wantAPIError[*types.EntityNotFoundException]("GetDatabase after DeleteDatabase", err)
		}},
		{"database_roundtrip", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			_, err := api.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{
				Name: aws.String(db), Description: aws.String("conformance"), Parameters: map[string]string{"k": "v"},
			}})
			if err != nil {
				return err
			}
			out, err := api.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(db)})
			if err != nil {
				return err
			}
			d := out.Database
			if d == nil || aws.ToString(d.Name) != db || aws.ToString(d.Description) != "conformance" || d.Parameters["k"] != "v" || d.CreateTime == nil {
				return errors.New("GetDatabase does not return what CreateDatabase stored")
			}
			pg := glue.NewGetDatabasesPaginator(api, &glue.GetDatabasesInput{})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("GetDatabases: %w", err)
				}
				for _, d := range page.DatabaseList {
					if aws.ToString(d.Name) == db {
						return nil
					}
				}
			}
			return errors.New("GetDatabases does not list the database")
		}},
		{"table_roundtrip", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			got, err := getTable(ctx, api, db, "t")
			if err != nil {
				return err
			}
			s := testSchema()
			want := s.TableInput("t")
			sd, wsd := got.StorageDescriptor, want.StorageDescriptor
			var bad []string
			if aws.ToString(got.Name) != "t" || aws.ToString(got.DatabaseName) != db {
				bad = append(bad, "name/database")
			}
			if aws.ToString(got.TableType) != catalog.TableTypeExternal {
				bad = append(bad, "TableType")
			}
			if aws.ToString(got.VersionId) == "" {
				bad = append(bad, "VersionId empty")
			}
			if got.CreateTime == nil {
				bad = append(bad, "CreateTime missing")
			}
			if sd == nil {
				return errors.New("no StorageDescriptor")
			}
			if aws.ToString(sd.Location) != aws.ToString(wsd.Location) || aws.ToString(sd.InputFormat) != catalog.ParquetInputFormat ||
				aws.ToString(sd.OutputFormat) != catalog.ParquetOutputFormat || sd.SerdeInfo == nil ||
				aws.ToString(sd.SerdeInfo.SerializationLibrary) != catalog.ParquetSerDe || sd.SerdeInfo.Parameters["serialization.format"] != "1" ||
				sd.Compressed != wsd.Compressed || sd.NumberOfBuckets != -1 {
				bad = append(bad, "storage descriptor")
			}
			if len(sd.Columns) != len(wsd.Columns) {
				bad = append(bad, "column count")
			} else {
				for i := range sd.Columns {
					if aws.ToString(sd.Columns[i].Name) != aws.ToString(wsd.Columns[i].Name) || aws.ToString(sd.Columns[i].Type) != aws.ToString(wsd.Columns[i].Type) ||
						aws.ToString(sd.Columns[i].Comment) != aws.ToString(wsd.Columns[i].Comment) {
						bad = append(bad, fmt.Sprintf("column %d", i))
					}
				}
			}
			if len(got.PartitionKeys) != 1 || aws.ToString(got.PartitionKeys[0].Name) != "dt" {
				bad = append(bad, "partition keys")
			}
			for k, v := range want.Parameters {
				if got.Parameters[k] != v {
					bad = append(bad, "table parameter "+k)
				}
			}
			for k, v := range wsd.Parameters {
				if sd.Parameters[k] != v {
					bad = append(bad, "storage parameter "+k)
				}
			}
			if aws.ToString(got.Description) != "conformance" {
				bad = append(bad, "description")
			}
			if len(bad) > 0 {
				return fmt.Errorf("GetTable differs from CreateTable input: %s", strings.Join(bad, ", "))
			}
			return nil
		}},
		{"table_errors", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			_, err := api.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(db), Name: aws.String("missing")})
			if err := wantAPIError[*types.EntityNotFoundException]("GetTable of a missing table", err); err != nil {
				return err
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			if err := wantAPIError[*types.AlreadyExistsException]("second CreateTable", createTable(ctx, api, db, "t")); err != nil {
				return err
			}
			s := testSchema()
			_, err = api.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String(db), TableInput: s.TableInput("missing"), SkipArchive: aws.Bool(true)})
			if err := wantAPIError[*types.EntityNotFoundException]("UpdateTable of a missing table", err); err != nil {
				return err
			}
			if _, err := api.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String(db), Name: aws.String("t")}); err != nil {
				return fmt.Errorf("DeleteTable: %w", err)
			}
			_, err = api.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(db), Name: aws.String("t")})
			if err := wantAPIError[*types.EntityNotFoundException]("GetTable after DeleteTable", err); err != nil {
				return err
			}
			_, err = api.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String(db), Name: aws.String("t")})
			return wantAPIError[*types.EntityNotFoundException]("second DeleteTable", err)
		}},
		{"update_version_check", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			// The property EnsureTable's optimistic concurrency rests on:
			// an UpdateTable with a stale VersionId is rejected, also when
			// the intervening update skipped the archive.
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			t1, err := getTable(ctx, api, db, "t")
			if err != nil {
				return err
			}
			s := testSchema()
			s.Columns = append(s.Columns, catalog.Column{Name: "a", Type: "int"})
			_, err = api.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String(db), TableInput: s.TableInput("t"), VersionId: t1.VersionId, SkipArchive: aws.Bool(true)})
			if err != nil {
				return fmt.Errorf("UpdateTable with the current VersionId: %w", err)
			}
			t2, err := getTable(ctx, api, db, "t")
			if err != nil {
				return err
			}
			if aws.ToString(t2.VersionId) == aws.ToString(t1.VersionId) {
				return errors.New("VersionId did not change after an UpdateTable with SkipArchive")
			}
			if n := len(t2.StorageDescriptor.Columns); n != 4 {
				return fmt.Errorf("UpdateTable did not replace the definition: %d columns", n)
			}
			s.Columns = append(s.Columns, catalog.Column{Name: "b", Type: "int"})
			_, err = api.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String(db), TableInput: s.TableInput("t"), VersionId: t1.VersionId, SkipArchive: aws.Bool(true)})
			return wantAPIError[*types.ConcurrentModificationException]("UpdateTable with a stale VersionId", err)
		}},
		{"skip_archive", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			count := func() (int, error) {
				n := 0
				pg := glue.NewGetTableVersionsPaginator(api, &glue.GetTableVersionsInput{DatabaseName: aws.String(db), TableName: aws.String("t")})
				for pg.HasMorePages() {
					out, err := pg.NextPage(ctx)
					if err != nil {
						return 0, fmt.Errorf("GetTableVersions: %w", err)
					}
					n += len(out.TableVersions)
				}
				return n, nil
			}
			s := testSchema()
			update := func(skip bool, col string) error {
				s.Columns = append(s.Columns, catalog.Column{Name: col, Type: "int"})
				_, err := api.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String(db), TableInput: s.TableInput("t"), SkipArchive: aws.Bool(skip)})
				return err
			}
			n0, err := count()
			if err != nil {
				return err
			}
			if err := update(true, "a"); err != nil {
				return err
			}
			n1, err := count()
			if err != nil {
				return err
			}
			if err := update(false, "b"); err != nil {
				return err
			}
			n2, err := count()
			if err != nil {
				return err
			}
			if n1 != n0 || n2 != n1+1 {
				return fmt.Errorf("table versions %d -> %d (SkipArchive) -> %d (archive), want n, n, n+1", n0, n1, n2)
			}
			// Delete the archived (oldest) version, and one that does not exist.
			out, err := api.GetTableVersions(ctx, &glue.GetTableVersionsInput{DatabaseName: aws.String(db), TableName: aws.String("t")})
			if err != nil {
				return err
			}
			if len(out.TableVersions) < 2 {
				return fmt.Errorf("GetTableVersions returned %d versions, want >= 2", len(out.TableVersions))
			}
			oldest := out.TableVersions[len(out.TableVersions)-1].VersionId
			del, err := api.BatchDeleteTableVersion(ctx, &glue.BatchDeleteTableVersionInput{DatabaseName: aws.String(db), TableName: aws.String("t"), VersionIds: []string{aws.ToString(oldest), "987654"}})
			if err != nil {
				return fmt.Errorf("BatchDeleteTableVersion: %w", err)
			}
			if len(del.Errors) != 1 || del.Errors[0].ErrorDetail == nil || aws.ToString(del.Errors[0].ErrorDetail.ErrorCode) != "EntityNotFoundException" || aws.ToString(del.Errors[0].VersionId) != "987654" {
				return fmt.Errorf("BatchDeleteTableVersion with one missing id: %d errors, want one EntityNotFoundException for it", len(del.Errors))
			}
			n3, err := count()
			if err != nil {
				return err
			}
			if n3 != n2-1 {
				return fmt.Errorf("table versions %d after deleting one of %d", n3, n2)
			}
			return nil
		}},
		{"get_tables_paging", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			var want []string
			for i := range 5 {
				name := fmt.Sprintf("t%d", i)
				want = append(want, name)
				if err := createTable(ctx, api, db, name); err != nil {
					return err
				}
			}
			var got []string
			pages := 0
			pg := glue.NewGetTablesPaginator(api, &glue.GetTablesInput{DatabaseName: aws.String(db)}, func(o *glue.GetTablesPaginatorOptions) { o.Limit = 2 })
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("GetTables: %w", err)
				}
				if len(out.TableList) > 2 {
					return fmt.Errorf("GetTables returned %d tables with MaxResults 2", len(out.TableList))
				}
				pages++
				for _, t := range out.TableList {
					got = append(got, aws.ToString(t.Name))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("GetTables paging listed %d tables, want %d distinct", len(got), len(want))
			}
			if pages < 3 {
				return fmt.Errorf("GetTables used %d pages for 5 tables at 2 per page", pages)
			}
			_, err := api.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String(db + "_missing")})
			return wantAPIError[*types.EntityNotFoundException]("GetTables of a missing database", err)
		}},
		{"partition_batches", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			in := &glue.BatchCreatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"), PartitionInputList: partitionInput(db, "a", "b", "c")}
			out, err := api.BatchCreatePartition(ctx, in)
			if err != nil {
				return fmt.Errorf("BatchCreatePartition: %w", err)
			}
			if len(out.Errors) != 0 {
				return fmt.Errorf("BatchCreatePartition of new partitions reported %d errors", len(out.Errors))
			}
			in.PartitionInputList = partitionInput(db, "c", "d")
			out, err = api.BatchCreatePartition(ctx, in)
			if err != nil {
				return fmt.Errorf("BatchCreatePartition: %w", err)
			}
			if codes := errorCodes(out.Errors); !slices.Equal(codes, []string{"AlreadyExistsException"}) {
				return fmt.Errorf("BatchCreatePartition with one existing partition: error codes %v, want [AlreadyExistsException]", codes)
			}
			if v := out.Errors[0].PartitionValues; len(v) != 1 || v[0] != "c" {
				return errors.New("the AlreadyExists item does not carry the partition's values")
			}
			get, err := api.BatchGetPartition(ctx, &glue.BatchGetPartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"),
				PartitionsToGet: []types.PartitionValueList{{Values: []string{"a"}}, {Values: []string{"zz"}}}})
			if err != nil {
				return fmt.Errorf("BatchGetPartition: %w", err)
			}
			if len(get.Partitions) != 1 || get.Partitions[0].Values[0] != "a" || get.Partitions[0].StorageDescriptor == nil ||
				aws.ToString(get.Partitions[0].StorageDescriptor.Location) != "s3://cdpkit-conformance/none/dt=a/" {
				return fmt.Errorf("BatchGetPartition returned %d partitions, want the one existing", len(get.Partitions))
			}
			del, err := api.BatchDeletePartition(ctx, &glue.BatchDeletePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"),
				PartitionsToDelete: []types.PartitionValueList{{Values: []string{"a"}}, {Values: []string{"zz"}}}})
			if err != nil {
				return fmt.Errorf("BatchDeletePartition: %w", err)
			}
			if codes := errorCodes(del.Errors); !slices.Equal(codes, []string{"EntityNotFoundException"}) {
				return fmt.Errorf("BatchDeletePartition with one missing partition: error codes %v, want [EntityNotFoundException]", codes)
			}
			_, err = api.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("missing"), PartitionInputList: partitionInput(db, "x")})
			return wantAPIError[*types.EntityNotFoundException]("BatchCreatePartition on a missing table", err)
		}},
		{"partition_update", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			if _, err := api.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"), PartitionInputList: partitionInput(db, "a")}); err != nil {
				return err
			}
			moved := partitionInput(db, "a")[0]
			moved.StorageDescriptor.Location = aws.String("s3://cdpkit-conformance/none/v2/dt=a/")
			missing := partitionInput(db, "zz")[0]
			out, err := api.BatchUpdatePartition(ctx, &glue.BatchUpdatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"), Entries: []types.BatchUpdatePartitionRequestEntry{
				{PartitionValueList: []string{"a"}, PartitionInput: &moved},
				{PartitionValueList: []string{"zz"}, PartitionInput: &missing},
			}})
			if err != nil {
				return fmt.Errorf("BatchUpdatePartition: %w", err)
			}
			if len(out.Errors) != 1 || out.Errors[0].ErrorDetail == nil || aws.ToString(out.Errors[0].ErrorDetail.ErrorCode) != "EntityNotFoundException" {
				return fmt.Errorf("BatchUpdatePartition with one missing partition: %d errors, want one EntityNotFoundException", len(out.Errors))
			}
			get, err := api.BatchGetPartition(ctx, &glue.BatchGetPartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"),
				PartitionsToGet: []types.PartitionValueList{{Values: []string{"a"}}}})
			if err != nil {
				return fmt.Errorf("BatchGetPartition: %w", err)
			}
			if len(get.Partitions) != 1 || get.Partitions[0].StorageDescriptor == nil || aws.ToString(get.Partitions[0].StorageDescriptor.Location) != "s3://cdpkit-conformance/none/v2/dt=a/" {
				return errors.New("BatchUpdatePartition did not move the partition")
			}
			return nil
		}},
		{"partition_limits", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			vals := make([]string, 101)
			for i := range vals {
				vals[i] = fmt.Sprintf("p%03d", i)
			}
			_, err := api.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"), PartitionInputList: partitionInput(db, vals...)})
			if err := wantInvalid("BatchCreatePartition of 101", err); err != nil {
				return err
			}
			del := make([]types.PartitionValueList, 26)
			for i := range del {
				del[i] = types.PartitionValueList{Values: []string{vals[i]}}
			}
			_, err = api.BatchDeletePartition(ctx, &glue.BatchDeletePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"), PartitionsToDelete: del})
			return wantInvalid("BatchDeletePartition of 26", err)
		}},
		{"get_partitions_paging", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			if err := createTable(ctx, api, db, "t"); err != nil {
				return err
			}
			vals := []string{"a", "b", "c", "d", "e"}
			if _, err := api.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"), PartitionInputList: partitionInput(db, vals...)}); err != nil {
				return err
			}
			var got []string
			pages := 0
			pg := glue.NewGetPartitionsPaginator(api, &glue.GetPartitionsInput{DatabaseName: aws.String(db), TableName: aws.String("t"), ExcludeColumnSchema: aws.Bool(true)},
				func(o *glue.GetPartitionsPaginatorOptions) { o.Limit = 2 })
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("GetPartitions: %w", err)
				}
				if len(out.Partitions) > 2 {
					return fmt.Errorf("GetPartitions returned %d with MaxResults 2", len(out.Partitions))
				}
				pages++
				for _, p := range out.Partitions {
					if p.StorageDescriptor != nil && len(p.StorageDescriptor.Columns) > 0 {
						return errors.New("GetPartitions with ExcludeColumnSchema returned columns")
					}
					got = append(got, p.Values...)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, vals) || pages < 3 {
				return fmt.Errorf("GetPartitions paging listed %d partitions in %d pages, want 5 in >= 3", len(got), pages)
			}
			return nil
		}},
		{"get_partitions_expression", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			if err := createDB(ctx, api, db); err != nil {
				return err
			}
			s := testSchema()
			s.PartitionKeys = []catalog.Column{{Name: "dt", Type: "string"}, {Name: "n", Type: "int"}}
			if _, err := api.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: s.TableInput("t")}); err != nil {
				return fmt.Errorf("CreateTable: %w", err)
			}
			var parts []types.PartitionInput
			for _, v := range [][]string{{"2026-01-01", "2"}, {"2026-01-02", "10"}, {"2026-01-03", "9"}, {"2026-02-01", "100"}} {
				parts = append(parts, types.PartitionInput{Values: v, StorageDescriptor: &types.StorageDescriptor{
					Location: aws.String("s3://cdpkit-conformance/none/dt=" + v[0] + "/n=" + v[1] + "/")}})
			}
			if _, err := api.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String("t"), PartitionInputList: parts}); err != nil {
				return err
			}
			cases := []struct {
				expr string
				want []string // dt values
			}{
				{"dt >= '2026-01-02' AND dt < '2026-02-01'", []string{"2026-01-02", "2026-01-03"}},
				{"n > 9", []string{"2026-01-02", "2026-02-01"}}, // numeric, not string, order
				{"n BETWEEN 2 AND 9", []string{"2026-01-01", "2026-01-03"}},
				{"dt IN ('2026-01-01', '2026-02-01')", []string{"2026-01-01", "2026-02-01"}},
				{"dt LIKE '2026-01-%' AND (n <> 10)", []string{"2026-01-01", "2026-01-03"}},
				{"dt = '2026-01-01' OR n = 100", []string{"2026-01-01", "2026-02-01"}},
			}
			for i, c := range cases {
				out, err := api.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String(db), TableName: aws.String("t"), Expression: aws.String(c.expr)})
				if err != nil {
					return fmt.Errorf("GetPartitions expression %d: %w", i, err)
				}
				var got []string
				for _, p := range out.Partitions {
					got = append(got, p.Values[0])
				}
				slices.Sort(got)
				if !slices.Equal(got, c.want) {
					return fmt.Errorf("GetPartitions expression %d (%s) matched %d partitions, want %d", i, c.expr, len(got), len(c.want))
				}
			}
			_, err := api.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String(db), TableName: aws.String("t"), Expression: aws.String("nope = 'x'")})
			return wantAPIError[*types.InvalidInputException]("GetPartitions with an unknown key", err)
		}},
		{"canceled_context", func(ctx context.Context, api catalog.GlueAPI, db string) error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := api.GetDatabase(cctx, &glue.GetDatabaseInput{Name: aws.String(db)})
			if !errors.Is(err, context.Canceled) {
				return fmt.Errorf("GetDatabase with a canceled context: %v, want context.Canceled", err)
			}
			return nil
		}},
	}
}

// wantInvalid accepts the codes Glue uses for an over-limit batch.
func wantInvalid(what string, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("%s: %v, want an API error", what, err)
	}
	switch ae.ErrorCode() {
	case "InvalidInputException", "ValidationException":
		return nil
	}
	return fmt.Errorf("%s: error code %s, want InvalidInputException", what, ae.ErrorCode())
}
