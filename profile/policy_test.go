package profile_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/profile"
)

// allPolicies covers every policy on every column type it accepts.
func allPoliciesSpec() (profile.Spec, []int) {
	var fields []profile.Field
	var cols []int
	add := func(name, col string, p profile.Policy, f func(*profile.Field)) {
		fd := profile.Field{Name: name, Column: col, Policy: p}
		if f != nil {
			f(&fd)
		}
		fields = append(fields, fd)
		cols = append(cols, slices.IndexFunc(testColumns, func(c profile.Column) bool { return c.Name == col }))
	}
	for _, c := range []string{"s", "n", "f", "t", "b"} {
		add("recent_"+c, c, profile.MostRecent, nil)
		add("oldest_"+c, c, profile.Oldest, nil)
		add("prio_"+c, c, profile.SourcePriority, func(f *profile.Field) { f.Sources = []string{"web", "crm"} })
		add("freq_"+c, c, profile.MostFrequent, nil)
		add("min_"+c, c, profile.Min, nil)
		add("max_"+c, c, profile.Max, nil)
		add("count_"+c, c, profile.Count, nil)
		add("list_"+c, c, profile.UniqueList, func(f *profile.Field) { f.MaxItems = 2 })
	}
	add("sum_n", "n", profile.Sum, nil)
	add("sum_f", "f", profile.Sum, nil)
	return profile.Spec{Columns: testColumns, Fields: fields}, cols
}

func TestPoliciesMatchNaive(t *testing.T) {
	spec, cols := allPoliciesSpec()
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 1))
		data := genData(rng, 60)
		_, res := build(t, spec, assignmentsOf(data), rowsOf(data))
		got := map[string]profile.Profile{}
		for _, p := range collect(t, res) {
			got[p.PersonID] = p
		}
		byPerson := map[string][]nrow{}
		for _, g := range data {
			var tm time.Time
			if !g.row.Time.IsZero() {
				tm = g.row.Time.UTC()
			}
			byPerson[g.person] = append(byPerson[g.person], nrow{src: g.row.Source, key: g.row.Key, t: tm, vals: g.row.Values})
		}
		if len(got) != len(byPerson) {
			t.Fatalf("seed %d: %d profiles, want %d", seed, len(got), len(byPerson))
		}
		for person, rows := range byPerson {
			naiveOrder(rows)
			p := got[person]
			for i, f := range spec.Fields {
				want := naiveField(f, cols[i], rows)
				if d := gocmp.Diff(want, p.Fields[i], valueCmp); d != "" {
					t.Fatalf("seed %d, field %s (%s): (-naive +got)\n%s", seed, f.Name, f.Policy, d)
				}
			}
		}
	}
}

func TestTraitsMatchNaive(t *testing.T) {
	spec := profile.Spec{Columns: testColumns, Traits: []profile.Trait{
		{Name: "rows_all", Agg: profile.AggCount},
		{Name: "n_count_web", Agg: profile.AggCount, Column: "n", Sources: []string{"web"}},
		{Name: "n_sum_10d", Agg: profile.AggSum, Column: "n", Window: 10 * 24 * time.Hour},
		{Name: "f_avg", Agg: profile.AggAvg, Column: "f"},
		{Name: "t_min", Agg: profile.AggMin, Column: "t"},
		{Name: "s_max", Agg: profile.AggMax, Column: "s"},
		{Name: "s_distinct", Agg: profile.AggCountDistinct, Column: "s"},
	}}
	rng := rand.New(rand.NewPCG(7, 7))
	data := genData(rng, 80)
	_, res := build(t, spec, assignmentsOf(data), rowsOf(data), func(o *profile.Options) { o.FrequencyWindow = 20 * 24 * time.Hour })
	byPerson := map[string][]genRow{}
	for _, g := range data {
		byPerson[g.person] = append(byPerson[g.person], g)
	}
	for _, p := range collect(t, res) {
		rows := byPerson[p.PersonID]
		var first, last time.Time
		freq := 0
		perSource := map[string]int{}
		var cnt, cntWeb, sumN int64
		var sumF float64
		var nF int
		var tMin, sMax profile.Value
		var distinct []string
		inWin := func(tm time.Time, w time.Duration) bool {
			return !tm.IsZero() && !tm.After(runAt) && !tm.Before(runAt.Add(-w))
		}
		for _, g := range rows {
			r := g.row
			perSource[r.Source]++
			if !r.Time.IsZero() {
				if first.IsZero() || r.Time.Before(first) {
					first = r.Time
				}
				if r.Time.After(last) {
					last = r.Time
				}
				if r.Time.After(runAt.Add(-20*24*time.Hour)) && !r.Time.After(runAt) {
					freq++
				}
			}
			val := func(i int) profile.Value {
				if i < len(r.Values) {
					return r.Values[i]
				}
				return profile.Null
			}
			cnt++
			if r.Source == "web" && !val(1).IsNull() {
				cntWeb++
			}
			if inWin(r.Time, 10*24*time.Hour) && !val(1).IsNull() {
				sumN += val(1).Int()
			}
			if v := val(2); !v.IsNull() {
				sumF += v.Float()
				nF++
			}
			if v := val(3); !v.IsNull() && (tMin.IsNull() || profile.Compare(v, tMin) < 0) {
				tMin = v
			}
			if v := val(0); !v.IsNull() {
				if sMax.IsNull() || profile.Compare(v, sMax) > 0 {
					sMax = v
				}
				if !slices.Contains(distinct, v.Str()) {
					distinct = append(distinct, v.Str())
				}
			}
		}
		tr := p.Traits
		if tr.Records != len(rows) || !tr.FirstSeen.Equal(first) || !tr.LastSeen.Equal(last) || tr.Frequency != freq {
			t.Fatalf("%s: built-in traits %+v, want records %d first %v last %v freq %d", p.PersonID, tr, len(rows), first, last, freq)
		}
		for _, sc := range tr.Sources {
			if perSource[sc.Source] != sc.Rows {
				t.Fatalf("%s: source %s rows %d, want %d", p.PersonID, sc.Source, sc.Rows, perSource[sc.Source])
			}
		}
		if len(tr.Sources) != len(perSource) {
			t.Fatalf("%s: %d sources, want %d", p.PersonID, len(tr.Sources), len(perSource))
		}
		wantRecency := -1
		if !last.IsZero() {
			wantRecency = max(0, int(runAt.Sub(last)/(24*time.Hour)))
		}
		if tr.RecencyDays != wantRecency {
			t.Fatalf("%s: recency %d, want %d", p.PersonID, tr.RecencyDays, wantRecency)
		}
		avg := profile.Null
		if nF > 0 {
			avg = profile.FloatValue(sumF / float64(nF))
		}
		sumWant := profile.Null
		for _, g := range rows {
			if inWin(g.row.Time, 10*24*time.Hour) && len(g.row.Values) > 1 && !g.row.Values[1].IsNull() {
				sumWant = profile.IntValue(sumN)
			}
		}
		want := []profile.Value{profile.IntValue(cnt), profile.IntValue(cntWeb), sumWant, avg, tMin, sMax, profile.IntValue(int64(len(distinct)))}
		for i, v := range want {
			if got := tr.Custom[i].Value; !got.Equal(v) {
				t.Fatalf("%s: trait %s = %v, want %v", p.PersonID, tr.Custom[i].Name, got, v)
			}
		}
	}
}

func TestIdentifiersBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	data := genData(rng, 50)
	_, res := build(t, profile.Spec{Columns: testColumns}, assignmentsOf(data), rowsOf(data), func(o *profile.Options) { o.MaxIdentifiersPerKey = 1 })
	total := 0
	for _, p := range collect(t, res) {
		seen := map[string]int{}
		for _, id := range p.Identifiers {
			seen[string(id.Key)]++
			if seen[string(id.Key)] > 1 {
				t.Fatalf("%s: more than one %s", p.PersonID, id.Key)
			}
		}
		total += p.IdentifiersDropped
	}
	if total == 0 || res.Stats().IdentifiersDropped != total {
		t.Fatalf("dropped %d, stats %d", total, res.Stats().IdentifiersDropped)
	}
}
