package profile_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/profile"
)

func digest(k hashing.Key, n int) hashing.Cell {
	c, err := hashing.CellFromDigest(k, fmt.Sprintf("%064x", n))
	if err != nil {
		panic(err)
	}
	return c
}

// audienceRun builds a one-segment ("all": every person) result from
// (record, person, identifiers) triples.
func audienceRun(t *testing.T, b *profile.Builder, recs map[string]string, ids map[string][]hashing.Cell) *profile.Result {
	t.Helper()
	var as []identity.Assignment
	var rows []profile.Row
	for _, k := range slices.Sorted(mapKeys(recs)) {
		as = append(as, identity.Assignment{Record: identity.RecordRef{Source: "crm", Key: k}, Person: recs[k]})
		rows = append(rows, profile.Row{Source: "crm", Key: k, Time: runAt, Identifiers: ids[k]})
	}
	res, err := b.Build(t.Context(), seqOf(as), profile.Rows(rows))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func cellsOf(t *testing.T, s func(func([]hashing.Cell, error) bool)) [][]string {
	t.Helper()
	var out [][]string
	for row, err := range s {
		if err != nil {
			t.Fatal(err)
		}
		var r []string
		for _, c := range row {
			v := c.Value()
			if len(v) > 4 {
				v = v[len(v)-2:]
			}
			r = append(r, string(c.Key())+":"+v)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	return out
}

func TestAudience(t *testing.T) {
	ctx := context.Background()
	b, err := profile.NewBuilder(profile.Spec{Segments: []profile.Segment{{Name: "all", Text: "records >= 1"}, {Name: "none", Text: "records > 99"}}},
		func(o *profile.Options) { o.RunAt = runAt })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Run 1: A (email 1, 2; phone 3), B (email 4), C (email 5).
	prev := audienceRun(t, b, map[string]string{"a1": "pA", "a2": "pA", "b1": "pB", "c1": "pC"}, map[string][]hashing.Cell{
		"a1": {digest(hashing.Email, 1), digest(hashing.Phone, 3)}, "a2": {digest(hashing.Email, 2)},
		"b1": {digest(hashing.Email, 4)}, "c1": {digest(hashing.Email, 5)},
	})
	if got := prev.AudienceSchema(); !slices.Equal(got, meta.Schema{hashing.Email, hashing.Phone}) {
		t.Fatalf("schema %v", got)
	}
	pa, err := prev.Profile("pA")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := profile.MetaRows(&pa, prev.AudienceSchema())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][1].IsMissing() || !rows[1][1].IsMissing() || rows[1][0].IsMissing() {
		t.Fatalf("A's rows: %v", rows)
	}
	// Run 2: C merged into B (C's id gone, its email now B's); A gained
	// email 6; D (email 7) is new.
	cur := audienceRun(t, b, map[string]string{"a1": "pA", "a2": "pA", "a3": "pA", "b1": "pB", "c1": "pB", "d1": "pD"}, map[string][]hashing.Cell{
		"a1": {digest(hashing.Email, 1), digest(hashing.Phone, 3)}, "a2": {digest(hashing.Email, 2)}, "a3": {digest(hashing.Email, 6)},
		"b1": {digest(hashing.Email, 4)}, "c1": {digest(hashing.Email, 5)}, "d1": {digest(hashing.Email, 7)},
	})
	var changes []profile.Change
	for ch, err := range profile.Diff(ctx, prev, cur, "all") {
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, ch)
	}
	slices.SortFunc(changes, func(a, b profile.Change) int { return cmpStr(a.PersonID, b.PersonID) })
	want := []profile.Change{{Segment: "all", PersonID: "pC"}, {Segment: "all", PersonID: "pD", Entered: true}}
	if d := gocmp.Diff(want, changes); d != "" {
		t.Fatalf("diff (-want +got):\n%s", d)
	}
	schema, add, remove := profile.AudienceChanges(ctx, prev, cur, "all")
	if !slices.Equal(schema, meta.Schema{hashing.Email, hashing.Phone}) {
		t.Fatalf("schema %v", schema)
	}
	// B gained C's email 5 and A email 6 (added again: harmless, adds are
	// set operations); D entered.
	if d := gocmp.Diff([][]string{{"EMAIL:05", "PHONE:"}, {"EMAIL:06", "PHONE:"}, {"EMAIL:07", "PHONE:"}}, cellsOf(t, add)); d != "" {
		t.Fatalf("add (-want +got):\n%s", d)
	}
	// C's email 5 is B's now: nothing to remove.
	if got := cellsOf(t, remove); len(got) != 0 {
		t.Fatalf("remove: %v", got)
	}
	// Run 3: D gone entirely.
	next := audienceRun(t, b, map[string]string{"a1": "pA", "b1": "pB"}, map[string][]hashing.Cell{
		"a1": {digest(hashing.Email, 1)}, "b1": {digest(hashing.Email, 4)},
	})
	_, _, remove = profile.AudienceChanges(ctx, cur, next, "all")
	// A lost emails 2 and 6 and phone 3, B email 5; D left.
	if d := gocmp.Diff([][]string{{"EMAIL:02", "PHONE:"}, {"EMAIL:05", "PHONE:"}, {"EMAIL:06", "PHONE:03"}, {"EMAIL:07", "PHONE:"}}, cellsOf(t, remove)); d != "" {
		t.Fatalf("remove (-want +got):\n%s", d)
	}
	// No glue: the rows go straight into an upload.
	model := metatest.NewModel()
	aud := model.AddAudience()
	up := meta.NewUploader(metatest.NewRecorder(model))
	r, err := up.Replace(ctx, aud, cur.AudienceSchema(), cur.AudienceRows(ctx, "all"))
	if err != nil {
		t.Fatal(err)
	}
	if r.RowsSent != 6 || r.RowsRejected != 0 {
		t.Fatalf("upload: %d rows sent, %d rejected", r.RowsSent, r.RowsRejected)
	}
	if n := model.Size(aud); n != 6 {
		t.Fatalf("audience holds %d", n)
	}
	// An empty segment uploads nothing; an unknown one is an error.
	if got := cellsOf(t, cur.AudienceRows(ctx, "none")); len(got) != 0 {
		t.Fatal(got)
	}
	for _, err := range cur.AudienceRows(ctx, "nope") {
		if !errorsIs(err, profile.ErrNotFound) {
			t.Fatalf("unknown segment: %v", err)
		}
	}
}
