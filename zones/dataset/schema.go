package dataset

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Column is a column in the plain form a catalog needs: a name, a Hive/Glue
// type string ("string", "bigint", "timestamp", "array<string>", …) and an
// optional comment.
type Column struct {
	Name    string
	Type    string
	Comment string
}

// Schema describes a dataset for a catalog (AWS Glue, Hive metastore)
// without exposing zones or parquet-go types: strings and slices only, so
// catalog can convert it to Glue columns without importing this package's
// types into its API.
type Schema struct {
	// Name is the dataset name (its key prefix in the zone).
	Name string
	// Location is the dataset root URI ("s3://bucket/clean/customers/",
	// "file:///lake/clean/customers/"), ending in '/'; "" when the backend
	// cannot say (memzone).
	Location string
	// Columns are the data columns, in file order.
	Columns []Column
	// PartitionKeys are the Hive partition columns, in path order. Their
	// values live in the path (k=v/), not in the files.
	PartitionKeys []Column
	// Format is "parquet".
	Format string
	// Compression is the codec name: "snappy", "zstd", "gzip" or "none".
	Compression string
	// Parameters are column facts also written to every file's key-value
	// metadata, e.g. "cdpkit.hash_scheme.email" = "meta-sha256-v1".
	Parameters map[string]string
}

// errSchema marks schema derivation problems.
var errSchema = errors.New("unsupported schema")

// hiveType maps a parquet-go schema node to a Hive type string, following
// the Parquet→Hive mapping Glue and Athena use.
func hiveType(n parquet.Node) (string, error) {
	t, err := hiveTypeInner(n)
	if err != nil {
		return "", err
	}
	if n.Repeated() {
		return "array<" + t + ">", nil
	}
	return t, nil
}

func logical(n parquet.Node) format.LogicalTypeValue {
	if n.Type() == nil {
		return nil
	}
	lt := n.Type().LogicalType()
	if lt == nil {
		return nil
	}
	return lt.Value
}

func hiveTypeInner(n parquet.Node) (string, error) {
	lv := logical(n)
	if !n.Leaf() {
		fields := n.Fields()
		switch lv.(type) {
		case *format.ListType:
			// LIST: group { repeated group list { element } }.
			if len(fields) == 1 {
				inner := fields[0]
				if !inner.Leaf() && len(inner.Fields()) == 1 {
					t, err := hiveTypeInner(inner.Fields()[0])
					return "array<" + t + ">", err
				}
				t, err := hiveTypeInner(inner)
				return "array<" + t + ">", err
			}
		case *format.MapType:
			// MAP: group { repeated group key_value { key, value } }.
			if len(fields) == 1 && len(fields[0].Fields()) == 2 {
				kv := fields[0].Fields()
				k, err := hiveType(kv[0])
				if err != nil {
					return "", err
				}
				v, err := hiveType(kv[1])
				return "map<" + k + "," + v + ">", err
			}
		}
		parts := make([]string, 0, len(fields))
		for _, f := range fields {
			t, err := hiveType(f)
			if err != nil {
				return "", err
			}
			parts = append(parts, f.Name()+":"+t)
		}
		return "struct<" + strings.Join(parts, ",") + ">", nil
	}
	switch v := lv.(type) {
	case *format.StringType, *format.EnumType, *format.JsonType:
		return "string", nil
	case *format.DateType:
		return "date", nil
	case *format.TimestampType:
		if _, ok := v.Unit.Value.(*format.MilliSeconds); !ok {
			return "", fmt.Errorf("%w: timestamp columns must be timestamp(millisecond) for Glue/Spark (tag the field parquet:\",timestamp(millisecond)\")", errSchema)
		}
		return "timestamp", nil
	case *format.DecimalType:
		return fmt.Sprintf("decimal(%d,%d)", v.Precision, v.Scale), nil
	case *format.IntType:
		switch {
		case v.IsSigned && v.BitWidth == 8:
			return "tinyint", nil
		case v.IsSigned && v.BitWidth == 16:
			return "smallint", nil
		case v.IsSigned && v.BitWidth == 32:
			return "int", nil
		case v.IsSigned && v.BitWidth == 64:
			return "bigint", nil
		}
		// Parquet's UINT_8/16/32/64 annotations are refused by older
		// Spark/Glue readers (and UINT_64 has no lossless Hive type):
		// the next signed width holds every value.
		signed := map[int8]string{8: "int16", 16: "int32", 32: "int64", 64: "int64 (values above 2^63-1 do not fit any Hive type)"}[v.BitWidth]
		return "", fmt.Errorf("%w: unsigned %d-bit integers are written as UINT_%d, which older Spark and Glue readers reject: use %s", errSchema, v.BitWidth, v.BitWidth, signed)
	case *format.BsonType:
		return "binary", nil
	case nil:
	default:
		// TIME, UUID, FLOAT16, VARIANT, GEOMETRY, …: Spark's Parquet
		// reader (Glue 3.0/4.0) fails on them as illegal types, and Hive
		// has no type to declare them with.
		return "", fmt.Errorf("%w: logical type %v has no Hive/Spark equivalent (drop the annotation: time.Duration is then bigint, [16]byte binary)", errSchema, n.Type().LogicalType())
	}
	switch n.Type().Kind() {
	case parquet.Boolean:
		return "boolean", nil
	case parquet.Int32:
		return "int", nil
	case parquet.Int64:
		return "bigint", nil
	case parquet.Int96:
		return "timestamp", nil
	case parquet.Float:
		return "float", nil
	case parquet.Double:
		return "double", nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return "binary", nil
	}
	return "", fmt.Errorf("%w: parquet type %s", errSchema, n.Type())
}

// schemeTags reads `cdpkit:"scheme=<name>"` tags on T's top-level fields,
// keyed by Parquet column name.
func schemeTags(t reflect.Type) map[string]string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]string{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("cdpkit")
		if !ok {
			continue
		}
		name := f.Name
		if pt, ok := f.Tag.Lookup("parquet"); ok {
			if n, _, _ := strings.Cut(pt, ","); n == "-" {
				continue
			} else if n != "" {
				name = n
			}
		}
		for kv := range strings.SplitSeq(tag, ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == "scheme" && v != "" {
				out[name] = v
			}
		}
	}
	return out
}

// timeDates finds time.Time fields (at any depth) tagged date: parquet-go
// writes them as truncated nanoseconds, not days, so they are refused and
// Date is the type to use. It returns the offending column's path.
func timeDates(t reflect.Type, path string, seen map[reflect.Type]bool) string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() || seen[t] {
		return ""
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		var opts []string
		if tag, ok := f.Tag.Lookup("parquet"); ok {
			n, rest, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
			opts = strings.Split(rest, ",")
		}
		if path != "" {
			name = path + "." + name
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array {
			ft = ft.Elem()
		}
		if ft == reflect.TypeFor[time.Time]() && slices.Contains(opts, "date") {
			return name
		}
		if p := timeDates(f.Type, name, seen); p != "" {
			return p
		}
	}
	return ""
}

// nameRule is what catalogName checks, for messages.
const nameRule = "Glue/Athena and Clean Rooms take column names of 1-127 lowercase letters, digits and underscores"

// catalogName reports whether name is a column name both the Glue Data
// Catalog (as Athena queries it: lowercase, no special characters) and AWS
// Clean Rooms (allowed columns and analysis rules: at most 127 characters)
// accept, so that a dataset is refused when it is declared rather than
// after its files are written.
func catalogName(name string) bool {
	if name == "" || len(name) > 127 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// columnNameProblem checks a top-level column's name and its nested fields'
// names, returning a message or "".
func columnNameProblem(n parquet.Field) string {
	var walk func(path string, n parquet.Node) string
	walk = func(path string, n parquet.Node) string {
		if n.Leaf() {
			return ""
		}
		for _, f := range n.Fields() {
			// LIST and MAP groups have fixed inner names (list, element,
			// key_value, key, value) that are not column names.
			p := path
			if lv := logical(n); lv == nil {
				if !catalogName(f.Name()) {
					return fmt.Sprintf("column %q: field %q: %s", path, f.Name(), nameRule)
				}
				p = path + "." + f.Name()
			}
			if m := walk(p, f); m != "" {
				return m
			}
		}
		return ""
	}
	if !catalogName(n.Name()) {
		return fmt.Sprintf("column %q: %s", n.Name(), nameRule)
	}
	return walk(n.Name(), n)
}
