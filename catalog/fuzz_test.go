package catalog_test

import (
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/catalog"
)

// Escaping never lets a value add a directory level or a key/value
// separator, and always round-trips.
func FuzzEscapePathValue(f *testing.F) {
	for _, s := range []string{"", "a/b", "x=y", "%41", "__HIVE_DEFAULT_PARTITION__", "münchen", "\x00\x7f", "%", "%2", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		e := catalog.EscapePathValue(v)
		if strings.ContainsAny(e, "/=:") {
			t.Fatalf("escaped value contains a separator")
		}
		if v == catalog.HiveDefaultPartition {
			return // the one value that maps to "" by design
		}
		if got := catalog.UnescapePathValue(e); got != v {
			t.Fatalf("round trip changed the value")
		}
	})
}

func FuzzValidateType(f *testing.F) {
	for _, s := range []string{"string", "array<map<string,struct<a:int>>>", "decimal(38,38)", "struct<", "map<,>", "char(", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typ string) {
		_ = catalog.ValidateType("c", typ) // must not panic
	})
}

// Sanitized names are always valid column names.
func FuzzSanitizeNames(f *testing.F) {
	for _, s := range []string{"Customer ID", "", "\xff\xfe", "Crème", strings.Repeat("é", 200), "a-b-c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		out, renames, err := catalog.SanitizeNames([]string{name})
		if err != nil {
			t.Fatalf("single name collided: %v", err)
		}
		if verr := catalog.ValidateName("column", out[0]); verr != nil {
			t.Fatalf("sanitized name invalid: %v", verr)
		}
		if (len(renames) == 1) != (out[0] != name) {
			t.Fatalf("rename not reported")
		}
	})
}
