package catalogtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// Inspection helpers return copies: mutating them does not change the model.
func TestInspectionReturnsCopies(t *testing.T) {
	g := catalogtest.NewGlue()
	ctx := t.Context()
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db"), Parameters: map[string]string{"k": "v"}}}); err != nil {
		t.Fatal(err)
	}
	in := &types.TableInput{Name: aws.String("t"), PartitionKeys: []types.Column{{Name: aws.String("p"), Type: aws.String("string")}},
		StorageDescriptor: &types.StorageDescriptor{Columns: []types.Column{{Name: aws.String("c"), Type: aws.String("int")}}, Parameters: map[string]string{"k": "v"}}}
	if _, err := g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: in}); err != nil {
		t.Fatal(err)
	}
	// The caller's input is not aliased either.
	in.StorageDescriptor.Columns[0].Name = aws.String("changed")
	tb := g.Table("db", "t")
	if aws.ToString(tb.StorageDescriptor.Columns[0].Name) != "c" {
		t.Error("the stored table aliases the caller's input")
	}
	tb.StorageDescriptor.Columns[0].Type = aws.String("string")
	tb.StorageDescriptor.Parameters["k"] = "x"
	g.Database("db").Parameters["k"] = "x"
	again := g.Table("db", "t")
	if aws.ToString(again.StorageDescriptor.Columns[0].Type) != "int" || again.StorageDescriptor.Parameters["k"] != "v" || g.Database("db").Parameters["k"] != "v" {
		t.Error("mutating an inspection copy changed the model")
	}
	out, err := g.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	out.Table.Parameters = map[string]string{"x": "y"}
	out.Table.PartitionKeys[0].Name = aws.String("zz")
	if aws.ToString(g.Table("db", "t").PartitionKeys[0].Name) != "p" {
		t.Error("GetTable output aliases the model")
	}
	if g.Table("db", "nope") != nil || g.Table("nope", "t") != nil || g.Database("nope") != nil || g.Partitions("db", "nope") != nil || g.TableVersions("db", "nope") != nil {
		t.Error("inspection of missing entities is not nil")
	}
}

// Glue stores names lowercased and looks them up case-insensitively.
func TestNamesAreCaseInsensitive(t *testing.T) {
	g := catalogtest.NewGlue()
	ctx := t.Context()
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("MyDB")}}); err != nil {
		t.Fatal(err)
	}
	out, err := g.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("mydb")})
	if err != nil || aws.ToString(out.Database.Name) != "mydb" {
		t.Fatalf("GetDatabase = %v, %v", out, err)
	}
}

func TestFakeValidation(t *testing.T) {
	g := catalogtest.NewGlue()
	ctx := t.Context()
	cases := []struct {
		name string
		call func() error
	}{
		{"nil input", func() error { _, err := g.GetDatabase(ctx, nil); return err }},
		{"empty database name", func() error {
			_, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{}})
			return err
		}},
		{"long table name", func() error {
			long := make([]byte, 256)
			for i := range long {
				long[i] = 'a'
			}
			_, err := g.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String(string(long))})
			return err
		}},
		{"bad token", func() error {
			_, err := g.GetDatabases(ctx, &glue.GetDatabasesInput{NextToken: aws.String("!!")})
			return err
		}},
		{"max results too big", func() error {
			_, err := g.GetDatabases(ctx, &glue.GetDatabasesInput{MaxResults: aws.Int32(101)})
			return err
		}},
		{"expression unsupported", func() error {
			_, err := g.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("db"), Expression: aws.String("x*")})
			return err
		}},
		{"bad segment", func() error {
			_, err := g.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), Segment: &types.Segment{SegmentNumber: 3, TotalSegments: aws.Int32(2)}})
			return err
		}},
	}
	for _, c := range cases {
		err := c.call()
		var ie *types.InvalidInputException
		var oe *smithy.OperationError
		if !errors.As(err, &ie) || !errors.As(err, &oe) {
			t.Errorf("%s: %v, want InvalidInputException in an OperationError", c.name, err)
		}
	}
}

func TestFakeHonoursCancellation(t *testing.T) {
	g := catalogtest.NewGlue()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if g.Database("db") != nil {
		t.Error("a canceled call changed state")
	}
	if len(g.Calls()) != 1 {
		t.Error("the canceled call was not recorded")
	}
}

func TestSegmentsPartitionTheTable(t *testing.T) {
	g := catalogtest.NewGlue()
	ctx := t.Context()
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: &types.TableInput{Name: aws.String("t"), PartitionKeys: []types.Column{{Name: aws.String("p")}}}}); err != nil {
		t.Fatal(err)
	}
	var parts []types.PartitionInput
	for _, v := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		parts = append(parts, types.PartitionInput{Values: []string{v}})
	}
	if _, err := g.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionInputList: parts}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for seg := range int32(3) {
		out, err := g.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), Segment: &types.Segment{SegmentNumber: seg, TotalSegments: aws.Int32(3)}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Partitions {
			seen[p.Values[0]]++
		}
	}
	if len(seen) != 7 {
		t.Errorf("segments covered %d partitions, want 7", len(seen))
	}
	for v, n := range seen {
		if n != 1 {
			t.Errorf("partition %s in %d segments", v, n)
		}
	}
}

func TestClockAndCalls(t *testing.T) {
	g := catalogtest.NewGlue()
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	g.Now = func() time.Time { return fixed }
	ctx := t.Context()
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}); err != nil {
		t.Fatal(err)
	}
	if !g.Database("db").CreateTime.Equal(fixed) {
		t.Error("Now not used")
	}
	_, _ = g.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("db")})
	if g.Writes() != 1 || g.Count("GetDatabase") != 1 || len(g.Calls()) != 2 {
		t.Errorf("calls = %+v", g.Calls())
	}
	g.Inject(catalogtest.FailTimes("GetDatabase", 1, nil))
	_, err := g.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("db")})
	if !errors.Is(err, catalogtest.ErrInjected) {
		t.Errorf("injected failure = %v", err)
	}
	g.ClearInjectors()
	if _, err := g.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("db")}); err != nil {
		t.Error(err)
	}
}

func TestZeroValueGlue(t *testing.T) {
	var g catalogtest.Glue
	if _, err := g.CreateDatabase(t.Context(), &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}); err != nil {
		t.Fatal(err)
	}
	if g.Database("db") == nil {
		t.Error("database not stored")
	}
}

// A GetTableVersions page token stays valid when older versions are deleted
// between pages: the listing neither repeats nor skips a version.
func TestTableVersionsTokenSurvivesDeletes(t *testing.T) {
	g := catalogtest.NewGlue()
	ctx := t.Context()
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}); err != nil {
		t.Fatal(err)
	}
	in := func() *types.TableInput {
		return &types.TableInput{Name: aws.String("t"), StorageDescriptor: &types.StorageDescriptor{Columns: []types.Column{{Name: aws.String("c"), Type: aws.String("int")}}}}
	}
	if _, err := g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: in()}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := g.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("db"), TableInput: in()}); err != nil {
			t.Fatal(err)
		}
	}
	page := func(token *string) ([]string, *string) {
		out, err := g.GetTableVersions(ctx, &glue.GetTableVersionsInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range out.TableVersions {
			ids = append(ids, aws.ToString(v.VersionId))
		}
		return ids, out.NextToken
	}
	first, token := page(nil)
	// Delete the two oldest versions, which the next pages have not shown.
	all := g.TableVersions("db", "t")
	if _, err := g.BatchDeleteTableVersion(ctx, &glue.BatchDeleteTableVersionInput{DatabaseName: aws.String("db"), TableName: aws.String("t"),
		VersionIds: []string{aws.ToString(all[0].VersionId), aws.ToString(all[1].VersionId)}}); err != nil {
		t.Fatal(err)
	}
	got := first
	for token != nil {
		var ids []string
		ids, token = page(token)
		got = append(got, ids...)
	}
	want := []string{"5", "4", "3", "2"}
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("listed %v, want %v", got, want)
		}
	}
}
