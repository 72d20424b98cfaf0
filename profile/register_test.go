package profile_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/profile"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

func TestRegister(t *testing.T) {
	ctx := t.Context()
	fz, err := filezone.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store := zones.New(fz)
	rng := rand.New(rand.NewPCG(8, 8))
	data := genData(rng, 100)
	_, res := build(t, fullSpec(), assignmentsOf(data), rowsOf(data))
	ds, err := profile.NewDatasets(store, "")
	if err != nil {
		t.Fatal(err)
	}
	w, err := ds.Write(ctx, res)
	if err != nil {
		t.Fatal(err)
	}
	glue := catalogtest.NewGlue()
	reg := catalog.New(glue)
	if err := ds.Register(ctx, reg, "cdp_curated", w); err != nil {
		t.Fatal(err)
	}
	var names []string
	for tb, err := range reg.Tables(ctx, "cdp_curated") {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tb.Name)
	}
	slices.Sort(names)
	if want := []string{"profile_fields", "profile_identifiers", "profile_traits", "profiles", "segment_members"}; !slices.Equal(names, want) {
		t.Fatalf("tables %v, want %v", names, want)
	}
	tb, err := reg.Table(ctx, "cdp_curated", "profile_fields")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, c := range tb.Columns {
		types[c.Name] = c.Type
	}
	if types["long_value"] != "bigint" || types["timestamp_value"] != "timestamp" || types["double_value"] != "double" || types["observed_at"] != "timestamp" {
		t.Fatalf("profile_fields columns %v", types)
	}
	var parts int
	for _, err := range reg.Partitions(ctx, "cdp_curated", "segment_members") {
		if err != nil {
			t.Fatal(err)
		}
		parts++
	}
	if parts != 3 {
		t.Fatalf("%d segment partitions, want 3", parts)
	}
	// A rerun changes nothing in the catalog.
	before := tb.VersionID
	if err := ds.Register(ctx, reg, "cdp_curated", w); err != nil {
		t.Fatal(err)
	}
	tb, err = reg.Table(ctx, "cdp_curated", "profile_fields")
	if err != nil {
		t.Fatal(err)
	}
	if tb.VersionID != before {
		t.Fatalf("rerun updated the table: version %s -> %s", before, tb.VersionID)
	}
}
