package profile_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/profile"
)

var runAt = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// testColumns: s String, n Int, f Float, t Time, b Bool.
var testColumns = []profile.Column{
	{Name: "s", Type: profile.String}, {Name: "n", Type: profile.Int}, {Name: "f", Type: profile.Float},
	{Name: "t", Type: profile.Time}, {Name: "b", Type: profile.Bool},
}

// genData makes persons with records across three sources, rows with
// random (often tied) times and values from small sets, so policies meet
// ties and repeats. (source, key, time) is unique per row.
type genRow struct {
	person string
	row    profile.Row
}

func genData(rng *rand.Rand, persons int) []genRow {
	sources := []string{"crm", "pos", "web"}
	strs := []string{"", "a", "b", "c"}
	var out []genRow
	rec := 0
	for p := range persons {
		pid := fmt.Sprintf("p%016x", rng.Uint64())
		if p%7 == 3 {
			pid = fmt.Sprintf("legacy-%d", p) // an id not of identity's form
		}
		for range 1 + rng.IntN(4) {
			rec++
			src := sources[rng.IntN(len(sources))]
			key := fmt.Sprintf("k%d", rec)
			used := map[int]bool{}
			for range 1 + rng.IntN(2) {
				d := rng.IntN(40) - 5 // some after the run time
				if used[d] {
					continue
				}
				used[d] = true
				var tm time.Time
				if d != -5 {
					tm = runAt.Add(-time.Duration(d) * 24 * time.Hour)
				}
				vals := make([]profile.Value, 5)
				if rng.IntN(4) > 0 {
					vals[0] = profile.StringValue(strs[rng.IntN(len(strs))])
				}
				if rng.IntN(3) > 0 {
					vals[1] = profile.IntValue(int64(rng.IntN(5)))
				}
				if rng.IntN(3) > 0 {
					vals[2] = profile.FloatValue(float64(rng.IntN(8)) / 2)
				}
				if rng.IntN(3) > 0 {
					vals[3] = profile.TimeValue(runAt.Add(-time.Duration(rng.IntN(5)) * time.Hour))
				}
				if rng.IntN(3) > 0 {
					vals[4] = profile.BoolValue(rng.IntN(2) == 0)
				}
				vals = vals[:rng.IntN(6)]
				var ids []hashing.Cell
				for range rng.IntN(3) {
					k := []hashing.Key{hashing.Email, hashing.Phone, hashing.ExternID}[rng.IntN(3)]
					var c hashing.Cell
					var err error
					if k == hashing.ExternID {
						c, err = hashing.HashCell(k, fmt.Sprintf("x%d", rng.IntN(6)))
					} else {
						c, err = hashing.CellFromDigest(k, fmt.Sprintf("%064x", rng.IntN(6)))
					}
					if err != nil {
						panic(err)
					}
					ids = append(ids, c)
				}
				out = append(out, genRow{person: pid, row: profile.Row{Source: src, Key: key, Time: tm, Values: vals, Identifiers: ids}})
			}
		}
	}
	return out
}

func assignmentsOf(data []genRow) []identity.Assignment {
	seen := map[identity.RecordRef]bool{}
	var out []identity.Assignment
	for _, g := range data {
		ref := identity.RecordRef{Source: g.row.Source, Key: g.row.Key}
		if !seen[ref] {
			seen[ref] = true
			out = append(out, identity.Assignment{Record: ref, Person: g.person})
		}
	}
	return out
}

func rowsOf(data []genRow) []profile.Row {
	out := make([]profile.Row, len(data))
	for i, g := range data {
		out[i] = g.row
	}
	return out
}

func seqOf[T any](s []T) iter.Seq[T] { return slices.Values(s) }

func shuffled[T any](rng *rand.Rand, s []T) []T {
	c := slices.Clone(s)
	rng.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	return c
}

func build(t testing.TB, spec profile.Spec, as []identity.Assignment, rows []profile.Row, opts ...func(*profile.Options)) (*profile.Builder, *profile.Result) {
	t.Helper()
	b, err := profile.NewBuilder(spec, append([]func(*profile.Options){func(o *profile.Options) { o.RunAt = runAt }}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	res, err := b.Build(t.Context(), seqOf(as), profile.Rows(rows))
	if err != nil {
		t.Fatal(err)
	}
	return b, res
}

func collect(t testing.TB, res *profile.Result) []profile.Profile {
	t.Helper()
	var out []profile.Profile
	for p, err := range res.Profiles(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

var valueCmp = gocmp.Comparer(func(a, b profile.Value) bool { return a.Equal(b) })

// naive is an independent, slow implementation of the policies.
type nrow struct {
	src, key string
	t        time.Time
	vals     []profile.Value
}

func (r nrow) val(i int) profile.Value {
	if i < len(r.vals) {
		return r.vals[i]
	}
	return profile.Null
}

func (r nrow) lin() profile.Lineage {
	return profile.Lineage{Source: r.src, RecordKey: r.key, ObservedAt: r.t}
}

func naiveOrder(rows []nrow) {
	slices.SortFunc(rows, func(a, b nrow) int {
		return cmp.Or(a.t.Compare(b.t), strings.Compare(a.src, b.src), strings.Compare(a.key, b.key))
	})
}

func naiveField(f profile.Field, col int, rows []nrow) profile.FieldValue {
	fv := profile.FieldValue{Name: f.Name}
	var idx []int
	for i, r := range rows {
		if !r.val(col).IsNull() {
			idx = append(idx, i)
		}
	}
	fv.Rows = len(idx)
	pick := func(i int) { fv.Value, fv.Lineage = rows[i].val(col), rows[i].lin() }
	lastWith := func(v profile.Value) int {
		l := -1
		for _, i := range idx {
			if rows[i].val(col).Equal(v) {
				l = i
			}
		}
		return l
	}
	switch f.Policy {
	case profile.MostRecent:
		if len(idx) > 0 {
			pick(idx[len(idx)-1])
		}
	case profile.Oldest:
		if len(idx) > 0 {
			pick(idx[0])
		}
	case profile.SourcePriority:
		best, bi := 1<<30, -1
		for _, i := range idx {
			r := slices.Index(f.Sources, rows[i].src)
			if r < 0 {
				r = len(f.Sources)
			}
			if r <= best {
				best, bi = r, i
			}
		}
		if bi >= 0 {
			pick(bi)
		}
	case profile.Min, profile.Max:
		if len(idx) == 0 {
			break
		}
		m := rows[idx[0]].val(col)
		for _, i := range idx {
			c := profile.Compare(rows[i].val(col), m)
			if f.Policy == profile.Max {
				c = -c
			}
			if c < 0 {
				m = rows[i].val(col)
			}
		}
		pick(lastWith(m))
	case profile.Sum:
		if len(idx) == 0 {
			break
		}
		var si int64
		var sf float64
		for _, i := range idx {
			si += rows[i].val(col).Int()
			sf += rows[i].val(col).Float()
		}
		fv.Lineage = rows[idx[len(idx)-1]].lin()
		if rows[idx[0]].val(col).Type() == profile.Int {
			fv.Value = profile.IntValue(si)
		} else {
			fv.Value = profile.FloatValue(sf)
		}
	case profile.Count:
		fv.Value = profile.IntValue(int64(len(idx)))
		if len(idx) > 0 {
			fv.Lineage = rows[idx[len(idx)-1]].lin()
		}
	case profile.MostFrequent:
		bestN, bestLast := 0, -1
		for _, i := range idx {
			v := rows[i].val(col)
			n := 0
			for _, j := range idx {
				if rows[j].val(col).Equal(v) {
					n++
				}
			}
			l := lastWith(v)
			if n > bestN || n == bestN && l > bestLast {
				bestN, bestLast = n, l
			}
		}
		if bestLast >= 0 {
			pick(bestLast)
			fv.Rows = bestN
		}
	case profile.UniqueList:
		var items []profile.Item
		for k := len(idx) - 1; k >= 0; k-- {
			v := rows[idx[k]].val(col)
			if !slices.ContainsFunc(items, func(it profile.Item) bool { return it.Value.Equal(v) }) {
				items = append(items, profile.Item{Value: v, Lineage: rows[idx[k]].lin()})
			}
		}
		max := f.MaxItems
		if max == 0 {
			max = profile.DefaultMaxItems
		}
		if len(items) > max {
			fv.Dropped = len(items) - max
			items = items[:max]
		}
		fv.Items = items
	}
	return fv
}

func slicesSort(s []string) { slices.Sort(s) }

func cmpStr(a, b string) int { return strings.Compare(a, b) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
