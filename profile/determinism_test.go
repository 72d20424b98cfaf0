package profile_test

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/profile"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

func fullSpec() profile.Spec {
	spec, _ := allPoliciesSpec()
	spec.Traits = []profile.Trait{
		{Name: "orders", Agg: profile.AggCount, Column: "f"},
		{Name: "spend_30d", Agg: profile.AggSum, Column: "f", Window: 30 * 24 * time.Hour},
	}
	spec.Segments = []profile.Segment{
		{Name: "recent", Text: `last_seen within 7d`},
		{Name: "spenders", Text: `spend_30d >= 2.5 and (recent_s in ("a", "b") or not exists id.EMAIL)`},
		{Name: "multi", Where: profile.Or(profile.Ge("records", profile.IntValue(3)), profile.In("sources", profile.StringValue("pos")))},
	}
	return spec
}

// snapshot writes a Result to a fresh store and returns every object's
// bytes by key.
func snapshot(t *testing.T, res *profile.Result) map[string]string {
	t.Helper()
	ctx := context.Background()
	store := zones.New(memzone.New())
	ds, err := profile.NewDatasets(store, "cdp/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Write(ctx, res); err != nil {
		t.Fatal(err)
	}
	return objects(t, store)
}

func objects(t *testing.T, store *zones.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for o, err := range store.Objects(ctx, zones.Curated, "") {
		if err != nil {
			t.Fatal(err)
		}
		rc, err := store.Get(ctx, zones.Curated, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = string(b)
	}
	return out
}

func TestAnyOrderSameBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	data := genData(rng, 300)
	as, rows := assignmentsOf(data), rowsOf(data)
	_, base := build(t, fullSpec(), as, rows)
	want := snapshot(t, base)
	if len(want) != 4+3 {
		t.Fatalf("%d objects, want 4 datasets and one members partition per segment: %v", len(want), keys(want))
	}
	for i, o := range []func(*profile.Options){
		func(o *profile.Options) {},
		// A budget of a few rows: rows spill to files and the state
		// lives in files.
		func(o *profile.Options) { o.MemoryBudget = 512; o.Concurrency = 3; o.TempDir = t.TempDir() },
		func(o *profile.Options) { o.Concurrency = 1 },
	} {
		_, res := build(t, fullSpec(), shuffled(rng, as), shuffled(rng, rows), o)
		if i == 1 && (res.Stats().SpilledBytes == 0 || res.Stats().StateFiles == 0) {
			t.Fatalf("tiny budget: stats %+v, want spilling and state files", res.Stats())
		}
		got := snapshot(t, res)
		if d := gocmp.Diff(keys(want), keys(got)); d != "" {
			t.Fatalf("run %d: object keys differ:\n%s", i, d)
		}
		for k := range want {
			if want[k] != got[k] {
				t.Fatalf("run %d: %s differs", i, k)
			}
		}
		ws, gs := base.Stats(), res.Stats()
		if ws.Persons != gs.Persons || ws.Rows != gs.Rows || gocmp.Diff(ws.Segments, gs.Segments) != "" {
			t.Fatalf("run %d: stats %+v, want %+v", i, gs, ws)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slicesSort(out)
	return out
}

func TestRerunReplaces(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 5))
	data := genData(rng, 100)
	store := zones.New(memzone.New())
	ds, err := profile.NewDatasets(store, "")
	if err != nil {
		t.Fatal(err)
	}
	_, res := build(t, fullSpec(), assignmentsOf(data), rowsOf(data))
	if _, err := ds.Write(ctx, res); err != nil {
		t.Fatal(err)
	}
	first := objects(t, store)
	w, err := ds.Write(ctx, res)
	if err != nil {
		t.Fatal(err)
	}
	if d := gocmp.Diff(first, objects(t, store)); d != "" || len(w.Profiles.Removed) != 0 {
		t.Fatalf("unchanged rerun changed the zone (removed %v):\n%s", w.Profiles.Removed, d)
	}
	// Fewer persons: every dataset is replaced, nothing duplicated.
	_, res2 := build(t, fullSpec(), assignmentsOf(data[:len(data)/2]), rowsOf(data[:len(data)/2]))
	w, err = ds.Write(ctx, res2)
	if err != nil {
		t.Fatal(err)
	}
	if w.Profiles.Rows != int64(res2.Stats().Persons) || len(w.Profiles.Removed) != 1 {
		t.Fatalf("second write: %d rows, removed %v", w.Profiles.Rows, w.Profiles.Removed)
	}
	n := 0
	for p, err := range ds.Profiles.Rows(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		_ = p
		n++
	}
	if n != res2.Stats().Persons {
		t.Fatalf("profiles dataset holds %d rows, want %d", n, res2.Stats().Persons)
	}
}
