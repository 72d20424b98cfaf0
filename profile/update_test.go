package profile_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/profile"
)

// linked makes records of true persons that identity links by email or
// phone: a record carries one or both of its person's identifiers, so a
// later record with both merges clusters made by earlier ones.
type linkedRec struct {
	rec  identity.Record
	rows []profile.Row
}

func genLinked(rng *rand.Rand, persons int) []linkedRec {
	sources := []string{"crm", "pos", "web"}
	var out []linkedRec
	n := 0
	for p := range persons {
		em := fmt.Sprintf("%064x", uint64(p)*7919+1)
		ph := fmt.Sprintf("%064x", uint64(p)*104729+2)
		for range 1 + rng.IntN(4) {
			n++
			src := sources[rng.IntN(3)]
			key := fmt.Sprintf("r%d", n)
			tm := runAt.Add(-time.Duration(rng.IntN(60*24)) * time.Hour)
			var ids []identity.Identifier
			var cells []hashing.Cell
			switch rng.IntN(3) {
			case 0:
				ids = []identity.Identifier{{Kind: "EMAIL", Value: em}}
			case 1:
				ids = []identity.Identifier{{Kind: "PHONE", Value: ph}}
			default:
				ids = []identity.Identifier{{Kind: "EMAIL", Value: em}, {Kind: "PHONE", Value: ph}}
			}
			for _, id := range ids {
				c, err := hashing.CellFromDigest(hashing.Key(id.Kind), id.Value)
				if err != nil {
					panic(err)
				}
				cells = append(cells, c)
			}
			lr := linkedRec{rec: identity.Record{Source: src, Key: key, Time: tm, Identifiers: ids}}
			for range 1 + rng.IntN(2) {
				vals := []profile.Value{profile.StringValue([]string{"a", "b", "c"}[rng.IntN(3)]), profile.IntValue(int64(rng.IntN(9))),
					profile.FloatValue(float64(rng.IntN(10))), profile.TimeValue(tm), profile.BoolValue(rng.IntN(2) == 0)}
				lr.rows = append(lr.rows, profile.Row{Source: src, Key: key, Time: tm.Add(time.Duration(len(lr.rows)) * time.Minute), Values: vals, Identifiers: cells})
			}
			out = append(out, lr)
		}
	}
	return out
}

func records(ls []linkedRec) func(func(identity.Record, error) bool) {
	return func(yield func(identity.Record, error) bool) {
		for _, l := range ls {
			if !yield(l.rec, nil) {
				return
			}
		}
	}
}

func rowsOfLinked(ls []linkedRec) []profile.Row {
	var out []profile.Row
	for _, l := range ls {
		out = append(out, l.rows...)
	}
	return out
}

func sortedRejections(r *profile.Result) []profile.Rejection {
	rej := r.Rejected()
	slices.SortFunc(rej, func(a, b profile.Rejection) int {
		if c := gocmp.Equal(a, b); c {
			return 0
		}
		if a.Source+"/"+a.Key+"/"+a.Reason < b.Source+"/"+b.Key+"/"+b.Reason {
			return -1
		}
		return 1
	})
	return rej
}

func TestUpdateEqualsFullBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("identity runs; short mode")
	}
	ctx := context.Background()
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 99))
		all := shuffled(rng, genLinked(rng, 150))
		// Batches: the first holds half the records; some of its rows'
		// records only reach identity in the second batch (rows without
		// a person at first, placed by the Update).
		cut := []int{0, len(all) / 2, len(all) * 2 / 3, len(all) * 5 / 6, len(all)}
		late := all[cut[1] : cut[1]+5]
		ires, err := identity.Resolve(ctx, records(all[:cut[1]]), func(o *identity.Options) { o.Incremental = true })
		if err != nil {
			t.Fatal(err)
		}
		b, err := profile.NewBuilder(fullSpec(), func(o *profile.Options) {
			o.RunAt = runAt
			if seed == 0 {
				// Spill and keep state in files.
				o.MemoryBudget = 64 << 10
				o.TempDir = t.TempDir()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		firstRows := append(rowsOfLinked(all[:cut[1]]), rowsOfLinked(late)...)
		cur, err := b.Build(ctx, ires.Assignments(), profile.Rows(firstRows))
		if err != nil {
			t.Fatal(err)
		}
		if cur.Stats().Rejected == 0 {
			t.Fatal("the late records' rows were not rejected")
		}
		rowsSoFar := slices.Clone(firstRows)
		merges := 0
		for i := 1; i < len(cut)-1; i++ {
			batch := all[cut[i]:cut[i+1]]
			ires, err = ires.Add(ctx, records(batch))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ires.Events() {
				if e.Kind == identity.EventMerged {
					merges++
				}
			}
			newRows := rowsOfLinked(batch)
			if i == 1 {
				newRows = rowsOfLinked(batch[len(late):]) // the late rows came in the first run
			}
			rowsSoFar = append(rowsSoFar, newRows...)
			up, err := b.Update(ctx, cur, ires.Lookup, ires.Events(), profile.Rows(newRows))
			if err != nil {
				t.Fatal(err)
			}
			full, err := b.Build(ctx, ires.Assignments(), profile.Rows(shuffled(rng, rowsSoFar)))
			if err != nil {
				t.Fatal(err)
			}
			if up.Stats().Updated == 0 || up.Stats().Updated >= full.Stats().Persons {
				t.Fatalf("seed %d batch %d: %d persons rebuilt of %d", seed, i, up.Stats().Updated, full.Stats().Persons)
			}
			fs, us := full.Stats(), up.Stats()
			if fs.Persons != us.Persons || fs.Rows != us.Rows || fs.Rejected != us.Rejected || gocmp.Diff(fs.Segments, us.Segments) != "" ||
				fs.IdentifiersDropped != us.IdentifiersDropped || fs.ItemsDropped != us.ItemsDropped {
				t.Fatalf("seed %d batch %d: update stats %+v, full %+v", seed, i, us, fs)
			}
			if d := gocmp.Diff(sortedRejections(full), sortedRejections(up)); d != "" {
				t.Fatalf("seed %d batch %d: rejections differ:\n%s", seed, i, d)
			}
			want, got := snapshot(t, full), snapshot(t, up)
			if d := gocmp.Diff(keys(want), keys(got)); d != "" {
				t.Fatalf("seed %d batch %d: keys differ\n%s", seed, i, d)
			}
			for k := range want {
				if want[k] != got[k] {
					wp, gp := collect(t, full), collect(t, up)
					t.Fatalf("seed %d batch %d: %s differs (%d vs %d profiles; first diff %s)", seed, i, k, len(wp), len(gp), firstDiff(wp, gp))
				}
			}
			for _, s := range up.SegmentNames() {
				for ch, err := range profile.Diff(ctx, cur, up, s) {
					if err != nil {
						t.Fatal(err)
					}
					_ = ch
				}
			}
			if i == 1 && up.Stats().Rejected != 0 {
				t.Fatalf("seed %d: %d rows still rejected after their records were resolved", seed, up.Stats().Rejected)
			}
			cur = up
		}
		if merges == 0 {
			t.Fatalf("seed %d: no merge events: the test does not exercise them", seed)
		}
	}
}

func firstDiff(a, b []profile.Profile) string {
	for i := range min(len(a), len(b)) {
		if d := gocmp.Diff(a[i], b[i], valueCmp); d != "" {
			return d
		}
	}
	return "lengths"
}

// TestUpdateSplitsAndMerges moves records between persons as identity's
// events describe (splits and merges, no new rows) and checks Update
// against a full Build.
func TestUpdateSplitsAndMerges(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(21, 22))
	data := genData(rng, 200)
	old := assignmentsOf(data)
	b, err := profile.NewBuilder(fullSpec(), func(o *profile.Options) { o.RunAt = runAt })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	prev, err := b.Build(ctx, seqOf(old), profile.Rows(rowsOf(data)))
	if err != nil {
		t.Fatal(err)
	}
	byPerson := map[string][]int{}
	var persons []string
	for i, a := range old {
		if _, ok := byPerson[a.Person]; !ok {
			persons = append(persons, a.Person)
		}
		byPerson[a.Person] = append(byPerson[a.Person], i)
	}
	next := slices.Clone(old)
	var events []identity.Event
	splits, merges := 0, 0
	for k := 0; k+1 < len(persons); k += 9 {
		p, q := persons[k], persons[k+1]
		if recs := byPerson[p]; len(recs) >= 2 {
			// The second half of p's records become a new person.
			nid := fmt.Sprintf("p%016x", rng.Uint64())
			for _, i := range recs[len(recs)/2:] {
				next[i].Person = nid
			}
			events = append(events, identity.Event{Kind: identity.EventSplit, Person: nid, From: p})
			splits++
			continue
		}
		// q merges into p.
		for _, i := range byPerson[q] {
			next[i].Person = p
		}
		events = append(events, identity.Event{Kind: identity.EventMerged, Person: p, From: q})
		merges++
	}
	if splits == 0 || merges == 0 {
		t.Fatalf("%d splits, %d merges", splits, merges)
	}
	lookup := map[identity.RecordRef]string{}
	for _, a := range next {
		lookup[a.Record] = a.Person
	}
	up, err := b.Update(ctx, prev, func(r identity.RecordRef) (string, bool) { p, ok := lookup[r]; return p, ok }, events, profile.Rows(nil))
	if err != nil {
		t.Fatal(err)
	}
	full, err := b.Build(ctx, seqOf(shuffled(rng, next)), profile.Rows(shuffled(rng, rowsOf(data))))
	if err != nil {
		t.Fatal(err)
	}
	if up.Stats().Updated == 0 || up.Stats().Persons != full.Stats().Persons {
		t.Fatalf("update %+v, full %+v", up.Stats(), full.Stats())
	}
	want, got := snapshot(t, full), snapshot(t, up)
	for k := range want {
		if want[k] != got[k] {
			t.Fatalf("%s differs: %s", k, firstDiff(collect(t, full), collect(t, up)))
		}
	}
	if len(want) != len(got) {
		t.Fatalf("%d objects, want %d", len(got), len(want))
	}
}
