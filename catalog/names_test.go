package catalog_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/catalog"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestValidateName(t *testing.T) {
	tests := []struct {
		name   string
		reason string // "" = valid
	}{
		{"orders", ""},
		{"orders_2026", ""},
		{"_private", ""},
		{"9lives", ""},
		{"", "empty"},
		{"Orders", "must be lowercase"},
		{"order-lines", "only a-z, 0-9 and _ are allowed"},
		{"order lines", "only a-z, 0-9 and _ are allowed"},
		{"naïve", "only a-z, 0-9 and _ are allowed"},
		{"two\nlines", "only a-z, 0-9 and _ are allowed"},
		{strings.Repeat("a", 255), ""},
		{strings.Repeat("a", 256), "longer than 255 bytes"},
		{"bad\xffutf8", "not valid UTF-8"},
	}
	for _, tt := range tests {
		err := catalog.ValidateName("table", tt.name)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("ValidateName(%q) = %v, want nil", tt.name, err)
			}
			continue
		}
		var ne *catalog.NameError
		if !errors.As(err, &ne) || ne.Reason != tt.reason || !errors.Is(err, catalog.ErrInvalidInput) {
			t.Errorf("ValidateName(%q) = %v, want reason %q", tt.name, err, tt.reason)
		}
	}
}

func TestValidateType(t *testing.T) {
	valid := []string{
		"string", "bigint", "int", "integer", "tinyint", "smallint", "boolean", "float", "double",
		"date", "timestamp", "binary", "decimal", "decimal(10,2)", "decimal(38,0)", "decimal(5)",
		"char(10)", "varchar(65535)", "array<string>", "array<array<int>>", "map<string,bigint>",
		"map<int,struct<a:string,b:array<double>>>", "struct<a:int>", "struct<a_b:string,c:map<string,string>>",
	}
	for _, typ := range valid {
		if err := catalog.ValidateType("c", typ); err != nil {
			t.Errorf("ValidateType(%q) = %v, want nil", typ, err)
		}
	}
	invalid := []string{
		"", "String", "uint64", "varchar", "char(0)", "char(256)", "decimal(0,0)", "decimal(39,2)",
		"decimal(5,6)", "decimal(10,2", "array<>", "array<string", "array string", "map<array<int>,string>",
		"map<string>", "struct<>", "struct<a int>", "struct<A:int>", "struct<a:int,a:string>",
		"array<string> ", "string,int", "struct<a:int>>", "array<uint8>",
	}
	for _, typ := range invalid {
		err := catalog.ValidateType("c", typ)
		var te *catalog.TypeError
		if !errors.As(err, &te) || !errors.Is(err, catalog.ErrInvalidInput) {
			t.Errorf("ValidateType(%q) = %v, want a *TypeError", typ, err)
		}
	}
}

func TestSanitizeNames(t *testing.T) {
	got, renames, err := catalog.SanitizeNames([]string{"Customer ID", "e-mail", "ok", "Straße №", "Crème brûlée", "camelCase", "!!!", "x__y"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"customer_id", "e_mail", "ok", "straße_", "creme_brulee", "camelcase", "_", "x__y"}
	// ß is not ASCII: it is replaced.
	want[3] = "stra_e_"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	for _, n := range got {
		if err := catalog.ValidateName("column", n); err != nil {
			t.Errorf("sanitized name invalid: %v", err)
		}
	}
	wantRenames := []catalog.Rename{
		{Index: 0, From: "Customer ID", To: "customer_id"},
		{Index: 1, From: "e-mail", To: "e_mail"},
		{Index: 3, From: "Straße №", To: "stra_e_"},
		{Index: 4, From: "Crème brûlée", To: "creme_brulee"},
		{Index: 5, From: "camelCase", To: "camelcase"},
		{Index: 6, From: "!!!", To: "_"},
	}
	if diff := cmp.Diff(wantRenames, renames); diff != "" {
		t.Errorf("renames (-want +got):\n%s", diff)
	}

	// Collisions are reported, not silently suffixed.
	got, _, err = catalog.SanitizeNames([]string{"EngineSpeed", "engine_speed", "engineSpeed"})
	var ne *catalog.NameError
	if !errors.As(err, &ne) || !errors.Is(err, catalog.ErrInvalidInput) {
		t.Fatalf("collision err = %v, want *NameError", err)
	}
	if ne.Reason != "columns 0 and 2 collide" {
		t.Errorf("reason = %q", ne.Reason)
	}
	if got[0] != "enginespeed" || got[2] != "enginespeed" {
		t.Errorf("names still returned for inspection: %v", got)
	}

	long, _, _ := catalog.SanitizeNames([]string{strings.Repeat("A", 300)})
	if len(long[0]) != catalog.MaxNameLen {
		t.Errorf("long name len = %d", len(long[0]))
	}
}

// Everything invalid is rejected before any call reaches Glue.
func TestValidationBeforeAnyCall(t *testing.T) {
	good := ordersSchema()
	mod := func(f func(s *catalog.Schema)) catalog.Schema {
		s := good
		s.Columns = append([]catalog.Column(nil), good.Columns...)
		f(&s)
		return s
	}
	tests := []struct {
		name   string
		db, tb string
		schema catalog.Schema
	}{
		{"upper database", "Lake", "orders", good},
		{"bad table", "lake", "order lines", good},
		{"bad column", "lake", "orders", mod(func(s *catalog.Schema) { s.Columns[0].Name = "Order ID" })},
		{"bad type", "lake", "orders", mod(func(s *catalog.Schema) { s.Columns[0].Type = "varchar2" })},
		{"duplicate column", "lake", "orders", mod(func(s *catalog.Schema) { s.Columns[1].Name = "order_id" })},
		{"partition key shadows column", "lake", "orders", mod(func(s *catalog.Schema) { s.PartitionKeys = []catalog.Column{{Name: "amount", Type: "string"}} })},
		{"complex partition key", "lake", "orders", mod(func(s *catalog.Schema) { s.PartitionKeys = []catalog.Column{{Name: "p", Type: "array<int>"}} })},
		{"no columns", "lake", "orders", mod(func(s *catalog.Schema) { s.Columns = nil })},
		{"no location", "lake", "orders", mod(func(s *catalog.Schema) { s.Location = "" })},
		{"relative location", "lake", "orders", mod(func(s *catalog.Schema) { s.Location = "lake/orders" })},
		{"s3 location without bucket", "lake", "orders", mod(func(s *catalog.Schema) { s.Location = "s3:///orders" })},
		{"empty file location", "lake", "orders", mod(func(s *catalog.Schema) { s.Location = "file://" })},
		{"bad compression", "lake", "orders", mod(func(s *catalog.Schema) { s.Compression = "lz4" })},
		{"owned parameter", "lake", "orders", mod(func(s *catalog.Schema) { s.Parameters = map[string]string{"classification": "csv"} })},
		{"projection on unknown key", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "nope", Type: catalog.ProjectInjected}}}
		})},
		{"enum projection without values", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "dt", Type: catalog.ProjectEnum}}}
		})},
		{"integer projection without range", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "dt", Type: catalog.ProjectInteger}}}
		})},
		{"date projection on string key without format", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "dt", Type: catalog.ProjectDate, Range: "NOW-1YEARS,NOW"}}}
		})},
		{"enum projection value with a comma", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "dt", Type: catalog.ProjectEnum, Values: []string{"a,b", "c"}}}}
		})},
		{"empty enum projection value", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "dt", Type: catalog.ProjectEnum, Values: []string{"a", ""}}}}
		})},
		{"projection key twice", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "dt", Type: catalog.ProjectInjected}, {Key: "dt", Type: catalog.ProjectEnum, Values: []string{"a"}}}}
		})},
		{"column comment over 255 characters", "lake", "orders", mod(func(s *catalog.Schema) { s.Columns[0].Comment = strings.Repeat("é", 256) })},
		{"multi-line column comment", "lake", "orders", mod(func(s *catalog.Schema) { s.Columns[0].Comment = "line one\nline two" })},
		{"partition key comment over 255 characters", "lake", "orders", mod(func(s *catalog.Schema) {
			s.PartitionKeys = []catalog.Column{{Name: "dt", Type: "string", Comment: strings.Repeat("x", 256)}}
		})},
		{"description over 2048 characters", "lake", "orders", mod(func(s *catalog.Schema) { s.Description = strings.Repeat("d", 2049) })},
		{"multi-line description", "lake", "orders", mod(func(s *catalog.Schema) { s.Description = "a\rb" })},
		{"parameter key over 255 characters", "lake", "orders", mod(func(s *catalog.Schema) { s.Parameters = map[string]string{strings.Repeat("k", 256): "v"} })},
		{"empty parameter key", "lake", "orders", mod(func(s *catalog.Schema) { s.Parameters = map[string]string{"": "v"} })},
		{"parameter value over 512000 characters", "lake", "orders", mod(func(s *catalog.Schema) { s.Parameters = map[string]string{"k": strings.Repeat("v", 512001)} })},
		{"column parameter key over 255 characters", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Columns[0].Parameters = map[string]string{strings.Repeat("k", 256): "v"}
		})},
		{"unknown projection type", "lake", "orders", mod(func(s *catalog.Schema) {
			s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "dt", Type: "hash"}}}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, r := setup(t)
			g.ResetCalls()
			_, err := r.EnsureTable(t.Context(), tt.db, tt.tb, tt.schema)
			if !errors.Is(err, catalog.ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
			var ce *catalog.Error
			if !errors.As(err, &ce) || ce.Op != "ensure table" {
				t.Errorf("err is not a *catalog.Error for the op: %v", err)
			}
			if n := len(g.Calls()); n != 0 {
				t.Errorf("%d calls reached Glue", n)
			}
		})
	}
	g, r := setup(t)
	g.ResetCalls()
	for _, db := range []catalog.Database{
		{Name: "My-DB"},
		{Name: "lake2", Description: strings.Repeat("d", 2049)},
		{Name: "lake2", Parameters: map[string]string{"": "v"}},
	} {
		if _, err := r.EnsureDatabase(t.Context(), db); !errors.Is(err, catalog.ErrInvalidInput) || len(g.Calls()) != 0 {
			t.Errorf("EnsureDatabase(bad input) = %v after %d calls", err, len(g.Calls()))
		}
	}
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// The table definition is awswrangler's Parquet definition, field for field.
func TestTableInputGolden(t *testing.T) {
	s := ordersSchema()
	s.Compression = catalog.CompressionZstd
	s.Description = "clean orders"
	s.Parameters = map[string]string{"owner_team": "data"}
	golden(t, "parquet_table.json", s.TableInput("orders"))

	flat := ordersSchema()
	flat.PartitionKeys = nil
	flat.Compression = catalog.CompressionNone
	golden(t, "parquet_table_unpartitioned.json", flat.TableInput("orders"))

	proj := ordersSchema()
	proj.PartitionKeys = []catalog.Column{{Name: "dt", Type: "date"}, {Name: "ts", Type: "timestamp"}, {Name: "src", Type: "string"}, {Name: "shard", Type: "int"}, {Name: "tenant", Type: "string"}}
	proj.Projection = &catalog.Projection{
		Keys: []catalog.ProjectedKey{
			{Key: "dt", Type: catalog.ProjectDate, Range: "NOW-3YEARS,NOW"},
			{Key: "ts", Type: catalog.ProjectDate, Range: "2026-01-01 00:00:00,NOW"},
			{Key: "src", Type: catalog.ProjectEnum, Values: []string{"web", "app"}},
			{Key: "shard", Type: catalog.ProjectInteger, Range: "0,63", Digits: 2},
			{Key: "tenant", Type: catalog.ProjectInjected},
		},
		LocationTemplate: "s3://lake/clean/orders/${dt}/${ts}/${src}/${shard}/${tenant}/",
	}
	golden(t, "parquet_table_projection.json", proj.TableInput("orders"))
}

// Switching projection off removes the stale projection keys.
func TestProjectionToggle(t *testing.T) {
	g, r := setup(t)
	ctx := t.Context()
	s := ordersSchema()
	s.Projection = &catalog.Projection{Keys: []catalog.ProjectedKey{{Key: "dt", Type: catalog.ProjectEnum, Values: []string{"a"}}}}
	if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	s.Projection = nil
	ch, err := r.EnsureTable(ctx, "lake", "orders", s)
	if err != nil || !ch.Updated {
		t.Fatalf("change = %+v, %v", ch, err)
	}
	p := g.Table("lake", "orders").Parameters
	if p["projection.enabled"] != "false" || p["projection.dt.type"] != "" || p["projection.dt.values"] != "" {
		t.Errorf("projection keys after disabling: enabled=%q type=%q", p["projection.enabled"], p["projection.dt.type"])
	}
}

// A type written with spaces (as in DDL) is rejected with that reason, not
// a misleading one about decimal scales or struct field names.
func TestValidateTypeSpacesReason(t *testing.T) {
	for _, typ := range []string{"decimal(10, 2)", "struct<a:int, b:string>", "map<string, int>", "array< int>", "int ", "\tint"} {
		var te *catalog.TypeError
		if err := catalog.ValidateType("c", typ); !errors.As(err, &te) || te.Reason != "must not contain spaces" {
			t.Errorf("ValidateType(%q) = %v, want reason %q", typ, err, "must not contain spaces")
		}
	}
}

// Glue stores types of at most 131072 characters; a longer one (here a
// deeply nested array) is rejected before it is parsed.
func TestValidateTypeLength(t *testing.T) {
	deep := strings.Repeat("array<", 30000) + "int" + strings.Repeat(">", 30000)
	var te *catalog.TypeError
	if err := catalog.ValidateType("c", deep); !errors.As(err, &te) || te.Reason != "longer than 131072 characters" {
		t.Errorf("ValidateType(deep) reason = %v", err)
	}
	ok := strings.Repeat("array<", 1000) + "int" + strings.Repeat(">", 1000)
	if err := catalog.ValidateType("c", ok); err != nil {
		t.Errorf("ValidateType(1000 levels) = %v", err)
	}
}
